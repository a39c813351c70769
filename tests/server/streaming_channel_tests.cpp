// The HTTP streaming channel over real sockets (docs/protocol.md, "HTTP streaming channel"): the
// server on 127.0.0.1, port 0, with the gateway and the streaming channel, and a raw TCP client
// that sees both framing layers byte for byte. Heartbeats and the idle timeout run on fake timers
// that fire when the test says so; every wait is bounded (a broken server fails a test, never
// hangs it) and nothing asserts timing.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/flex/uuid.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/streaming_channel.hpp"
#include "gateway_test_util.hpp"
#include "net.hpp"
#include "raw_client.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
using detail::error_code;
namespace net = detail::net;
namespace beast = detail::beast;

constexpr auto generous = 20s;  // upper bound of every wait: only reached when something is broken
constexpr std::string_view path = "/messagebroker/streamingamf";

using test::raw_client;

// An HTTP response split at the end of its header block.
struct response {
  std::string head;  // status line and headers, without the blank line
  std::string body;  // everything after the blank line, as received
};
std::optional<response> split(const std::string& data) {
  const std::size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  return response{data.substr(0, end), data.substr(end + 4)};
}

// The outer (HTTP) chunks of a chunked body received so far; `complete` once the last chunk came.
struct chunks {
  std::vector<std::string> items;
  bool complete = false;
};
chunks read_chunks(std::string_view body) {
  chunks out;
  while (true) {
    const std::size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return out;
    const std::size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    if (size == 0) {
      out.complete = body.substr(eol + 2, 2) == "\r\n";
      return out;
    }
    if (body.size() < eol + 2 + size + 2) return out;
    out.items.emplace_back(body.substr(eol + 2, size));
    body.remove_prefix(eol + 2 + size + 2);
  }
}

std::string hex(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

// BlazeDS's inner frame around `payload`.
std::string inner_frame(std::string_view payload) {
  return hex(payload.size()) + "\r\n" + std::string(payload) + "\r\n";
}

// The one AMF3 value of an inner frame, as a Flex message.
std::optional<flex::message> inner_message(std::string_view frame, amf::arena& memory) {
  const std::size_t eol = frame.find("\r\n");
  if (eol == std::string_view::npos || frame.size() < eol + 4) return std::nullopt;
  const std::size_t size = std::stoul(std::string(frame.substr(0, eol)), nullptr, 16);
  EXPECT_EQ(frame.size(), eol + 2 + size + 2);
  EXPECT_EQ(frame.substr(frame.size() - 2), "\r\n");
  const std::string_view payload = frame.substr(eol + 2, size);
  amf::decode_options options;
  options.registry = &flex::registry();
  const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(payload.data()),
                                            payload.size()};
  amf::result<amf::value> v = amf::decode_amf3(bytes, memory, options);
  if (!v) return std::nullopt;
  amf::result<flex::message> m = flex::read_message(*v, memory);
  if (!m) return std::nullopt;
  return *m;
}

std::string stream_request(std::string_view query, std::string_view body, std::string_view version = "1.1",
                           std::string_view user_agent = "") {
  std::string r =
      "POST " + std::string(path) + "?" + std::string(query) + " HTTP/" + std::string(version) +
      "\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n";
  if (!user_agent.empty()) r += "User-Agent: " + std::string(user_agent) + "\r\n";
  return r + "\r\n" + std::string(body);
}

class streaming_channel : public ::testing::Test {
 protected:
  void start(streaming_channel_options options = {}, std::size_t max_message_bytes = 1 << 20) {
    config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.level = log_level::off;
    server_ = std::make_unique<server>(cfg);
    messaging::broker_config bc;
    bc.destinations.emplace_back().name = "chat";
    bc.max_message_bytes = max_message_bytes;
    broker_ = std::make_shared<messaging::broker>(bc);
    gateway_options o;
    o.broker = broker_;
    gateway_ = make_amf_gateway(service_registry{}, o);
    server_->mount("/messagebroker/amf", gateway_);
    options.timers = timers_;
    server_->mount(std::string(path), make_streaming_channel(gateway_, options));
    server_->start();
  }
  ~streaming_channel() override {
    if (server_) server_->stop();
  }

