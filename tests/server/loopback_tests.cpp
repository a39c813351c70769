// The server over real sockets: started in-process on 127.0.0.1, port 0, and driven by a small
// Beast client whose every wait is bounded (a broken server fails a test, never hangs it).
// Timeouts are short here; assertions are about behaviour ("eventually closed"), never timing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "amphora/server/server.hpp"
#include "net.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
using detail::error_code;
using detail::tcp;
namespace net = detail::net;
namespace beast = detail::beast;
namespace http = detail::http;
using response = http::response<http::string_body>;

constexpr auto generous = 20s;  // upper bound of every wait: only reached when something is broken

std::string to_string(beast::string_view s) { return {s.data(), s.size()}; }

// A blocking-style HTTP client on its own io_context; each operation runs it for a bounded time.
class client {
 public:
  explicit client(std::uint16_t port) : socket_(ioc_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
  }

  void send(const std::string& raw) { net::write(socket_, net::buffer(raw)); }
  bool try_send(const std::string& raw) {
    error_code ec;
    net::write(socket_, net::buffer(raw), ec);
    return !ec;
  }

  // The next response, or nullopt if the connection ended (or nothing came within the bound).
  std::optional<response> read(std::chrono::steady_clock::duration limit = generous) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    bool done = false;
    error_code result;
    http::async_read(socket_, buffer_, parser, [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    run_for(limit);
    if (!done || result) return std::nullopt;
    return parser.release();
  }

  // True if the server closes the connection within the bound (whatever it sends before).
  bool closed_by_server(std::chrono::steady_clock::duration limit = generous) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      bool done = false;
      error_code result;
      socket_.async_read_some(buffer_.prepare(4096), [&](error_code ec, std::size_t n) {
        result = ec;
        buffer_.commit(n);
        done = true;
      });
      run_for(deadline - std::chrono::steady_clock::now());
      if (!done) return false;
      if (result) return true;  // eof or reset
    }
    return false;
  }

  // The next response's status line and header block as sent (up to and with the blank line),
  // or "" if none came within the bound. The body stays unread.
  std::string read_head(std::chrono::steady_clock::duration limit = generous) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::size_t end = std::string_view::npos;
    while ((end = buffered().find("\r\n\r\n")) == std::string_view::npos) {
      if (!read_more(deadline)) return {};
    }
    std::string head(buffered().substr(0, end + 4));
    buffer_.consume(end + 4);
    return head;
  }

  // Reads (and drops) `n` bytes; false if they did not come within the bound.
  bool read_raw(std::size_t n, std::chrono::steady_clock::duration limit = generous) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (buffer_.size() < n) {
      if (!read_more(deadline)) return false;
    }
    buffer_.consume(n);
    return true;
  }

  void write_raw_request(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::string& extra_headers = "") {
    send(request_text(method, path, body, extra_headers));
  }

  static std::string request_text(const std::string& method, const std::string& path,
                                  const std::string& body = "", const std::string& extra_headers = "") {
    return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

 private:
  std::string_view buffered() const {
    return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
  }

  // Appends what the socket has to the buffer; false on error or when the deadline passes.
  bool read_more(std::chrono::steady_clock::time_point deadline) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    bool done = false;
    error_code result;
    socket_.async_read_some(buffer_.prepare(4096), [&](error_code ec, std::size_t n) {
      result = ec;
      buffer_.commit(n);
      done = true;
    });
    run_for(deadline - std::chrono::steady_clock::now());
    return done && !result;
  }

  void run_for(std::chrono::steady_clock::duration limit) {
    ioc_.restart();
    ioc_.run_for(limit);
    if (ioc_.stopped()) return;
    socket_.cancel();  // the bound passed: abandon the operation
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// Answers 200 with the request body; content type says it is not AMF (the no-cache headers are
// added by the server anyway).
class echo_handler final : public handler {
 public:
  void handle(const request_view& request, reply_callback done) override {
    reply r;
    r.body.assign(request.body.begin(), request.body.end());
    done(std::move(r));
  }
};

// Answers with the request's Cookie, User-Agent and body, "|" between them; its Content-Type
// is the query's `type=` value ("" sends none).
class request_echo_handler final : public handler {
 public:
  void handle(const request_view& request, reply_callback done) override {
    reply r;
    if (request.query.starts_with("type=")) r.content_type = request.query.substr(5);
    std::string text = std::string(request.cookie) + "|" + std::string(request.user_agent) + "|";
    text.append(request.body.begin(), request.body.end());
    r.body.assign(text.begin(), text.end());
    done(std::move(r));
  }
};

// Answers from a thread of its own: after `delay`, or after 300 ms when the body is "slow".
class threaded_handler final : public handler {
 public:
  explicit threaded_handler(std::chrono::milliseconds delay = 0ms) : delay_(delay) {}
  ~threaded_handler() override {
    const std::lock_guard lock(mutex_);
    for (std::thread& t : threads_) t.join();
  }

  void handle(const request_view& request, reply_callback done) override {
    std::string body(request.body.begin(), request.body.end());
    const auto delay = body == "slow" ? 300ms : delay_;
    ++calls;
    const std::lock_guard lock(mutex_);
    threads_.emplace_back([delay, body, done = std::move(done)] {
      std::this_thread::sleep_for(delay);
      reply r;
      r.content_type = "text/plain";
      r.body.assign(body.begin(), body.end());
      done(std::move(r));
    });
  }

  std::atomic<int> calls{0};

 private:
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

// Never calls done.
class silent_handler final : public handler {
 public:
  void handle(const request_view&, reply_callback) override {}
};

// Answers 200 with a few headers of its own, among them framing headers the session owns.
class headers_handler final : public handler {
 public:
  void handle(const request_view& request, reply_callback done) override {
    reply r;
    r.headers = {{"Set-Cookie", "s=1; Path=/"},
                 {"X-Custom", "one"},
                 {"Content-Length", "99"},
                 {"Connection", "upgrade"},
                 {"Transfer-Encoding", "gzip"}};
    if (request.query == "cached") r.headers.emplace_back("Cache-Control", "max-age=5");
    r.body = {'a', 'm', 'f'};
    done(std::move(r));
  }
};

// Answers 200 with `size` bytes counting 0, 1, ... 250, 0, 1, ... (more than a socket buffer
// takes at once: the session writes the rest asynchronously).
class large_handler final : public handler {
 public:
  explicit large_handler(std::size_t size) : size_(size) {}
  void handle(const request_view&, reply_callback done) override {
    reply r;
    r.content_type = "application/octet-stream";
    r.body.resize(size_);
    for (std::size_t i = 0; i < size_; ++i) r.body[i] = static_cast<std::uint8_t>(i % 251);
    done(std::move(r));
  }

 private:
  std::size_t size_;
};

config test_config() {
  config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.threads = 2;
  cfg.max_body = 1024;
  cfg.header_timeout = 5s;
  cfg.body_timeout = 5s;
  cfg.shutdown_timeout = 10s;
  return cfg;
}

constexpr std::size_t large_size = 16 * 1024 * 1024;  // GET /large

// A started server with /echo, /request, /threaded, /silent, /headers and /large mounted; its log lines
// are kept.
struct fixture {
  explicit fixture(config cfg = test_config()) : srv(std::move(cfg)) {
    srv.mount("/echo", std::make_shared<echo_handler>());
    srv.mount("/request", std::make_shared<request_echo_handler>());
    srv.mount("/threaded", threaded);
    srv.mount("/silent", std::make_shared<silent_handler>());
    srv.mount("/headers", std::make_shared<headers_handler>());
    srv.mount("/large", std::make_shared<large_handler>(large_size), {"GET"});
    srv.set_log_sink([this](std::string_view line) {
      const std::lock_guard lock(mutex);
      lines.emplace_back(line);
    });
    srv.start();
  }
  ~fixture() { srv.stop(); }

  std::vector<std::string> log() {
    const std::lock_guard lock(mutex);
    return lines;
  }

  std::shared_ptr<threaded_handler> threaded = std::make_shared<threaded_handler>();
  server srv;
  std::mutex mutex;
  std::vector<std::string> lines;
};

TEST(loopback, health) {
  fixture f;
  client c(f.srv.port());
  c.write_raw_request("GET", "/health");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), R"({"status":"ok"})");
  EXPECT_EQ(to_string((*res)[http::field::content_type]), "application/json");
  EXPECT_EQ(to_string((*res)[http::field::server]), "amphora/0.1");
  EXPECT_EQ(to_string((*res)[http::field::content_length]), "15");
}

