// NetConnection remoting through the gateway: call, result, fault, batch, headers, AMF3 answers.
#include <stdexcept>

#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::args;
using test::call_now;
using test::decode_reply;
using test::encode_request;
using test::member_string;

service_registry demo_services() {
  service_registry services;
  add_echo_service(services);
  services.add("Demo")
      .operation("fail",
                 [](amf::value) -> amf::value { throw service_error("bad input", "App.Invalid", "x"); })
      .operation("crash", []() -> amf::value { throw std::runtime_error("secret internal state"); })
      .operation("pair", [](amf::value a, amf::value b) { return b.is_null() ? a : b; })
      .operation("credentials", [](call_context& ctx) {
        const amf::value* h = ctx.header("Credentials");
        return h != nullptr ? *h : amf::value::null();
      });
  return services;
}

class netconnection : public ::testing::Test {
 protected:
  gateway gw_{demo_services()};
  amf::arena memory_;
};

TEST_F(netconnection, echo_result_goes_to_on_result_with_an_empty_response_uri) {
  auto reply = call_now(
      gw_, encode_request(0, {{"EchoService.echo", "/1", args(memory_, {amf::value::number(4.5)})}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  EXPECT_EQ(p.version, 0);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onResult");
  EXPECT_EQ(p.bodies[0].response, "");
  EXPECT_TRUE(amf::deep_equal(p.bodies[0].val, amf::value::number(4.5)));
  EXPECT_FALSE(p.bodies[0].val.avmplus());  // AMF0 client: AMF0 answer
}

TEST_F(netconnection, service_name_is_split_at_the_last_dot) {
  service_registry services;
  services.add("com.example.Calc").operation("one", []() { return amf::value::integer(1); });
  gateway gw(std::move(services));
  auto reply = call_now(gw, encode_request(0, {{"com.example.Calc.one", "/7", args(memory_, {})}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/7/onResult");
  EXPECT_EQ(p.bodies[0].val.to_double(), 1.0);
}

TEST_F(netconnection, unknown_service_or_method_is_a_status_fault) {
  for (std::string_view target : {"Nope.echo", "EchoService.nope", "nodot"}) {
    auto reply = call_now(gw_, encode_request(0, {{target, "/2", args(memory_, {})}}));
    ASSERT_TRUE(reply);
    amf::packet p = decode_reply(*reply, memory_);
    ASSERT_EQ(p.bodies.size(), 1u);
    EXPECT_EQ(p.bodies[0].target, "/2/onStatus") << target;
    const amf::value& status = p.bodies[0].val;
    EXPECT_EQ(member_string(status, "level"), "error");
    EXPECT_EQ(member_string(status, "code"), "Server.ResourceUnavailable");
    EXPECT_NE(member_string(status, "description"), "");
    EXPECT_EQ(member_string(status, "details"), "");
    EXPECT_EQ(member_string(status, "message"), member_string(status, "description"));
  }
}

TEST_F(netconnection, service_error_sends_its_message_code_and_detail) {
  auto reply = call_now(gw_, encode_request(0, {{"Demo.fail", "/1", args(memory_, {amf::value::null()})}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onStatus");
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "App.Invalid");
  EXPECT_EQ(member_string(p.bodies[0].val, "description"), "bad input");
  EXPECT_EQ(member_string(p.bodies[0].val, "details"), "x");
}

TEST_F(netconnection, other_exceptions_are_a_generic_fault_without_their_text) {
  auto reply = call_now(gw_, encode_request(0, {{"Demo.crash", "/1", args(memory_, {})}}));
  ASSERT_TRUE(reply);
  const std::string bytes(reply->body.begin(), reply->body.end());
  EXPECT_EQ(bytes.find("secret"), std::string::npos);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "Server.Processing");
  EXPECT_EQ(member_string(p.bodies[0].val, "description"), "The operation failed");
}

TEST_F(netconnection, argument_count_mismatch_names_the_counts) {
  auto reply = call_now(gw_, encode_request(0, {{"Demo.pair", "/1", args(memory_, {amf::value::null()})}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "Server.ResourceUnavailable");
  EXPECT_EQ(member_string(p.bodies[0].val, "description"),
            "Operation 'pair' expects 2 arguments but 1 was sent");
}

TEST_F(netconnection, batch_is_answered_in_order_and_one_failure_does_not_fail_the_others) {
  auto reply =
      call_now(gw_, encode_request(0, {
                                          {"EchoService.echo", "/1", args(memory_, {amf::value::integer(1)})},
                                          {"Demo.crash", "/2", args(memory_, {})},
                                          {"EchoService.echo", "/3", args(memory_, {amf::value::integer(3)})},
                                      }));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 3u);
  EXPECT_EQ(p.bodies[0].target, "/1/onResult");
  EXPECT_EQ(p.bodies[0].val.to_double(), 1.0);
  EXPECT_EQ(p.bodies[1].target, "/2/onStatus");
  EXPECT_EQ(p.bodies[2].target, "/3/onResult");
  EXPECT_EQ(p.bodies[2].val.to_double(), 3.0);
}

TEST_F(netconnection, packet_headers_reach_the_service) {
  amf::object_node* cred = amf::new_object(memory_);
  ASSERT_TRUE(amf::add_dynamic(memory_, *cred, "userid", amf::value::string("ann")));
  auto reply =
      call_now(gw_, encode_request(0, {{"Demo.credentials", "/1", args(memory_, {})}},
                                   {amf::packet_header{"Credentials", false, amf::value::of(cred)}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onResult");
  EXPECT_EQ(member_string(p.bodies[0].val, "userid"), "ann");
}

TEST_F(netconnection, amf3_clients_are_answered_in_amf3_with_their_version) {
  // objectEncoding 3: a version 3 envelope.
  auto reply =
      call_now(gw_, encode_request(3, {{"EchoService.echo", "/1", args(memory_, {amf::value::integer(5)})}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  EXPECT_EQ(p.version, 3);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_TRUE(p.bodies[0].val.avmplus());
  EXPECT_EQ(p.bodies[0].val.to_double(), 5.0);  // AMF0 arguments are numbers

  // Arguments behind 0x11 in a version 0 envelope: the answer is AMF3 too, the version stays.
  auto reply0 = call_now(
      gw_, encode_request(
               0, {{"EchoService.echo", "/1", test::with_avmplus(args(memory_, {amf::value::integer(6)}))}}));
  ASSERT_TRUE(reply0);
  amf::packet p0 = decode_reply(*reply0, memory_);
  EXPECT_EQ(p0.version, 0);
  ASSERT_EQ(p0.bodies.size(), 1u);
  EXPECT_TRUE(p0.bodies[0].val.avmplus());
}

TEST_F(netconnection, faults_to_amf3_clients_are_amf3_objects) {
  auto reply = call_now(gw_, encode_request(3, {{"Nope.x", "/4", args(memory_, {})}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/4/onStatus");
  EXPECT_TRUE(p.bodies[0].val.avmplus());
  EXPECT_EQ(member_string(p.bodies[0].val, "level"), "error");
}

TEST_F(netconnection, arguments_that_are_not_an_array_are_an_encoding_fault) {
  auto reply = call_now(gw_, encode_request(0, {{"EchoService.echo", "/1", amf::value::string("x")}}));
  ASSERT_TRUE(reply);
  amf::packet p = decode_reply(*reply, memory_);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "Client.Message.Encoding");
}

}  // namespace
}  // namespace amphora::server
