// The WebSocket channel over real sockets: the server on 127.0.0.1, port 0, with a broker, and a
// Beast WebSocket client whose every wait is bounded (a broken server fails a test, never hangs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/security/authenticator.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/websocket_channel.hpp"
#include "gateway_test_util.hpp"
#include "net.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
using detail::error_code;
using detail::tcp;
namespace net = detail::net;
namespace beast = detail::beast;
namespace websocket = boost::beast::websocket;

constexpr auto generous = 20s;  // upper bound of every wait: only reached when something is broken
constexpr std::string_view path = "/messagebroker/websocket";

// A blocking-style WebSocket client on its own io_context; each operation runs it for a bounded time.
class ws_client {
 public:
  explicit ws_client(std::uint16_t port, std::string_view target = path) : ws_(ioc_) {
    ws_.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    ws_.binary(true);
    ws_.read_message_max(std::size_t{16} << 20);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) ++pongs;
    });
    bool done = false;
    ws_.async_handshake("127.0.0.1", std::string(target), [&](error_code ec) {
      handshake_error = ec;
      done = true;
    });
    run_for(generous);
    if (!done) handshake_error = net::error::timed_out;
  }

  bool write(const std::vector<std::uint8_t>& frame, bool binary = true) {
    ws_.binary(binary);
    error_code result = net::error::timed_out;
    ws_.async_write(net::buffer(frame), [&](error_code ec, std::size_t) { result = ec; });
    run_for(generous);
    return !result;
  }

  // The next message, or nullopt if the connection ended (or nothing came within the bound):
  // then `error` says why (websocket::error::closed after a close frame, see reason()).
  std::optional<std::vector<std::uint8_t>> read() {
    bool done = false;
    buffer_.clear();
    ws_.async_read(buffer_, [&](error_code ec, std::size_t) {
      error = ec;
      done = true;
    });
    run_for(generous);
    if (!done || error) return std::nullopt;
    const auto data = buffer_.cdata();
    const auto* p = static_cast<const std::uint8_t*>(data.data());
    return std::vector<std::uint8_t>(p, p + data.size());
  }

  // Sends a ping; its pong is counted in `pongs` by a later read.
  bool ping() {
    error_code result = net::error::timed_out;
    ws_.async_ping({}, [&](error_code ec) { result = ec; });
    run_for(generous);
    return !result;
  }

  websocket::close_reason reason() const { return ws_.reason(); }

  error_code handshake_error;
  error_code error;
  int pongs = 0;

 private:
  void run_for(std::chrono::steady_clock::duration limit) {
    ioc_.restart();
    ioc_.run_for(limit);
    if (ioc_.stopped()) return;
    beast::get_lowest_layer(ws_).cancel();  // the bound passed: abandon the operation
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
};

flex::command_message command(flex::command_operation op, std::string_view id) {
  flex::command_message c;
  c.operation = op;
  c.message_id = id;
  c.destination = "chat";
  return c;
}

class websocket_channel_test : public ::testing::Test {
 protected:
  void SetUp() override {
    messaging::broker_config bc;
    bc.destinations.emplace_back().name = "chat";
    bc.destinations.back().subscription_timeout = 1h;  // only reached by moving the clock
    bc.client_idle_timeout = 100h;
    broker_ = std::make_shared<messaging::broker>(
        bc, [this] { return messaging::broker::clock::now() + std::chrono::minutes(minutes_ahead_.load()); });
    config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.shutdown_timeout = 10s;
    server_ = std::make_unique<server>(cfg);
    server_->set_log_sink([this](std::string_view line) {
      const std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    });
    websocket_settings ws;
    ws.max_message_bytes = 64 * 1024;
    server_->mount_websocket(std::string(path), make_websocket_channel(broker_, channel_options()), ws);
    server_->start();
  }
  void TearDown() override { server_->stop(); }
  virtual websocket_channel_options channel_options() { return {}; }

  // Sends `m` and reads the one answer.
  flex::message call(ws_client& c, const flex::message& m, amf::arena& memory) {
    EXPECT_TRUE(c.write(test::amf3_frame(m)));
    std::optional<std::vector<std::uint8_t>> frame = c.read();
    EXPECT_TRUE(frame.has_value()) << c.error.message();
    if (!frame) return flex::error_message{};
    frames_.push_back(std::move(*frame));
    std::optional<flex::message> reply = test::read_amf3_frame(frames_.back(), memory);
    EXPECT_TRUE(reply.has_value());
    return reply ? *reply : flex::message{flex::error_message{}};
  }