TEST(loopback, unknown_path_and_wrong_method) {
  fixture f;
  client c(f.srv.port());
  c.write_raw_request("GET", "/nowhere");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 404u);
  c.write_raw_request("GET", "/echo");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405u);
  EXPECT_EQ(to_string((*res)[http::field::allow]), "POST, OPTIONS");
  c.write_raw_request("POST", "/health", "x");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405u);
}

TEST(loopback, handler_reply_has_no_cache_headers_and_length) {
  fixture f;
  client c(f.srv.port());
  c.write_raw_request("POST", "/echo?x=1", "hello");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "hello");
  EXPECT_EQ(to_string((*res)[http::field::content_type]), "application/x-amf");
  EXPECT_EQ(to_string((*res)[http::field::cache_control]), "no-cache");
  EXPECT_EQ(to_string((*res)[http::field::pragma]), "no-cache");
  EXPECT_EQ(to_string((*res)[http::field::expires]), "Sat, 25 Dec 1999 00:00:00 GMT");
  EXPECT_EQ(to_string((*res)[http::field::content_length]), "5");
  EXPECT_EQ((*res)[http::field::access_control_allow_origin], "");  // no Origin, no CORS
}

TEST(loopback, body_over_the_limit_gets_413_and_close) {
  fixture f;
  {
    client c(f.srv.port());  // declared only: answered as soon as the header is read
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    const auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    client c(f.srv.port());  // sent in full: the client still gets its 413, not a reset
    c.write_raw_request("POST", "/echo", std::string(4000, 'x'));
    const auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 413u);
  }
  client c(f.srv.port());  // at the limit: fine
  c.write_raw_request("POST", "/echo", std::string(1024, 'y'));
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body().size(), 1024u);
}

