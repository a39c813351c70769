// amphora msgload: the messaging load generator (docs/performance.md, "Messaging"). N subscribers
// (Flex Consumers) on one destination of a local `amphora serve`, over the long-polling, the HTTP
// streaming or the WebSocket channel (or a mix), bound to several loopback source addresses so
// that ephemeral ports suffice; then one publisher (HTTP, /amf) whose messages carry their
// sequence number and send time. Reports how many subscribers were held at once, the server's
// memory (RSS) while holding them, deliveries per second, the publish-to-deliver latency, and the
// CPU time the server and this tool each spent per delivery. Loopback only; every phase is
// bounded in time.
//
// Each subscriber is one connection and one FlexClient:
// - longpoll: CLIENT_PING (for the DSId), SUBSCRIBE, then POLL after POLL on the long-polling
//   endpoint, each poll parked by the server until a message is queued for the client;
// - streaming: CLIENT_PING, SUBSCRIBE, then `?command=open` on the same connection, which the
//   server turns into the stream of pushed frames;
// - websocket: the RFC 6455 upgrade, SUBSCRIBE in one binary frame, then pushed frames.
//
// The receive path is kept cheap, since this tool shares the machine's cores with the server:
// each client thread reads into one large buffer of its own (a connection keeps only the bytes
// of an incomplete response), frames are delimited without decoding the AMF inside, and each
// published message is found by its marker in the bytes, its sequence number and send time read
// as digits. Only the few setup answers are decoded as Flex messages.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/json.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "command.hpp"
#include "fd_limit.hpp"
#include "http_frame.hpp"
#include "load_client.hpp"

namespace amphora::cli {
namespace {

constexpr std::size_t max_clients = 100'000;
constexpr std::size_t max_threads = 64;
constexpr std::size_t max_messages = 10'000'000;
constexpr double max_seconds = 600;
constexpr std::size_t spare_fds = 32;                   // beyond one per client: publisher, epoll, files
constexpr std::size_t max_response = 64 * 1024 * 1024;  // a poll answer may hold 1,000 messages
constexpr std::size_t read_buffer_bytes = 256 * 1024;   // per client thread, shared by its connections

// A published message's body: the marker, its sequence number and the steady clock (ns) when it
// was written. Subscribers find every marker in what they receive: one delivery each.
constexpr std::string_view marker = "amphora-msgload:";
constexpr std::size_t sequence_digits = 10;
constexpr std::size_t time_digits = 20;

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

const std::vector<option_spec> msgload_options = {
    {"--host", "", "ADDR", "Loopback address of the server (default 127.0.0.1; others are refused)."},
    {"--port", "-p", "PORT", "Server port (default 8400)."},
    {"--channel", "", "KINDS",
     "longpoll (default), streaming or websocket; a list (longpoll,streaming) mixes them, round robin."},
    {"--path", "", "PATH",
     "The endpoint of a single --channel (default /messagebroker/amflongpolling, "
     "/messagebroker/streamingamf, "
     "/messagebroker/websocket)."},
    {"--destination", "", "NAME", "Messaging destination (default chat)."},
    {"--clients", "-c", "N", "Subscribers, one connection each (default 100)."},
    {"--sources", "", "RANGE",
     "Loopback source addresses for the subscribers, round robin: 127.0.0.2-127.0.0.40 or a,b,c."},
    {"--threads", "-t", "N", "Client threads, each with its share of the subscribers (default 1)."},
    {"--setup-concurrency", "", "N", "Subscribers connecting and subscribing at once (default 256)."},
    {"--setup-timeout", "", "SECONDS", "Time allowed for every subscriber to subscribe (default 120)."},
    {"--hold", "", "SECONDS", "Time to hold the subscribers before publishing (default 1)."},
    {"--messages", "-n", "N", "Messages to publish (default 10; 0: only hold)."},
    {"--rate", "", "N", "Messages published per second (default 0: the next once the last is acked)."},
    {"--drain", "", "SECONDS", "Time allowed for the last deliveries after publishing (default 30)."},
    {"--server-pid", "", "PID",
     "Report this process's memory (VmRSS) before and while holding, and its CPU time per delivery."},
    {"--json", "", "", "Print the figures as one JSON object instead of text."},
};

// ---- settings and shared counters ----

enum class channel_kind : std::size_t { longpoll, streaming, websocket };
constexpr std::array<std::string_view, 3> channel_names = {"longpoll", "streaming", "websocket"};
constexpr std::array<std::string_view, 3> default_paths = {
    "/messagebroker/amflongpolling", "/messagebroker/streamingamf", "/messagebroker/websocket"};

struct settings {
  std::vector<channel_kind> channels;  // the subscribers' channels, round robin
  std::array<std::string, 3> paths;    // by channel_kind
  tcp::endpoint server;
  std::string destination;
  std::vector<net::ip::address> sources;  // empty: the kernel's choice (127.0.0.1)
};

// Publish-to-deliver latencies: 1 us buckets up to 100 ms, then 1 ms buckets up to 10 minutes
// (a loaded server delivers seconds late); the max is kept exactly.
class histogram {
 public:
  static constexpr std::uint64_t fine = 100'000;    // 1 us buckets: 0 to 100 ms
  static constexpr std::uint64_t coarse = 600'000;  // 1 ms buckets: 100 ms to 600 s and over
  void add(std::uint64_t ns) {
    const std::uint64_t us = ns / 1000;
    const std::uint64_t at = us < fine ? us : fine + std::min((us - fine) / 1000, coarse - 1);
    ++counts_[static_cast<std::size_t>(at)];
    max_ns_ = std::max(max_ns_, ns);
    ++total_;
  }
  void merge(const histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    max_ns_ = std::max(max_ns_, other.max_ns_);
    total_ += other.total_;
  }
  // The latency (ms) below which a fraction p of the samples fall (a bucket's middle).
  double percentile_ms(double p) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen < rank) continue;
      const double ms = i < fine ? (static_cast<double>(i) + 0.5) / 1000
                                 : static_cast<double>(fine) / 1000 + static_cast<double>(i - fine) + 0.5;
      return std::min(ms, max_ms());
    }
    return max_ms();
  }
  double max_ms() const { return static_cast<double>(max_ns_) / 1e6; }

 private:
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(fine + coarse);
  std::uint64_t max_ns_ = 0;
  std::uint64_t total_ = 0;
};

