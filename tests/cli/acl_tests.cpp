// amphora acl: validate, check and explain on policy files; serve refuses a broken policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

const char* const policy_xml = R"(<config>
  <roleSet>
    <role><name>customer</name></role>
    <role><name>employee</name><inheritFrom>customer</inheritFrom></role>
    <role><name>manager</name><inheritFrom>employee</inheritFrom></role>
  </roleSet>
  <permissions>
    <permission>
      <resources><resource>EchoService</resource></resources>
      <roles><role>employee</role></roles>
      <privileges><privilege>call</privilege></privileges>
    </permission>
  </permissions>
</config>
)";

const char* const broken_xml =
    "<config>\n<roleSet>\n<role><name>a</name><inheritFrom>b</inheritFrom></role>\n"
    "<role><name>b</name><inheritFrom>a</inheritFrom></role>\n</roleSet>\n</config>\n";

TEST(Acl, ValidateCountsRolesAndPermissions) {
  const std::string file = scratch_file("acl-valid.xml", policy_xml);
  const run_result r = amphora({"acl", "validate", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, file + ": valid: 3 roles, 1 permissions\n");
}

TEST(Acl, ValidateNamesFileLineAndReason) {
  const std::string file = scratch_file("acl-cycle.xml", broken_xml);
  const run_result r = amphora({"acl", "validate", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(file + ":3: inheritance cycle: a -> b -> a"));
  const run_result check = amphora({"acl", "check", "--policy", file, "a", "x", "call"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_EQ(check.out, "");
}

TEST(Acl, CheckAnswersYesOrNo) {
  const std::string file = scratch_file("acl-check.xml", policy_xml);
  const run_result yes = amphora({"acl", "check", "--policy", file, "manager", "EchoService.echo", "call"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(yes.out, "yes\n");
  const run_result no = amphora({"acl", "check", "--policy", file, "customer", "EchoService.echo", "call"});
  EXPECT_EQ(no.exit_code, 3) << no.err;
  EXPECT_EQ(no.out, "no\n");
  EXPECT_EQ(no.err, "");
}

TEST(Acl, ExplainShowsThePermissionAndThePath) {
  const std::string file = scratch_file("acl-explain.xml", policy_xml);
  const run_result yes = amphora({"acl", "explain", "--policy", file, "manager", "EchoService.echo", "call"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_THAT(yes.out, HasSubstr("manager -> employee"));
  EXPECT_THAT(yes.out, HasSubstr(file + ":8"));
  const run_result no = amphora({"acl", "explain", "--policy", file, "customer", "EchoService.echo", "call"});
  EXPECT_EQ(no.exit_code, 3);
  EXPECT_THAT(no.out, HasSubstr("roles that have it: employee, manager"));
}

TEST(Acl, UsageErrors) {
  const std::string file = scratch_file("acl-usage.xml", policy_xml);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"acl"},
           {"acl", "frobnicate"},
           {"acl", "validate"},
           {"acl", "check", "manager", "EchoService", "call"},  // no --policy
           {"acl", "check", "--policy", file, "manager", "EchoService"},
           {"acl", "explain", "--policy", file, "manager"},
           {"acl", "check", "--policy", file, "a", "b", "c", "d"},
       }) {
    const run_result r = amphora(args);
    EXPECT_EQ(r.exit_code, 2) << args.size() << " " << r.err;
    EXPECT_THAT(r.err, HasSubstr("amphora acl --help"));
  }
  EXPECT_EQ(amphora({"acl", "validate", "/nonexistent/acl.xml"}).exit_code, 1);
}

TEST(Acl, ServeRefusesABrokenPolicy) {
  const std::string file = scratch_file("acl-serve-broken.xml", broken_xml);
  const run_result r = amphora({"serve", "--port", "0", "--acl", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("access policy refused: " + file + ":3: inheritance cycle"));
  EXPECT_EQ(r.out, "");  // no banner: it never listened
}

}  // namespace
}  // namespace amphora::cli::test
