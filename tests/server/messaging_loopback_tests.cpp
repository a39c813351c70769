// Messaging over real sockets: amphora's server on 127.0.0.1, port 0, with the gateway's broker and
// a long-polling endpoint on the server's own timers. A long poll parks, a publish from another
// connection answers it; a graceful stop answers a parked poll. Every wait is bounded (a broken
// server fails the test, never hangs it); nothing asserts timing.
#include <future>
#include <thread>
#include <utility>

#include "amphora/server/server.hpp"
#include "gateway_test_util.hpp"
#include "net.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
namespace net = detail::net;
namespace beast = detail::beast;
namespace http = detail::http;

constexpr auto generous = 20s;  // only reached when something is broken

// One POST on a fresh connection; the response body, or nullopt (no answer within the bound).
std::optional<std::vector<std::uint8_t>> post(std::uint16_t port, const std::string& path,
                                              const test::bytes& body) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  http::request<http::vector_body<std::uint8_t>> req{http::verb::post, path, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/x-amf");
  req.body().assign(body.begin(), body.end());
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::vector_body<std::uint8_t>> res;
  bool done = false;
  stream.expires_after(generous);
  stream.async_connect(
      detail::tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, [&](detail::error_code ec) {
        if (ec) return;
        http::async_write(stream, req, [&](detail::error_code wec, std::size_t) {
          if (wec) return;
          http::async_read(stream, buffer, res, [&](detail::error_code rec, std::size_t) { done = !rec; });
        });
      });
  ioc.run_for(generous + 5s);
  if (!done || res.result() != http::status::ok) return std::nullopt;
  return std::move(res.body());
}

class messaging_loopback : public ::testing::Test {
 protected:
  messaging_loopback() {
    config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.level = log_level::off;
    server_ = std::make_unique<server>(cfg);
    messaging::broker_config bc;
    bc.destinations.emplace_back().name = "chat";
    bc.destinations.emplace_back().name = "news";  // only through the long-polling channel
    gateway_options o;
    auto rules = std::make_shared<destination_channels>();
    rules->add_endpoint("/messagebroker/amf", "my-amf");
    rules->add_endpoint("/messagebroker/amflongpolling", "my-longpolling-amf");
    rules->set_channels("news", {"my-longpolling-amf"});
    o.allowed_channels = rules;
    broker_ = std::make_shared<messaging::broker>(bc);
    o.broker = broker_;
    polling_channel lp;
    lp.path = "/messagebroker/amflongpolling";
    lp.wait_interval = 60s;  // longer than any bound here: only a message or the stop ends a wait
    lp.max_waiting_polls = 10;
    o.channels = {lp};
    o.timers = server_->timers();
    gateway_ = make_amf_gateway(service_registry{}, o);
    server_->mount("/messagebroker/amf", gateway_);
    server_->mount("/messagebroker/amflongpolling", gateway_);
    server_->start();
  }
  ~messaging_loopback() override { server_->stop(); }

  // Sends one message; the reply's message.
  std::optional<flex::message> send(const std::string& path, const flex::message& m, amf::arena& memory) {
    amf::arena scratch;
    const test::bytes body = test::encode_request(3, {{"null", "/1", test::flex_body(scratch, m)}});
    std::optional<std::vector<std::uint8_t>> got = post(server_->port(), path, body);
    if (!got) return std::nullopt;
    reply r;
    r.body = std::move(*got);
    amf::packet p = test::decode_reply(r, memory);
    if (p.bodies.size() != 1) return std::nullopt;
    amf::result<flex::message> m2 = flex::read_message(p.bodies[0].val, memory);
    if (!m2) return std::nullopt;
    return *m2;
  }

  std::string ping(amf::arena& memory) {
    auto r = send("/messagebroker/amf",
                  test::chat_command(flex::command_operation::client_ping, "nil", memory), memory);
    const auto* a = r ? std::get_if<flex::acknowledge_message>(&*r) : nullptr;
    return a ? test::header_string(*a, flex::headers::ds_id) : std::string{};
  }

  std::shared_ptr<messaging::broker> broker_;
  std::unique_ptr<server> server_;
  std::shared_ptr<gateway> gateway_;
};

