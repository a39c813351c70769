// Which channels may reach which destinations: BlazeDS's per-destination `<channels>` (with the
// service's and the file's `<default-channels>`), enforced (docs/protocol.md, "Channels of a
// destination"). An endpoint is known by the URL path it is mounted at, and a path by the ids of
// the channel-definitions served there. A destination with a channel list is reached only through
// a path one of whose channels is in the list; a destination without one through every path.
//
//   auto rules = std::make_shared<server::destination_channels>();
//   rules->add_endpoint("/messagebroker/amfpolling", "my-polling-amf");
//   rules->set_channels("chat", {"my-polling-amf"});
//   options.allowed_channels = rules;  // gateway_options, websocket_channel_options
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace amphora::server {

class destination_channels {
 public:
  // The channel-definition `channel` is served at `path`.
  void add_endpoint(std::string_view path, std::string_view channel);
  // `destination` may be reached only through `channels` (channel-definition ids); empty: any.
  void set_channels(std::string_view destination, std::vector<std::string> channels);

  // "" when `destination` may be reached through `path`; else the refusal, as BlazeDS words it
  // (error 10005): "Destination 'chat' not accessible over channel 'my-amf'." (the path's first
  // channel id, or the path itself when no channel-definition is served there).
  std::string refusal(std::string_view destination, std::string_view path) const;
  // The channels listed for `destination`, comma-separated ("" when it has no list).
  std::string listed(std::string_view destination) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> endpoints_;     // path -> channel ids
  std::map<std::string, std::vector<std::string>, std::less<>> destinations_;  // id -> channel ids
};

}  // namespace amphora::server
