// The AMF gateway: a handler that turns one AMF request packet into one AMF response packet.
// No sockets: the HTTP server hands it a request_view, tests call handle() directly.
//
// Both client styles are served from one endpoint:
//  - NetConnection (Flash, AMF0 or AMF3 objectEncoding): body target "Service.method";
//  - Flex/Royale RemoteObject: body target "null" carrying a RemotingMessage or CommandMessage.
// The exact wire behaviour (fault shapes, DSId handling, small messages, undecodable input) is
// documented in docs/remoting.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf/limits.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/security/policy_store.hpp"
#include "amphora/server/authentication.hpp"
#include "amphora/server/destination_channels.hpp"
#include "amphora/server/handler.hpp"
#include "amphora/server/service.hpp"
#include "amphora/server/timer.hpp"

namespace amphora::server {

// A polling endpoint (BlazeDS's AMF polling and long-polling channels): the gateway is mounted at
// `path` too. Polls on paths not listed are answered at once, without DSPollWait.
struct polling_channel {
  std::string path;  // "/messagebroker/amflongpolling"
  // How long a poll may park waiting for a message (BlazeDS wait-interval-millis); 0: never.
  std::chrono::milliseconds wait_interval{0};
  // Polls parked at once on this path (max-waiting-poll-requests); 0: none park.
  std::size_t max_waiting_polls = 0;
  // DSPollWait on the answer of a poll that parked (client-wait-interval-millis); 0: none.
  std::chrono::milliseconds client_wait_interval{0};
};

struct gateway_options {
  // Decoding limits for request packets. max_input_bytes is the request body limit; the arena of
  // one request may use at most max_memory_bytes (decoding and results together).
  amf::limits limits = default_limits();
  // DSIds this gateway issued and remembers (with their messaging version): at most this many,
  // each forgotten after this long without a request.
  std::size_t max_clients = 100000;
  std::chrono::seconds client_idle_timeout{30 * 60};
  // Answer with small messages (DSK) once a client announced DSMessagingVersion >= 1.
  bool small_messages = true;
  // Access control (docs/security.md): when set, every call needs privilege "call" on
  // "Destination.operation" for the caller's roles (call_context::user), or for anonymous_role
  // when no one is logged in. Denied: Client.Authentication (anonymous) or Client.Authorization.
  std::shared_ptr<security::policy_store> access;
  std::string anonymous_role = "anonymous";
  // Which endpoints (request paths) may reach which destinations, for remoting calls, subscribes
  // and publishes (services-config.xml `<channels>`; docs/protocol.md, "Channels of a
  // destination"). Null: every destination through every path.
  std::shared_ptr<const destination_channels> allowed_channels;

  // Messaging (docs/protocol.md, "Messaging"): the broker behind SUBSCRIBE, UNSUBSCRIBE,
  // MULTI_SUBSCRIBE, POLL and published AsyncMessages. Null: those are refused (remoting only).
  std::shared_ptr<messaging::broker> broker;
  std::vector<polling_channel> channels;
  // Timers for long polls (server::timers(); tests pass a fake). Null: polls never park.
  std::shared_ptr<timer_service> timers;

  // LOGIN/LOGOUT, the Credentials header, sessions and login throttling (authentication.hpp).
  authentication_options authentication;

  // The defaults: the codec's limits lowered to a 16 MiB request body.
  static amf::limits default_limits() noexcept;
};

namespace detail {
struct gateway_state;
}

class gateway final : public handler {
 public:
  // An empty runner runs blocking operations inline (tests); the server passes its worker pool.
  explicit gateway(service_registry services, gateway_options options = {}, blocking_runner runner = {});
  ~gateway() override;
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  // Answers through `done` exactly once; possibly later, on another thread (async and
  // blocking operations).
  void handle(const request_view& request, reply_callback done) override;
  // Answers every parked poll now (as if its wait had ended); later polls do not park.
  void shutdown() override;

  // One line per destination for the server's startup banner: "EchoService: add, echo, now", then one
  // per alias (services-config.xml destination ids): "echo -> EchoService", then the broker's
  // messaging destinations: "chat (messaging)".
  std::vector<std::string> destinations() const;

  // For channels beside the gateway (the streaming channel): whether `ds_id` is a FlexClient id
  // this gateway issued and still remembers (refreshing its idle time), and whether messages to
  // it go out small (the client announced DSMessagingVersion >= 1).
  struct known_client {
    bool small_messages = false;
  };
  std::optional<known_client> find_client(std::string_view ds_id);
  const gateway_options& options() const noexcept;

 private:
  std::shared_ptr<detail::gateway_state> state_;
};

std::shared_ptr<gateway> make_amf_gateway(service_registry services, gateway_options options = {},
                                          blocking_runner runner = {});

}  // namespace amphora::server
