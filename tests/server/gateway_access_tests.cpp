// Access control in the gateway (gateway_options::access): every remoting call, NetConnection and
// Flex, needs privilege "call" on "Destination.operation"; denied calls are faults with BlazeDS's
// codes, allowed ones run; a reload changes the answer of the next call.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gateway/access.hpp"
#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::args;
using test::call_now;
using test::decode_reply;
using test::encode_request;
using test::member_string;

// guest: EchoService.echo only; staff inherits guest and gets all of Demo.
constexpr std::string_view policy_xml = R"(<config>
  <roleSet>
    <role><name>guest</name></role>
    <role><name>staff</name><inheritFrom>guest</inheritFrom></role>
  </roleSet>
  <permissions>
    <permission>
      <resources><resource>EchoService.echo</resource></resources>
      <roles><role>guest</role></roles>
      <privileges><privilege>call</privilege></privileges>
    </permission>
    <permission>
      <resources><resource>Demo</resource></resources>
      <roles><role>staff</role></roles>
      <privileges><privilege>call</privilege></privileges>
    </permission>
  </permissions>
</config>
)";

service_registry demo_services() {
  service_registry services;
  add_echo_service(services);
  services.add("Demo").operation("hello", [](const std::string& name) { return "hello " + name; });
  return services;
}

class gateway_access : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("amphora-gateway-acl-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".xml"))
                .string();
    write(policy_xml);
    options_.access = std::make_shared<security::policy_store>(path_);
    options_.anonymous_role = "guest";
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void write(std::string_view text) {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }

  // A NetConnection call's reply body: (target, status code or "" for a result).
  std::pair<std::string, std::string> netconnection_call(gateway& gw, std::string_view target) {
    auto reply = call_now(gw, encode_request(0, {{target, "/1", args(memory_, {amf::value::string("x")})}}));
    if (!reply) return {"<no reply>", ""};
    amf::packet p = decode_reply(*reply, memory_);
    if (p.bodies.size() != 1) return {"<bodies>", ""};
    const std::string t(p.bodies[0].target);
    return {t, t == "/1/onStatus" ? member_string(p.bodies[0].val, "code") : ""};
  }

  // A Flex RemotingMessage's reply: "ack" or the ErrorMessage's faultCode.
  std::string flex_call(gateway& gw, std::string_view destination, std::string_view operation) {
    flex::remoting_message m;
    m.destination = destination;
    m.operation = operation;
    m.message_id = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
    m.body = args(memory_, {amf::value::string("x")});
    auto reply = call_now(gw, encode_request(3, {{"null", "/1", test::flex_body(memory_, m)}}));
    if (!reply) return "<no reply>";
    amf::packet p = decode_reply(*reply, memory_);
    if (p.bodies.size() != 1) return "<bodies>";
    amf::result<flex::message> read = flex::read_message(p.bodies[0].val, memory_);
    if (!read) return "<unreadable>";
    if (const auto* e = std::get_if<flex::error_message>(&*read)) {
      EXPECT_EQ(p.bodies[0].target, "/1/onStatus");
      return std::string(e->fault_code) + ": " + std::string(e->fault_string);
    }
    EXPECT_EQ(p.bodies[0].target, "/1/onResult");
    return std::holds_alternative<flex::acknowledge_message>(*read) ? "ack" : "<other>";
  }

  std::string path_;
  gateway_options options_;
  amf::arena memory_;
};

TEST_F(gateway_access, netconnection_calls_are_checked_for_anonymous_callers) {
  gateway gw(demo_services(), options_);
  EXPECT_EQ(netconnection_call(gw, "EchoService.echo"),
            std::make_pair(std::string("/1/onResult"), std::string()));
  EXPECT_EQ(netconnection_call(gw, "Demo.hello"),
            std::make_pair(std::string("/1/onStatus"), std::string("Client.Authentication")));
  EXPECT_EQ(netconnection_call(gw, "EchoService.reverse"),  // the permission names one operation
            std::make_pair(std::string("/1/onStatus"), std::string("Client.Authentication")));
}

