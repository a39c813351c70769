// Flex/Royale RemoteObject through the gateway: the DSId handshake, remoting acks, faults, small
// messages, and Royale's own request bytes (reference/royale.md §5) replayed byte for byte.
#include <stdexcept>

#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::call_now;
using test::decode_reply;
using test::encode_request;
using test::header_string;

// reference/royale.md §5: Royale's CLIENT_PING (DSId "nil", DSMessagingVersion 1).
constexpr std::string_view royale_ping =
    "00 03 00 00 00 01 00 04 6e 75 6c 6c 00 02 2f 31 00 00 00 01 11 09 03 01 0a 81 13 4d 66 6c 65 78"
    "2e 6d 65 73 73 61 67 69 6e 67 2e 6d 65 73 73 61 67 65 73 2e 43 6f 6d 6d 61 6e 64 4d 65 73 73 61"
    "67 65 09 62 6f 64 79 11 63 6c 69 65 6e 74 49 64 1b 63 6f 72 72 65 6c 61 74 69 6f 6e 49 64 17 64"
    "65 73 74 69 6e 61 74 69 6f 6e 0f 68 65 61 64 65 72 73 13 6d 65 73 73 61 67 65 49 64 13 6f 70 65"
    "72 61 74 69 6f 6e 15 74 69 6d 65 54 6f 4c 69 76 65 13 74 69 6d 65 73 74 61 6d 70 0a 0b 01 01 01"
    "06 01 06 01 0a 05 25 44 53 4d 65 73 73 61 67 69 6e 67 56 65 72 73 69 6f 6e 04 01 09 44 53 49 64"
    "06 07 6e 69 6c 01 06 49 36 30 35 37 45 31 46 36 2d 37 46 36 44 2d 37 38 37 36 2d 34 37 35 42 2d"
    "36 42 30 36 41 37 45 31 33 38 31 32 04 05 04 00 04 00";

// reference/royale.md §5: Royale's RemotingMessage EchoService.echo("héllo ✓ 世界"), with a DSId
// that another server issued.
constexpr std::string_view royale_echo =
    "00 03 00 00 00 01 00 04 6e 75 6c 6c 00 02 2f 33 00 00 00 01 11 09 03 01 0a 81 13 4f 66 6c 65 78"
    "2e 6d 65 73 73 61 67 69 6e 67 2e 6d 65 73 73 61 67 65 73 2e 52 65 6d 6f 74 69 6e 67 4d 65 73 73"
    "61 67 65 09 62 6f 64 79 11 63 6c 69 65 6e 74 49 64 17 64 65 73 74 69 6e 61 74 69 6f 6e 0f 68 65"
    "61 64 65 72 73 13 6d 65 73 73 61 67 65 49 64 13 6f 70 65 72 61 74 69 6f 6e 0d 73 6f 75 72 63 65"
    "15 74 69 6d 65 54 6f 4c 69 76 65 13 74 69 6d 65 73 74 61 6d 70 09 03 01 06 23 68 c3 a9 6c 6c 6f"
    "20 e2 9c 93 20 e4 b8 96 e7 95 8c 06 49 30 32 64 64 32 65 66 36 2d 38 39 64 66 2d 34 34 30 31 2d"
    "38 34 30 39 2d 37 63 64 33 63 66 31 61 36 66 37 38 06 17 45 63 68 6f 53 65 72 76 69 63 65 0a 0b"
    "01 15 44 53 45 6e 64 70 6f 69 6e 74 06 13 70 72 6f 62 65 2d 61 6d 66 09 44 53 49 64 06 49 36 63"
    "36 61 66 38 33 65 2d 64 34 65 62 2d 34 39 64 35 2d 61 31 62 64 2d 63 36 38 35 37 37 65 64 66 39"
    "30 65 01 06 49 44 44 36 38 43 43 46 45 2d 35 38 33 30 2d 45 34 32 41 2d 34 31 31 45 2d 36 42 30"
    "36 41 37 45 32 36 32 33 39 06 09 65 63 68 6f 01 04 00 04 00";

service_registry demo_services() {
  service_registry services;
  add_echo_service(services);
  services.add("Demo")
      .operation("crash", []() -> amf::value { throw std::runtime_error("secret internal state"); })
      .operation("fail", []() -> amf::value { throw service_error("no such order", "App.NotFound"); })
      .operation("who", [](call_context& ctx) {
        return amf::make_string(*ctx.memory, std::string(ctx.ds_id) + "|" + std::string(ctx.client_id));
      });
  return services;
}

