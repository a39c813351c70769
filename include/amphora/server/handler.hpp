// The seam between the HTTP server and everything behind it. The server (sockets, HTTP parsing,
// keep-alive, timeouts, limits) turns each request into a request_view and hands it to the
// handler routed for its path; the handler answers exactly once through `done`, now or later,
// from any thread. Handlers know nothing of Asio or Beast, so gateway tests need no socket.
#pragma once

#include <algorithm>
#include <cstddef>
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

// A reply's Content-Type, assigned and compared as a string ("" sends none). Up to
// inline_capacity characters (every type the server and the gateway write) are held in place, so a
// reply does not allocate for its type: "application/x-amf" is past std::string's small buffer
// (docs/performance.md, "Long-poll delivery: the request's memory"); a longer one is held on the heap.
class media_type {
 public:
  static constexpr std::size_t inline_capacity = 39;

  media_type() = default;
  media_type(std::string_view text) { assign(text); }                   // NOLINT(google-explicit-constructor)
  media_type(const char* text) : media_type(std::string_view(text)) {}  // NOLINT(google-explicit-constructor)
  // NOLINTNEXTLINE(google-explicit-constructor)
  media_type(const std::string& text) : media_type(std::string_view(text)) {}

  std::string_view view() const noexcept {
    return long_.empty() ? std::string_view(inline_, size_) : std::string_view(long_);
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  bool empty() const noexcept { return view().empty(); }
  std::size_t size() const noexcept { return view().size(); }
  void clear() noexcept {
    size_ = 0;
    long_.clear();
  }

  friend bool operator==(const media_type& a, const media_type& b) noexcept { return a.view() == b.view(); }
  friend bool operator==(const media_type& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const media_type& a, const char* b) noexcept { return a.view() == b; }

 private:
  void assign(std::string_view text) {
    if (text.size() <= inline_capacity) {
      std::copy(text.begin(), text.end(), inline_);
      size_ = static_cast<unsigned char>(text.size());
      long_.clear();
    } else {
      long_.assign(text);
      size_ = 0;
    }
  }

  char inline_[inline_capacity] = {};
  unsigned char size_ = 0;
  std::string long_;  // a type longer than inline_capacity, else empty
};

struct reply {
  unsigned status = 200;
  media_type content_type = "application/x-amf";
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
