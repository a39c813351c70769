// A drain's batch (message_sink::send_encoded, stream_sink::write_encoded) over real sockets: the
// server on 127.0.0.1, port 0, a handler in pull mode whose drain hands the sink a batch, and a raw
// TCP client that sees the bytes as written. The batch's messages are encoded straight into the
// sink's buffer; what goes out must be, byte for byte, the frames (chunks) that one send_copy
// (write_copy) per message gives, all in the one write of that drain, and the bound must end the
// connection at the same message. Every wait is bounded; nothing asserts timing.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/server/server.hpp"
#include "amphora/server/stream.hpp"
#include "amphora/server/websocket.hpp"
#include "raw_client.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
// The n-th message of a batch: sizes across the three WebSocket length encodings and a few hex
// widths of a chunk's size line; bytes that say which message it is. Every fifth is skipped (its
// encoder appends some bytes, then says no).
constexpr std::size_t sizes[] = {1, 125, 126, 127, 300, 4095, 4096, 65535, 65536, 70000};
std::vector<std::uint8_t> message(std::size_t n) {
  std::vector<std::uint8_t> m(sizes[n % std::size(sizes)]);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(n * 31 + i);
  return m;
}
bool skipped(std::size_t n) { return n % 5 == 4; }

bool encode(std::size_t n, std::vector<std::uint8_t>& out) {
  const std::vector<std::uint8_t> m = message(n);
  out.insert(out.end(), m.begin(), m.end());
  return !skipped(n);
}

// Today's WebSocket framing of one message: FIN and opcode 2, the shortest length, no mask.
std::string ws_frame(std::span<const std::uint8_t> payload) {
  std::string out(1, '\x82');
  const std::size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  out.append(payload.begin(), payload.end());
  return out;
}

// An HTTP chunk: lowercase hex size, CRLF, the bytes, CRLF.
std::string chunk(std::span<const std::uint8_t> payload) {
  char head[32];
  std::snprintf(head, sizeof head, "%zx\r\n", payload.size());
  std::string out(head);
  out.append(payload.begin(), payload.end());
  out += "\r\n";
  return out;
}

// What `count` messages of the batch look like framed one by one (the skipped left out).
template <class Frame>
std::string expected(std::size_t count, Frame frame) {
  std::string out;
  for (std::size_t n = 0; n < count; ++n) {
    if (!skipped(n)) out += frame(message(n));
  }
  return out;
}

using test::raw_client;

// Reads until `c` holds at least `n` bytes; whether it does.
bool read_at_least(raw_client& c, std::size_t n) {
  return c.read_until([n](const std::string& data) { return data.size() >= n; });
}

// Reads the response's header block and takes it off `c.data`: the status line and headers.
std::optional<std::string> read_head(raw_client& c) {
  if (!c.read_until([](const std::string& data) { return data.find("\r\n\r\n") != std::string::npos; }))
    return std::nullopt;
  const std::size_t end = c.data.find("\r\n\r\n");
  std::string head = c.data.substr(0, end);
  c.data.erase(0, end + 4);
  return head;
}

// The one-byte message a drain of `rounds` sends (send_copy) ahead of its batch in round r.
std::vector<std::uint8_t> round_mark(std::size_t r) { return {static_cast<std::uint8_t>(0xf0 + r)}; }

// A pull-mode WebSocket connection: any message it receives wakes it; its drain sends `count`
// messages as one batch. With `rounds` > 1 each drain sends round_mark(r) first, then its batch,
// and wakes the sink again from inside the drain, until `rounds` drains have run.
class batch_ws_handler final : public websocket_handler {
 public:
  explicit batch_ws_handler(std::size_t count, std::size_t rounds = 1) : count_(count), rounds_(rounds) {}
  std::shared_ptr<websocket_connection> open(const request_view&,
                                             std::shared_ptr<message_sink> sink) override {
    auto c = std::make_shared<connection>(std::move(sink), count_, rounds_);
    c->start();
    return c;
  }

