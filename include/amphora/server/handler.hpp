// The seam between the HTTP server and everything behind it. The server (sockets, HTTP parsing,
// keep-alive, timeouts, limits) turns each request into a request_view and hands it to the
// handler routed for its path; the handler answers exactly once through `done`, now or later,
// from any thread. Handlers know nothing of Asio or Beast, so gateway tests need no socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amphora::server {

class stream_connection;  // stream.hpp

// Valid only during the call to handler::handle: copy what must outlive it.
struct request_view {
  std::string_view method;        // "POST"
  std::string_view target;        // path and query, "/messagebroker/amf?x=1"
  std::string_view path;          // "/messagebroker/amf"
  std::string_view query;         // "x=1"
  std::string_view content_type;  // "application/x-amf"
  std::string_view origin;        // Origin header ("" if none)
  std::string_view user_agent;
  std::string_view cookie;          // Cookie header ("" if none)
  std::string_view remote_address;  // the client's IP address, no port: "127.0.0.1", "::1"
  std::span<const std::uint8_t> body;
  unsigned http_version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
};

struct reply {
  unsigned status = 200;
  std::string content_type = "application/x-amf";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie, ...)
  std::vector<std::uint8_t> body;
  // Set: the body is streamed (stream.hpp). The server sends the status and headers with
  // Transfer-Encoding: chunked and Connection: close, ignores `body`, and hands `stream` the
  // connection; no further request is read on it.
  std::shared_ptr<stream_connection> stream;
};

using reply_callback = std::function<void(reply)>;

class handler {
 public:
  virtual ~handler() = default;
  // Must call done exactly once (possibly on another thread, possibly after returning).
  virtual void handle(const request_view& request, reply_callback done) = 0;
  // The server is stopping (server::request_stop): answer now whatever is held for later (a
  // parked long poll), and hold nothing new. Called once per mounted handler, from any thread.
  virtual void shutdown() {}
};

// Where handlers run work that may block (a service marked blocking): a bounded worker pool
// owned by the server. Tests can pass an inline runner. Returns false when the task was refused
// (the queue is full or the server is stopping): the task will never run, so the handler must
// answer itself, typically with a "server busy" fault (or HTTP 503) through `done`.
using blocking_runner = std::function<bool(std::function<void()> task)>;

}  // namespace amphora::server