class flex_remoting : public ::testing::Test {
 protected:
  // The single message of a one-body reply, and that body's target.
  flex::message reply_message(const std::optional<reply>& r, std::string_view target = "/1/onResult",
                              std::string_view alias = {}) {
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    amf::packet p = decode_reply(*r, memory_);
    EXPECT_EQ(p.version, 3);
    EXPECT_EQ(p.bodies.size(), 1u);
    if (p.bodies.size() != 1) return {};
    EXPECT_EQ(p.bodies[0].target, target);
    EXPECT_EQ(p.bodies[0].response, "");
    EXPECT_TRUE(p.bodies[0].val.avmplus());  // 0x11 before the AMF3 message (Royale needs it)
    if (!alias.empty()) {
      EXPECT_TRUE(p.bodies[0].val.is(amf::kind::object));
      if (p.bodies[0].val.is(amf::kind::object)) {
        EXPECT_EQ(p.bodies[0].val.as_object().alias(), alias);
      }
    }
    amf::result<flex::message> m = flex::read_message(p.bodies[0].val, memory_);
    EXPECT_TRUE(m.has_value());
    return m ? *m : flex::message{};
  }

  flex::acknowledge_message ack(const std::optional<reply>& r, std::string_view alias = {},
                                std::string_view target = "/1/onResult") {
    flex::message m = reply_message(r, target, alias);
    EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(m));
    auto* a = std::get_if<flex::acknowledge_message>(&m);
    return a ? *a : flex::acknowledge_message{};
  }

  flex::error_message error(const std::optional<reply>& r) {
    flex::message m = reply_message(r, "/1/onStatus", flex::aliases::error_message);
    EXPECT_TRUE(std::holds_alternative<flex::error_message>(m));
    auto* e = std::get_if<flex::error_message>(&m);
    return e ? *e : flex::error_message{};
  }

  std::optional<reply> send(const flex::message& m) {
    return call_now(*gw_, encode_request(3, {{"null", "/1", test::flex_body(memory_, m)}}));
  }

  flex::command_message ping(std::string_view ds_id, int messaging_version) {
    flex::command_message c;
    c.operation = flex::command_operation::client_ping;
    c.message_id = "11111111-2222-3333-4444-555555555555";
    set(c, flex::headers::ds_id, amf::value::string(ds_id));
    if (messaging_version > 0)
      set(c, flex::headers::messaging_version, amf::value::integer(messaging_version));
    return c;
  }

  flex::remoting_message call(std::string_view destination, std::string_view operation,
                              std::initializer_list<amf::value> arguments, std::string_view ds_id = "nil") {
    flex::remoting_message m;
    m.destination = destination;
    m.operation = operation;
    m.message_id = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
    m.body = test::args(memory_, arguments);
    set(m, flex::headers::ds_id, amf::value::string(ds_id));
    return m;
  }

  std::string issued_ds_id(int messaging_version) {
    flex::acknowledge_message a = ack(send(ping("nil", messaging_version)));
    return header_string(a, flex::headers::ds_id);
  }

  void set(flex::abstract_message& m, std::string_view name, amf::value v) {
    ASSERT_TRUE(flex::set_header(memory_, m, name, v));
  }

  std::unique_ptr<gateway> gw_ = std::make_unique<gateway>(demo_services());
  amf::arena memory_;
};

TEST_F(flex_remoting, royale_ping_gets_a_fresh_ds_id_and_messaging_version) {
  const test::bytes request = test::from_hex(royale_ping);
  flex::acknowledge_message a = ack(call_now(*gw_, request), flex::aliases::acknowledge_small);
  EXPECT_EQ(a.correlation_id, "6057E1F6-7F6D-7876-475B-6B06A7E13812");
  const std::string ds_id = header_string(a, flex::headers::ds_id);
  EXPECT_TRUE(flex::is_uuid(ds_id)) << ds_id;
  const amf::value* version = a.header(flex::headers::messaging_version);
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->to_double(), 1.0);
  EXPECT_TRUE(flex::is_uuid(a.message_id));
  EXPECT_FALSE(a.client_id.empty());
  EXPECT_GT(a.timestamp, 1.6e12);  // milliseconds

  // The same bytes again: another fresh id (the "nil" client is a new client).
  flex::acknowledge_message again = ack(call_now(*gw_, request));
  EXPECT_NE(header_string(again, flex::headers::ds_id), ds_id);
}