TEST_F(gateway_access, flex_calls_are_checked_for_anonymous_callers) {
  gateway gw(demo_services(), options_);
  EXPECT_EQ(flex_call(gw, "EchoService", "echo"), "ack");
  EXPECT_EQ(flex_call(gw, "Demo", "hello"),
            "Client.Authentication: Login required before authorization can proceed.");
}

TEST_F(gateway_access, the_anonymous_role_is_configurable) {
  options_.anonymous_role = "staff";
  gateway gw(demo_services(), options_);
  EXPECT_EQ(flex_call(gw, "Demo", "hello"), "ack");
  EXPECT_EQ(netconnection_call(gw, "Demo.hello").first, "/1/onResult");
  options_.anonymous_role = "nobody";  // a role the policy does not define is allowed nothing
  gateway none(demo_services(), options_);
  EXPECT_EQ(flex_call(none, "EchoService", "echo"),
            "Client.Authentication: Login required before authorization can proceed.");
}

TEST_F(gateway_access, without_a_policy_every_call_runs) {
  gateway gw(demo_services());
  EXPECT_EQ(flex_call(gw, "Demo", "hello"), "ack");
  EXPECT_EQ(netconnection_call(gw, "Demo.hello").first, "/1/onResult");
}

TEST_F(gateway_access, unknown_destinations_are_still_resource_unavailable) {
  gateway gw(demo_services(), options_);
  EXPECT_EQ(netconnection_call(gw, "Nope.echo").second, "Server.ResourceUnavailable");
}

TEST_F(gateway_access, a_reload_applies_to_the_next_call) {
  gateway gw(demo_services(), options_);
  EXPECT_EQ(flex_call(gw, "Demo", "hello").substr(0, 21), "Client.Authentication");
  std::string more(policy_xml);
  more.replace(more.find("<resource>EchoService.echo</resource>"), 37,
               "<resource>EchoService</resource><resource>Demo</resource>");
  write(more);
  ASSERT_EQ(options_.access->reload(), "");
  EXPECT_EQ(flex_call(gw, "Demo", "hello"), "ack");
  EXPECT_EQ(netconnection_call(gw, "EchoService.reverse").first, "/1/onResult");
  write("<config>");
  EXPECT_NE(options_.access->reload(), "");
  EXPECT_EQ(flex_call(gw, "Demo", "hello"), "ack");  // the old policy stays
}

// A logged-in user (call_context::user, set by authentication) who lacks the privilege gets
// Client.Authorization; one who has it, no fault.
TEST_F(gateway_access, logged_in_users_are_checked_by_their_roles) {
  const security::principal staff{"ann", {"staff"}};
  const security::principal guest{"bob", {"guest"}};
  const security::principal none{"eve", {}};
  call_context ctx;
  ctx.destination = "Demo";
  ctx.operation = "hello";
  ctx.user = &staff;
  EXPECT_FALSE(detail::call_access_fault(options_, ctx).has_value());
  ctx.user = &guest;
  std::optional<detail::fault> f = detail::call_access_fault(options_, ctx);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->code, "Client.Authorization");
  EXPECT_EQ(f->message, "Access denied. User not authorized.");
  ctx.user = &none;
  EXPECT_EQ(detail::call_access_fault(options_, ctx).value_or(detail::fault{}).code, "Client.Authorization");
  // Messaging uses the same decision with its own resource and privilege.
  EXPECT_EQ(detail::access_fault(options_, &staff, "chat", security::privilege_subscribe)
                .value_or(detail::fault{})
                .code,
            "Client.Authorization");
  EXPECT_EQ(detail::access_fault(options_, nullptr, "chat", security::privilege_subscribe)
                .value_or(detail::fault{})
                .code,
            "Client.Authentication");
}

}  // namespace
}  // namespace amphora::server