 private:
  class connection final : public websocket_connection, public std::enable_shared_from_this<connection> {
   public:
    connection(std::shared_ptr<message_sink> sink, std::size_t count, std::size_t rounds)
        : sink_(std::move(sink)), count_(count), rounds_(rounds) {}
    void start() {
      std::weak_ptr<connection> weak = weak_from_this();
      sink_->set_drain([weak] {
        if (auto self = weak.lock()) self->drain();
      });
    }
    void on_message(std::span<const std::uint8_t>) override { sink_->wake(); }
    void on_close() override {}

   private:
    void drain() {  // never concurrently with itself (the sink's promise)
      if (rounds_ > 1) sink_->send_copy(round_mark(round_));
      sink_->send_encoded(count_, encode);
      if (++round_ < rounds_) sink_->wake();
    }

    std::shared_ptr<message_sink> sink_;
    std::size_t count_;
    std::size_t rounds_;
    std::size_t round_ = 0;
  };
  std::size_t count_;
  std::size_t rounds_;
};

// A pull-mode stream: opened, it wakes; its drain writes `count` chunks as one batch.
class batch_stream_handler final : public handler {
 public:
  explicit batch_stream_handler(std::size_t count) : count_(count) {}
  void handle(const request_view&, reply_callback done) override {
    reply r;
    r.content_type = "application/octet-stream";
    r.stream = std::make_shared<connection>(count_);
    done(std::move(r));
  }

 private:
  class connection final : public stream_connection, public std::enable_shared_from_this<connection> {
   public:
    explicit connection(std::size_t count) : count_(count) {}
    void on_open(std::shared_ptr<stream_sink> sink) override {
      {
        const std::lock_guard lock(mutex_);
        sink_ = sink;
      }
      std::weak_ptr<connection> weak = weak_from_this();
      sink->set_drain([weak] {
        auto self = weak.lock();
        if (!self) return;
        std::shared_ptr<stream_sink> s;
        {
          const std::lock_guard lock(self->mutex_);
          s = self->sink_;
        }
        if (s) s->write_encoded(self->count_, encode);
      });
      sink->wake();
    }
    void on_stop() override {
      const std::lock_guard lock(mutex_);
      if (sink_) sink_->end();
    }
    void on_close() override {
      const std::lock_guard lock(mutex_);
      sink_.reset();
    }

   private:
    std::size_t count_;
    std::mutex mutex_;
    std::shared_ptr<stream_sink> sink_;
  };
  std::size_t count_;
};