  // The next pushed message (not an answer), decoded into `memory`.
  std::optional<flex::message> next(ws_client& c, amf::arena& memory) {
    std::optional<std::vector<std::uint8_t>> frame = c.read();
    EXPECT_TRUE(frame.has_value()) << c.error.message();
    if (!frame) return std::nullopt;
    frames_.push_back(std::move(*frame));
    return test::read_amf3_frame(frames_.back(), memory);
  }

  // The text of the log line that holds `text`, from `text` on (after the timestamp; "" if none).
  std::string log_line(std::string_view text) {
    const std::lock_guard lock(log_mutex_);
    for (const std::string& line : log_) {
      if (const std::size_t at = line.find(text); at != std::string::npos) return line.substr(at);
    }
    return {};
  }

  std::shared_ptr<messaging::broker> broker_;
  std::atomic<int> minutes_ahead_{0};  // the broker's clock runs this far ahead
  std::mutex log_mutex_;
  std::vector<std::string> log_;  // the server's log lines
  std::unique_ptr<server> server_;
  std::vector<std::vector<std::uint8_t>> frames_;  // keeps what decoded messages view
};

TEST_F(websocket_channel_test, ping_subscribe_and_receive_pushed_messages) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  amf::arena memory;

  flex::message ping = call(c, command(flex::command_operation::client_ping, "m-ping"), memory);
  auto* ack = std::get_if<flex::acknowledge_message>(&ping);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->correlation_id, "m-ping");
  const std::string ds_id = test::header_string(*ack, flex::headers::ds_id);
  EXPECT_EQ(ds_id.size(), 36u) << ds_id;

  flex::message sub = call(c, command(flex::command_operation::subscribe, "m-sub"), memory);
  auto* sub_ack = std::get_if<flex::acknowledge_message>(&sub);
  ASSERT_NE(sub_ack, nullptr);
  EXPECT_EQ(sub_ack->correlation_id, "m-sub");
  const std::string subscription(sub_ack->client_id);
  EXPECT_FALSE(subscription.empty());
  EXPECT_TRUE(broker_->has_client(ds_id));

  // Another client publishes through the C++ API, with headers a subscriber must not see.
  for (int i = 0; i < 3; ++i) {
    amf::arena pm;
    flex::async_message m;
    m.destination = "chat";
    m.message_id = pm.copy("pub-" + std::to_string(i));
    m.client_id = "publisher";
    m.body = amf::value::integer(i);
    ASSERT_TRUE(flex::set_header(pm, m, flex::headers::ds_id, amf::value::string("other-client")));
    ASSERT_TRUE(flex::set_header(pm, m, "DSEndpoint", amf::value::string("my-amf")));
    auto published = broker_->publish(m);
    ASSERT_TRUE(std::holds_alternative<std::size_t>(published));
    EXPECT_EQ(std::get<std::size_t>(published), 1u);
  }
  for (int i = 0; i < 3; ++i) {
    std::optional<std::vector<std::uint8_t>> frame = c.read();
    ASSERT_TRUE(frame.has_value()) << c.error.message();
    frames_.push_back(std::move(*frame));
    std::optional<flex::message> pushed = test::read_amf3_frame(frames_.back(), memory);
    ASSERT_TRUE(pushed.has_value());
    auto* m = std::get_if<flex::async_message>(&*pushed);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->message_id, "pub-" + std::to_string(i));  // in order, each once
    EXPECT_EQ(m->client_id, subscription);
    EXPECT_EQ(m->body.as_int(), i);
    EXPECT_EQ(m->header(flex::headers::ds_id), nullptr);
    EXPECT_EQ(m->header("DSEndpoint"), nullptr);
  }

  // A publish over the WebSocket reaches the subscriber (itself) and is acknowledged.
  flex::async_message own;
  own.destination = "chat";
  own.message_id = "own-1";
  own.body = amf::value::string("hello");
  ASSERT_TRUE(c.write(test::amf3_frame(own)));
  bool acked = false;
  bool received = false;
  for (int i = 0; i < 2; ++i) {
    std::optional<std::vector<std::uint8_t>> frame = c.read();
    ASSERT_TRUE(frame.has_value());
    frames_.push_back(std::move(*frame));
    std::optional<flex::message> m = test::read_amf3_frame(frames_.back(), memory);
    ASSERT_TRUE(m.has_value());
    if (auto* a = std::get_if<flex::acknowledge_message>(&*m)) acked = a->correlation_id == "own-1";
    if (auto* p = std::get_if<flex::async_message>(&*m)) received = p->message_id == "own-1";
  }
  EXPECT_TRUE(acked);
  EXPECT_TRUE(received);

  // Unsubscribe: nothing more is queued for it.
  flex::command_message unsub = command(flex::command_operation::unsubscribe, "m-unsub");
  unsub.client_id = subscription;
  flex::message unsub_reply = call(c, unsub, memory);
  ASSERT_NE(std::get_if<flex::acknowledge_message>(&unsub_reply), nullptr);
  EXPECT_EQ(broker_->stats().consumers, 0u);
}

