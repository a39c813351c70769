#include "amphora/server/destination_channels.hpp"

#include <algorithm>
#include <utility>

namespace amphora::server {

void destination_channels::add_endpoint(std::string_view path, std::string_view channel) {
  auto it = endpoints_.find(path);
  if (it == endpoints_.end()) it = endpoints_.emplace(std::string(path), std::vector<std::string>{}).first;
  if (std::find(it->second.begin(), it->second.end(), channel) == it->second.end())
    it->second.emplace_back(channel);
}

void destination_channels::set_channels(std::string_view destination, std::vector<std::string> channels) {
  if (channels.empty()) {
    if (auto it = destinations_.find(destination); it != destinations_.end()) destinations_.erase(it);
    return;
  }
  destinations_.insert_or_assign(std::string(destination), std::move(channels));
}

std::string destination_channels::refusal(std::string_view destination, std::string_view path) const {
  const auto listed_for = destinations_.find(destination);
  if (listed_for == destinations_.end()) return {};
  const auto served = endpoints_.find(path);
  if (served != endpoints_.end()) {
    for (const std::string& channel : served->second) {
      if (std::find(listed_for->second.begin(), listed_for->second.end(), channel) !=
          listed_for->second.end())
        return {};
    }
  }
  const std::string_view channel =
      served != endpoints_.end() && !served->second.empty() ? std::string_view(served->second.front()) : path;
  return "Destination '" + std::string(destination) + "' not accessible over channel '" +
         std::string(channel) + "'.";
}

std::string destination_channels::listed(std::string_view destination) const {
  const auto it = destinations_.find(destination);
  std::string out;
  if (it == destinations_.end()) return out;
  for (const std::string& channel : it->second) out += (out.empty() ? "" : ", ") + channel;
  return out;
}

}  // namespace amphora::server
