// The HTTP streaming channel (docs/protocol.md, "HTTP streaming channel"): BlazeDS's
// StreamingAMFEndpoint, byte for byte. A handler mounted at the streaming path that
//  - answers `POST ?command=open&version=1` (body `DSId=<id>`) with a response that stays open:
//    status 200, application/x-amf, chunked, Connection: close; inside the HTTP chunks, BlazeDS's
//    own frames `<lowercase hex size>\r\n<bytes>\r\n`: the open acknowledgement (correlationId
//    "open", body = the stream id), then one frame per message pushed to the FlexClient, a bare
//    00 byte as heartbeat when idle, and `0\r\n` at the end (after a DISCONNECT command when the
//    server ends the stream);
//  - answers `POST ?command=close&streamId=<id>` (body `DSId=<id>`) with 200 and an empty body,
//    and ends that stream;
//  - passes every other request (AMF: ping, subscribe, publish, ...) to the gateway.
// No thread is held per stream: pushes come from broker::listen, heartbeats from the timers.
//
//   auto amf = server::make_amf_gateway(services, options, s.runner());
//   s.mount("/messagebroker/streamingamf", server::make_streaming_channel(amf, {.timers = s.timers()}));
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "amphora/server/gateway.hpp"
#include "amphora/server/handler.hpp"
#include "amphora/server/timer.hpp"

namespace amphora::server {

struct streaming_channel_options {
  // Timers for heartbeats and the idle timeout (server::timers()); null: neither.
  std::shared_ptr<timer_service> timers;
  // Streams open at once on this endpoint (BlazeDS max-streaming-clients, default 10 there); an
  // open beyond gets 503 with a text body.
  std::size_t max_streaming_clients = 10000;
  // A bare 00 byte after this long without anything written (BlazeDS
  // server-to-client-heartbeat-millis); 0: none.
  std::chrono::milliseconds heartbeat_interval{5000};
  // No message pushed for this long: DISCONNECT and end (BlazeDS connection-idle-timeout-minutes);
  // 0: never.
  std::chrono::milliseconds idle_timeout{0};
  // Zero bytes sent before the open acknowledgement so that browsers that buffer the start of a
  // response hand the stream to the player at once (BlazeDS user-agent-settings: kickstart-bytes,
  // framing included, for a User-Agent containing match_on; the longest match_on found wins; 0:
  // none).
  struct user_agent {
    std::string match_on;
    std::size_t kickstart_bytes = 0;
  };
  std::vector<user_agent> user_agents = {{"MSIE", 2048}, {"Android", 4010}};
  // Bytes written to a stream and not yet taken by the client: beyond, the client counts as too
  // slow and its stream is closed at once (the FlexClient's messages stay queued in the broker).
  std::size_t max_queued_bytes = 1u << 20;
};

// The streaming endpoint in front of `amf` (whose broker, FlexClient ids and small-message
// setting it uses). `amf` must have a broker.
std::shared_ptr<handler> make_streaming_channel(std::shared_ptr<gateway> amf,
                                                streaming_channel_options options = {});

}  // namespace amphora::server
