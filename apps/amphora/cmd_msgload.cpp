// amphora msgload: the messaging load generator (docs/performance.md, "Messaging"). N subscribers
// (Flex Consumers) on one destination of a local `amphora serve`, over the long-polling or the
// WebSocket channel, bound to several loopback source addresses so that ephemeral ports suffice;
// then one publisher (HTTP, /amf) whose messages carry their send time. Reports how many
// subscribers were held at once, the server's memory (RSS) while holding them, deliveries per
// second and the publish-to-deliver latency. Loopback only; every phase is bounded in time.
//
// Each subscriber is one connection and one FlexClient:
// - longpoll: CLIENT_PING (for the DSId), SUBSCRIBE, then POLL after POLL on the long-polling
//   endpoint, each poll parked by the server until a message is queued for the client;
// - websocket: the RFC 6455 upgrade, SUBSCRIBE in one binary frame, then pushed frames.
// A further channel (HTTP streaming) is one more subclass of `subscriber` and one more
// `channel_kind`: connect, subscribe, call setup_done(), then hand what arrives to delivered().
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
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

namespace amphora::cli {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t max_clients = 100'000;
constexpr std::size_t max_threads = 64;
constexpr std::size_t max_messages = 10'000'000;
constexpr double max_seconds = 600;
constexpr std::size_t spare_fds = 64;                   // beyond one per client: publisher, epoll, files
constexpr std::size_t max_response = 64 * 1024 * 1024;  // a poll answer may hold 1,000 messages
constexpr std::size_t first_buffer = 2048;              // per client; grows when a response needs it

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
    {"--channel", "", "KIND", "longpoll (default) or websocket."},
    {"--path", "", "PATH",
     "The channel's endpoint (default /messagebroker/amflongpolling, /messagebroker/websocket)."},
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
    {"--server-pid", "", "PID", "Report this process's memory (VmRSS) before and while holding."},
    {"--json", "", "", "Print the figures as one JSON object instead of text."},
};

// ---- settings and shared counters ----

enum class channel_kind { longpoll, websocket };

struct settings {
  channel_kind channel = channel_kind::longpoll;
  tcp::endpoint server;
  std::string path;
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
  std::atomic<std::size_t> held{0};          // subscribed and waiting now
  std::atomic<std::size_t> setup_failed{0};  // never subscribed
  std::atomic<std::size_t> lost{0};          // held, then the connection ended
  std::atomic<std::size_t> faults{0};        // an error answer, an unreadable one, a non-200
  std::atomic<bool> stopping{false};
  std::string first_error;  // the first setup failure's reason (written under error_mutex)
  std::mutex error_mutex;
};

class subscriber;