TEST(loopback, expect_100_continue_is_answered_before_the_body) {
  fixture f;
  client c(f.srv.port());
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n";
  for (int round = 0; round < 2; ++round) {  // and again on the same keep-alive connection
    c.send(head + "Content-Length: 800\r\n\r\n");
    const auto interim = c.read();  // sent before any byte of the body
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->result_int(), 100u);
    c.send(std::string(800, 'z'));
    const auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_EQ(res->body(), std::string(800, 'z'));
  }
  client over(f.srv.port());  // over the limit: 413 at once, no 100, no body read
  over.send(head + "Content-Length: 5000\r\n\r\n");
  const auto res = over.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_TRUE(over.closed_by_server());
}

TEST(loopback, oversized_header_gets_431_and_garbage_400) {
  config cfg = test_config();
  cfg.max_header = 512;
  fixture f(cfg);
  {
    client c(f.srv.port());
    c.write_raw_request("GET", "/health", "", "X-Pad: " + std::string(1000, 'a') + "\r\n");
    const auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 431u);
  }
  client c(f.srv.port());
  c.send("\x01\x02 not http at all\r\n\r\n");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400u);
  EXPECT_TRUE(c.closed_by_server());
}

TEST(loopback, keep_alive_serves_many_requests_on_one_connection) {
  fixture f;
  client c(f.srv.port());
  for (int i = 0; i < 5; ++i) {
    const std::string body = "request " + std::to_string(i);
    c.write_raw_request("POST", "/echo", body);
    const auto res = c.read();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->body(), body);
    EXPECT_TRUE(res->keep_alive());
  }
  c.write_raw_request("GET", "/health", "", "Connection: close\r\n");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_by_server());
}