TEST_F(websocket_channel_test, bad_frames_get_an_encoding_error_and_the_connection_stays_usable) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error);
  amf::arena memory;
  for (const std::vector<std::uint8_t>& garbage :
       {std::vector<std::uint8_t>{0xff, 0x00, 0x13}, std::vector<std::uint8_t>{0x0a, 0x0b},
        std::vector<std::uint8_t>{0x04, 0x05}, std::vector<std::uint8_t>{}}) {
    ASSERT_TRUE(c.write(garbage));
    std::optional<std::vector<std::uint8_t>> frame = c.read();
    ASSERT_TRUE(frame.has_value());
    frames_.push_back(std::move(*frame));
    std::optional<flex::message> reply = test::read_amf3_frame(frames_.back(), memory);
    ASSERT_TRUE(reply.has_value());
    auto* e = std::get_if<flex::error_message>(&*reply);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->fault_code, flex::faults::client_message_encoding);
  }
  // Unknown destination: a fault, not a close.
  flex::command_message bad_sub = command(flex::command_operation::subscribe, "m-1");
  bad_sub.destination = "nowhere";
  flex::message reply = call(c, bad_sub, memory);
  auto* e = std::get_if<flex::error_message>(&reply);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->fault_code, flex::faults::server_resource_unavailable);
  EXPECT_EQ(e->correlation_id, "m-1");
  // Still usable.
  flex::message ping = call(c, command(flex::command_operation::client_ping, "m-2"), memory);
  EXPECT_NE(std::get_if<flex::acknowledge_message>(&ping), nullptr);
}

TEST_F(websocket_channel_test, a_text_frame_closes_with_1003) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error);
  ASSERT_TRUE(c.write({'h', 'i'}, /*binary=*/false));
  EXPECT_FALSE(c.read().has_value());
  EXPECT_EQ(c.error, websocket::error::closed);
  EXPECT_EQ(c.reason().code, close_code::unsupported_data);
}

TEST_F(websocket_channel_test, a_message_over_the_limit_closes_with_1009) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error);
  ASSERT_TRUE(c.write(std::vector<std::uint8_t>(64 * 1024 + 1, 0x06)));
  EXPECT_FALSE(c.read().has_value());
  EXPECT_EQ(c.error, websocket::error::closed);
  EXPECT_EQ(c.reason().code, close_code::too_big);
}

TEST_F(websocket_channel_test, disconnect_releases_the_flex_client_and_closes) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error);
  amf::arena memory;
  flex::message ping = call(c, command(flex::command_operation::client_ping, "m-ping"), memory);
  const std::string ds_id =
      test::header_string(std::get<flex::acknowledge_message>(ping), flex::headers::ds_id);
  flex::message sub = call(c, command(flex::command_operation::subscribe, "m-sub"), memory);
  ASSERT_NE(std::get_if<flex::acknowledge_message>(&sub), nullptr);
  ASSERT_TRUE(broker_->has_client(ds_id));
  flex::message bye = call(c, command(flex::command_operation::disconnect, "m-bye"), memory);
  EXPECT_NE(std::get_if<flex::acknowledge_message>(&bye), nullptr);
  EXPECT_FALSE(c.read().has_value());
  EXPECT_EQ(c.error, websocket::error::closed);
  EXPECT_EQ(c.reason().code, close_code::normal);
  EXPECT_FALSE(broker_->has_client(ds_id));
}

TEST_F(websocket_channel_test, a_get_without_upgrade_gets_426) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), server_->port()});
  const std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  net::write(socket, net::buffer(request));
  beast::flat_buffer buffer;
  detail::http::response<detail::http::string_body> res;
  detail::http::read(socket, buffer, res);
  EXPECT_EQ(res.result_int(), 426u);
}

