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
#include <string>
#include <vector>

#include "amphora/amf/limits.hpp"
#include "amphora/server/authentication.hpp"
#include "amphora/server/handler.hpp"
#include "amphora/server/service.hpp"

namespace amphora::server {

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

  // One line per destination for the server's startup banner: "EchoService: add, echo, now".
  std::vector<std::string> destinations() const;

 private:
  std::shared_ptr<detail::gateway_state> state_;
};

std::shared_ptr<gateway> make_amf_gateway(service_registry services, gateway_options options = {},
                                          blocking_runner runner = {});

}  // namespace amphora::server