TEST(loopback, pipelined_requests_are_answered_in_order) {
  fixture f;
  client c(f.srv.port());
  // The first answer is the slowest (300 ms, from another thread): order must still hold.
  c.send(client::request_text("POST", "/threaded", "slow") +
         client::request_text("POST", "/threaded", "fast") + client::request_text("GET", "/health") +
         client::request_text("POST", "/echo", "last"));
  const auto first = c.read();
  const auto second = c.read();
  const auto third = c.read();
  const auto fourth = c.read();
  ASSERT_TRUE(first && second && third && fourth);
  EXPECT_EQ(first->body(), "slow");
  EXPECT_EQ(second->body(), "fast");
  EXPECT_EQ(third->result_int(), 200u);
  EXPECT_EQ(third->body(), R"({"status":"ok"})");
  EXPECT_EQ(fourth->body(), "last");
}

// A body that arrives with its header is parsed from the buffer (no second read): a chunked one
// whole, the next request behind it untouched.
TEST(loopback, a_body_that_came_with_its_header_is_read_whole) {
  fixture f;
  client c(f.srv.port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" +
      client::request_text("POST", "/echo", "next"));
  const auto first = c.read();
  const auto second = c.read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body(), "hello world");
  EXPECT_EQ(second->body(), "next");
  // Half a body with the header: the rest comes through the read that follows.
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf.");
  std::this_thread::sleep_for(50ms);
  c.send("rest.");
  const auto third = c.read();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body(), "half.rest.");
}

// A request is parsed into a block of memory its session gives back before the next one
// (request_memory.hpp); what does not fit comes from the heap. Requests larger than the block,
// then small ones, on one connection: each is read whole, none sees another's bytes; and a
// reply's Content-Type, short, long or none, is sent as given.
TEST(loopback, requests_larger_and_smaller_than_the_request_block_are_read_whole) {
  fixture f;
  client c(f.srv.port());
  const std::string cookie(6000, 'c');  // the header block stays under max_header (8 KiB)
  const std::string agent(1500, 'a');
  const std::string body(1000, 'b');  // test_config's max_body is 1,024
  const std::string long_type = "application/x-amphora-test;note=" + std::string(60, 't');
  for (int round = 0; round < 3; ++round) {
    c.write_raw_request("POST", "/request?type=" + long_type, body,
                        "Cookie: " + cookie + "\r\nUser-Agent: " + agent + "\r\n");
    auto res = c.read();
    ASSERT_TRUE(res) << round;
    EXPECT_EQ(res->body(), cookie + "|" + agent + "|" + body);
    EXPECT_EQ(to_string((*res)[http::field::content_type]), long_type);
    c.write_raw_request("POST", "/request?type=text/plain", "small", "Cookie: k=v\r\n");
    res = c.read();
    ASSERT_TRUE(res) << round;
    EXPECT_EQ(res->body(), "k=v||small");
    EXPECT_EQ(to_string((*res)[http::field::content_type]), "text/plain");
    c.write_raw_request("POST", "/request?type=", "");
    res = c.read();
    ASSERT_TRUE(res) << round;
    EXPECT_EQ(res->body(), "||");
    EXPECT_EQ(res->count(http::field::content_type), 0u);
  }
}

TEST(loopback, pipelining_is_bounded_but_all_requests_are_answered) {
  config cfg = test_config();
  cfg.pipeline_limit = 2;
  fixture f(cfg);
  client c(f.srv.port());
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += client::request_text("POST", "/threaded", std::to_string(i));
  c.send(batch);
  for (int i = 0; i < 10; ++i) {
    const auto res = c.read();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->body(), std::to_string(i));
  }
}

TEST(loopback, done_from_another_thread) {
  fixture f;
  client c(f.srv.port());
  c.write_raw_request("POST", "/threaded", "from a thread");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "from a thread");
  EXPECT_EQ(to_string((*res)[http::field::content_type]), "text/plain");
  EXPECT_EQ(f.threaded->calls.load(), 1);
}

TEST(loopback, a_handler_that_never_answers_gets_500_not_a_stall) {
  fixture f;
  client c(f.srv.port());
  c.write_raw_request("POST", "/silent", "x");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 500u);
}