TEST_F(websocket_channel_test, server_stop_closes_connections_with_1001_and_releases_clients) {
  ws_client a(server_->port());
  ws_client b(server_->port());
  ASSERT_FALSE(a.handshake_error);
  ASSERT_FALSE(b.handshake_error);
  amf::arena memory;
  flex::message sub = call(a, command(flex::command_operation::subscribe, "m-sub"), memory);
  ASSERT_NE(std::get_if<flex::acknowledge_message>(&sub), nullptr);
  // A round trip on b too: the server has then finished b's handshake (a stop during the handshake
  // just closes the socket: there is no WebSocket yet to send 1001 on).
  flex::message sub_b = call(b, command(flex::command_operation::subscribe, "m-sub-b"), memory);
  ASSERT_NE(std::get_if<flex::acknowledge_message>(&sub_b), nullptr);
  EXPECT_EQ(broker_->stats().clients, 2u);
  server_->request_stop();
  for (ws_client* c : {&a, &b}) {
    EXPECT_FALSE(c->read().has_value());
    EXPECT_EQ(c->error, websocket::error::closed);
    EXPECT_EQ(c->reason().code, close_code::going_away);
  }
  server_->wait();
  EXPECT_EQ(broker_->stats().clients, 0u);
}

// LOGIN and LOGOUT on the WebSocket channel: the user is bound to the connection and the access
// policy sees it; anonymous before and after.
constexpr std::string_view members_only_xml = R"(<config>
  <roleSet>
    <role><name>anonymous</name></role>
    <role><name>member</name></role>
  </roleSet>
  <permissions>
    <permission>
      <resources><resource>chat</resource></resources>
      <roles><role>member</role></roles>
      <privileges><privilege>subscribe</privilege></privileges>
    </permission>
  </permissions>
</config>
)";

// services-config.xml <channels> on the WebSocket channel: a destination whose list does not
// name the channel served at the WebSocket's path is refused at subscribe, MULTI_SUBSCRIBE and
// publish (Server.Processing, BlazeDS's "not accessible over channel"), on the wire.
class websocket_channels_test : public websocket_channel_test {
 protected:
  websocket_channel_options channel_options() override {
    auto rules = std::make_shared<destination_channels>();
    rules->add_endpoint(path, "my-websocket");
    rules->add_endpoint("/messagebroker/streamingamf", "my-streaming-amf");
    rules->set_channels("chat", {"my-streaming-amf"});
    websocket_channel_options o;
    o.allowed_channels = rules;
    return o;
  }
};

TEST_F(websocket_channels_test, a_destination_not_listing_this_channel_is_refused) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  amf::arena memory;
  const auto refused = [&](const flex::message& m) {
    flex::message answer = call(c, m, memory);
    const auto* e = std::get_if<flex::error_message>(&answer);
    if (e == nullptr) return std::string("not refused");
    EXPECT_EQ(e->fault_code, "Server.Processing");
    return std::string(e->fault_string);
  };
  const std::string expected = "Destination 'chat' not accessible over channel 'my-websocket'.";
  EXPECT_EQ(refused(command(flex::command_operation::subscribe, "m-sub")), expected);
  flex::command_message multi = command(flex::command_operation::multi_subscribe, "m-multi");
  amf::array_node* adds = amf::new_array(memory);
  ASSERT_NE(adds, nullptr);
  ASSERT_TRUE(adds->dense.push_back(memory, amf::value::string("sports_;_")));
  ASSERT_TRUE(flex::set_header(memory, multi, flex::headers::add_sub, amf::value::of(adds)));
  EXPECT_EQ(refused(multi), expected);
  flex::async_message publish;
  publish.destination = "chat";
  publish.message_id = "m-pub";
  publish.body = amf::value::string("hello");
  EXPECT_EQ(refused(publish), expected);
  EXPECT_EQ(broker_->stats().consumers, 0u);
  EXPECT_EQ(broker_->stats().published, 0u);
  // Commands that name no restricted destination still work.
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(
      call(c, command(flex::command_operation::client_ping, "m-ping"), memory)));
}