TEST_F(flex_remoting, royale_echo_is_acknowledged_with_the_argument) {
  // Its DSId was issued by another server: not adopted, so no small messages either.
  flex::acknowledge_message a =
      ack(call_now(*gw_, test::from_hex(royale_echo)), flex::aliases::acknowledge_message, "/3/onResult");
  EXPECT_EQ(a.correlation_id, "DD68CCFE-5830-E42A-411E-6B06A7E26239");
  EXPECT_EQ(a.client_id, "02dd2ef6-89df-4401-8409-7cd3cf1a6f78");  // the request's clientId
  ASSERT_TRUE(a.body.is(amf::kind::string));
  EXPECT_EQ(a.body.as_string(), "h\xc3\xa9llo \xe2\x9c\x93 \xe4\xb8\x96\xe7\x95\x8c");
  EXPECT_TRUE(flex::is_uuid(a.message_id));
  EXPECT_NE(a.message_id, a.correlation_id);
  EXPECT_EQ(a.header(flex::headers::ds_id), nullptr);  // only ping and login acks carry it
}

TEST_F(flex_remoting, a_remoting_ack_without_client_id_gets_a_fresh_one) {
  flex::acknowledge_message a = ack(send(call("EchoService", "echo", {amf::value::integer(7)})));
  EXPECT_TRUE(flex::is_uuid(a.client_id));
  EXPECT_EQ(a.correlation_id, "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE");
  EXPECT_TRUE(amf::deep_equal(a.body, amf::value::integer(7)));
}

TEST_F(flex_remoting, known_ds_id_is_kept_and_unknown_ones_are_replaced) {
  const std::string issued = issued_ds_id(0);
  flex::acknowledge_message again = ack(send(ping(issued, 0)));
  EXPECT_EQ(header_string(again, flex::headers::ds_id), issued);

  flex::acknowledge_message forged = ack(send(ping("01234567-89AB-CDEF-0123-456789ABCDEF", 0)));
  EXPECT_NE(header_string(forged, flex::headers::ds_id), "01234567-89AB-CDEF-0123-456789ABCDEF");
  EXPECT_TRUE(flex::is_uuid(header_string(forged, flex::headers::ds_id)));
}

TEST_F(flex_remoting, services_see_only_ds_ids_this_gateway_issued) {
  const std::string issued = issued_ds_id(0);
  flex::acknowledge_message a = ack(send(call("Demo", "who", {}, issued)));
  ASSERT_TRUE(a.body.is(amf::kind::string));
  EXPECT_EQ(a.body.as_string(), issued + "|" + std::string(a.client_id));

  flex::acknowledge_message forged =
      ack(send(call("Demo", "who", {}, "01234567-89AB-CDEF-0123-456789ABCDEF")));
  ASSERT_TRUE(forged.body.is(amf::kind::string));
  EXPECT_EQ(forged.body.as_string(), "|" + std::string(forged.client_id));
}

TEST_F(flex_remoting, small_acks_after_a_ping_with_messaging_version_1) {
  const std::string small_client = issued_ds_id(1);
  ack(send(call("EchoService", "echo", {amf::value::integer(1)}, small_client)),
      flex::aliases::acknowledge_small);
  // Errors are never small.
  flex::error_message e = error(send(call("Nope", "echo", {}, small_client)));
  EXPECT_EQ(e.fault_code, "Server.ResourceUnavailable");

  const std::string full_client = issued_ds_id(0);
  ack(send(call("EchoService", "echo", {amf::value::integer(1)}, full_client)),
      flex::aliases::acknowledge_message);
}

TEST_F(flex_remoting, small_messages_can_be_switched_off) {
  gateway_options options;
  options.small_messages = false;
  gw_ = std::make_unique<gateway>(demo_services(), options);
  flex::acknowledge_message a = ack(send(ping("nil", 1)), flex::aliases::acknowledge_message);
  EXPECT_TRUE(flex::is_uuid(header_string(a, flex::headers::ds_id)));
}