TEST(loopback, slow_header_is_cut_off_by_the_header_timeout) {
  config cfg = test_config();
  cfg.header_timeout = 300ms;
  fixture f(cfg);
  client idle(f.srv.port());  // connects and sends nothing
  client partial(f.srv.port());
  partial.send("GET /health HTTP/1.1\r\nHo");
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(partial.closed_by_server());

  // Slowloris: one byte every 50 ms keeps arriving, but the whole header has a deadline.
  client trickle(f.srv.port());
  trickle.send("GET /health HTTP/1.1\r\nX-Pad: ");
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + generous;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    closed = !trickle.try_send("a");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(closed || trickle.closed_by_server(1s));
}

TEST(loopback, slow_body_is_cut_off_by_the_body_timeout) {
  config cfg = test_config();
  cfg.body_timeout = 300ms;
  fixture f(cfg);
  client c(f.srv.port());
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..");
  EXPECT_TRUE(c.closed_by_server());
}

TEST(loopback, a_waiting_client_is_not_idle) {
  // The header timeout is shorter than the handler: the client waiting for its answer keeps it.
  config cfg = test_config();
  cfg.header_timeout = 100ms;
  fixture f(cfg);
  client c(f.srv.port());
  c.write_raw_request("POST", "/threaded", "slow");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "slow");
}

TEST(loopback, idle_time_runs_from_the_last_answer) {
  // The header timer starts when the server begins reading the next request, here as the slow
  // call begins; the answer comes 300 ms later (as a long poll's does when its wait ends). The
  // client's next request, 250 ms after that answer, is within the header timeout of the answer,
  // though not of when the timer started: the connection must still be open.
  config cfg = test_config();
  cfg.header_timeout = 400ms;
  fixture f(cfg);
  client c(f.srv.port());
  c.write_raw_request("POST", "/threaded", "slow");
  const auto first = c.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body(), "slow");
  std::this_thread::sleep_for(250ms);
  c.write_raw_request("GET", "/health");
  const auto second = c.read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->result_int(), 200u);
}

TEST(loopback, a_connection_in_use_outlives_its_first_header_deadline) {
  // The header timer is armed once and moved forward lazily (session.hpp): a connection whose
  // requests keep coming, each well within the header timeout, is never cut, though the first
  // deadline passes several times over; once it falls idle, it is cut.
  config cfg = test_config();
  cfg.header_timeout = 300ms;
  fixture f(cfg);
  client c(f.srv.port());
  for (int i = 0; i < 12; ++i) {
    const std::string body = "request " + std::to_string(i);
    c.write_raw_request("POST", "/echo", body);
    const auto res = c.read();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->body(), body);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(c.closed_by_server());
}

TEST(loopback, a_response_larger_than_the_socket_takes_is_written_whole) {
  // The session writes a response at once as far as the socket takes it, then the rest through
  // an asynchronous write: the client, which reads only after a pause, gets every byte in order,
  // and the connection serves the next request.
  constexpr std::size_t size = large_size;
  fixture f;
  client c(f.srv.port());
  for (int i = 0; i < 2; ++i) {
    c.write_raw_request("GET", "/large");
    std::this_thread::sleep_for(200ms);  // the server's first write fills the socket
    const auto res = c.read();
    ASSERT_TRUE(res) << i;
    const std::string& body = res->body();
    ASSERT_EQ(body.size(), size) << i;
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < size; ++k) {
      if (static_cast<unsigned char>(body[k]) != k % 251) ++wrong;
    }
    EXPECT_EQ(wrong, 0u) << i;
  }
  c.write_raw_request("GET", "/health");
  const auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
}

TEST(loopback, max_connections_refuses_the_excess_cleanly) {
  config cfg = test_config();
  cfg.max_connections = 2;
  fixture f(cfg);
  std::optional<client> a(std::in_place, f.srv.port());
  client b(f.srv.port());
  for (client* c : {&*a, &b}) {  // both are served, so both sessions exist
    c->write_raw_request("GET", "/health");
    ASSERT_TRUE(c->read());
  }
  {
    client excess(f.srv.port());
    const auto res = excess.read();
    if (res) {
      EXPECT_EQ(res->result_int(), 503u);  // or a bare close: either is a clean refusal
    }
    EXPECT_TRUE(excess.closed_by_server());
  }
  a.reset();  // a slot frees up: a new connection is served again (eventually)
  bool served = false;
  const auto deadline = std::chrono::steady_clock::now() + generous;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    client again(f.srv.port());
    again.write_raw_request("GET", "/health");
    const auto res = again.read(5s);
    served = res && res->result_int() == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
}