class websocket_login_test : public websocket_channel_test {
 protected:
  void SetUp() override {
    policy_path_ = (std::filesystem::temp_directory_path() /
                    ("amphora-ws-acl-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".xml"))
                       .string();
    std::ofstream(policy_path_) << members_only_xml;
    websocket_channel_test::SetUp();
  }
  void TearDown() override {
    websocket_channel_test::TearDown();
    std::filesystem::remove(policy_path_);
  }
  websocket_channel_options channel_options() override {
    websocket_channel_options o;
    o.access = std::make_shared<security::policy_store>(policy_path_);
    if (with_authenticator_) {
      o.authenticator = security::make_authenticator(
          [](std::string_view user, std::string_view password) -> std::optional<security::principal> {
            if (user == "alice" && password == "pw") return security::principal{"alice", {"member"}};
            return std::nullopt;
          });
    }
    return o;
  }

  // The fault code of an answer, or "ack BODY" for an acknowledgement.
  static std::string outcome(const flex::message& m) {
    if (const auto* a = std::get_if<flex::acknowledge_message>(&m)) {
      return "ack " + std::string(a->body.is(amf::kind::string) ? a->body.as_string() : "");
    }
    if (const auto* e = std::get_if<flex::error_message>(&m)) return std::string(e->fault_code);
    return "<other>";
  }
  flex::command_message login(std::string_view base64_body, std::string_view id) {
    flex::command_message c = command(flex::command_operation::login, id);
    c.destination = "";
    c.body = amf::value::string(base64_body);
    return c;
  }

  std::string policy_path_;
  bool with_authenticator_ = true;
};

TEST_F(websocket_login_test, login_binds_the_user_to_the_connection_until_logout) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error);
  amf::arena memory;
  EXPECT_EQ(outcome(call(c, command(flex::command_operation::subscribe, "s-1"), memory)),
            "Client.Authentication");
  EXPECT_EQ(outcome(call(c, login("YWxpY2U6YmFk", "l-1"), memory)), "Client.Authentication");  // alice:bad
  EXPECT_EQ(outcome(call(c, login("not base64!", "l-2"), memory)), "Client.Authentication");
  const flex::message ok = call(c, login("YWxpY2U6cHc=", "l-3"), memory);  // alice:pw
  EXPECT_EQ(outcome(ok), "ack success");
  if (const auto* a = std::get_if<flex::acknowledge_message>(&ok)) {
    EXPECT_EQ(a->correlation_id, "l-3");
  }
  EXPECT_EQ(outcome(call(c, command(flex::command_operation::subscribe, "s-2"), memory)), "ack ");

  // Another connection is still anonymous.
  ws_client other(server_->port());
  ASSERT_FALSE(other.handshake_error);
  EXPECT_EQ(outcome(call(other, command(flex::command_operation::subscribe, "s-3"), memory)),
            "Client.Authentication");

  EXPECT_EQ(outcome(call(c, command(flex::command_operation::logout, "o-1"), memory)), "ack success");
  EXPECT_EQ(outcome(call(c, command(flex::command_operation::subscribe, "s-4"), memory)),
            "Client.Authentication");
}

class websocket_login_unconfigured_test : public websocket_login_test {
 protected:
  void SetUp() override {
    with_authenticator_ = false;
    websocket_login_test::SetUp();
  }
};

TEST_F(websocket_login_unconfigured_test, login_without_an_authenticator_is_refused) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error);
  amf::arena memory;
  EXPECT_EQ(outcome(call(c, login("YWxpY2U6cHc=", "l-1"), memory)), "Server.Authentication");
}

}  // namespace
}  // namespace amphora::server

namespace amphora::server {
namespace {

flex::async_message chat_message(amf::arena& memory, std::string_view id, std::string_view subtopic) {
  flex::async_message m;
  m.destination = "chat";
  m.message_id = id;
  m.body = amf::value::string(id);
  if (!subtopic.empty()) {
    EXPECT_TRUE(flex::set_header(memory, m, flex::headers::subtopic, amf::value::string(subtopic)));
  }
  return m;
}

TEST_F(websocket_channel_test, multi_subscribe_adds_and_removes_subscriptions) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  amf::arena memory;
  flex::command_message multi = command(flex::command_operation::multi_subscribe, "m-multi");
  amf::array_node* add = amf::new_array(memory);
  ASSERT_TRUE(add->dense.push_back(memory, amf::value::string("red_;_")));
  ASSERT_TRUE(add->dense.push_back(memory, amf::value::string("blue_;__;_5")));  // with DSMaxFrequency
  ASSERT_TRUE(flex::set_header(memory, multi, flex::headers::add_sub, amf::value::of(add)));
  flex::message reply = call(c, multi, memory);
  auto* ack = std::get_if<flex::acknowledge_message>(&reply);
  ASSERT_NE(ack, nullptr);
  const std::string consumer(ack->client_id);
  EXPECT_EQ(consumer.size(), 36u);

  const std::vector<std::pair<std::string_view, std::string_view>> sends = {
      {"r1", "red"}, {"g1", "green"}, {"b1", "blue"}};
  for (const auto& [id, subtopic] : sends) {
    ASSERT_TRUE(std::holds_alternative<std::size_t>(broker_->publish(chat_message(memory, id, subtopic))));
  }
  for (std::string_view expected : {"r1", "b1"}) {  // pushed without a poll; green matches nothing
    std::optional<flex::message> pushed = next(c, memory);
    ASSERT_TRUE(pushed.has_value());
    auto* m = std::get_if<flex::async_message>(&*pushed);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->message_id, expected);
    EXPECT_EQ(m->client_id, consumer);
  }

