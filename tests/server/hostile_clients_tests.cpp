// Hostile clients against a real server (in-process, 127.0.0.1, port 0, small limits, short
// timeouts), all at once: slowloris headers and bodies (one byte per 100 ms), garbage on the wire and
// in bodies, truncated AMF, a Content-Length far over the limit, huge declared lengths inside valid
// envelopes, AMF nested 200,000 levels deep, and a thousand idle connections, while well-behaved
// clients keep making echo calls on keep-alive connections.
//
// Asserted: every well-behaved call succeeds (a count, no timing); every hostile request gets a 4xx,
// a fault, or a closed connection (a crash ends the test process); the process's resident memory
// grows by less than a generous bound. Every wait is bounded, so a broken server fails, never hangs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "amphora/amf/json.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/security/authenticator.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/service.hpp"
#include "net.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
namespace http = detail::http;
namespace net = detail::net;
using steady = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif
#else
constexpr bool under_asan = false;
#endif

constexpr std::size_t max_body = 2 * 1024 * 1024;  // room for 200,000 nested levels
constexpr auto header_timeout = 2s;
constexpr auto io_wait = 10s;  // every socket wait: only reached when something is broken
constexpr std::size_t idle_wanted = 1000;
constexpr std::size_t memory_bound = std::size_t{200} << 20;
// ASan keeps freed memory in its quarantine (256 MiB by default) before reusing it.
constexpr std::size_t asan_quarantine = std::size_t{256} << 20;

// ---- requests ----

using bytes = std::string;

bytes http_post(std::string_view body, std::string_view path = "/amf") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amf\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

bytes encode_json_packet(const std::string& json) {
  amf::arena memory;
  const amf::result<amf::packet> p = amf::packet_from_json(json, memory);
  EXPECT_TRUE(p.has_value()) << p.error().message();
  std::vector<std::uint8_t> out;
  if (p) {
    EXPECT_TRUE(amf::encode_packet(*p, out).ok());
  }
  return {out.begin(), out.end()};
}

// EchoService.echo(marker) as a NetConnection AMF0 call and as a Flex RemotingMessage.
bytes nc_echo(std::string_view marker) {
  return encode_json_packet(R"({"version":0,"headers":[],"bodies":[{"target":"EchoService.echo",)"
                            R"("response":"/1","value":[")" +
                            std::string(marker) + R"("]}]})");
}
bytes flex_echo(std::string_view marker) {
  return encode_json_packet(
      R"({"version":3,"headers":[],"bodies":[{"target":"null","response":"/1","value":[{"$amf3":{)"
      R"("$class":"flex.messaging.messages.RemotingMessage","body":[")" +
      std::string(marker) +
      R"("],"clientId":null,"destination":"EchoService","headers":{"DSId":"nil"},)"
      R"("messageId":"0C4D2B1A-0000-4000-8000-000000000001","operation":"echo","source":null,)"
      R"("timeToLive":0,"timestamp":0}}]}]})");
}

void put_u16(bytes& out, std::size_t v) {
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}
void put_u32(bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// A version 0 envelope with one body "EchoService.echo" -> "/1" whose value is `value`, as is.
bytes envelope(std::string_view value, std::uint32_t declared_length = 0xFFFFFFFF) {
  bytes out;
  put_u16(out, 0);  // version
  put_u16(out, 0);  // headers
  put_u16(out, 1);  // bodies
  const std::string_view target = "EchoService.echo";
  put_u16(out, target.size());
  out += target;
  put_u16(out, 2);
  out += "/1";
  put_u32(out, declared_length);
  out += value;
  return out;
}

bytes repeat(std::string_view unit, std::size_t n) {
  bytes out;
  out.reserve(unit.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// ---- a bounded blocking socket ----

class raw_socket {
 public:
  // From `source` (a loopback address other than 127.0.0.1 makes another client address), or any.
  explicit raw_socket(std::uint16_t port, bool with_timeouts = true, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    if (source != nullptr) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &from.sin_addr);
      if (::bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
        ::close(fd_);
        fd_ = -1;
        return;
      }
    }
    if (with_timeouts) {
      timeval tv{};
      tv.tv_sec = static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(io_wait).count());
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const noexcept { return fd_ >= 0; }

  // False once the server has closed or reset the connection (or the send timed out).
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  enum class result { response, closed, timed_out, unreadable };
  struct answer {
    result what = result::timed_out;
    unsigned status = 0;
    std::string body;
    std::string retry_after;  // the Retry-After header
  };

  // The next response, or how the connection ended instead.
  answer read_response() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    answer a;
    for (;;) {
      if (!pending_.empty()) {
        detail::error_code ec;
        const std::size_t used = parser.put(net::buffer(pending_), ec);
        pending_.erase(0, used);
        if (ec && ec != http::error::need_more) {
          a.what = result::unreadable;
          return a;
        }
        if (parser.is_done()) {
          a.what = result::response;
          a.status = parser.get().result_int();
          a.body = parser.get().body();
          a.retry_after = std::string(parser.get()[http::field::retry_after]);
          return a;
        }
        if (used > 0 && !pending_.empty()) continue;
      }
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        a.what = result::closed;
        return a;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        a.what = result::timed_out;
        return a;
      }
      pending_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Without waiting: whether the server has closed (EOF or reset); bytes it sent are skipped.
  bool closed_now() {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  int fd_ = -1;
  std::string pending_;
};

// ---- the server and the record of what happened ----

std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;  // "VmRSS:  1234 kB"
  }
  return 0;
}

// Raises the soft descriptor limit towards what we need (up to the hard limit); returns how many
// idle connections fit: each takes two descriptors in this process (client and server side).
std::size_t idle_connections_that_fit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  const rlim_t wanted = static_cast<rlim_t>(2 * idle_wanted + 512);
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= wanted) return idle_wanted;
  return lim.rlim_cur > 512 ? static_cast<std::size_t>((lim.rlim_cur - 512) / 2) : 0;
}