  // One AMF request on a fresh connection to `where`; the reply's message.
  std::optional<flex::message> send(const flex::message& m, amf::arena& memory,
                                    std::string_view where = path) {
    amf::arena scratch;
    const test::bytes body = test::encode_request(3, {{"null", "/1", test::flex_body(scratch, m)}});
    raw_client c(server_->port());
    c.send("POST " + std::string(where) +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-amf\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
    c.send({reinterpret_cast<const char*>(body.data()), body.size()});
    c.read_to_eof();
    std::optional<response> r = split(c.data);
    if (!r || r->head.substr(0, 12) != "HTTP/1.1 200") return std::nullopt;
    reply rep;
    rep.body.assign(r->body.begin(), r->body.end());
    amf::packet p = test::decode_reply(rep, memory);
    if (p.bodies.size() != 1) return std::nullopt;
    amf::result<flex::message> out = flex::read_message(p.bodies[0].val, memory);
    if (!out) return std::nullopt;
    return *out;
  }

  // A ping on the streaming URL itself (an ordinary AMF request there): the new DSId.
  std::string ping() {
    amf::arena memory;
    auto r = send(test::chat_command(flex::command_operation::client_ping, "nil", memory, 1), memory);
    const auto* a = r ? std::get_if<flex::acknowledge_message>(&*r) : nullptr;
    return a ? test::header_string(*a, flex::headers::ds_id) : std::string{};
  }

  std::string subscribe(const std::string& ds_id) {
    amf::arena memory;
    auto r = send(test::chat_command(flex::command_operation::subscribe, ds_id, memory), memory);
    const auto* a = r ? std::get_if<flex::acknowledge_message>(&*r) : nullptr;
    return a ? std::string(a->client_id) : std::string{};
  }

  void publish(const std::string& ds_id, std::string_view text) {
    amf::arena memory;
    flex::async_message m;
    m.destination = "chat";
    m.message_id = memory.copy(flex::new_uuid());
    m.body = amf::make_string(memory, text);
    ASSERT_TRUE(flex::set_header(memory, m, flex::headers::ds_id, amf::value::string(memory.copy(ds_id))));
    auto r = send(m, memory, "/messagebroker/amf");
    ASSERT_TRUE(r && std::holds_alternative<flex::acknowledge_message>(*r));
  }

  // Opens a stream for `ds_id`; reads until the open acknowledgement came, or a refusal.
  std::unique_ptr<raw_client> open(const std::string& ds_id, std::string_view user_agent = "") {
    auto c = std::make_unique<raw_client>(server_->port());
    c->send(stream_request("command=open&version=1", "DSId=" + ds_id, "1.1", user_agent));
    const std::size_t wanted = user_agent.empty() ? 1 : 2;
    c->read_until([&](const std::string& d) {
      std::optional<response> r = split(d);
      return r && (r->head.substr(0, 12) != "HTTP/1.1 200" || read_chunks(r->body).items.size() >= wanted);
    });
    return c;
  }

  // The stream id from the open acknowledgement (the first chunk that is not a kick-start).
  static std::string stream_id(const raw_client& c) {
    std::optional<response> r = split(c.data);
    if (!r) return {};
    for (const std::string& inner : read_chunks(r->body).items) {
      const std::size_t eol = inner.find("\r\n");
      if (eol == std::string::npos || inner.size() <= eol + 2 || inner[eol + 2] == '\0') continue;
      amf::arena memory;
      std::optional<flex::message> m = inner_message(inner, memory);
      const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
      return ack && ack->body.is(amf::kind::string) ? std::string(ack->body.as_string()) : std::string{};
    }
    return {};
  }

  std::string close_request(const raw_client& c, const std::string& ds_id) {
    return stream_request("command=close&version=1&streamId=" + stream_id(c), "DSId=" + ds_id);
  }

  // The messages of the inner frames of chunks [from, end) of `c`.
  static std::vector<flex::message> pushed(const raw_client& c, std::size_t from, amf::arena& memory) {
    std::vector<flex::message> out;
    chunks got = read_chunks(split(c.data)->body);
    for (std::size_t i = from; i < got.items.size(); ++i) {
      if (got.items[i] == "0\r\n") continue;  // the inner terminator
      if (std::optional<flex::message> m = inner_message(got.items[i], memory)) out.push_back(*m);
    }
    return out;
  }

  // A single request with a Content-Length answer: its head and body.
  std::optional<response> one_shot(const std::string& request) {
    raw_client c(server_->port());
    c.send(request);
    c.read_until([](const std::string& d) {
      std::optional<response> r = split(d);
      if (!r) return false;
      const std::size_t at = r->head.find("Content-Length: ");
      return at != std::string::npos && r->body.size() >= std::stoul(r->head.substr(at + 16));
    });
    return split(c.data);
  }

  std::shared_ptr<test::fake_timers> timers_ = std::make_shared<test::fake_timers>();
  std::shared_ptr<messaging::broker> broker_;
  std::unique_ptr<server> server_;
  std::shared_ptr<gateway> gateway_;
};

TEST_F(streaming_channel, the_open_response_has_blazeds_headers_and_the_open_ack_in_two_framing_layers) {
  start();
  const std::string ds_id = ping();
  ASSERT_EQ(ds_id.size(), 36u);
  auto c = open(ds_id);
  std::optional<response> r = split(c->data);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->head.substr(0, 17), "HTTP/1.1 200 OK\r\n");
  EXPECT_NE(r->head.find("\r\nContent-Type: application/x-amf"), std::string::npos);
  EXPECT_NE(r->head.find("\r\nTransfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(r->head.find("\r\nConnection: close"), std::string::npos);
  EXPECT_NE(r->head.find("\r\nCache-Control: no-cache"), std::string::npos);
  EXPECT_NE(r->head.find("\r\nPragma: no-cache"), std::string::npos);
  EXPECT_EQ(r->head.find("Content-Length"), std::string::npos);

  chunks got = read_chunks(r->body);
  ASSERT_EQ(got.items.size(), 1u);
  const std::string& inner = got.items[0];
  // Outer: `<hex size of inner>\r\n<inner>\r\n`, and nothing else yet.
  EXPECT_EQ(r->body, hex(inner.size()) + "\r\n" + inner + "\r\n");
  // Inner: `<lowercase hex size>\r\n<one raw AMF3 value>\r\n`: a DSK (the client announced
  // small messages) with correlationId "open" and the stream id as body.
  const std::size_t eol = inner.find("\r\n");
  const std::string payload = inner.substr(eol + 2, inner.size() - eol - 4);
  EXPECT_EQ(inner, inner_frame(payload));
  EXPECT_EQ(payload.substr(0, 6), std::string("\x0a\x07\x07"
                                              "DSK",
                                              6));
  amf::arena memory;
  std::optional<flex::message> m = inner_message(inner, memory);
  ASSERT_TRUE(m.has_value());
  const auto* ack = std::get_if<flex::acknowledge_message>(&*m);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->correlation_id, "open");
  ASSERT_TRUE(ack->body.is(amf::kind::string));
  EXPECT_TRUE(flex::is_uuid(ack->body.as_string()));
  EXPECT_NE(ack->body.as_string(), ds_id);
}

TEST_F(streaming_channel, normal_amf_requests_work_on_the_streaming_url) {
  start();
  const std::string ds_id = ping();  // on the streaming URL
  ASSERT_EQ(ds_id.size(), 36u);
  EXPECT_EQ(subscribe(ds_id).size(), 36u);  // also on the streaming URL
}

TEST_F(streaming_channel, each_pushed_message_is_one_chunk_in_both_layers) {
  start();
  const std::string ds_id = ping();
  const std::string subscription = subscribe(ds_id);
  auto c = open(ds_id);
  const std::string before = c->data;
  publish(ping(), "pushed-payload");
  ASSERT_TRUE(
      c->read_until([](const std::string& d) { return read_chunks(split(d)->body).items.size() >= 2; }));
  const std::string added = c->data.substr(before.size());
  chunks got = read_chunks(split(c->data)->body);
  ASSERT_EQ(got.items.size(), 2u);
  const std::string& inner = got.items[1];
  EXPECT_EQ(added, hex(inner.size()) + "\r\n" + inner + "\r\n");  // one outer chunk, nothing more
  const std::size_t eol = inner.find("\r\n");
  EXPECT_EQ(inner.substr(eol + 2, 6), std::string("\x0a\x07\x07"
                                                  "DSA",
                                                  6));
  amf::arena memory;
  std::optional<flex::message> m = inner_message(inner, memory);
  ASSERT_TRUE(m.has_value());
  const auto* pushed = std::get_if<flex::async_message>(&*m);
  ASSERT_NE(pushed, nullptr);
  EXPECT_EQ(pushed->client_id, subscription);
  ASSERT_TRUE(pushed->body.is(amf::kind::string));
  EXPECT_EQ(pushed->body.as_string(), "pushed-payload");
}

TEST_F(streaming_channel, messages_queued_before_the_open_are_pushed_after_the_ack) {
  start();
  const std::string ds_id = ping();
  subscribe(ds_id);
  publish(ping(), "early");
  auto c = open(ds_id);
  ASSERT_TRUE(
      c->read_until([](const std::string& d) { return read_chunks(split(d)->body).items.size() >= 2; }));
  amf::arena memory;
  std::optional<flex::message> m = inner_message(read_chunks(split(c->data)->body).items[1], memory);
  ASSERT_TRUE(m && std::holds_alternative<flex::async_message>(*m));
  EXPECT_EQ(std::get<flex::async_message>(*m).body.as_string(), "early");
}

// Messages that pile up go out several chunks per write (one gather write): all of them, in order.
TEST_F(streaming_channel, messages_that_pile_up_are_all_pushed_in_order) {
  start();
  const std::string ds_id = ping();
  subscribe(ds_id);
  const std::string publisher = ping();
  constexpr std::size_t count = 50;  // more than one gather write holds
  for (std::size_t i = 0; i < count; ++i) publish(publisher, "m" + std::to_string(i));
  auto c = open(ds_id);
  ASSERT_TRUE(c->read_until(
      [](const std::string& d) { return read_chunks(split(d)->body).items.size() >= count + 1; }));
  const chunks got = read_chunks(split(c->data)->body);
  ASSERT_EQ(got.items.size(), count + 1);  // the open ack, then the messages
  for (std::size_t i = 0; i < count; ++i) {
    amf::arena memory;
    std::optional<flex::message> m = inner_message(got.items[i + 1], memory);
    ASSERT_TRUE(m && std::holds_alternative<flex::async_message>(*m)) << i;
    EXPECT_EQ(std::get<flex::async_message>(*m).body.as_string(), "m" + std::to_string(i));
  }
}

// Over plain TCP a stream's chunks are written at once as far as the socket takes them, the rest
// asynchronously: a message larger than the socket's buffers (the client reads only after a
// pause, so the first write fills them) arrives whole, and the one published after it follows it.
TEST_F(streaming_channel, a_message_larger_than_the_socket_buffers_is_pushed_whole_before_the_next) {
  constexpr std::size_t size = std::size_t{6} << 20;
  streaming_channel_options options;
  options.max_queued_bytes = 4 * size;
  start(options, 2 * size);
  const std::string ds_id = ping();
  subscribe(ds_id);
  auto c = open(ds_id);
  const std::string publisher = ping();
  std::string large(size, ' ');
  for (std::size_t i = 0; i < size; ++i) large[i] = static_cast<char>('a' + i % 26);
  constexpr std::string_view after = "AFTER THE LARGE ONE";  // no lower-case letter: found fast
  publish(publisher, large);
  publish(publisher, after);
  std::this_thread::sleep_for(200ms);  // the server's first write fills the socket
  ASSERT_TRUE(c->read_until([&](const std::string& d) { return d.find(after) != std::string::npos; }));
  ASSERT_TRUE(
      c->read_until([](const std::string& d) { return read_chunks(split(d)->body).items.size() >= 3; }));
  amf::arena memory;
  const std::vector<flex::message> got = pushed(*c, 1, memory);
  ASSERT_EQ(got.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto* m = std::get_if<flex::async_message>(&got[i]);
    ASSERT_NE(m, nullptr) << i;
    ASSERT_TRUE(m->body.is(amf::kind::string)) << i;
    EXPECT_TRUE(m->body.as_string() == (i == 0 ? std::string_view(large) : after)) << i;
  }
}

TEST_F(streaming_channel, an_idle_stream_gets_a_bare_zero_byte_heartbeat_at_each_tick) {
  streaming_channel_options o;
  o.heartbeat_interval = 10ms;  // on the fake timers: a tick happens when the test fires them
  start(o);
  const std::string ds_id = ping();
  subscribe(ds_id);
  auto c = open(ds_id);
  std::size_t before = c->data.size();
  EXPECT_EQ(timers_->fire_all(), 1u);
  ASSERT_TRUE(c->read_until([&](const std::string& d) { return d.size() >= before + 6; }));
  EXPECT_EQ(c->data.substr(before), std::string("1\r\n\0\r\n", 6));  // outer chunk of one 00 byte
  // A tick after a push sends no heartbeat: the stream was not idle.
  publish(ping(), "x");
  ASSERT_TRUE(
      c->read_until([](const std::string& d) { return read_chunks(split(d)->body).items.size() >= 3; }));
  before = c->data.size();
  EXPECT_EQ(timers_->fire_all(), 1u);
  // Then close: what follows the push is exactly the close sequence, no heartbeat before it.
  auto closed = one_shot(close_request(*c, ds_id));
  ASSERT_TRUE(closed.has_value());
  ASSERT_TRUE(c->read_to_eof());
  EXPECT_EQ(c->data.substr(before), "3\r\n0\r\n\r\n0\r\n\r\n");
}

TEST_F(streaming_channel, close_answers_200_empty_and_the_stream_ends_with_the_inner_terminator) {
  start();
  const std::string ds_id = ping();
  auto c = open(ds_id);
  const std::size_t before = c->data.size();
  std::optional<response> closed = one_shot(close_request(*c, ds_id));
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->head.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(closed->head.find("Content-Length: 0"), std::string::npos);
  EXPECT_EQ(closed->body, "");
  ASSERT_TRUE(c->read_to_eof());
  // An outer chunk holding `0\r\n` (the inner terminator, no trailing CRLF), then the last chunk.
  EXPECT_EQ(c->data.substr(before), "3\r\n0\r\n\r\n0\r\n\r\n");
  // The FlexClient may open a stream again.
  auto again = open(ds_id);
  EXPECT_EQ(stream_id(*again).size(), 36u);
}

TEST_F(streaming_channel, a_close_naming_another_clients_stream_closes_nothing) {
  start();
  const std::string ds_id = ping();
  auto c = open(ds_id);
  std::optional<response> closed =
      one_shot(stream_request("command=close&version=1&streamId=" + stream_id(*c), "DSId=" + ping()));
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->head.substr(0, 15), "HTTP/1.1 200 OK");
  // Still open: a push arrives.
  subscribe(ds_id);
  publish(ping(), "still open");
  ASSERT_TRUE(
      c->read_until([](const std::string& d) { return read_chunks(split(d)->body).items.size() >= 2; }));
}

