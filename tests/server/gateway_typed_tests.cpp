// Typed operations: arguments and results converted by amf/typed.hpp (EchoService's demos).
#include <chrono>
#include <optional>

#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::args;
using test::call_now;
using test::decode_reply;
using test::encode_request;
using test::member_string;

class typed_operations : public ::testing::Test {
 protected:
  typed_operations() {
    service_registry services;
    add_echo_service(services);
    services.add("Shop").operation("label", [](call_context& ctx, std::string item, std::optional<int> qty) {
      return std::string(ctx.operation) + ":" + item + "x" + std::to_string(qty.value_or(1));
    });
    gw_ = std::make_unique<gateway>(std::move(services));
  }

  // The single body of the reply to a version 0 call.
  amf::packet_body call(std::string_view target, std::initializer_list<amf::value> arguments) {
    std::optional<reply> r = call_now(*gw_, encode_request(0, {{target, "/1", args(memory_, arguments)}}));
    EXPECT_TRUE(r);
    if (!r) return {};
    amf::packet p = decode_reply(*r, memory_);
    EXPECT_EQ(p.bodies.size(), 1u);
    return p.bodies.size() == 1 ? p.bodies[0] : amf::packet_body{};
  }

  std::unique_ptr<gateway> gw_;
  amf::arena memory_;
};

TEST_F(typed_operations, add_converts_whole_numbers_and_returns_an_integer) {
  amf::packet_body b = call("EchoService.add", {amf::value::number(2), amf::value::number(3)});
  EXPECT_EQ(b.target, "/1/onResult");
  EXPECT_EQ(b.val.to_double(), 5.0);
}

TEST_F(typed_operations, a_wrong_argument_kind_is_a_fault_naming_the_argument) {
  amf::packet_body b = call("EchoService.add", {amf::value::number(2), amf::value::string("three")});
  EXPECT_EQ(b.target, "/1/onStatus");
  EXPECT_EQ(member_string(b.val, "code"), "Server.ResourceUnavailable");
  const std::string description = member_string(b.val, "description");
  EXPECT_EQ(description.rfind("Argument 2 of operation 'add' cannot be converted from string", 0), 0u)
      << description;

  amf::packet_body fraction = call("EchoService.add", {amf::value::number(2.5), amf::value::number(1)});
  EXPECT_EQ(member_string(fraction.val, "description").rfind("Argument 1 of operation 'add'", 0), 0u);
}

TEST_F(typed_operations, a_wrong_argument_count_is_a_fault) {
  amf::packet_body b = call("EchoService.add", {amf::value::number(2)});
  EXPECT_EQ(member_string(b.val, "description"), "Operation 'add' expects 2 arguments but 1 was sent");
}

TEST_F(typed_operations, reverse_sum_and_now) {
  amf::packet_body r = call("EchoService.reverse", {amf::value::string("h\xc3\xa9llo")});
  ASSERT_TRUE(r.val.is(amf::kind::string));
  EXPECT_EQ(r.val.as_string(), "oll\xc3\xa9h");

  amf::array_node* xs = amf::new_array(memory_);
  ASSERT_TRUE(xs->dense.push_back(memory_, amf::value::number(1.5)));
  ASSERT_TRUE(xs->dense.push_back(memory_, amf::value::number(2.5)));
  amf::packet_body s = call("EchoService.sum", {amf::value::of(xs)});
  EXPECT_EQ(s.val.to_double(), 4.0);

  const double before = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  amf::packet_body n = call("EchoService.now", {});
  ASSERT_TRUE(n.val.is(amf::kind::date));
  EXPECT_GE(n.val.as_date().millis, before);
}

TEST_F(typed_operations, context_parameter_and_optional_arguments) {
  amf::packet_body b = call("Shop.label", {amf::value::string("pen"), amf::value::null()});
  ASSERT_TRUE(b.val.is(amf::kind::string)) << member_string(b.val, "description");
  EXPECT_EQ(b.val.as_string(), "label:penx1");
}

}  // namespace
}  // namespace amphora::server
