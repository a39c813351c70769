// The seam between the server's WebSocket connections and what runs behind them, as handler.hpp is
// for HTTP: no Asio or Beast type appears here, so a channel can be tested without a socket.
//
// The server upgrades a GET on a path mounted with server::mount_websocket, then, for that
// connection, calls websocket_handler::open once with the upgrade request and a message_sink.
// Every binary message the client sends goes to the returned connection's on_message, in order,
// one at a time (never concurrently); on_close is called once when the connection has ended.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "amphora/server/handler.hpp"

namespace amphora::server {

// RFC 6455 close codes the server and the channels use.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;        // the server is stopping
inline constexpr std::uint16_t unsupported_data = 1003;  // a text frame
inline constexpr std::uint16_t policy_error = 1008;      // the client reads too slowly
inline constexpr std::uint16_t too_big = 1009;           // a message over max_message_bytes
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

struct websocket_settings {
  std::size_t max_message_bytes = 1 << 20;  // a bigger incoming message closes with 1009
  // Nothing received for this long closes the connection. Pings are sent after half of it, and a
  // pong counts as received, so only a dead or stuck peer is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds handshake_timeout{30'000};
  // Outgoing messages queued and not yet written: more closes the connection with 1008.
  std::size_t max_queued_messages = 4096;
};

// The connection, as the channel sees it. Thread-safe; calls after the connection ended do nothing.
class message_sink {
 public:
  virtual ~message_sink() = default;
  // Queues one binary message; messages go out in the order of the calls. False if the
  // connection has ended or is closing.
  virtual bool send(std::vector<std::uint8_t> message) = 0;
  // send() of a copy of `message`, which the caller may reuse at once (the server's sink frames
  // it straight into its write buffer: no allocation per message).
  virtual bool send_copy(std::span<const std::uint8_t> message) {
    return send(std::vector<std::uint8_t>(message.begin(), message.end()));
  }
  // Appends message `index`'s bytes to `out` and returns true, or returns false to skip that
  // message (what it appended is dropped).
  using message_encoder = std::function<bool(std::size_t index, std::vector<std::uint8_t>& out)>;
  // Queues `count` messages in order, message i being what `encode(i, out)` appends, as `count`
  // calls of send_copy would (the same frames, the same bound and slow-client policy); false if
  // the connection has ended or is closing (from the refused message on, nothing is queued).
  // `encode` runs on the caller's thread before this returns, once per message, and must not call
  // the sink. The server's sink encodes each message straight into its write buffer, under one
  // lock for the whole batch (a drain's messages: one copy per message, not two); this default
  // encodes each into a vector and calls send_copy.
  virtual bool send_encoded(std::size_t count, const message_encoder& encode) {
    std::vector<std::uint8_t> message;
    for (std::size_t i = 0; i < count; ++i) {
      message.clear();
      if (!encode(i, message)) continue;
      if (!send_copy(message)) return false;
    }
    return true;
  }
  // Closes after the messages queued so far (reason: at most 123 bytes, the rest is cut).
  virtual void close(std::uint16_t code, std::string reason) = 0;

  // Pull mode, for a channel whose messages wait in a queue of its own (the broker's): set_drain
  // once, then wake() (from any thread) whenever messages come. The sink calls `drain` on the
  // connection's own thread, never concurrently with itself, when the connection's turn to write
  // comes, and what `drain` sends (send, send_copy, send_encoded) goes out in that write; the wakes that come
  // before that turn make one drain. So messages that come while the connection waits for its
  // turn go out together and are encoded only when they are written (the server's sink; the
  // default below drains at once, on the thread that wakes).
  virtual void set_drain(std::function<void()> drain) { drain_ = std::move(drain); }
  virtual void wake() {
    if (drain_) drain_();
  }

 protected:
  std::function<void()> drain_;
};

// One connection's logic.
class websocket_connection {
 public:
  virtual ~websocket_connection() = default;
  virtual void on_message(std::span<const std::uint8_t> message) = 0;
  // The peer answered a ping or pinged us: it is alive (the channel may refresh session timeouts).
  virtual void on_alive() {}
  // The connection ended (closed by either side, failed, or the server stopped). Called once.
  virtual void on_close() = 0;
};

class websocket_handler {
 public:
  virtual ~websocket_handler() = default;
  // A connection was upgraded. `request` is valid during the call only.
  virtual std::shared_ptr<websocket_connection> open(const request_view& request,
                                                     std::shared_ptr<message_sink> sink) = 0;
};

}  // namespace amphora::server