TEST_F(streaming_channel, rejections) {
  streaming_channel_options o;
  o.max_streaming_clients = 1;
  start(o);
  const std::string ds_id = ping();
  const auto status = [](const std::optional<response>& r) {
    return r ? r->head.substr(0, 12) : std::string("none");
  };
  EXPECT_EQ(status(one_shot(stream_request("command=open&version=1", "DSId=" + ds_id, "1.0"))),
            "HTTP/1.0 400");
  EXPECT_EQ(status(one_shot(stream_request("command=bogus&version=1", "DSId=" + ds_id))), "HTTP/1.1 400");
  EXPECT_EQ(status(one_shot(stream_request("command=open&version=1", ""))), "HTTP/1.1 400");
  EXPECT_EQ(status(one_shot(stream_request("command=open&version=1", "DSId="))), "HTTP/1.1 400");
  EXPECT_EQ(status(one_shot(stream_request("command=open&version=1", "DSId=" + flex::new_uuid()))),
            "HTTP/1.1 400");  // a DSId this server did not issue
  auto c = open(ds_id);
  ASSERT_EQ(stream_id(*c).size(), 36u);
  // A second open for the same FlexClient; the limit of one stream is reached for another one.
  EXPECT_EQ(status(one_shot(stream_request("command=open&version=1", "DSId=" + ds_id))), "HTTP/1.1 400");
  std::optional<response> full = one_shot(stream_request("command=open&version=1", "DSId=" + ping()));
  EXPECT_EQ(status(full), "HTTP/1.1 503");
  ASSERT_TRUE(full.has_value());
  EXPECT_NE(full->head.find("Content-Type: text/plain"), std::string::npos);
  EXPECT_NE(full->body.find("max-streaming-clients limit of 1"), std::string::npos);
  // The command may come in the body too (a servlet's getParameter reads both).
  EXPECT_EQ(status(one_shot(stream_request("version=1", "command=open&DSId=" + ds_id))), "HTTP/1.1 400");
}