config hostile_config() {
  config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.threads = 2;
  cfg.max_body = max_body;
  cfg.max_header = 4096;
  cfg.max_connections = 4 * idle_wanted;
  cfg.header_timeout = header_timeout;
  cfg.body_timeout = header_timeout;
  cfg.write_timeout = 5s;
  cfg.shutdown_timeout = 5s;
  cfg.level = log_level::warn;
  return cfg;
}

struct amf_server {
  amf_server() : srv(hostile_config()) {
    service_registry services;
    add_echo_service(services);
    gateway_options options;
    options.limits.max_input_bytes = max_body;
    srv.mount("/amf", make_amf_gateway(std::move(services), options, srv.runner()));
    srv.set_log_sink([](std::string_view) {});
    srv.start();
  }
  ~amf_server() { srv.stop(); }
  server srv;
};

// Failures, named, from any thread.
class record {
 public:
  void fail(std::string what) {
    const std::lock_guard lock(mutex_);
    failures_.push_back(std::move(what));
  }
  std::vector<std::string> failures() {
    const std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> failures_;
};

std::string describe(const raw_socket::answer& a) {
  switch (a.what) {
    case raw_socket::result::response:
      return "HTTP " + std::to_string(a.status) + " " + a.body.substr(0, 60);
    case raw_socket::result::closed:
      return "closed";
    case raw_socket::result::timed_out:
      return "no answer and not closed";
    case raw_socket::result::unreadable:
      return "an unreadable response";
  }
  return "?";
}

// A hostile request is refused properly: a 4xx, a fault (200 with an onStatus body), or a close.
bool refused_properly(const raw_socket::answer& a) {
  if (a.what == raw_socket::result::closed) return true;
  if (a.what != raw_socket::result::response) return false;
  if (a.status >= 400 && a.status < 500) return true;
  return a.status == 200 && a.body.find("/onStatus") != std::string::npos;
}

// Sends one hostile request on a fresh connection and checks how it was refused.
void expect_refused(std::uint16_t port, const std::string& name, const bytes& request, record& out) {
  raw_socket s(port);
  if (!s.connected()) return out.fail(name + ": cannot connect");
  s.send_all(request);  // the server may close before it has read everything: fine
  const raw_socket::answer a = s.read_response();
  if (!refused_properly(a)) out.fail(name + ": " + describe(a));
}

// ---- the hostile clients ----

// Slow senders: every connection gets one byte per 100 ms (a slow-body one its header at once
// first). Each must be closed by the server before its request is complete.
void slow_senders(std::uint16_t port, record& out) {
  struct slow {
    std::unique_ptr<raw_socket> socket;
    bytes data;
    std::size_t sent = 0;
    bool closed = false;
    std::string name;
  };
  const bytes padded = http_post(nc_echo(std::string(200, 'p')));
  const std::size_t header_size = padded.find("\r\n\r\n") + 4;
  std::vector<slow> conns;
  for (int i = 0; i < 16; ++i) {
    slow s;
    s.socket = std::make_unique<raw_socket>(port);
    s.data = padded;
    s.name = (i % 2 == 0 ? "slowloris header #" : "slow body #") + std::to_string(i);
    if (!s.socket->connected()) {
      out.fail(s.name + ": cannot connect");
      continue;
    }
    if (i % 2 == 1) {
      s.socket->send_all(std::string_view(padded).substr(0, header_size));
      s.sent = header_size;
    }
    conns.push_back(std::move(s));
  }
  std::size_t open = conns.size();
  while (open > 0) {
    for (slow& s : conns) {
      if (s.closed) continue;
      if (s.socket->closed_now() || !s.socket->send_all(std::string_view(s.data).substr(s.sent, 1))) {
        s.closed = true;
        --open;
        continue;
      }
      if (++s.sent == s.data.size()) {
        out.fail(s.name + ": the whole request trickled in without the server closing");
        s.closed = true;
        --open;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
}

// Connections that send nothing: the server must close each one (the header timeout).
void idle_connections(std::uint16_t port, std::size_t count, record& out) {
  std::vector<std::unique_ptr<raw_socket>> conns;
  for (std::size_t i = 0; i < count; ++i) {
    auto s = std::make_unique<raw_socket>(port, false);
    if (!s->connected()) {
      out.fail("idle connection #" + std::to_string(i) + ": cannot connect");
      break;
    }
    conns.push_back(std::move(s));
  }
  const auto deadline = steady::now() + header_timeout + 3 * io_wait;
  std::size_t open = conns.size();
  std::vector<bool> closed(conns.size(), false);
  while (open > 0 && steady::now() < deadline) {
    for (std::size_t i = 0; i < conns.size(); ++i) {
      if (!closed[i] && conns[i]->closed_now()) {
        closed[i] = true;
        --open;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  if (open > 0) out.fail(std::to_string(open) + " idle connections were never closed");
}

// Bodies and byte streams that are not what they claim, each on its own connection.
void bad_requests(std::uint16_t port, record& out) {
  std::mt19937 random(20240601);
  const auto noise = [&random](std::size_t n) {
    bytes b(n, '\0');
    for (char& c : b) c = static_cast<char>(random() & 0xff);
    return b;
  };
  for (int i = 0; i < 20; ++i) {
    const std::size_t n = 1 + random() % 4000;
    expect_refused(port, "garbage body #" + std::to_string(i), http_post(noise(n)), out);
    // Past the version check: the decoder itself sees the noise.
    expect_refused(port, "AMF-looking garbage #" + std::to_string(i),
                   http_post(bytes("\x00\x03", 2) + noise(n)), out);
    expect_refused(port, "garbage instead of HTTP #" + std::to_string(i), noise(n) + "\r\n\r\n", out);
  }

  for (const bytes& whole : {nc_echo("truncated"), flex_echo("truncated")}) {
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
      expect_refused(port, "AMF truncated at " + std::to_string(cut) + " of " + std::to_string(whole.size()),
                     http_post(std::string_view(whole).substr(0, cut)), out);
    }
  }

  const bytes head = "POST /amf HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amf\r\n";
  expect_refused(port, "Content-Length 10 GB", head + "Content-Length: 10000000000\r\n\r\n" + nc_echo("x"),
                 out);
  expect_refused(port, "Content-Length past 2^64", head + "Content-Length: 99999999999999999999999\r\n\r\n",
                 out);
  expect_refused(port, "Content-Length negative", head + "Content-Length: -1\r\n\r\n", out);
  expect_refused(port, "Content-Length twice",
                 head + "Content-Length: 5\r\nContent-Length: 3000000\r\n\r\nhello", out);
  expect_refused(port, "chunk of 2^48 bytes", head + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFF\r\nabc",
                 out);
  expect_refused(port, "header block over the limit",
                 head + "X-Pad: " + std::string(8000, 'a') + "\r\nContent-Length: 0\r\n\r\n", out);

  // Valid envelopes whose values declare far more than they hold.
  const std::vector<std::pair<std::string, bytes>> huge = {
      {"AMF0 long string 4 GiB", envelope("\x0C\xFF\xFF\xFF\xFF"
                                          "abc")},
      {"AMF0 string 64 KiB", envelope("\x02\xFF\xFF"
                                      "ab")},
      {"AMF0 strict array 4G items", envelope("\x0A\xFF\xFF\xFF\xFF")},
      {"AMF0 ECMA array 4G items", envelope("\x08\xFF\xFF\xFF\xFF")},
      {"AMF3 string 256 MiB", envelope("\x11\x06\xFF\xFF\xFF\xFF")},
      {"AMF3 array 256M items", envelope("\x11\x09\xFF\xFF\xFF\xFF\x01")},
      {"AMF3 ByteArray 256 MiB", envelope("\x11\x0C\xFF\xFF\xFF\xFF")},
      {"AMF3 vector<int> 256M items", envelope(bytes("\x11\x0D\xFF\xFF\xFF\xFF\x00", 7))},
      {"AMF3 traits with 128M sealed members", envelope("\x11\x0A\xFF\xFF\xFF\xF3\x01")},
      {"envelope: 65535 headers", bytes("\x00\x00\xFF\xFF", 4)},
      {"envelope: 65535 bodies", bytes("\x00\x00\x00\x00\xFF\xFF", 6)},
      {"envelope: header of 4 GiB", bytes("\x00\x00\x00\x01\x00\x01h\x00\xFF\xFF\xFF\xFF\x05", 13)},
      {"envelope: target of 64 KiB", bytes("\x00\x00\x00\x00\x00\x01\xFF\xFF"
                                           "Echo",
                                           12)},
  };
  for (const auto& [name, body] : huge) expect_refused(port, name, http_post(body), out);
}

// 200,000 levels of nesting, in each encoding's container forms (600 KB to 1.4 MB bodies).
void deep_nesting(std::uint16_t port, record& out) {
  constexpr std::size_t levels = 200'000;
  const std::vector<std::pair<std::string, bytes>> deep = {
      {"AMF0 strict arrays", envelope(repeat(bytes("\x0A\x00\x00\x00\x01", 5), levels) + "\x05")},
      {"AMF0 objects", envelope(repeat(bytes("\x03\x00\x01"
                                             "a",
                                             4),
                                       levels) +
                                "\x05" + repeat(bytes("\x00\x00\x09", 3), levels))},
      {"AMF3 arrays", envelope("\x11" + repeat("\x09\x03\x01", levels) + "\x01")},
      {"AMF3 objects", envelope("\x11" +
                                repeat("\x0A\x0B\x01\x03"
                                       "a",
                                       levels) +
                                "\x01" + repeat("\x01", levels))},
      {"AMF3 dictionaries", envelope("\x11" + repeat(bytes("\x11\x03\x00\x04\x01", 5), levels) + "\x01")},
  };
  for (const auto& [name, body] : deep) {
    EXPECT_LE(body.size(), max_body) << name;
    expect_refused(port, "nested " + name, http_post(body), out);
  }
}

// A well-behaved client: echo calls on one keep-alive connection until told to stop (at most
// max_calls), each answer checked. Counts successes and failures.
struct well_behaved {
  well_behaved(std::uint16_t port, bytes (*make)(std::string_view), std::string marker)
      : port_(port), request_(http_post(make(marker))), marker_(std::move(marker)) {}

  bool call(raw_socket& s) {
    if (!s.send_all(request_)) return false;
    const raw_socket::answer a = s.read_response();
    return a.what == raw_socket::result::response && a.status == 200 &&
           a.body.find("/onResult") != std::string::npos && a.body.find(marker_) != std::string::npos;
  }

  void run(const std::atomic<bool>& stop, std::size_t max_calls) {
    raw_socket s(port_);
    while (!stop.load() && ok + failed < max_calls) {
      if (call(s)) {
        ++ok;
      } else {
        ++failed;
        break;  // the connection is in an unknown state: one failure is enough to report
      }
    }
  }

  std::uint16_t port_;
  bytes request_;
  std::string marker_;
  std::size_t ok = 0;
  std::size_t failed = 0;
};

TEST(hostile_clients, the_server_keeps_answering_and_memory_stays_bounded) {
  const std::size_t idle_count = idle_connections_that_fit();
  ASSERT_GE(idle_count, 100u) << "too few file descriptors for the idle connections";
  amf_server s;
  const std::uint16_t port = s.srv.port();

  well_behaved nc(port, nc_echo, "well-behaved NetConnection caller");
  well_behaved flex(port, flex_echo, "well-behaved RemoteObject caller");
  {
    raw_socket warm(port);
    ASSERT_TRUE(nc.call(warm));
    ASSERT_TRUE(flex.call(warm));
  }
  const std::size_t rss_before = resident_bytes();

  record out;
  std::atomic<bool> stop{false};
  constexpr std::size_t max_calls = 20'000;
  std::thread nc_thread([&] { nc.run(stop, max_calls); });
  std::thread flex_thread([&] { flex.run(stop, max_calls); });
  {
    std::array<std::thread, 4> hostile{std::thread([&] { slow_senders(port, out); }),
                                       std::thread([&] { idle_connections(port, idle_count, out); }),
                                       std::thread([&] { bad_requests(port, out); }),
                                       std::thread([&] { deep_nesting(port, out); })};
    for (std::thread& t : hostile) t.join();
  }
  stop = true;
  nc_thread.join();
  flex_thread.join();

  // Still answering afterwards, on a fresh connection.
  raw_socket after(port);
  EXPECT_TRUE(nc.call(after));
  EXPECT_TRUE(flex.call(after));
  const std::size_t rss_after = resident_bytes();

  for (const std::string& f : out.failures()) ADD_FAILURE() << f;
  EXPECT_GT(nc.ok, 0u);
  EXPECT_GT(flex.ok, 0u);
  EXPECT_EQ(nc.failed, 0u) << nc.ok << " NetConnection calls succeeded first";
  EXPECT_EQ(flex.failed, 0u) << flex.ok << " RemoteObject calls succeeded first";
  const std::size_t bound = memory_bound + (under_asan ? asan_quarantine : 0);
  EXPECT_LT(rss_after, rss_before + bound)
      << "resident memory grew from " << (rss_before >> 20) << " MiB to " << (rss_after >> 20) << " MiB";
  RecordProperty("echo_calls", static_cast<int>(nc.ok + flex.ok));
  RecordProperty("rss_growth_kib", static_cast<int>((rss_after - std::min(rss_after, rss_before)) >> 10));
}

// ---- floods: request rate, subscriptions, logins, reference bombs ----

constexpr const char* flooder_address = "127.0.0.2";  // the only client address that is rate limited
constexpr unsigned flood_rate = 1;                    // requests per second...
constexpr unsigned flood_burst = 5;                   // ...in bursts of 5: a flood of 100 must see 429s
constexpr std::size_t max_consumers = 16;             // per FlexClient (the broker's limit, lowered)
constexpr std::size_t max_queue = 100;                // messages waiting per FlexClient

struct messaging_server {
  messaging_server() : srv(flood_config()) {
    service_registry services;
    add_echo_service(services);
    messaging::broker_config bc;
    bc.destinations.emplace_back().name = "chat";
    bc.max_consumers_per_client = max_consumers;
    bc.max_queue = max_queue;
    broker = std::make_shared<messaging::broker>(std::move(bc));
    gateway_options options;
    options.limits.max_input_bytes = max_body;
    options.broker = broker;
    polling_channel polling;
    polling.path = "/poll";  // answers at once (no wait interval): nothing parks
    options.channels.push_back(polling);
    options.authentication.authenticator = security::make_authenticator(
        [](std::string_view user, std::string_view password) -> std::optional<security::principal> {
          if (user == "alice" && password == "secret") return security::principal{"alice", {"user"}};
          return std::nullopt;
        });
    const auto gw = make_amf_gateway(std::move(services), options, srv.runner());
    srv.mount("/amf", gw);
    srv.mount("/poll", gw);
    srv.set_log_sink([](std::string_view) {});
    srv.start();
  }
  ~messaging_server() { srv.stop(); }

  static config flood_config() {
    config cfg = hostile_config();
    cfg.rate_limit = flood_rate;
    cfg.rate_burst = flood_burst;
    cfg.rate_exempt = {"127.0.0.1"};
    return cfg;
  }

  server srv;
  std::shared_ptr<messaging::broker> broker;
};

// A Flex message (the JSON of its $amf3 object's members, after $class) as a request packet.
bytes flex_request(std::string_view cls, const std::string& members) {
  return encode_json_packet(
      R"({"version":3,"headers":[],"bodies":[{"target":"null","response":"/1","value":[{"$amf3":{)"
      R"("$class":"flex.messaging.messages.)" +
      std::string(cls) + R"(","messageId":"0C4D2B1A-0000-4000-8000-000000000002","timestamp":0,)" +
      R"("timeToLive":0,)" + members + "}}]}]}");
}

// A CommandMessage: operation, DSId, destination, clientId, more headers (JSON members), body (JSON).
bytes command(int op, std::string_view ds_id, std::string_view destination = "",
              std::string_view client_id = "", std::string_view more_headers = "",
              std::string_view body = "null") {
  std::string headers = R"({"DSId":")" + std::string(ds_id) + "\"";
  if (!more_headers.empty()) headers += "," + std::string(more_headers);
  headers += "}";
  const std::string client = client_id.empty() ? "null" : "\"" + std::string(client_id) + "\"";
  return flex_request("CommandMessage", R"("operation":)" + std::to_string(op) + R"(,"destination":")" +
                                            std::string(destination) + R"(","clientId":)" + client +
                                            R"(,"correlationId":"","headers":)" + headers + R"(,"body":)" +
                                            std::string(body));
}
constexpr int op_subscribe = 0, op_unsubscribe = 1, op_poll = 2, op_ping = 5, op_login = 8,
              op_multi_subscribe = 11, op_disconnect = 12;

bytes publish(std::string_view ds_id, std::string_view text) {
  return flex_request("AsyncMessage", R"("destination":"chat","clientId":null,"headers":{"DSId":")" +
                                          std::string(ds_id) + R"("},"body":")" + std::string(text) + "\"");
}