  flex::command_message remove = command(flex::command_operation::multi_subscribe, "m-remove");
  remove.client_id = consumer;
  amf::array_node* rem = amf::new_array(memory);
  ASSERT_TRUE(rem->dense.push_back(memory, amf::value::string("red_;_")));
  ASSERT_TRUE(flex::set_header(memory, remove, flex::headers::rem_sub, amf::value::of(rem)));
  reply = call(c, remove, memory);
  ASSERT_NE(std::get_if<flex::acknowledge_message>(&reply), nullptr);
  EXPECT_EQ(std::get<std::size_t>(broker_->publish(chat_message(memory, "r2", "red"))), 0u);
  EXPECT_EQ(std::get<std::size_t>(broker_->publish(chat_message(memory, "b2", "blue"))), 1u);
  std::optional<flex::message> pushed = next(c, memory);
  ASSERT_TRUE(pushed.has_value());
  ASSERT_NE(std::get_if<flex::async_message>(&*pushed), nullptr);
  EXPECT_EQ(std::get<flex::async_message>(*pushed).message_id, "b2");

  // A malformed entry list still faults cleanly: an invalid subtopic.
  flex::command_message bad = command(flex::command_operation::multi_subscribe, "m-bad");
  amf::array_node* wrong = amf::new_array(memory);
  ASSERT_TRUE(wrong->dense.push_back(memory, amf::value::string("a..b_;_")));
  ASSERT_TRUE(flex::set_header(memory, bad, flex::headers::add_sub, amf::value::of(wrong)));
  reply = call(c, bad, memory);
  auto* error = std::get_if<flex::error_message>(&reply);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->correlation_id, "m-bad");
}

TEST_F(websocket_channel_test, a_timed_out_subscription_is_invalidated_by_a_push) {
  ws_client c(server_->port());
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  amf::arena memory;
  flex::message sub = call(c, command(flex::command_operation::subscribe, "m-sub"), memory);
  auto* ack = std::get_if<flex::acknowledge_message>(&sub);
  ASSERT_NE(ack, nullptr);
  const std::string consumer(ack->client_id);

  minutes_ahead_ = 90;             // the client made no call for 90 minutes; the timeout is 60
  broker_->touch("someone-else");  // any broker call looks for timed-out subscriptions
  std::optional<flex::message> pushed = next(c, memory);
  ASSERT_TRUE(pushed.has_value());
  auto* notice = std::get_if<flex::command_message>(&*pushed);
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->operation, flex::command_operation::subscription_invalidate);
  EXPECT_EQ(notice->client_id, consumer);
  EXPECT_EQ(notice->destination, "chat");
  EXPECT_EQ(broker_->stats().consumers, 0u);

  // The Flex Consumer resubscribes with its id and gets messages again.
  flex::command_message again = command(flex::command_operation::subscribe, "m-again");
  again.client_id = consumer;
  flex::message resubscribed = call(c, again, memory);
  ASSERT_NE(std::get_if<flex::acknowledge_message>(&resubscribed), nullptr);
  EXPECT_EQ(std::get<flex::acknowledge_message>(resubscribed).client_id, consumer);
  EXPECT_EQ(std::get<std::size_t>(broker_->publish(chat_message(memory, "after", ""))), 1u);
  pushed = next(c, memory);
  ASSERT_TRUE(pushed.has_value());
  ASSERT_NE(std::get_if<flex::async_message>(&*pushed), nullptr);
  EXPECT_EQ(std::get<flex::async_message>(*pushed).message_id, "after");
}