TEST_F(streaming_channel, msie_and_android_get_kickstart_bytes_first) {
  start();
  struct agent {
    std::string_view user_agent;
    std::size_t total;
  };
  for (const agent& a : {agent{"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)", 2048},
                         agent{"Mozilla/5.0 (Linux; Android 4.4; Nexus 5) AppleWebKit/537.36", 4010}}) {
    const std::string ds_id = ping();
    auto c = open(ds_id, a.user_agent);
    chunks got = read_chunks(split(c->data)->body);
    ASSERT_GE(got.items.size(), 2u) << a.user_agent;
    // The kick-start frame is `total` bytes with its framing: `<hex n>\r\n` + n zeros + `\r\n`.
    const std::string& kick = got.items[0];
    EXPECT_EQ(kick.size(), a.total) << a.user_agent;
    const std::size_t n = a.total - hex(a.total).size() - 4;
    EXPECT_EQ(kick, hex(n) + "\r\n" + std::string(n, '\0') + "\r\n") << a.user_agent;
    EXPECT_EQ(stream_id(*c).size(), 36u);
  }
  // Others get none: the first chunk is the open acknowledgement.
  auto plain = open(ping());
  EXPECT_NE(read_chunks(split(plain->data)->body).items.at(0).substr(0, 5), "7f9\r\n");
  EXPECT_EQ(stream_id(*plain).size(), 36u);
}