// The one Flex message of a 200 AMF answer, or nothing.
std::optional<flex::message> flex_reply(const raw_socket::answer& a, amf::arena& memory) {
  if (a.what != raw_socket::result::response || a.status != 200) return std::nullopt;
  amf::decode_options options;
  options.registry = &flex::registry();
  const std::span<const std::uint8_t> body(reinterpret_cast<const std::uint8_t*>(memory.copy(a.body).data()),
                                           a.body.size());
  amf::result<amf::packet> p = amf::decode_packet(body, memory, options);
  if (!p || p->bodies.size() != 1) return std::nullopt;
  amf::result<flex::message> m = flex::read_message(p->bodies[0].val, memory);
  if (!m) return std::nullopt;
  return *m;
}

// A client on one keep-alive connection that sends Flex messages and reads the one reply.
class flex_client {
 public:
  explicit flex_client(std::uint16_t port) : socket_(port) {}

  std::optional<flex::message> send(const bytes& body, std::string_view path = "/amf") {
    memory_ = std::make_unique<amf::arena>();
    if (!socket_.send_all(http_post(body, path))) return std::nullopt;
    return flex_reply(socket_.read_response(), *memory_);
  }
  // Acknowledged? (not an error, not a failure)
  bool acked(const bytes& body, std::string_view path = "/amf") {
    const std::optional<flex::message> m = send(body, path);
    return m && std::holds_alternative<flex::acknowledge_message>(*m);
  }
  // The fault code of an ErrorMessage answer; "" for anything else.
  std::string fault(const bytes& body) {
    const std::optional<flex::message> m = send(body);
    const auto* e = m ? std::get_if<flex::error_message>(&*m) : nullptr;
    return e != nullptr ? std::string(e->fault_code) + ": " + std::string(e->fault_string) : "";
  }
  // CLIENT_PING with DSId "nil": the DSId the server issued ("" if none).
  std::string ping() {
    const std::optional<flex::message> m = send(command(op_ping, "nil"));
    const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
    const amf::value* id = ack != nullptr ? ack->header("DSId") : nullptr;
    return id != nullptr && id->is(amf::kind::string) ? std::string(id->as_string()) : "";
  }
  // A poll's message bodies (strings); nothing if the answer is not a poll result.
  std::optional<std::vector<std::string>> poll(std::string_view ds_id) {
    const std::optional<flex::message> m = send(command(op_poll, ds_id), "/poll");
    if (!m) return std::nullopt;
    std::vector<std::string> texts;
    if (std::holds_alternative<flex::acknowledge_message>(*m)) return texts;  // nothing waiting
    const auto* sync = std::get_if<flex::command_message>(&*m);
    if (sync == nullptr || !sync->body.is(amf::kind::array)) return std::nullopt;
    for (const amf::value& v : sync->body.as_array().dense) {
      amf::result<flex::message> item = flex::read_message(v, *memory_);
      const auto* async = item ? std::get_if<flex::async_message>(&*item) : nullptr;
      if (async == nullptr || !async->body.is(amf::kind::string)) return std::nullopt;
      texts.emplace_back(async->body.as_string());
    }
    return texts;
  }