// At its stop the server logs (info) the frames its WebSocket push writes carried: every frame the
// clients received (the subscribe acknowledgements and the pushed messages), in at least one write.
TEST_F(websocket_channel_test, the_stop_logs_the_frames_the_push_writes_carried) {
  ws_client a(server_->port());
  ws_client b(server_->port());
  ASSERT_FALSE(a.handshake_error);
  ASSERT_FALSE(b.handshake_error);
  amf::arena memory;
  std::size_t received = 0;
  for (ws_client* c : {&a, &b}) {
    flex::message sub = call(*c, command(flex::command_operation::subscribe, "m-sub"), memory);
    ASSERT_NE(std::get_if<flex::acknowledge_message>(&sub), nullptr);
    ++received;
  }
  constexpr int messages = 5;
  for (int i = 0; i < messages; ++i) {
    amf::arena pm;
    auto published = broker_->publish(chat_message(pm, "pub-" + std::to_string(i), ""));
    ASSERT_TRUE(std::holds_alternative<std::size_t>(published));
    EXPECT_EQ(std::get<std::size_t>(published), 2u);
  }
  for (ws_client* c : {&a, &b}) {
    for (int i = 0; i < messages; ++i) {
      std::optional<flex::message> m = next(*c, memory);
      ASSERT_TRUE(m.has_value());
      ASSERT_NE(std::get_if<flex::async_message>(&*m), nullptr);
      ++received;
    }
  }
  EXPECT_EQ(log_line("pushed:"), "");  // only at the stop
  server_->request_stop();
  for (ws_client* c : {&a, &b}) EXPECT_FALSE(c->read().has_value());  // the close: the stop needs no deadline
  server_->wait();
  const std::string line = log_line("pushed: WebSocket ");
  unsigned long long frames = 0;
  unsigned long long writes = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "pushed: WebSocket %llu frames in %llu writes", &frames, &writes), 2)
      << "log line: '" << line << "'";
  EXPECT_EQ(frames, received) << line;
  EXPECT_GE(writes, 1u) << line;
  EXPECT_GE(frames, writes) << line;
  EXPECT_NE(line.find(", streaming 0 chunks in 0 writes"), std::string::npos) << line;
}

// ---- the session's writes: messages that pile up go out together, frames built by hand ----

// The n-th message of a burst: sizes across the three frame-length encodings (7-bit, 16-bit and
// 64-bit lengths), bytes that say which message it is.
std::vector<std::uint8_t> burst_message(std::size_t n) {
  static constexpr std::size_t sizes[] = {0, 1, 125, 126, 127, 1000, 65535, 65536, 70000};
  std::vector<std::uint8_t> m(sizes[n % std::size(sizes)]);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(n * 31 + i);
  return m;
}

// Any binary message asks for `count` messages sent back to back (all queued before the
// connection's first write); a message whose first byte is 'c' also asks for a close after them.
// `message(n)` is the n-th message (burst_message unless a test says otherwise).
class burst_handler final : public websocket_handler {
 public:
  using message_maker = std::function<std::vector<std::uint8_t>(std::size_t)>;
  burst_handler(std::size_t count, message_maker message) : count_(count), message_(std::move(message)) {}
  std::shared_ptr<websocket_connection> open(const request_view&,
                                             std::shared_ptr<message_sink> sink) override {
    auto c = std::make_shared<connection>(std::move(sink), count_, message_);
    const std::lock_guard lock(mutex_);
    opened_.push_back(c);
    return c;
  }

  // How many connections it opened are still alive (their sessions hold them).
  std::size_t alive() {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const std::weak_ptr<websocket_connection>& c : opened_)
      if (!c.expired()) ++n;
    return n;
  }

 private:
  class connection final : public websocket_connection {
   public:
    connection(std::shared_ptr<message_sink> sink, std::size_t count, message_maker message)
        : sink_(std::move(sink)), count_(count), message_(std::move(message)) {}
    void on_message(std::span<const std::uint8_t> m) override {
      for (std::size_t n = 0; n < count_; ++n) {
        const std::vector<std::uint8_t> bytes = message_(n);
        if (n % 2 == 0) {
          sink_->send_copy(bytes);
        } else {
          sink_->send(bytes);
        }
      }
      if (!m.empty() && m[0] == 'c') sink_->close(close_code::normal, "bye");
    }
    void on_close() override {}

   private:
    std::shared_ptr<message_sink> sink_;
    std::size_t count_;
    message_maker message_;
  };
  std::size_t count_;
  message_maker message_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<websocket_connection>> opened_;
};