// services-config.xml <user-agent-settings>: the longest match-on the User-Agent contains wins,
// "*" is for every other agent (BlazeDS's UserAgentManager).
TEST_F(streaming_channel, configured_user_agents_choose_the_kickstart_by_longest_match) {
  streaming_channel_options o;
  o.user_agents = {{"Safari", 512}, {"Mobile Safari", 1024}, {"*", 256}};
  start(o);
  struct agent {
    std::string_view user_agent;
    std::size_t total;
  };
  for (const agent& a : {agent{"Mozilla/5.0 (iPhone) AppleWebKit/605.1 Mobile Safari/604.1", 1024},
                         agent{"Mozilla/5.0 (Macintosh) AppleWebKit/605.1 Safari/605.1", 512},
                         agent{"curl/7.88", 256}, agent{"Mozilla/4.0 (compatible; MSIE 8.0)", 256}}) {
    auto c = open(ping(), a.user_agent);
    chunks got = read_chunks(split(c->data)->body);
    ASSERT_GE(got.items.size(), 2u) << a.user_agent;
    const std::size_t n = a.total - hex(a.total).size() - 4;
    EXPECT_EQ(got.items[0], hex(n) + "\r\n" + std::string(n, '\0') + "\r\n") << a.user_agent;
    EXPECT_EQ(stream_id(*c).size(), 36u);
  }
}