struct run_totals {
  std::array<std::atomic<std::size_t>, 3> held{};  // subscribed and waiting now, by channel_kind
  std::atomic<std::size_t> setup_failed{0};        // never subscribed
  std::atomic<std::size_t> lost{0};                // held, then the connection ended
  std::atomic<std::size_t> faults{0};              // an error answer, an unreadable one, a non-200
  std::atomic<std::size_t> misordered{0};          // a message not after the previous one: duplicate or late
  std::atomic<bool> stopping{false};
  std::string first_error;  // the first setup failure's reason (written under error_mutex)
  std::mutex error_mutex;

  std::size_t held_now() const {
    std::size_t n = 0;
    for (const auto& h : held) n += h.load(std::memory_order_relaxed);
    return n;
  }
};

class subscriber;

// One client thread: its io_context, its read buffer, its subscribers and its share of the figures.
struct worker {
  net::io_context ioc{1};
  std::vector<char> read_buffer = std::vector<char>(read_buffer_bytes);
  std::vector<std::unique_ptr<subscriber>> clients;
  std::size_t next_to_start = 0;
  std::size_t setups_in_flight = 0;
  std::size_t max_setups = 1;
  std::atomic<std::uint64_t> deliveries{0};
  std::atomic<std::uint64_t> last_delivery_ns{0};
  histogram latency;  // read once the thread has stopped

  void start_more();
  void setup_finished() {
    --setups_in_flight;
    start_more();
  }
};

// ---- one connection ----

// A socket, its reads, an HTTP request/response exchange and a write queue. Reads wait until the
// socket is readable, then read as much as is there into the thread's shared buffer, after the
// bytes this connection kept from its last read; what is left unconsumed when the connection
// waits again is kept (usually nothing: a connection between messages holds no buffer).
// Handlers capture `this`: clients outlive their io_context's threads (see run()).
class client_socket {
 public:
  client_socket(net::io_context& ioc, std::vector<char>& read_buffer, const settings& s, run_totals& totals)
      : socket_(ioc), read_buffer_(read_buffer), settings_(s), totals_(totals) {}
  client_socket(const client_socket&) = delete;
  client_socket& operator=(const client_socket&) = delete;
  virtual ~client_socket() = default;

 protected:
  using response_handler = void (client_socket::*)(unsigned status, std::string_view body);

  void connect(const net::ip::address* source) {
    error_code ec;
    socket_.open(settings_.server.protocol(), ec);
    if (!ec && source != nullptr) socket_.bind(tcp::endpoint(*source, 0), ec);
    if (ec) return failed("cannot bind a source address: " + ec.message());
    socket_.async_connect(settings_.server, [this](error_code e) {
      if (e) return failed("connect: " + e.message());
      socket_.set_option(tcp::no_delay(true), e);
      socket_.non_blocking(true, e);
      connected();
    });
  }

  // Sends `request` (kept until written) and calls `handler` with the response.
  void http_call(std::string request, response_handler handler) {
    on_response_ = handler;
    send(std::move(request));
    read_response();
  }
  // The same with a request that outlives the exchange (not copied).
  void http_call_kept(std::string_view request, response_handler handler) {
    on_response_ = handler;
    send_kept(request);
    read_response();
  }

  // Queues bytes to write; writes one buffer at a time.
  void send(std::string bytes) {
    outbox& o = outbox_.emplace_back();
    o.owned = std::move(bytes);
    o.bytes = o.owned;
    if (outbox_.size() == 1) write_next();
  }
  void send_kept(std::string_view bytes) {
    outbox_.emplace_back().bytes = bytes;
    if (outbox_.size() == 1) write_next();
  }

  // Keeps what is unread, waits for more, then calls received(). Views of earlier bytes end here.
  void read_more() {
    if (in_shared_) {
      kept_.assign(unread());
    } else {
      kept_.erase(0, consumed_);
    }
    in_shared_ = false;
    data_ = kept_;
    consumed_ = 0;
    socket_.async_wait(tcp::socket::wait_read, [this](error_code ec) {
      if (ec) return failed("read: " + ec.message());
      read_now();
    });
  }

  std::string_view unread() const { return data_.substr(consumed_); }
  void consume(std::size_t n) { consumed_ += n; }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  virtual void connected() = 0;
  virtual void received() { read_response(); }
  virtual void failed(std::string reason) = 0;

  tcp::socket socket_;
  std::vector<char>& read_buffer_;
  const settings& settings_;
  run_totals& totals_;

 private:
  struct outbox {
    std::string owned;
    std::string_view bytes;  // owned, or bytes the caller keeps
  };

  void read_now() {
    error_code ec;
    std::size_t n = 0;
    const std::size_t kept = kept_.size();
    if (kept + read_buffer_.size() / 2 <= read_buffer_.size()) {
      std::memcpy(read_buffer_.data(), kept_.data(), kept);
      n = socket_.read_some(net::buffer(read_buffer_.data() + kept, read_buffer_.size() - kept), ec);
      data_ = {read_buffer_.data(), kept + n};
      in_shared_ = true;
      if (kept_.capacity() > 4096) {
        kept_ = std::string();  // a held connection keeps no large buffer
      } else {
        kept_.clear();
      }
    } else {  // a large response in the making: it grows in this connection's own buffer
      kept_.resize(kept + read_buffer_.size() / 2);
      n = socket_.read_some(net::buffer(kept_.data() + kept, kept_.size() - kept), ec);
      kept_.resize(kept + n);
      data_ = kept_;
    }
    consumed_ = 0;
    if (ec == net::error::would_block || ec == net::error::try_again) return read_more();
    if (ec) return failed("read: " + ec.message());
    received();
  }

  void write_next() {
    net::async_write(socket_, net::buffer(outbox_.front().bytes), [this](error_code ec, std::size_t) {
      if (ec) return failed("write: " + ec.message());
      outbox_.pop_front();
      if (!outbox_.empty()) write_next();
    });
  }