TEST(loopback, graceful_stop_delivers_the_in_flight_answer) {
  auto slow = std::make_shared<threaded_handler>(500ms);
  config cfg = test_config();
  server srv(cfg);
  srv.mount("/slow", slow);
  srv.set_log_sink([](std::string_view) {});
  srv.start();
  client busy(srv.port());
  client idle(srv.port());
  idle.write_raw_request("GET", "/health");
  ASSERT_TRUE(idle.read());
  busy.write_raw_request("POST", "/slow", "still answered");
  const auto deadline = std::chrono::steady_clock::now() + generous;
  while (slow->calls.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(slow->calls.load(), 1);

  auto stopped = std::async(std::launch::async, [&] { srv.stop(); });
  const auto res = busy.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "still answered");
  EXPECT_FALSE(res->keep_alive());  // the last answer says the connection ends
  EXPECT_TRUE(busy.closed_by_server());
  EXPECT_TRUE(idle.closed_by_server());  // idle keep-alive connections are closed at once
  EXPECT_EQ(stopped.wait_for(generous), std::future_status::ready);
  EXPECT_THROW(client late(srv.port()), boost::system::system_error);  // no longer accepting
}

TEST(loopback, stop_with_nothing_in_flight_is_prompt_and_idempotent) {
  fixture f;
  client c(f.srv.port());
  c.write_raw_request("GET", "/health");
  ASSERT_TRUE(c.read());
  f.srv.request_stop();
  f.srv.request_stop();
  f.srv.wait();
  EXPECT_TRUE(c.closed_by_server());
  f.srv.stop();  // already stopped: returns
}