// Server-initiated ends: a DISCONNECT command (op 12) is pushed first, then the inner terminator.
void expect_disconnect_then_end(const raw_client& c, std::size_t from) {
  amf::arena memory;
  std::vector<flex::message> got = [&] {
    std::vector<flex::message> out;
    chunks all = read_chunks(split(c.data)->body);
    EXPECT_TRUE(all.complete);
    EXPECT_GE(all.items.size(), from + 2);
    if (all.items.size() < from + 2) return out;
    EXPECT_EQ(all.items.back(), "0\r\n");
    for (std::size_t i = from; i + 1 < all.items.size(); ++i) {
      if (std::optional<flex::message> m = inner_message(all.items[i], memory)) out.push_back(*m);
    }
    return out;
  }();
  ASSERT_EQ(got.size(), 1u);
  const auto* cmd = std::get_if<flex::command_message>(&got[0]);
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(cmd->operation, flex::command_operation::disconnect);
}

TEST_F(streaming_channel, the_clients_disconnect_ends_its_stream_with_disconnect) {
  start();
  const std::string ds_id = ping();
  subscribe(ds_id);
  auto c = open(ds_id);
  amf::arena memory;
  auto r = send(test::chat_command(flex::command_operation::disconnect, ds_id, memory), memory,
                "/messagebroker/amf");
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(c->read_to_eof());
  expect_disconnect_then_end(*c, 1);
}