class websocket_burst_test : public ::testing::Test {
 protected:
  void start(std::size_t count, std::size_t max_queued,
             std::chrono::milliseconds shutdown_timeout = config{}.shutdown_timeout) {
    config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.shutdown_timeout = shutdown_timeout;
    server_ = std::make_unique<server>(cfg);
    server_->set_log_sink([](std::string_view) {});
    websocket_settings ws;
    ws.max_queued_messages = max_queued;
    handler_ = std::make_shared<burst_handler>(count, message_);
    server_->mount_websocket("/burst", handler_, ws);
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  // Reads `count` messages and checks each is the burst's next one, byte for byte.
  void expect_burst(ws_client& c, std::size_t count) {
    for (std::size_t n = 0; n < count; ++n) {
      std::optional<std::vector<std::uint8_t>> m = c.read();
      ASSERT_TRUE(m.has_value()) << "message " << n << ": " << c.error.message();
      ASSERT_TRUE(*m == message_(n)) << "message " << n;
    }
  }

  burst_handler::message_maker message_ = burst_message;  // set before start()
  std::shared_ptr<burst_handler> handler_;
  std::unique_ptr<server> server_;
};

TEST_F(websocket_burst_test, messages_written_together_are_each_a_well_formed_frame_in_order) {
  constexpr std::size_t count = 90;  // ten rounds of the nine sizes: about 1.8 MB in one write
  start(count, 4096);
  ws_client c(server_->port(), "/burst");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  for (int round = 0; round < 2; ++round) {  // the write buffer is reused for the second burst
    ASSERT_TRUE(c.write({'b'}));
    expect_burst(c, count);
  }
}

// Over plain TCP the session writes at once as far as the socket takes, then the rest
// asynchronously (write_gate.hpp): a frame larger than the socket's buffers (the client reads
// only after a pause, so the first write fills them) arrives whole, and the one queued behind it
// after it; twice, so that the second write starts from a finished first.
TEST_F(websocket_burst_test, a_frame_larger_than_the_socket_buffers_arrives_whole_before_the_next) {
  message_ = [](std::size_t n) {
    std::vector<std::uint8_t> m(n == 0 ? std::size_t{12} << 20 : 3);  // under the client's 16 MiB
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>((i + n) % 251);
    return m;
  };
  start(2, 4096);
  ws_client c(server_->port(), "/burst");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(c.write({'b'}));
    std::this_thread::sleep_for(200ms);  // the server's first write fills the socket
    expect_burst(c, 2);
  }
}

TEST_F(websocket_burst_test, a_pong_during_a_burst_comes_between_whole_frames) {
  constexpr std::size_t count = 180;  // 3.6 MB: the write waits for the client to read
  start(count, 4096);
  ws_client c(server_->port(), "/burst");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  ASSERT_TRUE(c.write({'b'}));
  ASSERT_TRUE(c.ping());  // answered while the burst is being written
  ASSERT_TRUE(c.ping());
  expect_burst(c, count);  // Beast's client fails a frame cut by a pong
  ASSERT_TRUE(c.write({'b'}));
  expect_burst(c, count);
  EXPECT_EQ(c.pongs, 2);
}

TEST_F(websocket_burst_test, a_close_after_queued_messages_comes_after_all_of_them) {
  constexpr std::size_t count = 30;
  start(count, 4096);
  ws_client c(server_->port(), "/burst");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  ASSERT_TRUE(c.write({'c'}));
  expect_burst(c, count);
  EXPECT_FALSE(c.read().has_value());
  EXPECT_EQ(c.error, websocket::error::closed) << c.error.message();
  EXPECT_EQ(c.reason().code, close_code::normal);
  EXPECT_EQ(c.reason().reason, "bye");
}

// A client that reads nothing stalls the server's write of a burst; its ping makes Beast's pong
// wait behind that write (holding the session through the read that answers it). The stop's
// deadline then passes and the I/O threads stop with the write in flight: once the server is gone,
// its sessions must be too (before the fix the waiting pong kept its session, and so the
// connection, alive for ever: LeakSanitizer reported them at exit).
TEST_F(websocket_burst_test, a_stop_with_a_pong_waiting_behind_a_stalled_write_frees_the_session) {
  constexpr std::size_t count = 180;  // 3.6 MB: more than the socket buffers hold
  start(count, 4096, std::chrono::milliseconds(500));
  ws_client c(server_->port(), "/burst");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  ASSERT_TRUE(c.write({'b'}));
  ASSERT_TRUE(c.ping());  // read by the server, which answers with a pong that must wait
  server_->stop();        // the deadline passes: the I/O threads stop with the write in flight
  server_.reset();        // the io_context goes, and every handler it held
  EXPECT_EQ(handler_->alive(), 0u);
}

TEST_F(websocket_burst_test, more_messages_than_the_queue_holds_close_with_1008_after_those_queued) {
  start(100, 8);
  ws_client c(server_->port(), "/burst");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  ASSERT_TRUE(c.write({'b'}));
  expect_burst(c, 8);  // the queue's bound: the first 8 are written, then the close
  EXPECT_FALSE(c.read().has_value());
  EXPECT_EQ(c.error, websocket::error::closed) << c.error.message();
  EXPECT_EQ(c.reason().code, close_code::policy_error);
}

}  // namespace
}  // namespace amphora::server
