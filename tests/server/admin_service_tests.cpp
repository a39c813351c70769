// The admin destination: AmphoraAdmin.reload runs the reload only for a caller the access policy
// grants "reload" on "amphora.admin"; anonymous callers and other users get faults, and without
// a policy nobody may.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "amphora/security/authenticator.hpp"
#include "amphora/server/admin_service.hpp"
#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::decode_reply;
using test::encode_request;

// Both roles may call AmphoraAdmin.reload; only admin holds "reload" on amphora.admin.
constexpr std::string_view policy_xml = R"(<config>
  <roleSet>
    <role><name>anonymous</name></role>
    <role><name>staff</name></role>
    <role><name>admin</name><inheritFrom>staff</inheritFrom></role>
  </roleSet>
  <permissions>
    <permission>
      <resources><resource>AmphoraAdmin.reload</resource></resources>
      <roles><role>anonymous</role><role>staff</role></roles>
      <privileges><privilege>call</privilege></privileges>
    </permission>
    <permission>
      <resources><resource>amphora.admin</resource></resources>
      <roles><role>admin</role></roles>
      <privileges><privilege>reload</privilege></privileges>
    </permission>
  </permissions>
</config>
)";

using answered = std::pair<std::string, std::string>;

class admin_service : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("amphora-admin-acl-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".xml"))
                .string();
    std::ofstream(path_) << policy_xml;
    access_ = std::make_shared<security::policy_store>(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void make_gateway(std::shared_ptr<security::policy_store> access) {
    service_registry services;
    add_admin_service(services, {.access = access, .anonymous_role = "anonymous", .reload = [this] {
                                   reloads_.fetch_add(1);
                                   return std::string("reloaded");
                                 }});
    gateway_options options;
    options.access = access;
    options.anonymous_role = "anonymous";
    options.authentication.authenticator = security::make_authenticator(
        [](std::string_view user, std::string_view password) -> std::optional<security::principal> {
          if (password != "pw") return std::nullopt;
          if (user == "root") return security::principal{"root", {"admin"}};
          if (user == "clerk") return security::principal{"clerk", {"staff"}};
          return std::nullopt;
        });
    gw_ = std::make_unique<gateway>(std::move(services), options);
  }

  answered reload_as(std::string_view user) {
    std::vector<amf::packet_header> headers;
    if (!user.empty()) {
      amf::object_node* o = amf::new_object(memory_);
      EXPECT_TRUE(amf::add_dynamic(memory_, *o, "userid", amf::value::string(user)));
      EXPECT_TRUE(amf::add_dynamic(memory_, *o, "password", amf::value::string("pw")));
      headers.push_back({"Credentials", false, amf::value::of(o)});
    }
    const test::bytes body =
        encode_request(0, {{"AmphoraAdmin.reload", "/1", test::args(memory_, {})}}, std::move(headers));
    const std::optional<reply> r = test::call_now(*gw_, body);
    if (!r) return {"<no reply>", ""};
    amf::packet p = decode_reply(*r, memory_);
    if (p.bodies.size() != 1) return {"<bodies>", ""};
    const amf::packet_body& b = p.bodies[0];
    if (b.target == "/1/onResult") return {"result", std::string(b.val.as_string())};
    return {"status", test::member_string(b.val, "code")};
  }

  std::string path_;
  std::shared_ptr<security::policy_store> access_;
  std::unique_ptr<gateway> gw_;
  amf::arena memory_;
  std::atomic<int> reloads_{0};
};

TEST_F(admin_service, reload_needs_the_reload_privilege_on_amphora_admin) {
  make_gateway(access_);
  EXPECT_EQ(reload_as(""), answered("status", "Client.Authentication"));
  EXPECT_EQ(reload_as("clerk"), answered("status", "Client.Authorization"));
  EXPECT_EQ(reloads_.load(), 0);
  EXPECT_EQ(reload_as("root"), answered("result", "reloaded"));
  EXPECT_EQ(reloads_.load(), 1);
}

TEST_F(admin_service, without_an_access_policy_nobody_may_reload) {
  make_gateway(nullptr);
  EXPECT_EQ(reload_as("root"), answered("status", "Client.Authorization"));
  EXPECT_EQ(reloads_.load(), 0);
}

}  // namespace
}  // namespace amphora::server