TEST_F(streaming_channel, the_idle_timeout_ends_the_stream_with_disconnect) {
  streaming_channel_options o;
  o.heartbeat_interval = 0ms;
  o.idle_timeout = 1ms;
  start(o);
  auto c = open(ping());
  std::this_thread::sleep_for(5ms);  // past the idle timeout for sure; the tick is a fake timer
  EXPECT_EQ(timers_->fire_all(), 1u);
  ASSERT_TRUE(c->read_to_eof());
  expect_disconnect_then_end(*c, 1);
}

TEST_F(streaming_channel, a_graceful_stop_ends_open_streams_with_disconnect) {
  start();
  auto c = open(ping());
  server_->stop();
  ASSERT_TRUE(c->read_to_eof());
  expect_disconnect_then_end(*c, 1);
}

TEST_F(streaming_channel, a_slow_reader_is_closed_without_a_terminator) {
  streaming_channel_options o;
  o.max_queued_bytes = 1;  // the kick-start frame is still being written when the ack is queued
  start(o);
  raw_client c(server_->port());
  c.send(stream_request("command=open&version=1", "DSId=" + ping(), "1.1",
                        "Mozilla/4.0 (compatible; MSIE 7.0)"));
  ASSERT_TRUE(c.read_to_eof());
  std::optional<response> r = split(c.data);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->head.substr(0, 12), "HTTP/1.1 200");
  EXPECT_FALSE(read_chunks(r->body).complete);  // cut off, no last chunk
  EXPECT_EQ(stream_id(c), "");                  // the acknowledgement never went out
}

TEST_F(streaming_channel, a_client_that_goes_away_frees_its_stream) {
  streaming_channel_options o;
  o.max_streaming_clients = 1;
  start(o);
  const std::string ds_id = ping();
  open(ds_id).reset();  // connection closed by the client
  // The slot is free again once the server noticed; bounded wait, no timing asserted.
  const auto deadline = std::chrono::steady_clock::now() + generous;
  std::string got;
  while (std::chrono::steady_clock::now() < deadline) {
    auto c = open(ds_id);
    if (stream_id(*c).size() == 36) {
      got = "reopened";
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(got, "reopened");
}

}  // namespace
}  // namespace amphora::server