  void read_response() {
    const response_frame f = frame(unread(), max_response);
    if (f.state == response_frame::bad) return failed("unreadable HTTP response");
    if (f.state == response_frame::incomplete) return read_more();
    const std::string_view body = unread().substr(f.header_size, f.total_size - f.header_size);
    consume(f.total_size);  // the view stays valid until the next read_more()
    (this->*on_response_)(f.status, body);
  }

  std::string kept_;       // unread bytes between reads
  std::string_view data_;  // what is being read: in kept_ or in the thread's buffer
  std::size_t consumed_ = 0;
  bool in_shared_ = false;  // data_ is in the thread's buffer
  std::deque<outbox> outbox_;
  response_handler on_response_ = nullptr;
};
// A Flex message decoded from AMF bytes, or nothing: the first body of an AMF packet (an HTTP
// answer) or one AMF3 value (a WebSocket or streaming frame). Answers to a client that announced
// DSMessagingVersion 1 come in small form (DSK).
std::optional<flex::message> read_flex(const amf::value& v, amf::arena& memory) {
  amf::result<flex::message> m = flex::read_message(v, memory);
  if (!m) return std::nullopt;
  return *m;
}
std::optional<flex::message> read_flex(std::string_view bytes, bool packet, amf::arena& memory) {
  const std::span<const std::uint8_t> in{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  amf::decode_options options;
  options.registry = &flex::registry();
  if (packet) {
    const amf::result<amf::packet> p = amf::decode_packet(in, memory, options);
    if (!p || p->bodies.empty()) return std::nullopt;
    return read_flex(p->bodies[0].val, memory);
  }
  const amf::result<amf::value> v = amf::decode_amf3(in, memory, options);
  if (!v) return std::nullopt;
  return read_flex(*v, memory);
}

// A Flex message as lossless JSON (amphora's typed-object form); `fields` are its members.
std::string message_json(std::string_view cls, std::string_view fields) {
  return R"({"$class":"flex.messaging.messages.)" + std::string(cls) + "\"," + std::string(fields) + "}";
}

std::string command_fields(int operation, std::string_view destination, std::string_view ds_id,
                           std::string_view message_id) {
  return R"("operation":)" + std::to_string(operation) + R"(,"body":{},"clientId":null,"correlationId":"",)" +
         R"("destination":")" + std::string(destination) + R"(","headers":{"DSId":")" + std::string(ds_id) +
         R"(","DSMessagingVersion":1},"messageId":")" + std::string(message_id) +
         R"(","timestamp":0,"timeToLive":0)";
}

// An HTTP POST of an AMF packet whose one body is `message_json`; empty if it cannot be encoded.
std::string amf_post(std::string_view path, const std::string& message) {
  amf::arena memory;
  const std::string json =
      R"({"version":3,"headers":[],"bodies":[{"target":"null","response":"/1","value":[{"$amf3":)" + message +
      "}]}]}";
  const amf::result<amf::packet> p = amf::packet_from_json(json, memory);
  std::vector<std::uint8_t> body;
  if (!p || !amf::encode_packet(*p, body).ok()) return {};
  return amf_http_post(path, body);
}

// A hexadecimal size at the start of `line` (an HTTP chunk's or a streaming frame's), or nothing.
std::optional<std::size_t> hex_size(std::string_view line) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n, 16);
  if (ec != std::errc{} || end == line.data()) return std::nullopt;
  return n;
}

// ---- subscribers ----

// Ten decimal digits or twenty, as the publisher writes them.
std::uint64_t read_digits(std::string_view digits) noexcept {
  std::uint64_t n = 0;
  for (const char c : digits) n = n * 10 + static_cast<std::uint64_t>(static_cast<unsigned char>(c) - '0');
  return n;
}

class subscriber : public client_socket {
 public:
  subscriber(worker& w, channel_kind kind, const settings& s, run_totals& totals,
             const net::ip::address* source)
      : client_socket(w.ioc, w.read_buffer, s, totals), worker_(w), kind_(kind), source_(source) {}

  void start() { connect(source_); }

 protected:
  const std::string& path() const { return settings_.paths[static_cast<std::size_t>(kind_)]; }

  // Subscribed (ok) or given up: once per subscriber; lets the worker start the next one.
  void setup_done(bool ok, std::string_view reason = {}) {
    if (setup_reported_) return;
    setup_reported_ = true;
    if (ok) {
      held_ = true;
      totals_.held[static_cast<std::size_t>(kind_)].fetch_add(1, std::memory_order_relaxed);
    } else {
      totals_.setup_failed.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(totals_.error_mutex);
      if (totals_.first_error.empty()) totals_.first_error = std::string(reason);
      close();
    }
    worker_.setup_finished();
  }

  void failed(std::string reason) override {
    if (totals_.stopping.load(std::memory_order_relaxed)) return;
    if (!setup_reported_) return setup_done(false, reason);
    if (held_) {
      held_ = false;
      totals_.held[static_cast<std::size_t>(kind_)].fetch_sub(1, std::memory_order_relaxed);
      totals_.lost.fetch_add(1, std::memory_order_relaxed);
    }
    close();
  }

  void fault() { totals_.faults.fetch_add(1, std::memory_order_relaxed); }

  // Counts every published message in `data` (its marker, sequence number and send time, read
  // from the bytes), its latency, and whether it came after the one before.
  void delivered(std::string_view data) {
    std::uint64_t now = 0;
    std::uint64_t count = 0;
    for (std::size_t at = data.find(marker); at != std::string_view::npos;
         at = data.find(marker, at + marker.size())) {
      const std::size_t digits = at + marker.size();
      if (digits + sequence_digits + 1 + time_digits > data.size()) break;
      const std::uint64_t sequence = read_digits(data.substr(digits, sequence_digits));
      const std::uint64_t sent = read_digits(data.substr(digits + sequence_digits + 1, time_digits));
      if (sequence < next_sequence_) {
        totals_.misordered.fetch_add(1, std::memory_order_relaxed);
      } else {
        next_sequence_ = sequence + 1;
      }
      if (now == 0) now = now_ns();
      worker_.latency.add(now > sent ? now - sent : 0);
      ++count;
    }
    if (count == 0) return;
    worker_.deliveries.fetch_add(count, std::memory_order_relaxed);
    worker_.last_delivery_ns.store(now, std::memory_order_relaxed);
  }