 private:
  raw_socket socket_;
  std::unique_ptr<amf::arena> memory_;
};

// The well-behaved messaging pair: publish "message #i", then a poll must return exactly it.
struct publish_and_poll {
  std::size_t ok = 0;
  std::vector<std::string> failures;

  void run(std::uint16_t port, const std::string& subscriber_ds_id, const std::atomic<bool>& stop) {
    flex_client publisher(port);
    flex_client subscriber(port);
    const std::string publisher_ds_id = publisher.ping();
    for (std::size_t i = 0; !stop.load() && i < 20'000; ++i) {
      const std::string text = "message #" + std::to_string(i);
      if (!publisher.acked(publish(publisher_ds_id, text))) {
        failures.push_back("publishing " + text + " was not acknowledged");
        return;
      }
      const auto got = subscriber.poll(subscriber_ds_id);
      if (!got || got->size() != 1 || got->front() != text) {
        failures.push_back("the poll after " + text + " did not return exactly it");
        return;
      }
      ++ok;
    }
  }
};

// 100 echo calls from the rate-limited address on one connection: each is answered 200 (a
// result) or 429 with a Retry-After of at least one second; at least one is refused.
void request_flood(std::uint16_t port, record& out) {
  raw_socket s(port, true, flooder_address);
  if (!s.connected()) return out.fail(std::string("cannot connect from ") + flooder_address);
  const bytes request = http_post(nc_echo("flood"));
  std::size_t limited = 0;
  for (int i = 0; i < 100; ++i) {
    if (!s.send_all(request))
      return out.fail("request flood: the connection closed at request " + std::to_string(i));
    const raw_socket::answer a = s.read_response();
    if (a.what == raw_socket::result::response && a.status == 429) {
      unsigned seconds = 0;
      const auto [end, ec] =
          std::from_chars(a.retry_after.data(), a.retry_after.data() + a.retry_after.size(), seconds);
      if (ec != std::errc{} || end != a.retry_after.data() + a.retry_after.size() || seconds < 1) {
        out.fail("request flood: 429 with Retry-After '" + a.retry_after + "'");
      }
      ++limited;
    } else if (a.what != raw_socket::result::response || a.status != 200 ||
               a.body.find("/onResult") == std::string::npos) {
      return out.fail("request flood #" + std::to_string(i) + ": " + describe(a));
    }
  }
  if (limited == 0) out.fail("request flood: 100 requests in bursts of 5 at 1/s and no 429");
}

