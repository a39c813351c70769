// The HTTP server: an acceptor and one session per connection on a pool of I/O threads, routing
// each request by exact path to a handler (handler.hpp). No Asio or Beast type appears here.
//
//   amphora::server::server s(cfg);
//   s.mount("/amf", gateway);
//   s.start();                  // binds (throws std::system_error if it cannot), starts the threads
//   s.stop_on_signals();        // SIGINT/SIGTERM ask for a graceful stop
//   s.wait();                   // returns once stopped
//
// Built in: GET /health answers 200 {"status":"ok"}; unknown paths 404; a method a route does not
// take 405 (OPTIONS is a CORS preflight on every mounted path).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/server/config.hpp"
#include "amphora/server/handler.hpp"
#include "amphora/server/timer.hpp"
#include "amphora/server/websocket.hpp"

namespace amphora::server {

struct route_info {
  std::string path;
  std::vector<std::string> methods;
  std::shared_ptr<handler> target;
};

struct websocket_route {
  std::string path;
  std::shared_ptr<websocket_handler> target;
  websocket_settings settings;
};

class server {
 public:
  explicit server(config cfg);
  ~server();  // stop(), if it is running
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Before start(): answer requests for exactly `path` (the query is ignored) with `target`.
  // Replies of mounted handlers get BlazeDS's no-cache headers and, for allowed origins, CORS.
  void mount(std::string path, std::shared_ptr<handler> target, std::vector<std::string> methods = {"POST"});
  // Before start(): a GET with a WebSocket upgrade on exactly `path` becomes a WebSocket
  // connection served by `target` (websocket.hpp), on the same I/O threads; a GET without the
  // upgrade gets 426. The graceful stop closes these connections with 1001 (going away).
  void mount_websocket(std::string path, std::shared_ptr<websocket_handler> target,
                       websocket_settings options = {});
  std::vector<route_info> routes() const;
  std::vector<websocket_route> websocket_routes() const;

  // Before start(): where log lines go, one call per line without the newline (default: stderr).
  // Called from the I/O threads, one line at a time.
  void set_log_sink(std::function<void(std::string_view line)> sink);

  // Binds host:port (and host:tls_port with TLS) and starts the I/O threads. Throws
  // std::system_error when it cannot bind, std::runtime_error when the TLS certificate or key
  // cannot be used (missing, unreadable, not PEM, not a pair).
  void start();
  std::uint16_t port() const noexcept;      // the bound port (the actual one when config.port was 0)
  std::uint16_t tls_port() const noexcept;  // the bound HTTPS port; 0 without TLS
  const config& settings() const noexcept;
  // After start(), from any thread: reads tls_cert and tls_key again (e.g. a renewed certificate).
  // New HTTPS/WSS connections use them; open ones keep the ones they started with. Throws
  // std::runtime_error naming the file and the reason, and keeps the old ones, when they cannot be
  // used; std::logic_error without TLS.
  void reload_tls();

  // The bounded worker pool for blocking services; valid for the server's lifetime. A handler that
  // is given this runner posts its blocking work there and calls done from the worker.
  blocking_runner runner();
  // Timers on the server's event loop (long-poll waits); valid for the server's lifetime and
  // inert (schedules nothing) once it has stopped.
  std::shared_ptr<timer_service> timers();

  // After start(): SIGINT and SIGTERM call request_stop(). With `on_hangup`, SIGHUP calls it (on
  // an I/O thread, e.g. to reload the access policy) and the server keeps running.
  void stop_on_signals(std::function<void()> on_hangup = {});
  // Asks for a graceful stop and returns at once (any thread, handlers included): the server stops
  // accepting, calls shutdown() on every mounted handler, answers what it has read, then closes
  // every connection.
  void request_stop() noexcept;
  // Blocks until a stop was requested and done: in-flight requests answered or
  // config.shutdown_timeout passed, threads joined. Handlers must not call it.
  void wait();
  void stop() {
    request_stop();
    wait();
  }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace amphora::server