  worker& worker_;

 private:
  const channel_kind kind_;
  const net::ip::address* source_;
  std::uint64_t next_sequence_ = 0;  // every message numbered lower came already
  bool setup_reported_ = false;
  bool held_ = false;
};

// Long polling and streaming start alike, with HTTP exchanges on the channel's endpoint:
// CLIENT_PING (for the DSId), then SUBSCRIBE; then subscribed().
class http_subscriber : public subscriber {
 public:
  using subscriber::subscriber;

 protected:
  virtual void subscribed(const std::string& ds_id) = 0;

 private:
  void connected() override {
    http_call(amf_post(path(), message_json("CommandMessage", command_fields(5, "", "nil", "msgload-ping"))),
              static_cast<response_handler>(&http_subscriber::on_ping));
  }

  void on_ping(unsigned status, std::string_view body) {
    amf::arena memory;
    const std::optional<flex::message> m = status == 200 ? read_flex(body, true, memory) : std::nullopt;
    const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
    const amf::value* id = ack != nullptr ? ack->header("DSId") : nullptr;
    if (id == nullptr || !id->is(amf::kind::string))
      return setup_done(false, "CLIENT_PING: no DSId in the answer");
    ds_id_ = std::string(id->as_string());
    http_call(amf_post(path(), message_json("CommandMessage", command_fields(0, settings_.destination, ds_id_,
                                                                             "msgload-subscribe"))),
              static_cast<response_handler>(&http_subscriber::on_subscribed));
  }

  void on_subscribed(unsigned status, std::string_view body) {
    amf::arena memory;
    const std::optional<flex::message> m = status == 200 ? read_flex(body, true, memory) : std::nullopt;
    if (!m || !std::holds_alternative<flex::acknowledge_message>(*m))
      return setup_done(false, "SUBSCRIBE: not acknowledged (HTTP " + std::to_string(status) + ")");
    subscribed(ds_id_);
  }

  std::string ds_id_;
};

// Long polling: one parked POLL after another.
class longpoll_subscriber final : public http_subscriber {
 public:
  using http_subscriber::http_subscriber;

 private:
  void subscribed(const std::string& ds_id) override {
    poll_ = amf_post(path(), message_json("CommandMessage", command_fields(2, "", ds_id, "msgload-poll")));
    poll();
    setup_done(true);
  }

  void poll() { http_call_kept(poll_, static_cast<response_handler>(&longpoll_subscriber::on_poll)); }

  void on_poll(unsigned status, std::string_view body) {
    if (status != 200 || body.find("ErrorMessage") != std::string_view::npos) fault();
    delivered(body);
    if (!totals_.stopping.load(std::memory_order_relaxed)) poll();
  }

  std::string poll_;  // the POLL request with this client's DSId
};

// HTTP streaming (docs/protocol.md, "HTTP streaming channel"): after SUBSCRIBE, the open on the
// same connection; the answer is the stream, HTTP chunks each holding one of BlazeDS's frames
// (`<hex size>\r\n<one AMF3 message>\r\n`), a bare 00 (heartbeat) or the terminator `0\r\n`.
// The first frame is the open acknowledgement (correlationId "open"), then one per message.
class streaming_subscriber final : public http_subscriber {
 public:
  using http_subscriber::http_subscriber;

 private:
  enum class phase { exchanges, head, opening, pushed };

  void subscribed(const std::string& ds_id) override {
    const std::string form = "DSId=" + ds_id;  // a UUID: nothing to escape
    send("POST " + path() +
         "?command=open&version=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
         std::to_string(form.size()) + "\r\n\r\n" + form);
    phase_ = phase::head;
    received();
  }

  void received() override {
    if (phase_ == phase::exchanges) return http_subscriber::received();
    if (phase_ == phase::head) {
      const std::size_t end = unread().find("\r\n\r\n");
      if (end == std::string_view::npos)
        return unread().size() > 64 * 1024 ? setup_done(false, "open: bad answer") : read_more();
      if (unread().substr(0, 12) != "HTTP/1.1 200") {
        const std::string_view answer = unread().substr(0, unread().find("\r\n"));
        return setup_done(false, "open refused: " + std::string(answer));
      }
      consume(end + 4);
      phase_ = phase::opening;
    }
    while (true) {  // HTTP chunks: `<hex size>\r\n<content>\r\n`
      const std::string_view data = unread();
      const std::size_t line = data.find("\r\n");
      if (line == std::string_view::npos) {
        if (data.size() > 64) return failed("bad chunk from the server");
        break;
      }
      const std::optional<std::size_t> size = hex_size(data.substr(0, line));
      if (!size || *size > max_response) return failed("bad chunk from the server");
      if (*size == 0) return failed("the server ended the stream");
      const std::size_t total = line + 2 + *size + 2;
      if (data.size() < total) break;
      const std::string_view content = data.substr(line + 2, *size);
      consume(total);
      if (!on_chunk(content)) return;
    }
    read_more();
  }

  // One HTTP chunk's content; false once the stream has ended or failed.
  bool on_chunk(std::string_view content) {
    if (content.size() == 1 && content[0] == '\0') return true;  // heartbeat
    if (content == "0\r\n") {
      failed("the server ended the stream");
      return false;
    }
    const std::size_t line = content.find("\r\n");
    const std::optional<std::size_t> size =
        line == std::string_view::npos ? std::nullopt : hex_size(content.substr(0, line));
    if (!size || line + 2 + *size > content.size()) {
      failed("bad frame from the server");
      return false;
    }
    const std::string_view bytes = content.substr(line + 2, *size);
    if (bytes.empty() || bytes[0] == '\0') return true;  // kick-start padding
    if (phase_ == phase::pushed) {
      if (bytes.find("ErrorMessage") != std::string_view::npos) fault();
      delivered(bytes);
      return true;
    }
    amf::arena memory;
    const std::optional<flex::message> m = read_flex(bytes, false, memory);
    const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
    if (ack == nullptr || ack->correlation_id != "open") {
      setup_done(false, "open: the stream did not start with its acknowledgement");
      return false;
    }
    phase_ = phase::pushed;
    setup_done(true);
    return true;
  }