// One FlexClient subscribes and unsubscribes 300 times, MULTI_SUBSCRIBEs 1000 subtopics, fills its
// consumers past the limit, then disconnects: everything it held must go. Another fills its
// consumers and stays: it holds at most max_consumers.
void subscription_flood(std::uint16_t port, record& out) {
  for (const bool disconnect : {true, false}) {
    const std::string who = disconnect ? "subscription flood (then DISCONNECT): " : "subscription flood: ";
    flex_client c(port);
    const std::string ds_id = c.ping();
    if (ds_id.empty()) return out.fail(who + "ping not acknowledged");
    for (int i = 0; i < 300; ++i) {
      const std::string id = "flood-" + std::to_string(i);
      if (!c.acked(command(op_subscribe, ds_id, "chat", id)) ||
          !c.acked(command(op_unsubscribe, ds_id, "chat", id))) {
        return out.fail(who + "subscribe/unsubscribe #" + std::to_string(i) + " not acknowledged");
      }
    }
    std::string entries;
    for (int i = 0; i < 1000; ++i)
      entries += (i ? ",\"" : "\"") + std::string("topic") + std::to_string(i) + "_;_\"";
    if (c.fault(command(op_multi_subscribe, ds_id, "chat", "multi", R"("DSAddSub":[)" + entries + "]"))
            .empty()) {
      out.fail(who + "MULTI_SUBSCRIBE of 1000 subtopics was not refused");
    }
    // The subtopics under the limit may have been added before the refusal: the consumer goes.
    c.acked(command(op_unsubscribe, ds_id, "chat", "multi"));
    for (std::size_t i = 0; i < max_consumers + 10; ++i) {
      const bytes subscribe = command(op_subscribe, ds_id, "chat", "held-" + std::to_string(i));
      if (i < max_consumers ? !c.acked(subscribe) : c.fault(subscribe).empty()) {
        return out.fail(who + "consumer #" + std::to_string(i) +
                        (i < max_consumers ? " refused" : " accepted"));
      }
    }
    if (disconnect && !c.acked(command(op_disconnect, ds_id))) out.fail(who + "DISCONNECT not acknowledged");
  }
}

