// Reading the channel and destination parts of a BlazeDS services-config.xml, so an existing Flex
// application's configuration can point at Amphora unchanged:
//  - channel-definitions: each AMF endpoint's URL path (`http://{server.name}:{server.port}/
//    {context.root}/messagebroker/amf` -> `/messagebroker/amf`) is where the gateway is mounted;
//    polling channels (`<polling-enabled>true`) are mounted too, with their long-poll settings
//    (wait-interval-millis, max-waiting-poll-requests, client-wait-interval-millis); streaming
//    channels get the HTTP streaming channel (server/streaming_channel.hpp) with the settings of
//    their <properties> (max-streaming-clients, server-to-client-heartbeat-millis,
//    connection-idle-timeout-minutes, user-agent-settings); WebSocket channels (a ws:// or wss://
//    URL, or a class naming WebSocket) get the WebSocket channel;
//    secure channels (SecureAMFChannel, SecureAMFEndpoint, https URLs) are marked so:
//    `amphora serve` serves them on its TLS listener (--tls-cert, --tls-key), and says so when it has none;
//  - the remoting service's destinations, also from `<service-include file-path=...>` files
//    (relative to the including file): destination id -> the registered C++ destination that
//    answers it (`<properties><source>`, or the id itself);
//  - the messaging service's destinations (flex.messaging.services.MessageService) with their
//    network and server properties, and `<flex-client><timeout-minutes>`;
//  - each destination's channels: its `<channels>`, else its service's `<default-channels>`, else
//    the file's `<services><default-channels>`; channel_rules() enforces them per endpoint path.
// The keys read, and the BlazeDS keys ignored, are listed in docs/server.md ("services-config.xml").
// A messaging or polling property Amphora does not know, or a value of the wrong type, refuses the
// file (FILE:LINE: reason); other sections (security, logging, ...) are ignored with a note. The
// XML is parsed by pugixml, which never reads a DTD nor expands entities beyond the five
// predefined ones.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/messaging/broker.hpp"
#include "amphora/server/destination_channels.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/service.hpp"
#include "amphora/server/streaming_channel.hpp"

namespace amphora::server {

struct services_config {
  struct channel {
    std::string id;            // "my-amf"
    std::string endpoint_url;  // as written, "http://{server.name}:{server.port}/{context.root}/..."
    std::string path;          // "/messagebroker/amf" ("" if the URL has no usable path)
    std::string kind;          // "amf", "polling", "streaming", "websocket" or "other"
    bool mounted = false;      // an AMF, polling, streaming or WebSocket endpoint with a usable path
    bool secure = false;       // a Secure* channel or endpoint class, or an https URL: for HTTPS
    // <properties> of a polling channel (kind "polling"); polling-interval-* is the client's.
    std::chrono::milliseconds polling_interval{0};
    std::chrono::milliseconds wait_interval{0};  // 0: polls are answered at once
    std::chrono::milliseconds client_wait_interval{0};
    std::size_t max_waiting_poll_requests = 0;
    // <properties> of a streaming channel (kind "streaming"); `timers` is left to the server.
    streaming_channel_options streaming;
  };
  struct remoting_destination {
    std::string id;      // what clients name: RemoteObject.destination
    std::string source;  // <properties><source> ("" if none)
    std::string where;   // "FILE:LINE" of the <destination> element
    // The channels that may reach it: its <channels>, else the service's, else the file's
    // <default-channels>; empty: every channel.
    std::vector<std::string> channels;
  };

  struct messaging_destination {
    messaging::destination_config config;  // name = the destination id
    std::vector<std::string> channels;     // as remoting_destination::channels
    std::string where;                     // "FILE:LINE" of the <destination> element
  };

  std::vector<channel> channels;
  std::vector<remoting_destination> destinations;
  std::vector<messaging_destination> messaging_destinations;
  std::optional<std::chrono::minutes> flex_client_timeout;  // <flex-client><timeout-minutes>
  std::vector<std::string> notes;  // "FILE:LINE: ignored <security>", one per thing not used

  // The paths to mount the gateway at: the mounted AMF and polling channels' paths, each once, in
  // file order.
  std::vector<std::string> amf_paths() const;
  // The paths to mount the streaming channel at (server/streaming_channel.hpp), likewise.
  std::vector<std::string> streaming_paths() const;
  // The mounted streaming channels, the first one of each path, in file order.
  std::vector<const channel*> streaming_channels() const;
  // The paths to mount the WebSocket channel at, likewise.
  std::vector<std::string> websocket_paths() const;
  // Which mounted channel serves which path, and the channels of every destination that has some.
  destination_channels channel_rules() const;
  // The mounted polling channels as the gateway's polling endpoints, in file order.
  std::vector<polling_channel> polling_channels() const;
  // The messaging destinations as the broker's, in file order.
  std::vector<messaging::destination_config> broker_destinations() const;
};

// Reads FILE (and the files it includes) into out. Returns an empty string, or the first error as
// "FILE:LINE: reason" (malformed XML, a missing include, an include cycle, a file over 4 MiB, an
// unknown or badly typed messaging, polling or streaming property, a destination defined twice, a
// channel reference to no channel-definition).
std::string load_services_config(const std::string& path, services_config& out);

// Makes each remoting destination callable by its id in `registry`: the registered destination
// named by its source, else by the source's last dot-separated part (a Java class name
// "com.acme.EchoService" -> "EchoService"), else by its id. Returns one note per destination
// ("echo -> EchoService", or "FILE:LINE: destination 'x': no registered service 'y'; not callable").
std::vector<std::string> apply_services_config(const services_config& cfg, service_registry& registry);

}  // namespace amphora::server
