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

#include <atomic>
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
  explicit raw_socket(std::uint16_t port, bool with_timeouts = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
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
    std::vector<std::thread> hostile;
    hostile.emplace_back([&] { slow_senders(port, out); });
    hostile.emplace_back([&] { idle_connections(port, idle_count, out); });
    hostile.emplace_back([&] { bad_requests(port, out); });
    hostile.emplace_back([&] { deep_nesting(port, out); });
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

}  // namespace
}  // namespace amphora::server