TEST_F(flex_remoting, unknown_destination_or_operation_is_resource_unavailable) {
  for (auto [dest, op] : {std::pair{"Nope", "echo"}, std::pair{"EchoService", "nope"}}) {
    flex::error_message e = error(send(call(dest, op, {})));
    EXPECT_EQ(e.fault_code, "Server.ResourceUnavailable");
    EXPECT_EQ(e.correlation_id, "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE");
    EXPECT_EQ(e.destination, dest);
    EXPECT_NE(e.fault_string, "");
    EXPECT_TRUE(e.root_cause.is_null());
  }
}

TEST_F(flex_remoting, a_throwing_service_is_server_processing_without_the_exception_text) {
  std::optional<reply> r = send(call("Demo", "crash", {}));
  ASSERT_TRUE(r);
  const std::string bytes(r->body.begin(), r->body.end());
  EXPECT_EQ(bytes.find("secret"), std::string::npos);
  flex::error_message e = error(r);
  EXPECT_EQ(e.fault_code, "Server.Processing");
  EXPECT_EQ(e.fault_string, "The operation failed");
  EXPECT_EQ(e.fault_detail, "");

  flex::error_message mine = error(send(call("Demo", "fail", {})));
  EXPECT_EQ(mine.fault_code, "App.NotFound");
  EXPECT_EQ(mine.fault_string, "no such order");
}

TEST_F(flex_remoting, trigger_connect_is_acked_and_disconnect_forgets_the_ds_id) {
  const std::string issued = issued_ds_id(1);
  flex::command_message trigger = ping(issued, 0);
  trigger.operation = flex::command_operation::trigger_connect;
  flex::acknowledge_message t = ack(send(trigger));
  EXPECT_EQ(t.correlation_id, trigger.message_id);
  EXPECT_EQ(t.header(flex::headers::ds_id), nullptr);

  flex::command_message bye = ping(issued, 0);
  bye.operation = flex::command_operation::disconnect;
  ack(send(bye));
  // Forgotten: no small acks for it any more, and a ping with it gets a new id.
  ack(send(call("EchoService", "echo", {amf::value::null()}, issued)), flex::aliases::acknowledge_message);
  flex::acknowledge_message p = ack(send(ping(issued, 0)));
  EXPECT_NE(header_string(p, flex::headers::ds_id), issued);
}

TEST_F(flex_remoting, unsupported_commands_and_messaging_are_error_messages) {
  flex::command_message subscribe = ping("nil", 0);
  subscribe.operation = flex::command_operation::subscribe;
  EXPECT_EQ(error(send(subscribe)).fault_code, "Server.ResourceUnavailable");

  flex::command_message odd = ping("nil", 0);
  odd.operation = static_cast<flex::command_operation>(77);
  EXPECT_EQ(error(send(odd)).fault_code, "Server.ResourceUnavailable");

  flex::async_message publish;
  publish.destination = "chat";
  publish.message_id = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
  EXPECT_EQ(error(send(publish)).fault_code, "Server.ResourceUnavailable");
}

TEST_F(flex_remoting, a_body_that_is_not_a_message_is_a_message_encoding_fault) {
  std::optional<reply> r =
      call_now(*gw_, encode_request(3, {{"null", "/1", test::args(memory_, {amf::value::string("x")})}}));
  flex::error_message e = error(r);
  EXPECT_EQ(e.fault_code, "Client.Message.Encoding");
}

TEST_F(flex_remoting, amf3_array_body_form_is_accepted) {
  // Royale's form: 0x11 + AMF3 array holding the message (no AMF0 strict array).
  amf::result<amf::value> m = flex::to_value(memory_, call("EchoService", "echo", {amf::value::integer(3)}));
  ASSERT_TRUE(m);
  amf::value body = test::with_avmplus(test::args(memory_, {*m}));
  flex::acknowledge_message a = ack(call_now(*gw_, encode_request(3, {{"null", "/1", body}})));
  EXPECT_TRUE(amf::deep_equal(a.body, amf::value::integer(3)));
}

TEST_F(flex_remoting, version_0_envelopes_with_flex_bodies_are_answered_in_version_3) {
  std::optional<reply> r = call_now(
      *gw_, encode_request(0, {{"null", "/1", test::flex_body(memory_, call("EchoService", "echo", {}))}}));
  flex::message m = reply_message(r, "/1/onStatus");  // echo with no argument: an argument-count fault
  EXPECT_TRUE(std::holds_alternative<flex::error_message>(m));
}

}  // namespace
}  // namespace amphora::server
