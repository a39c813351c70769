// The WebSocket messaging channel (docs/protocol.md, "WebSocket channel"): Flex messages over a
// WebSocket, one AMF3-encoded message per binary frame in both directions, against a
// messaging::broker. Each connection is one FlexClient whose DSId the server issues when the
// connection opens (the CLIENT_PING acknowledgement carries it); messages queued for it are pushed
// as soon as they are queued (broker::listen), and the FlexClient is released when the
// connection ends.
//
//   auto broker = std::make_shared<messaging::broker>(cfg);
//   s.mount_websocket("/messagebroker/websocket", server::make_websocket_channel(broker));
#pragma once

#include <memory>
#include <string>

#include "amphora/amf/limits.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/security/policy_store.hpp"
#include "amphora/server/websocket.hpp"

namespace amphora::server {

struct websocket_channel_options {
  // Decoding limits for one incoming frame (its byte size is bounded by websocket_settings).
  amf::limits limits = default_limits();
  // Access control (docs/security.md, "Access control"): when set, a SUBSCRIBE needs "subscribe"
  // and a publish "publish" on "destination" or "destination.subtopic", checked for
  // anonymous_role (there is no login on this channel); denied: Client.Authentication.
  std::shared_ptr<security::policy_store> access;
  std::string anonymous_role = "anonymous";
  static amf::limits default_limits() noexcept;
};

std::shared_ptr<websocket_handler> make_websocket_channel(std::shared_ptr<messaging::broker> broker,
                                                          websocket_channel_options options = {});

}  // namespace amphora::server