class push_batch_test : public ::testing::Test {
 protected:
  void start(std::size_t count, std::size_t max_queued_messages = 4096, std::size_t rounds = 1) {
    config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.shutdown_timeout = 1s;  // the raw client does not answer the close frame: the stop waits this long
    server_ = std::make_unique<server>(cfg);
    server_->set_log_sink([this](std::string_view line) {
      const std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    });
    websocket_settings ws;
    ws.max_queued_messages = max_queued_messages;
    server_->mount_websocket("/ws", std::make_shared<batch_ws_handler>(count, rounds), ws);
    server_->mount("/stream", std::make_shared<batch_stream_handler>(count), {"GET"});
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  // A WebSocket on /ws, upgraded by hand; its first message (masked, as a client's must be) wakes
  // the connection.
  void open_websocket(raw_client& c) {
    c.send(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const std::optional<std::string> head = read_head(c);
    ASSERT_TRUE(head.has_value());
    ASSERT_EQ(head->substr(0, 12), "HTTP/1.1 101") << *head;
    c.send(std::string_view("\x82\x81\x00\x00\x00\x00w", 7));
  }

  // The stop's line "pushed: WebSocket N frames in M writes (x per write), E empty flushes,
  // streaming N chunks in M writes ...".
  std::array<unsigned long long, 4> pushed() {
    server_->stop();
    const std::lock_guard lock(log_mutex_);
    std::array<unsigned long long, 4> n{};
    for (const std::string& line : log_) {
      const std::size_t at = line.find("pushed: WebSocket ");
      if (at == std::string::npos) continue;
      EXPECT_EQ(
          std::sscanf(line.c_str() + at,
                      "pushed: WebSocket %llu frames in %llu writes (%*f per write), %*u empty flushes, "
                      "streaming %llu "
                      "chunks in %llu writes",
                      &n[0], &n[1], &n[2], &n[3]),
          4)
          << line;
    }
    return n;
  }

  std::mutex log_mutex_;
  std::vector<std::string> log_;
  std::unique_ptr<server> server_;
};

TEST_F(push_batch_test, a_websocket_drain_writes_its_batch_as_todays_frames_in_one_write) {
  constexpr std::size_t count = 40;  // 32 sent, 8 skipped: about 0.6 MB
  start(count);
  raw_client c(server_->port());
  open_websocket(c);
  const std::string want = expected(count, [](std::span<const std::uint8_t> m) { return ws_frame(m); });
  ASSERT_TRUE(read_at_least(c, want.size()));
  EXPECT_TRUE(c.data.substr(0, want.size()) == want) << "the frames differ from one send_copy each";
  EXPECT_EQ(c.data.size(), want.size());  // nothing else
  const std::array<unsigned long long, 4> n = pushed();
  EXPECT_EQ(n[0], count - count / 5);
  EXPECT_EQ(n[1], 1u);  // one write
}

TEST_F(push_batch_test, a_stream_drain_writes_its_batch_as_todays_chunks_in_one_write) {
  constexpr std::size_t count = 40;
  start(count);
  raw_client c(server_->port());
  c.send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::optional<std::string> head = read_head(c);
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->substr(0, 12), "HTTP/1.1 200") << *head;
  const std::string want = expected(count, [](std::span<const std::uint8_t> m) { return chunk(m); });
  ASSERT_TRUE(read_at_least(c, want.size()));
  EXPECT_TRUE(c.data.substr(0, want.size()) == want) << "the chunks differ from one write_copy each";
  const std::array<unsigned long long, 4> n = pushed();
  EXPECT_EQ(n[2], count - count / 5);
  EXPECT_EQ(n[3], 1u);
}

// A drain's own send_copy goes out ahead of the batch it sends next, in the same write; a wake from
// inside the drain (after the sink took what waited) makes one more drain, never none: every
// round's mark and batch arrive, in order.
TEST_F(push_batch_test, a_drain_that_wakes_again_is_drained_again_in_order) {
  constexpr std::size_t count = 5;  // 4 sent, 1 skipped
  constexpr std::size_t rounds = 4;
  start(count, 4096, rounds);
  raw_client c(server_->port());
  open_websocket(c);
  std::string want;
  for (std::size_t r = 0; r < rounds; ++r) {
    want += ws_frame(round_mark(r));
    want += expected(count, [](std::span<const std::uint8_t> m) { return ws_frame(m); });
  }
  ASSERT_TRUE(read_at_least(c, want.size())) << c.data.size() << " of " << want.size() << " bytes";
  EXPECT_TRUE(c.data.substr(0, want.size()) == want) << "the rounds' frames are not in order";
  EXPECT_EQ(c.data.size(), want.size());
  const std::array<unsigned long long, 4> n = pushed();
  EXPECT_EQ(n[0], rounds * (1 + count - count / 5));
}

// The bound (8 frames queued) ends the batch where eight send_copy calls would: the first 8
// messages sent, then the close with 1008.
TEST_F(push_batch_test, the_bound_closes_a_websocket_after_the_same_messages) {
  constexpr std::size_t count = 40;
  start(count, 8);
  raw_client c(server_->port());
  open_websocket(c);
  std::size_t eight = 0;  // the first 8 messages not skipped
  std::size_t sent = 0;
  while (sent < 8) {
    if (!skipped(eight)) ++sent;
    ++eight;
  }
  const std::string want = expected(eight, [](std::span<const std::uint8_t> m) { return ws_frame(m); });
  // Then the close frame: opcode 8, a 2-byte code and the reason.
  ASSERT_TRUE(read_at_least(c, want.size() + 4));
  EXPECT_TRUE(c.data.substr(0, want.size()) == want) << "the frames differ from one send_copy each";
  const std::string close = c.data.substr(want.size(), 4);
  EXPECT_EQ(static_cast<std::uint8_t>(close[0]), 0x88);
  EXPECT_EQ(static_cast<std::uint8_t>(close[2]) << 8 | static_cast<std::uint8_t>(close[3]),
            close_code::policy_error);
}

}  // namespace
}  // namespace amphora::server