// One client thread: its io_context, its subscribers, and its share of the figures.
struct worker {
  net::io_context ioc{1};
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

// A socket with a growing read buffer, an HTTP request/response exchange and a write queue.
// Handlers capture `this`: clients outlive their io_context's threads (see run()).
class client_socket {
 public:
  client_socket(net::io_context& ioc, const settings& s, run_totals& totals)
      : socket_(ioc), settings_(s), totals_(totals) {}
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
      connected();
    });
  }

  // Sends `request` (kept until written) and calls `handler` with the response.
  void http_call(std::string request, response_handler handler) {
    on_response_ = handler;
    send(std::move(request));
    read_response();
  }

  // Queues bytes to write; writes one buffer at a time.
  void send(std::string bytes) {
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1) write_next();
  }

  // Reads more into the buffer (after dropping what was consumed), then calls received().
  void read_more() {
    if (consumed_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + consumed_, used_ - consumed_);
      used_ -= consumed_;
      consumed_ = 0;
    }
    if (buffer_.size() - used_ < first_buffer / 2) buffer_.resize(std::max(buffer_.size() * 2, first_buffer));
    socket_.async_read_some(net::buffer(buffer_.data() + used_, buffer_.size() - used_),
                            [this](error_code ec, std::size_t n) {
                              if (ec) return failed("read: " + ec.message());
                              used_ += n;
                              received();
                            });
  }

  std::string_view unread() const { return {buffer_.data() + consumed_, used_ - consumed_}; }
  void consume(std::size_t n) { consumed_ += n; }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  virtual void connected() = 0;
  virtual void received() { read_response(); }
  virtual void failed(std::string reason) = 0;

  tcp::socket socket_;
  const settings& settings_;
  run_totals& totals_;

 private:
  void write_next() {
    net::async_write(socket_, net::buffer(outbox_.front()), [this](error_code ec, std::size_t) {
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

  std::vector<char> buffer_ = std::vector<char>(first_buffer);
  std::size_t used_ = 0;
  std::size_t consumed_ = 0;
  std::deque<std::string> outbox_;
  response_handler on_response_ = nullptr;
};

// The first Flex message of an AMF packet (a reply body), or nothing.
std::optional<flex::message> first_message(std::string_view body, amf::arena& memory) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(body.data());
  amf::decode_options options;
  options.registry = &flex::registry();  // answers to a client that pinged come in small form (DSK)
  const amf::result<amf::packet> p = amf::decode_packet({bytes, body.size()}, memory, options);
  if (!p || p->bodies.empty()) return std::nullopt;
  amf::result<flex::message> m = flex::read_message(p->bodies[0].val, memory);
  if (!m) return std::nullopt;
  return *m;
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
  std::string text = "POST " + std::string(path) +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amf\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  text.append(body.begin(), body.end());
  return text;
}

// ---- subscribers ----

class subscriber : public client_socket {
 public:
  subscriber(worker& w, const settings& s, run_totals& totals, const net::ip::address* source)
      : client_socket(w.ioc, s, totals), worker_(w), source_(source) {}

  void start() { connect(source_); }

 protected:
  // Subscribed (ok) or given up: once per subscriber; lets the worker start the next one.
  void setup_done(bool ok, std::string_view reason = {}) {
    if (setup_reported_) return;
    setup_reported_ = true;
    if (ok) {
      held_ = true;
      totals_.held.fetch_add(1, std::memory_order_relaxed);
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
      totals_.held.fetch_sub(1, std::memory_order_relaxed);
      totals_.lost.fetch_add(1, std::memory_order_relaxed);
    }
    close();
  }

  void fault() { totals_.faults.fetch_add(1, std::memory_order_relaxed); }

  // Counts every published message in `data` and its latency.
  void delivered(std::string_view data) {
    std::uint64_t now = 0;
    std::uint64_t count = 0;
    for (std::size_t at = data.find(marker); at != std::string_view::npos; at = data.find(marker, at + 1)) {
      const std::size_t t = at + marker.size() + sequence_digits + 1;
      if (t + time_digits > data.size()) break;
      std::uint64_t sent = 0;
      for (std::size_t i = t; i < t + time_digits; ++i) {
        sent = sent * 10 + static_cast<std::uint64_t>(static_cast<unsigned char>(data[i]) - '0');
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
  const net::ip::address* source_;
  bool setup_reported_ = false;
  bool held_ = false;
};

// Long-polling: CLIENT_PING, SUBSCRIBE, then one parked POLL after another.
class longpoll_subscriber final : public subscriber {
 public:
  using subscriber::subscriber;

 private:
  void connected() override {
    http_call(amf_post(settings_.path,
                       message_json("CommandMessage", command_fields(5, "", "nil", "msgload-ping"))),
              static_cast<response_handler>(&longpoll_subscriber::on_ping));
  }

  void on_ping(unsigned status, std::string_view body) {
    amf::arena memory;
    const std::optional<flex::message> m = status == 200 ? first_message(body, memory) : std::nullopt;
    const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
    const amf::value* id = ack != nullptr ? ack->header("DSId") : nullptr;
    if (id == nullptr || !id->is(amf::kind::string))
      return setup_done(false, "CLIENT_PING: no DSId in the answer");
    const std::string ds_id(id->as_string());
    poll_ = amf_post(settings_.path,
                     message_json("CommandMessage", command_fields(2, "", ds_id, "msgload-poll")));
    http_call(
        amf_post(settings_.path, message_json("CommandMessage", command_fields(0, settings_.destination,
                                                                               ds_id, "msgload-subscribe"))),
        static_cast<response_handler>(&longpoll_subscriber::on_subscribed));
  }

  void on_subscribed(unsigned status, std::string_view body) {
    amf::arena memory;
    const std::optional<flex::message> m = status == 200 ? first_message(body, memory) : std::nullopt;
    if (!m || !std::holds_alternative<flex::acknowledge_message>(*m))
      return setup_done(false, "SUBSCRIBE: not acknowledged (HTTP " + std::to_string(status) + ")");
    poll();
    setup_done(true);
  }

  void poll() { http_call(poll_, static_cast<response_handler>(&longpoll_subscriber::on_poll)); }

  void on_poll(unsigned status, std::string_view body) {
    if (status != 200 || body.find("ErrorMessage") != std::string_view::npos) fault();
    delivered(body);
    if (!totals_.stopping.load(std::memory_order_relaxed)) poll();
  }

  std::string poll_;  // the POLL request with this client's DSId
};

// WebSocket (docs/protocol.md, "WebSocket channel"): one binary frame per message, both ways.
class websocket_subscriber final : public subscriber {
 public:
  using subscriber::subscriber;

 private:
  enum class phase { handshake, subscribing, pushed };

  void connected() override {
    send("GET " + settings_.path +
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
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload.data());
    const amf::result<amf::value> v = amf::decode_amf3({bytes, payload.size()}, memory);
    if (!v) return setup_done(false, "SUBSCRIBE: unreadable answer");
    const amf::result<flex::message> m = flex::read_message(*v, memory);
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
  publisher(net::io_context& ioc, const settings& s, run_totals& totals)
      : client_socket(ioc, s, totals), timer_(ioc) {}

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

// User + system CPU time of a process in seconds, or -1.
double cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t end = stat.rfind(')');  // the command name may hold spaces
  if (end == std::string::npos) return -1;
  std::istringstream fields(stat.substr(end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
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

int run(const command& c, const parsed_args& args) {
  settings s;
  const std::string_view channel = args.value("--channel").value_or("longpoll");
  if (channel == "longpoll") {
    s.channel = channel_kind::longpoll;
  } else if (channel == "websocket") {
    s.channel = channel_kind::websocket;
  } else {
    return usage_error(c, "--channel: longpoll or websocket");
  }
  s.path = std::string(args.value("--path").value_or(
      s.channel == channel_kind::longpoll ? "/messagebroker/amflongpolling" : "/messagebroker/websocket"));
  if (s.path.empty() || s.path[0] != '/') return usage_error(c, "--path must start with '/'");
  s.destination = std::string(args.value("--destination").value_or("chat"));
  if (s.destination.empty() || s.destination.find_first_of("\"\\") != std::string::npos)
    return usage_error(c, "--destination: a name without quotes or backslashes");

  error_code ec;
  const net::ip::address address =
      net::ip::make_address(std::string(args.value("--host").value_or("127.0.0.1")), ec);
  if (ec || !address.is_loopback())
    return usage_error(c, "--host must be a loopback address (127.0.0.0/8, ::1)");
  const auto port = parse_size(args.value("--port").value_or("8400"));
  if (!port || *port == 0 || *port > 65535) return usage_error(c, "--port: 1 to 65535");
  s.server = tcp::endpoint(address, static_cast<std::uint16_t>(*port));
  if (const auto text = args.value("--sources")) {
    auto sources = parse_sources(*text);
    if (!sources || !address.is_v4())
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
                             "run with fewer --clients)");
  }

  // Subscribers go round robin to the workers and, within each, to the source addresses.
  run_totals totals;
  std::vector<std::unique_ptr<worker>> workers;
  for (std::size_t i = 0; i < *threads; ++i) {
    workers.push_back(std::make_unique<worker>());
    workers.back()->max_setups = std::max<std::size_t>(1, *concurrency / *threads);
  }
  for (std::size_t i = 0; i < *clients; ++i) {
    worker& w = *workers[i % workers.size()];
    const net::ip::address* source = s.sources.empty() ? nullptr : &s.sources[i % s.sources.size()];
    if (s.channel == channel_kind::longpoll) {
      w.clients.push_back(std::make_unique<longpoll_subscriber>(w, s, totals, source));
    } else {
      w.clients.push_back(std::make_unique<websocket_subscriber>(w, s, totals, source));
    }
  }
  publisher pub(workers.front()->ioc, s, totals);

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
  wait_for(*setup_timeout, [&] { return totals.held.load() + totals.setup_failed.load() >= *clients; });
  const double setup_seconds = std::chrono::duration<double>(clock_type::now() - setup_start).count();
  std::this_thread::sleep_for(std::chrono::duration<double>(*hold));
  const std::size_t held = totals.held.load();
  const double rss_held = server_pid != 0 ? rss_mib(server_pid) : -1;
  const double own_rss = rss_mib(static_cast<long>(::getpid()));

  std::size_t acked = 0;
  const double cpu_before_publish = server_pid != 0 ? cpu_seconds(server_pid) : -1;
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
  const double server_cpu = server_pid != 0 ? cpu_seconds(server_pid) - cpu_before_publish : -1;
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
  // The server's CPU per delivery, from the first publish to the last delivery (or the drain's end).
  const double cpu_us_per_delivery =
      server_cpu >= 0 && deliveries > 0 ? server_cpu * 1e6 / static_cast<double>(deliveries) : -1;
  const std::size_t setup_failed = totals.setup_failed.load();
  const std::size_t lost = totals.lost.load();
  const std::size_t faults = totals.faults.load();

  if (args.has("--json")) {
    std::printf(
        "{\"channel\":\"%.*s\",\"clients\":%zu,\"sources\":%zu,\"threads\":%zu,\"held\":%zu,\"setup_s\":%.3f,"
        "\"setup_failed\":%zu,\"server_rss_before_mib\":%.1f,\"server_rss_held_mib\":%.1f,"
        "\"server_kib_per_client\":%.2f,\"client_rss_mib\":%.1f,\"published\":%zu,\"published_per_s\":%.1f,"
        "\"deliveries\":%llu,\"expected\":%llu,\"deliveries_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
        "\"max_ms\":%.3f,\"server_cpu_us_per_delivery\":%.2f,\"lost\":%zu,\"faults\":%zu,\"fd_limit\":%zu}\n",
        static_cast<int>(channel.size()), channel.data(), *clients, s.sources.size(), *threads, held,
        setup_seconds, setup_failed, rss_before, rss_held, per_client_kib, own_rss, acked, published_per_s,
        static_cast<unsigned long long>(deliveries), static_cast<unsigned long long>(expected), per_s,
        latency.percentile_ms(0.50), latency.percentile_ms(0.99), latency.max_ms(), cpu_us_per_delivery, lost,
        faults, fds);
  } else {
    std::printf("%.*s %s: %zu subscribers on '%s', %zu source address(es), %zu thread(s)\n",
                static_cast<int>(channel.size()), channel.data(), s.path.c_str(), *clients,
                s.destination.c_str(), std::max<std::size_t>(1, s.sources.size()), *threads);
    std::printf("held:        %zu (subscribed in %.2f s, %zu failed)\n", held, setup_seconds, setup_failed);
    if (server_pid != 0) {
      std::printf("server RSS:  %.1f MiB before, %.1f MiB holding them (%.2f KiB per client)\n", rss_before,
                  rss_held, per_client_kib);
    }
    std::printf("published:   %zu (%.0f/s)\n", acked, published_per_s);
    std::printf("deliveries:  %llu of %llu (%.0f/s)\n", static_cast<unsigned long long>(deliveries),
                static_cast<unsigned long long>(expected), per_s);
    std::printf("latency:     p50 %.3f ms  p99 %.3f ms  max %.3f ms (publish to deliver)\n",
                latency.percentile_ms(0.50), latency.percentile_ms(0.99), latency.max_ms());
    if (cpu_us_per_delivery >= 0) std::printf("server CPU:  %.2f us per delivery\n", cpu_us_per_delivery);
    std::printf("errors:      %zu lost connections, %zu faults\n", lost, faults);
  }
  std::fflush(stdout);
  if (!totals.first_error.empty())
    std::fprintf(stderr, "first setup failure: %s\n", totals.first_error.c_str());
  for (auto& w : workers) w->clients.clear();  // before their io_context
  if (held == 0) return data_error(c, "no subscriber was held (is the server running on that port?)");
  return held == *clients && deliveries == expected && lost == 0 && faults == 0 ? exit_ok : exit_bad_data;
}

const command msgload_command{
    .name = "msgload",
    .summary = "load-test a local amphora server's messaging: subscribers held, fan-out rate, latency",
    .synopsis =
        "[--port PORT] [--channel longpoll|websocket] [--clients N] [--sources FIRST-LAST]\n"
        "       [--messages N] [--rate N] [--server-pid PID] [--json]",
    .description =
        "Subscribes N clients (Flex Consumers, one connection and one FlexClient each) to a\n"
        "destination of a server on this machine, over the long-polling channel (CLIENT_PING,\n"
        "SUBSCRIBE, then polls the server parks until a message comes) or the WebSocket channel\n"
        "(SUBSCRIBE in a binary frame, then pushed frames). --sources spreads the subscribers over\n"
        "several loopback source addresses so that 20,000 and more find ephemeral ports. Once\n"
        "they are subscribed it holds them --hold seconds, then publishes --messages AsyncMessages\n"
        "to /amf over one keep-alive connection, each carrying the time it was sent, and counts\n"
        "the deliveries. Prints the subscribers held, the server's RSS before and while holding\n"
        "them (--server-pid), the deliveries per second (deliveries over the time from the first\n"
        "publish to the last delivery) and the p50, p99 and max publish-to-deliver latency.\n"
        "Raises the open-file limit to what N clients need and fails if it cannot.\n"
        "Exit code 1 unless every subscriber was held and got every message, without faults.\n"
        "`amphora serve` holds at most --max-connections connections and --max-parked-polls\n"
        "parked polls (10,000 each by default): raise them for more subscribers.",
    .options = msgload_options,
    .max_positionals = 0,
    .examples =
        "amphora msgload --port 8400 --clients 1000 --messages 100\n"
        "amphora msgload --port 8400 --channel websocket --clients 10000 --sources 127.0.0.2-127.0.0.9 "
        "--messages 200 --rate 20\n"
        "amphora msgload --port 8400 --clients 20000 --sources 127.0.0.2-127.0.0.40 --messages 0 "
        "--server-pid 1234 --json",
    .run = run,
};
const command_registration registered{msgload_command};

}  // namespace
}  // namespace amphora::cli