// 40 logins with wrong passwords, each for another user on a new connection: every one is a
// Client.Authentication fault, and the throttle (per address, whatever the port) refuses some.
void wrong_logins(std::uint16_t port, record& out) {
  std::size_t throttled = 0;
  for (int i = 0; i < 40; ++i) {
    flex_client c(port);
    const std::string ds_id = c.ping();
    const std::string credentials = "user" + std::to_string(i) + ":wrong";
    std::string base64;
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t at = 0; at < credentials.size(); at += 3) {
      std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(credentials[at])) << 16;
      if (at + 1 < credentials.size())
        n |= static_cast<std::uint32_t>(static_cast<unsigned char>(credentials[at + 1])) << 8;
      if (at + 2 < credentials.size()) n |= static_cast<unsigned char>(credentials[at + 2]);
      base64 += alphabet[(n >> 18) & 63];
      base64 += alphabet[(n >> 12) & 63];
      base64 += at + 1 < credentials.size() ? alphabet[(n >> 6) & 63] : '=';
      base64 += at + 2 < credentials.size() ? alphabet[n & 63] : '=';
    }
    const std::string fault = c.fault(command(op_login, ds_id, "", "", "", "\"" + base64 + "\""));
    if (fault.rfind("Client.Authentication: ", 0) != 0) {
      return out.fail("wrong login #" + std::to_string(i) + ": '" + fault +
                      "' instead of Client.Authentication");
    }
    if (fault.find("Too many") != std::string::npos) ++throttled;
  }
  if (throttled == 0) out.fail("40 wrong logins from one address in a row and none throttled");
}