  phase phase_ = phase::exchanges;
};

// WebSocket (docs/protocol.md, "WebSocket channel"): one binary frame per message, both ways.
class websocket_subscriber final : public subscriber {
 public:
  using subscriber::subscriber;

 private:
  enum class phase { handshake, subscribing, pushed };

  void connected() override {
    send("GET " + path() +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    read_more();
  }

  void received() override {
    if (phase_ == phase::handshake) {
      const std::size_t end = unread().find("\r\n\r\n");
      if (end == std::string_view::npos)
        return unread().size() > 64 * 1024 ? failed("bad handshake") : read_more();
      if (unread().substr(0, 12) != "HTTP/1.1 101")
        return failed("upgrade refused: " + std::string(unread().substr(0, 12)));
      consume(end + 4);
      phase_ = phase::subscribing;
      amf::arena memory;
      const amf::result<amf::value> v = amf::value_from_json(
          message_json("CommandMessage",
                       command_fields(0, settings_.destination, "nil", "msgload-subscribe")),
          memory);
      std::vector<std::uint8_t> payload;
      if (!v || !amf::encode_amf3(*v, payload).ok()) return failed("cannot encode SUBSCRIBE");
      send_frame(0x2, {reinterpret_cast<const char*>(payload.data()), payload.size()});
    }
    while (true) {
      const std::string_view data = unread();
      if (data.size() < 2) break;
      const auto b0 = static_cast<unsigned char>(data[0]);
      const auto b1 = static_cast<unsigned char>(data[1]);
      std::size_t header = 2;
      std::uint64_t length = b1 & 0x7fu;
      if (length == 126) {
        header = 4;
      } else if (length == 127) {
        header = 10;
      }
      if (data.size() < header) break;
      if (header > 2) {
        length = 0;
        for (std::size_t i = 2; i < header; ++i) length = (length << 8) | static_cast<unsigned char>(data[i]);
      }
      if ((b1 & 0x80u) != 0 || length > max_response) return failed("bad frame from the server");
      if (data.size() - header < length) break;
      const std::string_view payload = data.substr(header, static_cast<std::size_t>(length));
      consume(header + static_cast<std::size_t>(length));
      const unsigned opcode = b0 & 0x0fu;
      if (opcode == 0x8) return failed("closed by the server");
      if (opcode == 0x9) {
        send_frame(0xA, payload);
      } else if (opcode <= 0x2) {
        on_message(payload);
      }
    }
    read_more();
  }

  void on_message(std::string_view payload) {
    if (phase_ == phase::pushed) {
      if (payload.find("ErrorMessage") != std::string_view::npos) fault();
      return delivered(payload);
    }
    amf::arena memory;
    const std::optional<flex::message> m = read_flex(payload, false, memory);
    if (!m || !std::holds_alternative<flex::acknowledge_message>(*m))
      return setup_done(false, "SUBSCRIBE: not acknowledged");
    phase_ = phase::pushed;
    setup_done(true);
  }

  // A client frame: FIN, the opcode, masked with the all-zero key (RFC 6455 requires a mask, and
  // this one leaves the payload as it is: loopback load, nothing to hide).
  void send_frame(unsigned opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80u | opcode));
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(0x80u | payload.size()));
    } else {
      f.push_back(static_cast<char>(0x80u | 126u));
      f.push_back(static_cast<char>((payload.size() >> 8) & 0xffu));
      f.push_back(static_cast<char>(payload.size() & 0xffu));
    }
    f.append(4, '\0');
    f.append(payload);
    send(std::move(f));
  }

  phase phase_ = phase::handshake;
};

void worker::start_more() {
  while (setups_in_flight < max_setups && next_to_start < clients.size()) {
    ++setups_in_flight;
    clients[next_to_start++]->start();
  }
}

// ---- the publisher ----

// One keep-alive connection posting AsyncMessages to /amf: `count` of them, at `rate` per second
// or (rate 0) each once the previous one is acknowledged.
class publisher final : public client_socket {
 public:
  publisher(worker& w, const settings& s, run_totals& totals)
      : client_socket(w.ioc, w.read_buffer, s, totals), timer_(w.ioc) {}

  void start(std::size_t count, double rate) {
    count_ = count;
    rate_ = rate;
    connect(nullptr);
  }

  std::atomic<bool> done{false};
  std::atomic<std::size_t> acked{0};
  std::uint64_t first_ns = 0;  // read after done
  std::uint64_t last_ns = 0;

 private:
  void connected() override {
    start_ = clock_type::now();
    next();
  }

  void next() {
    if (sent_ == count_ || totals_.stopping.load(std::memory_order_relaxed)) {
      done.store(true);
      return;
    }
    const auto due = start_ + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(
                                  rate_ > 0 ? static_cast<double>(sent_) / rate_ : 0));
    if (clock_type::now() < due) {
      timer_.expires_at(due);
      timer_.async_wait([this](error_code ec) {
        if (!ec) publish();
      });
      return;
    }
    publish();
  }

  void publish() {
    const std::uint64_t t = now_ns();
    if (first_ns == 0) first_ns = t;
    last_ns = t;
    char text[64];
    std::snprintf(text, sizeof text, "%.*s%0*zu:%0*llu", static_cast<int>(marker.size()), marker.data(),
                  static_cast<int>(sequence_digits), sent_, static_cast<int>(time_digits),
                  static_cast<unsigned long long>(t));
    char id[48];
    std::snprintf(id, sizeof id, "msgload-%020zu", sent_);
    ++sent_;
    http_call(amf_post("/amf", message_json("AsyncMessage", R"("body":")" + std::string(text) +
                                                                R"(","clientId":null,"destination":")" +
                                                                settings_.destination +
                                                                R"(","headers":{},"messageId":")" + id +
                                                                R"(","timestamp":0,"timeToLive":0)")),
              static_cast<response_handler>(&publisher::on_ack));
  }

  void on_ack(unsigned status, std::string_view body) {
    if (status == 200 && body.find("/onResult") != std::string_view::npos) {
      acked.fetch_add(1, std::memory_order_relaxed);
    } else {
      totals_.faults.fetch_add(1, std::memory_order_relaxed);
    }
    next();
  }

  void failed(std::string) override {
    totals_.faults.fetch_add(1, std::memory_order_relaxed);
    done.store(true);
  }

  net::steady_timer timer_;
  clock_type::time_point start_;
  std::size_t count_ = 0;
  std::size_t sent_ = 0;
  double rate_ = 0;
};