TEST_F(messaging_loopback, a_parked_long_poll_is_answered_by_a_publish_from_another_connection) {
  amf::arena memory;
  const std::string a = ping(memory);
  ASSERT_EQ(a.size(), 36u);
  auto sub =
      send("/messagebroker/amf", test::chat_command(flex::command_operation::subscribe, a, memory), memory);
  ASSERT_TRUE(sub && std::holds_alternative<flex::acknowledge_message>(*sub));
  const std::string subscription(std::get<flex::acknowledge_message>(*sub).client_id);

  // The pushed message's clientId and body, copied out of the polling thread's arena.
  using pushed_copy = std::optional<std::pair<std::string, std::string>>;
  std::future<pushed_copy> parked = std::async(std::launch::async, [&]() -> pushed_copy {
    amf::arena own;
    auto r =
        send("/messagebroker/amflongpolling", test::chat_command(flex::command_operation::poll, a, own), own);
    const auto* sync = r ? std::get_if<flex::command_message>(&*r) : nullptr;
    if (sync == nullptr || !sync->body.is(amf::kind::array) || sync->body.as_array().dense.size() != 1) {
      return std::nullopt;
    }
    amf::result<flex::message> inner = flex::read_message(sync->body.as_array().dense[0], own);
    const auto* pushed = inner ? std::get_if<flex::async_message>(&*inner) : nullptr;
    if (pushed == nullptr || !pushed->body.is(amf::kind::string)) return std::nullopt;
    return std::pair{std::string(pushed->client_id), std::string(pushed->body.as_string())};
  });
  // The publish may come before the poll parks (then it is queued and answers the poll at once) or
  // after (then it wakes the parked poll): either way the poll gets the message.
  const std::string b = ping(memory);
  flex::async_message m;
  m.destination = "chat";
  m.message_id = memory.copy(flex::new_uuid());
  m.body = amf::make_string(memory, "over the wire");
  ASSERT_TRUE(flex::set_header(memory, m, flex::headers::ds_id, amf::value::string(b)));
  auto ack = send("/messagebroker/amf", m, memory);
  ASSERT_TRUE(ack && std::holds_alternative<flex::acknowledge_message>(*ack));

  ASSERT_EQ(parked.wait_for(generous + 10s), std::future_status::ready);
  pushed_copy r = parked.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, subscription);
  EXPECT_EQ(r->second, "over the wire");
}

// services-config.xml <channels> over HTTP: "news" lists only the long-polling channel, so a
// subscribe or publish through /messagebroker/amf is refused with BlazeDS's fault (error 10005).
TEST_F(messaging_loopback, a_destination_is_refused_through_a_channel_it_does_not_list) {
  amf::arena memory;
  const std::string a = ping(memory);
  ASSERT_EQ(a.size(), 36u);
  flex::command_message subscribe = test::chat_command(flex::command_operation::subscribe, a, memory);
  subscribe.destination = "news";
  auto refused = send("/messagebroker/amf", subscribe, memory);
  ASSERT_TRUE(refused.has_value());
  const auto* e = std::get_if<flex::error_message>(&*refused);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->fault_code, "Server.Processing");
  EXPECT_EQ(e->fault_string, "Destination 'news' not accessible over channel 'my-amf'.");
  EXPECT_EQ(e->correlation_id, subscribe.message_id);
  EXPECT_EQ(broker_->stats().consumers, 0u);

  flex::async_message m;
  m.destination = "news";
  m.message_id = memory.copy(flex::new_uuid());
  m.body = amf::make_string(memory, "headline");
  ASSERT_TRUE(flex::set_header(memory, m, flex::headers::ds_id, amf::value::string(a)));
  auto publish_refused = send("/messagebroker/amf", m, memory);
  ASSERT_TRUE(publish_refused && std::holds_alternative<flex::error_message>(*publish_refused));

  auto sub = send("/messagebroker/amflongpolling", subscribe, memory);  // its channel
  ASSERT_TRUE(sub && std::holds_alternative<flex::acknowledge_message>(*sub));
  EXPECT_EQ(broker_->stats().consumers, 1u);
}

TEST_F(messaging_loopback, a_graceful_stop_answers_a_parked_long_poll) {
  amf::arena memory;
  const std::string a = ping(memory);
  auto sub =
      send("/messagebroker/amf", test::chat_command(flex::command_operation::subscribe, a, memory), memory);
  ASSERT_TRUE(sub.has_value());
  std::future<bool> parked = std::async(std::launch::async, [&] {
    amf::arena own;
    auto r =
        send("/messagebroker/amflongpolling", test::chat_command(flex::command_operation::poll, a, own), own);
    return r && std::holds_alternative<flex::acknowledge_message>(*r);
  });
  // Wait (bounded) until the poll is parked in the broker, then stop.
  const auto deadline = std::chrono::steady_clock::now() + generous;
  while (broker_->stats().waiting == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  server_->stop();
  ASSERT_EQ(parked.wait_for(generous), std::future_status::ready);
  EXPECT_TRUE(parked.get());
}

}  // namespace
}  // namespace amphora::server