TEST(loopback, cors_preflight_and_headers_for_allowed_origins) {
  config cfg = test_config();
  cfg.cors_origins = {"http://app.example"};
  fixture f(cfg);
  client c(f.srv.port());
  c.write_raw_request("OPTIONS", "/echo", "",
                      "Origin: http://app.example\r\nAccess-Control-Request-Method: POST\r\n"
                      "Access-Control-Request-Headers: content-type\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(to_string((*res)[http::field::access_control_allow_origin]), "http://app.example");
  EXPECT_EQ(to_string((*res)[http::field::access_control_allow_credentials]), "true");
  // Each once: a browser refuses a preflight answer with two Access-Control-Allow-Origin values.
  EXPECT_EQ(res->count(http::field::access_control_allow_origin), 1u);
  EXPECT_EQ(res->count(http::field::access_control_allow_credentials), 1u);
  EXPECT_EQ(res->count(http::field::vary), 1u);
  EXPECT_EQ(to_string((*res)[http::field::access_control_allow_methods]), "POST, OPTIONS");
  EXPECT_EQ(to_string((*res)[http::field::access_control_allow_headers]), "Content-Type");
  EXPECT_EQ(to_string((*res)[http::field::content_length]), "0");

  c.write_raw_request("POST", "/echo", "amf", "Origin: http://app.example\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(to_string((*res)[http::field::access_control_allow_origin]), "http://app.example");
  EXPECT_EQ(res->count(http::field::access_control_allow_origin), 1u);
  EXPECT_EQ(to_string((*res)[http::field::cache_control]), "no-cache");

  c.write_raw_request("OPTIONS", "/echo", "", "Origin: http://evil.example\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::access_control_allow_origin], "");
  c.write_raw_request("POST", "/echo", "amf", "Origin: http://evil.example\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::access_control_allow_origin], "");
}

// The session renders response heads itself (no Beast fields); they are the bytes Beast's
// serializer wrote for the same response: the fields in insertion order, Connection as
// keep_alive() sets it, Content-Length from prepare_payload(). The handler's own framing
// headers are dropped (Beast replaced or merged them).
TEST(loopback, response_heads_are_the_bytes_beast_wrote) {
  config cfg = test_config();
  cfg.cors_origins = {"http://app.example"};
  fixture f(cfg);
  const auto beast_head = [](unsigned version, bool keep_alive, bool cors, bool cached) {
    http::response<http::string_body> res{http::status::ok, version};
    res.set(http::field::server, "amphora/0.1");
    res.set(http::field::content_type, "application/x-amf");
    res.insert("Set-Cookie", "s=1; Path=/");
    res.insert("X-Custom", "one");
    if (cached) {
      res.insert("Cache-Control", "max-age=5");
    } else {
      res.insert("Cache-Control", "no-cache");
      res.insert("Pragma", "no-cache");
      res.insert("Expires", "Sat, 25 Dec 1999 00:00:00 GMT");
    }
    if (cors) {
      res.insert("Access-Control-Allow-Origin", "http://app.example");
      res.insert("Access-Control-Allow-Credentials", "true");
      res.insert("Vary", "Origin");
    }
    res.body() = "amf";
    res.keep_alive(keep_alive);
    res.prepare_payload();
    std::ostringstream out;
    out << res.base();
    return out.str();
  };
  client c(f.srv.port());
  c.send("POST /headers HTTP/1.1\r\nHost: x\r\nOrigin: http://app.example\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(c.read_head(), beast_head(11, true, true, false));
  ASSERT_TRUE(c.read_raw(3));
  c.send("POST /headers?cached HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(c.read_head(), beast_head(11, true, false, true));
  ASSERT_TRUE(c.read_raw(3));
  c.send("POST /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(c.read_head(), beast_head(11, false, false, false));

  client old(f.srv.port());
  old.send("POST /headers HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(old.read_head(), beast_head(10, true, false, false));
  ASSERT_TRUE(old.read_raw(3));
  old.send("POST /headers HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(old.read_head(), beast_head(10, false, false, false));

  // Built-in answers too (no no-cache headers there).
  client other(f.srv.port());
  other.write_raw_request("GET", "/nowhere");
  http::response<http::string_body> not_found{http::status::not_found, 11};
  not_found.set(http::field::server, "amphora/0.1");
  not_found.set(http::field::content_type, "text/plain");
  not_found.body() = "Not Found\n";
  not_found.keep_alive(true);
  not_found.prepare_payload();
  std::ostringstream expected;
  expected << not_found.base();
  EXPECT_EQ(other.read_head(), expected.str());
}

TEST(loopback, one_log_line_per_request) {
  fixture f;
  {
    client c(f.srv.port());
    c.write_raw_request("POST", "/echo?q=1", "12345");
    ASSERT_TRUE(c.read());
    c.write_raw_request("GET", "/nowhere");
    ASSERT_TRUE(c.read());
  }
  // A line is written once its response is: the client may read the answer a moment earlier.
  std::vector<std::string> requests;
  const auto deadline = std::chrono::steady_clock::now() + generous;
  while (requests.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    requests.clear();
    for (const std::string& line : f.log()) {
      if (line.find(" /echo ") != std::string::npos || line.find(" /nowhere ") != std::string::npos) {
        requests.push_back(line);
      }
    }
    if (requests.size() < 2) std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].find(" 127.0.0.1:"), std::string::npos);
  EXPECT_NE(requests[0].find(" POST /echo 200 "), std::string::npos);  // path without the query
  EXPECT_NE(requests[0].find("ms"), std::string::npos);
  EXPECT_NE(requests[1].find(" GET /nowhere 404 "), std::string::npos);
}

TEST(loopback, runner_refuses_when_its_queue_is_full) {
  config cfg = test_config();
  cfg.blocking_threads = 1;
  cfg.blocking_queue = 1;
  // Declared before the server, so they outlive its worker threads (joined by ~server): the
  // worker may still be returning from released.wait() when the test body ends.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  server srv(cfg);
  const blocking_runner run = srv.runner();
  ASSERT_TRUE(run([&] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  EXPECT_TRUE(run([] {}));
  EXPECT_FALSE(run([] {}));
  release.set_value();
}

TEST(loopback, start_fails_cleanly_on_a_taken_port) {
  fixture f;
  config cfg = test_config();
  cfg.port = f.srv.port();
  server second(cfg);
  EXPECT_THROW(second.start(), std::system_error);
}

}  // namespace
}  // namespace amphora::server