// ---- the figures ----

// VmRSS of a process in MiB, or -1.
double rss_mib(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return -1;
}

// "127.0.0.2-127.0.0.40" or "127.0.0.2,127.0.0.3": IPv4 loopback addresses, at most max_clients.
std::optional<std::vector<net::ip::address>> parse_sources(std::string_view text) {
  std::vector<net::ip::address> out;
  auto loopback = [](std::string_view s) -> std::optional<net::ip::address_v4> {
    error_code ec;
    const net::ip::address_v4 a = net::ip::make_address_v4(std::string(s), ec);
    if (ec || !a.is_loopback()) return std::nullopt;
    return a;
  };
  if (const std::size_t dash = text.find('-'); dash != std::string_view::npos) {
    const auto first = loopback(text.substr(0, dash));
    const auto last = loopback(text.substr(dash + 1));
    if (!first || !last || last->to_uint() < first->to_uint() ||
        last->to_uint() - first->to_uint() >= max_clients)
      return std::nullopt;
    for (std::uint32_t a = first->to_uint(); a <= last->to_uint(); ++a)
      out.emplace_back(net::ip::address_v4(a));
    return out;
  }
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const auto a = loopback(text.substr(0, comma));
    if (!a) return std::nullopt;
    out.emplace_back(*a);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Waits (polling every 20 ms) until `done` or `seconds` passed; true if done.
template <typename Done>
bool wait_for(double seconds, Done done) {
  const auto end = clock_type::now() +
                   std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  while (!done()) {
    if (clock_type::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// "longpoll", "streaming,longpoll": the subscribers' channels in the order given, or nothing.
std::optional<std::vector<channel_kind>> parse_channels(std::string_view text) {
  std::vector<channel_kind> out;
  while (true) {
    const std::size_t comma = text.find(',');
    const auto name = std::find(channel_names.begin(), channel_names.end(), text.substr(0, comma));
    if (name == channel_names.end()) return std::nullopt;
    out.push_back(static_cast<channel_kind>(name - channel_names.begin()));
    if (comma == std::string_view::npos) return out;
    text = text.substr(comma + 1);
  }
}

int run(const command& c, const parsed_args& args) {
  settings s;
  const std::string_view channel_list = args.value("--channel").value_or("longpoll");
  const std::optional<std::vector<channel_kind>> channels = parse_channels(channel_list);
  if (!channels)
    return usage_error(c,
                       "--channel: longpoll, streaming or websocket, or a list of them (longpoll,streaming)");
  s.channels = *channels;
  std::string channel_label(channel_list);  // "longpoll+streaming" in the report
  std::replace(channel_label.begin(), channel_label.end(), ',', '+');
  for (std::size_t k = 0; k < default_paths.size(); ++k) s.paths[k] = std::string(default_paths[k]);
  if (const auto path = args.value("--path")) {
    if (path->empty() || (*path)[0] != '/') return usage_error(c, "--path must start with '/'");
    if (std::count(s.channels.begin(), s.channels.end(), s.channels[0]) != std::ssize(s.channels))
      return usage_error(c, "--path: only with a single --channel");
    s.paths[static_cast<std::size_t>(s.channels[0])] = std::string(*path);
  }
  s.destination = std::string(args.value("--destination").value_or("chat"));
  if (s.destination.empty() || s.destination.find_first_of("\"\\") != std::string::npos)
    return usage_error(c, "--destination: a name without quotes or backslashes");

  std::string error;
  const std::optional<tcp::endpoint> server = loopback_server(args, error);
  if (!server) return usage_error(c, error);
  s.server = *server;
  if (const auto text = args.value("--sources")) {
    auto sources = parse_sources(*text);
    if (!sources || !server->address().is_v4())
      return usage_error(c, "--sources: IPv4 loopback addresses, FIRST-LAST or a,b,c (with an IPv4 --host)");
    s.sources = std::move(*sources);
  }
  const auto clients = parse_size(args.value("--clients").value_or("100"));
  if (!clients || *clients == 0 || *clients > max_clients)
    return usage_error(c, "--clients: 1 to " + std::to_string(max_clients));
  const auto threads = parse_size(args.value("--threads").value_or("1"));
  if (!threads || *threads == 0 || *threads > max_threads)
    return usage_error(c, "--threads: 1 to " + std::to_string(max_threads));
  const auto concurrency = parse_size(args.value("--setup-concurrency").value_or("256"));
  if (!concurrency || *concurrency == 0) return usage_error(c, "--setup-concurrency: at least 1");
  const auto messages = parse_size(args.value("--messages").value_or("10"));
  if (!messages || *messages > max_messages)
    return usage_error(c, "--messages: at most " + std::to_string(max_messages));
  const auto rate = parse_seconds(args.value("--rate").value_or("0"), 1e9);
  if (!rate) return usage_error(c, "--rate: messages per second, 0 for as fast as acknowledged");
  const auto setup_timeout = parse_seconds(args.value("--setup-timeout").value_or("120"), max_seconds);
  const auto hold = parse_seconds(args.value("--hold").value_or("1"), max_seconds);
  const auto drain = parse_seconds(args.value("--drain").value_or("30"), max_seconds);
  if (!setup_timeout || !hold || !drain)
    return usage_error(c, "--setup-timeout, --hold, --drain: seconds, at most 600");
  long server_pid = 0;
  if (const auto pid = args.value("--server-pid")) {
    const auto p = parse_size(*pid);
    if (!p || *p == 0 || *p > 1u << 30) return usage_error(c, "--server-pid: a process id");
    server_pid = static_cast<long>(*p);
    if (rss_mib(server_pid) < 0) return usage_error(c, "--server-pid: no such process");
  }

  const std::size_t fds = raise_fd_limit(*clients + spare_fds);
  if (fds < *clients + spare_fds) {
    return data_error(c, "the open-file limit is " + std::to_string(fds) + ", below the " +
                             std::to_string(*clients + spare_fds) + " descriptors " +
                             std::to_string(*clients) +
                             " clients need, and it cannot be raised (raise the hard limit: ulimit -Hn, or "
                             "run with fewer --clients or split them over several msgload processes)");
  }

  // Subscribers go round robin to the workers and, within each, to the channels and the source
  // addresses.
  run_totals totals;
  std::vector<std::unique_ptr<worker>> workers;
  for (std::size_t i = 0; i < *threads; ++i) {
    workers.push_back(std::make_unique<worker>());
    workers.back()->max_setups = std::max<std::size_t>(1, *concurrency / *threads);
  }
  for (std::size_t i = 0; i < *clients; ++i) {
    worker& w = *workers[i % workers.size()];
    const net::ip::address* source = s.sources.empty() ? nullptr : &s.sources[i % s.sources.size()];
    const channel_kind kind = s.channels[i % s.channels.size()];
    switch (kind) {
      case channel_kind::longpoll:
        w.clients.push_back(std::make_unique<longpoll_subscriber>(w, kind, s, totals, source));
        break;
      case channel_kind::streaming:
        w.clients.push_back(std::make_unique<streaming_subscriber>(w, kind, s, totals, source));
        break;
      case channel_kind::websocket:
        w.clients.push_back(std::make_unique<websocket_subscriber>(w, kind, s, totals, source));
        break;
    }
  }
  publisher pub(*workers.front(), s, totals);

  const double rss_before = server_pid != 0 ? rss_mib(server_pid) : -1;
  const auto setup_start = clock_type::now();
  std::vector<std::thread> pool;
  for (auto& w : workers) {
    net::post(w->ioc, [&w = *w] { w.start_more(); });
    pool.emplace_back([&w = *w] {
      auto guard = net::make_work_guard(w.ioc);
      w.ioc.run();
    });
  }
  wait_for(*setup_timeout, [&] { return totals.held_now() + totals.setup_failed.load() >= *clients; });
  const double setup_seconds = std::chrono::duration<double>(clock_type::now() - setup_start).count();
  std::this_thread::sleep_for(std::chrono::duration<double>(*hold));
  std::array<std::size_t, 3> held_by{};
  for (std::size_t k = 0; k < held_by.size(); ++k) held_by[k] = totals.held[k].load();
  const std::size_t held = held_by[0] + held_by[1] + held_by[2];
  const double rss_held = server_pid != 0 ? rss_mib(server_pid) : -1;
  const double own_rss = rss_mib(static_cast<long>(::getpid()));

  // CPU time of the server and of this process from the first publish to the last delivery (or
  // the drain's end): per delivery, and as cores busy over that time.
  std::size_t acked = 0;
  const auto publish_start = clock_type::now();
  const double server_cpu_start = server_pid != 0 ? process_cpu_seconds(server_pid) : -1;
  const double client_cpu_start = own_cpu_seconds();
  if (*messages > 0) {
    net::post(workers.front()->ioc, [&] { pub.start(*messages, *rate); });
    const double publish_bound = *rate > 0 ? static_cast<double>(*messages) / *rate + *drain : max_seconds;
    wait_for(publish_bound, [&] { return pub.done.load(); });
    acked = pub.acked.load();
    const std::uint64_t expected = static_cast<std::uint64_t>(acked) * held;
    wait_for(*drain, [&] {
      std::uint64_t n = 0;
      for (auto& w : workers) n += w->deliveries.load(std::memory_order_relaxed);
      return n >= expected;
    });
  }
  const double server_cpu = server_pid != 0 ? process_cpu_seconds(server_pid) - server_cpu_start : -1;
  const double client_cpu = own_cpu_seconds() - client_cpu_start;
  const double cpu_window = std::chrono::duration<double>(clock_type::now() - publish_start).count();
  totals.stopping.store(true);
  for (auto& w : workers) w->ioc.stop();
  for (std::thread& t : pool) t.join();

  histogram latency;
  std::uint64_t deliveries = 0;
  std::uint64_t last_delivery = 0;
  for (auto& w : workers) {
    latency.merge(w->latency);
    deliveries += w->deliveries.load();
    last_delivery = std::max(last_delivery, w->last_delivery_ns.load());
  }
  const std::uint64_t expected = static_cast<std::uint64_t>(acked) * held;
  const double fanout_seconds = last_delivery > pub.first_ns && pub.first_ns != 0
                                    ? static_cast<double>(last_delivery - pub.first_ns) / 1e9
                                    : 0;
  const double publish_seconds = static_cast<double>(pub.last_ns - pub.first_ns) / 1e9;
  const double per_s = fanout_seconds > 0 ? static_cast<double>(deliveries) / fanout_seconds : 0;
  const double published_per_s =
      publish_seconds > 0 && acked > 1 ? static_cast<double>(acked - 1) / publish_seconds : 0;
  const double per_client_kib =
      rss_before >= 0 && held > 0 ? (rss_held - rss_before) * 1024 / static_cast<double>(held) : -1;
  const auto per_delivery_us = [&](double cpu) {
    return cpu >= 0 && deliveries > 0 ? cpu * 1e6 / static_cast<double>(deliveries) : -1;
  };
  const auto cores = [&](double cpu) { return cpu >= 0 && cpu_window > 0 ? cpu / cpu_window : -1; };
  const std::size_t setup_failed = totals.setup_failed.load();
  const std::size_t lost = totals.lost.load();
  const std::size_t faults = totals.faults.load();
  const std::size_t misordered = totals.misordered.load();

  if (args.has("--json")) {
    std::printf(
        "{\"channel\":\"%s\",\"clients\":%zu,\"sources\":%zu,\"threads\":%zu,\"held\":%zu,"
        "\"held_longpoll\":%zu,\"held_streaming\":%zu,\"held_websocket\":%zu,\"setup_s\":%.3f,"
        "\"setup_failed\":%zu,\"server_rss_before_mib\":%.1f,\"server_rss_held_mib\":%.1f,"
        "\"server_kib_per_client\":%.2f,\"client_rss_mib\":%.1f,\"published\":%zu,\"published_per_s\":%.1f,"
        "\"deliveries\":%llu,\"expected\":%llu,\"deliveries_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
        "\"max_ms\":%.3f,\"cpu_window_s\":%.3f,\"server_cpu_s\":%.3f,\"server_cpu_us_per_delivery\":%.2f,"
        "\"server_cores\":%.2f,\"client_cpu_s\":%.3f,\"client_cpu_us_per_delivery\":%.2f,"
        "\"client_cores\":%.2f,\"lost\":%zu,\"faults\":%zu,\"misordered\":%zu,\"fd_limit\":%zu}\n",
        channel_label.c_str(), *clients, s.sources.size(), *threads, held, held_by[0], held_by[1], held_by[2],
        setup_seconds, setup_failed, rss_before, rss_held, per_client_kib, own_rss, acked, published_per_s,
        static_cast<unsigned long long>(deliveries), static_cast<unsigned long long>(expected), per_s,
        latency.percentile_ms(0.50), latency.percentile_ms(0.99), latency.max_ms(), cpu_window, server_cpu,
        per_delivery_us(server_cpu), cores(server_cpu), client_cpu, per_delivery_us(client_cpu),
        cores(client_cpu), lost, faults, misordered, fds);
  } else {
    std::printf("%s: %zu subscribers on '%s', %zu source address(es), %zu thread(s)\n", channel_label.c_str(),
                *clients, s.destination.c_str(), std::max<std::size_t>(1, s.sources.size()), *threads);
    std::printf("held:        %zu (subscribed in %.2f s, %zu failed)", held, setup_seconds, setup_failed);
    for (std::size_t k = 0; k < held_by.size() && s.channels.size() > 1; ++k) {
      if (std::find(s.channels.begin(), s.channels.end(), static_cast<channel_kind>(k)) == s.channels.end())
        continue;
      std::printf("; %.*s %zu", static_cast<int>(channel_names[k].size()), channel_names[k].data(),
                  held_by[k]);
    }
    std::printf("\n");
    if (server_pid != 0) {
      std::printf("server RSS:  %.1f MiB before, %.1f MiB holding them (%.2f KiB per client)\n", rss_before,
                  rss_held, per_client_kib);
    }
    std::printf("published:   %zu (%.0f/s)\n", acked, published_per_s);
    std::printf("deliveries:  %llu of %llu (%.0f/s)\n", static_cast<unsigned long long>(deliveries),
                static_cast<unsigned long long>(expected), per_s);
    std::printf("latency:     p50 %.3f ms  p99 %.3f ms  max %.3f ms (publish to deliver)\n",
                latency.percentile_ms(0.50), latency.percentile_ms(0.99), latency.max_ms());
    if (server_pid != 0) {
      std::printf("server CPU:  %.2f us per delivery, %.2f cores busy\n", per_delivery_us(server_cpu),
                  cores(server_cpu));
    }
    std::printf("msgload CPU: %.2f us per delivery, %.2f cores busy\n", per_delivery_us(client_cpu),
                cores(client_cpu));
    std::printf("errors:      %zu lost connections, %zu faults, %zu out of order\n", lost, faults,
                misordered);
  }
  std::fflush(stdout);
  if (!totals.first_error.empty())
    std::fprintf(stderr, "first setup failure: %s\n", totals.first_error.c_str());
  for (auto& w : workers) w->clients.clear();  // before their io_context
  if (held == 0) return data_error(c, "no subscriber was held (is the server running on that port?)");
  return held == *clients && deliveries == expected && lost == 0 && faults == 0 && misordered == 0
             ? exit_ok
             : exit_bad_data;
}

const command msgload_command{
    .name = "msgload",
    .summary = "load-test a local amphora server's messaging: subscribers held, fan-out rate, latency",
    .synopsis =
        "[--port PORT] [--channel longpoll|streaming|websocket[,...]] [--clients N]\n"
        "       [--sources FIRST-LAST] [--messages N] [--rate N] [--server-pid PID] [--json]",
    .description =
        "Subscribes N clients (Flex Consumers, one connection and one FlexClient each) to a\n"
        "destination of a server on this machine, over the long-polling channel (CLIENT_PING,\n"
        "SUBSCRIBE, then polls the server parks until a message comes), the HTTP streaming channel\n"
        "(CLIENT_PING, SUBSCRIBE, then ?command=open on the same connection: pushed frames) or the\n"
        "WebSocket channel (SUBSCRIBE in a binary frame, then pushed frames); a list such as\n"
        "--channel longpoll,streaming deals the subscribers out over the channels in turn.\n"
        "--sources spreads them over several loopback source addresses so that 20,000 and more\n"
        "find ephemeral ports. Once they are subscribed it holds them --hold seconds, then\n"
        "publishes --messages AsyncMessages to /amf over one keep-alive connection, each carrying\n"
        "its sequence number and the time it was sent, and counts the deliveries. Prints the\n"
        "subscribers held, the server's RSS before and while holding them (--server-pid), the\n"
        "deliveries per second (deliveries over the time from the first publish to the last\n"
        "delivery), the p50, p99 and max publish-to-deliver latency, and the CPU time the server\n"
        "(--server-pid) and msgload itself spent per delivery and the cores each kept busy, to\n"
        "tell which one was the limit when they share the machine.\n"
        "Received bytes are not decoded: each message is found by a marker in its body.\n"
        "Raises the open-file limit to what N clients need and fails if it cannot.\n"
        "Exit code 1 unless every subscriber was held and got every message once and in order,\n"
        "without faults. `amphora serve` holds at most --max-connections connections,\n"
        "--max-parked-polls parked polls and 10,000 streams (10,000 each by default): raise them\n"
        "for more subscribers.",
    .options = msgload_options,
    .max_positionals = 0,
    .examples =
        "amphora msgload --port 8400 --clients 1000 --messages 100\n"
        "amphora msgload --port 8400 --channel websocket --clients 10000 --sources 127.0.0.2-127.0.0.9 "
        "--messages 200 --rate 20\n"
        "amphora msgload --port 8400 --channel longpoll,streaming --clients 9990 --sources "
        "127.0.0.2-127.0.0.40 --messages 0 --server-pid 1234 --json",
    .run = run,
};
const command_registration registered{msgload_command};

}  // namespace
}  // namespace amphora::cli