// AMF3 U29 (values below 2^28).
bytes u29(std::uint32_t v) {
  bytes out;
  if (v < 0x80) {
    out += static_cast<char>(v);
  } else if (v < 0x4000) {
    out += static_cast<char>(0x80 | (v >> 7));
    out += static_cast<char>(v & 0x7f);
  } else if (v < 0x200000) {
    out += static_cast<char>(0x80 | (v >> 14));
    out += static_cast<char>(0x80 | ((v >> 7) & 0x7f));
    out += static_cast<char>(v & 0x7f);
  } else {
    out += static_cast<char>(0x80 | (v >> 22));
    out += static_cast<char>(0x80 | ((v >> 15) & 0x7f));
    out += static_cast<char>(0x80 | ((v >> 8) & 0x7f));
    out += static_cast<char>(v & 0xff);
  }
  return out;
}

// Small bodies whose decoded graphs stand for billions of values through references: each must
// be refused or answered with a small body (references kept, never expanded).
void reference_bombs(std::uint16_t port, record& out) {
  // AMF3 arrays 10 levels deep, each of 10 references to the next level: 10^10 strings.
  bytes laughs = "\x11";
  constexpr std::uint32_t levels = 10;
  for (std::uint32_t d = 0; d < levels; ++d) {
    laughs += "\x09" + u29(10 << 1 | 1) + "\x01";  // an array of 10, no associative part
    if (d + 1 == levels) {
      laughs += "\x06" + u29(3 << 1 | 1) + "lol" + repeat(bytes("\x06\x00", 2), 9);
      break;
    }
  }
  // Close the levels from the inside out: after each inner array, 9 references to it.
  for (std::uint32_t d = levels - 1; d > 0; --d) laughs += repeat("\x09" + u29(d << 1), 9);
  // One 4 KB string and 20,000 references to it: 80 MB as copies. (Bigger strings cost CPU: the
  // encoder hashes a string's bytes for each reference it writes; docs/security.md.)
  bytes strings = "\x11\x09" + u29(20'000 << 1 | 1) + "\x01\x06" + u29(4'000 << 1 | 1) + bytes(4'000, 's') +
                  repeat(bytes("\x06\x00", 2), 20'000 - 1);
  // AMF0: a strict array of an object and 60,000 references to it (reference 0 is the arguments
  // array, 1 this array, 2 the object).
  bytes amf0 = "\x0A";
  put_u32(amf0, 60'001);
  amf0 += bytes(
              "\x03\x00\x01"
              "a"
              "\x02\x00\x03"
              "lol"
              "\x00\x00\x09",
              13) +
          repeat(bytes("\x07\x00\x02", 3), 60'000);
  // Each the one argument of EchoService.echo, so that the answer would carry it back.
  const auto one_argument = [](const bytes& value) {
    bytes args = "\x0A";
    put_u32(args, 1);
    return envelope(args + value);
  };
  const std::vector<std::pair<std::string, bytes>> bombs = {
      {"AMF3 array reference bomb", one_argument(laughs)},
      {"AMF3 string reference bomb", one_argument(strings)},
      {"AMF0 object reference bomb", one_argument(amf0)},
  };
  for (const auto& [name, body] : bombs) {
    for (int i = 0; i < 3; ++i) {
      raw_socket s(port);
      if (!s.connected()) return out.fail(name + ": cannot connect");
      s.send_all(http_post(body));
      const raw_socket::answer a = s.read_response();
      const bool small_answer =
          a.what == raw_socket::result::response && a.status == 200 && a.body.size() < body.size() + 4096;
      if (!refused_properly(a) && !small_answer)
        out.fail(name + ": " + describe(a) + " (" + std::to_string(a.body.size()) + " bytes)");
    }
  }
}

TEST(hostile_clients, floods_are_refused_and_messages_keep_flowing) {
  messaging_server s;
  const std::uint16_t port = s.srv.port();

  // The well-behaved subscriber, before any hostile client.
  flex_client subscriber(port);
  const std::string subscriber_ds_id = subscriber.ping();
  ASSERT_FALSE(subscriber_ds_id.empty());
  ASSERT_TRUE(subscriber.acked(command(op_subscribe, subscriber_ds_id, "chat", "good-consumer")));
  well_behaved echo(port, flex_echo, "well-behaved caller during floods");
  {
    raw_socket warm(port);
    ASSERT_TRUE(echo.call(warm));
  }
  const messaging::broker_stats baseline = s.broker->stats();
  ASSERT_EQ(baseline.consumers, 1u);
  const std::size_t rss_before = resident_bytes();

  record out;
  std::atomic<bool> stop{false};
  publish_and_poll messages;
  std::thread messages_thread([&] { messages.run(port, subscriber_ds_id, stop); });
  std::thread echo_thread([&] { echo.run(stop, 20'000); });
  {
    std::array<std::thread, 4> hostile{
        std::thread([&] { request_flood(port, out); }), std::thread([&] { subscription_flood(port, out); }),
        std::thread([&] { wrong_logins(port, out); }), std::thread([&] { reference_bombs(port, out); })};
    for (std::thread& t : hostile) t.join();
  }
  stop = true;
  messages_thread.join();
  echo_thread.join();
  const std::size_t rss_after = resident_bytes();

  for (const std::string& f : out.failures()) ADD_FAILURE() << f;
  for (const std::string& f : messages.failures) ADD_FAILURE() << f;
  EXPECT_GT(messages.ok, 0u);
  EXPECT_GT(echo.ok, 0u);
  EXPECT_EQ(echo.failed, 0u) << echo.ok << " calls succeeded first";

  // The server's own accounting: the flood that disconnected left nothing; the one that stayed
  // holds its max_consumers and a queue of at most max_queue; no poll is parked.
  const messaging::broker_stats after = s.broker->stats();
  EXPECT_EQ(after.consumers, baseline.consumers + max_consumers);
  EXPECT_LE(after.queued, max_queue);
  EXPECT_EQ(after.waiting, 0u);
  const std::size_t bound = memory_bound + (under_asan ? asan_quarantine : 0);
  EXPECT_LT(rss_after, rss_before + bound)
      << "resident memory grew from " << (rss_before >> 20) << " MiB to " << (rss_after >> 20) << " MiB";
  RecordProperty("messages", static_cast<int>(messages.ok));
  RecordProperty("rss_growth_kib", static_cast<int>((rss_after - std::min(rss_after, rss_before)) >> 10));
}

}  // namespace
}  // namespace amphora::server
