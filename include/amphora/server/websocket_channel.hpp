// The WebSocket messaging channel (docs/protocol.md, "WebSocket channel"): Flex messages over a
// WebSocket, one AMF3-encoded message per binary frame in both directions, against a
// messaging::broker. Each connection is one FlexClient whose DSId the server issues when the
// connection opens (the CLIENT_PING acknowledgement carries it); messages queued for it are pushed
// as soon as they are queued (broker::listen), and the FlexClient is released when the
// connection ends. Flex LOGIN/LOGOUT bind a user to the connection (options.authenticator).
//
//   auto broker = std::make_shared<messaging::broker>(cfg);
//   s.mount_websocket("/messagebroker/websocket", server::make_websocket_channel(broker));
#pragma once

#include <memory>
#include <string>

#include "amphora/amf/limits.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/security/authenticator.hpp"
#include "amphora/security/login_throttle.hpp"
#include "amphora/security/policy_store.hpp"
#include "amphora/server/destination_channels.hpp"
#include "amphora/server/handler.hpp"
#include "amphora/server/websocket.hpp"

namespace amphora::server {

struct websocket_channel_options {
  // Decoding limits for one incoming frame (its byte size is bounded by websocket_settings).
  amf::limits limits = default_limits();
  // Access control (docs/security.md, "Access control"): when set, a SUBSCRIBE needs "subscribe"
  // and a publish "publish" on "destination" or "destination.subtopic", checked for the
  // connection's user, or anonymous_role before a login; denied: Client.Authentication
  // (anonymous) or Client.Authorization.
  std::shared_ptr<security::policy_store> access;
  std::string anonymous_role = "anonymous";
  // Which destinations this channel may reach (gateway_options::allowed_channels), checked at
  // SUBSCRIBE, MULTI_SUBSCRIBE and publish with the path the WebSocket was opened on. Null: all.
  std::shared_ptr<const destination_channels> allowed_channels;
  // Login (docs/security.md, "WebSocket login"): Flex LOGIN (op 8) checks the credentials with
  // `authenticator` (null: LOGIN is refused, "not configured") on `runner` (none: inline),
  // throttled per address and user as the gateway does, and binds the user to the connection
  // (its FlexClient) until LOGOUT (op 9) or the end of the connection.
  std::shared_ptr<const security::authenticator> authenticator;
  blocking_runner runner;
  security::throttle_options throttle;
  static amf::limits default_limits() noexcept;
};

std::shared_ptr<websocket_handler> make_websocket_channel(std::shared_ptr<messaging::broker> broker,
                                                          websocket_channel_options options = {});

}  // namespace amphora::server
