// amphora passwd: adds, changes and deletes users of a user file (cheap hashes: --cost min).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string users_file(std::string_view name) {
  const std::string path = scratch_file(name, "");
  std::remove(path.c_str());  // passwd creates it
  return path;
}

TEST(Passwd, AddsAUserWithRolesInMode0600) {
  const std::string path = users_file("passwd-add.txt");
  const run_result r = amphora(
      {"passwd", "--users", path, "--roles", "employee,manager", "--cost", "min", "alice"}, "s3cret\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added user 'alice'"));
  const std::string text = read_file(path);
  EXPECT_THAT(text, MatchesRegex("alice:\\$argon2id\\$v=19\\$m=8,t=1,p=1\\$[^:]+:employee,manager\n"));
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Passwd, ChangesAPasswordKeepingRolesAndDeletes) {
  const std::string path = users_file("passwd-change.txt");
  ASSERT_EQ(amphora({"passwd", "-u", path, "-r", "employee", "--cost", "min", "alice"}, "one\n").exit_code,
            0);
  ASSERT_EQ(amphora({"passwd", "-u", path, "--cost", "min", "bob"}, "two\n").exit_code, 0);
  const std::string before = read_file(path);
  const run_result changed = amphora({"passwd", "-u", path, "--cost", "min", "alice"}, "three\n");
  EXPECT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_THAT(changed.out, HasSubstr("changed user 'alice'"));
  const std::string after = read_file(path);
  EXPECT_NE(after, before);
  EXPECT_THAT(after, MatchesRegex("alice:[^:]+:employee\nbob:[^:]+:\n"));

  const run_result deleted = amphora({"passwd", "-u", path, "--delete", "alice"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_THAT(read_file(path), MatchesRegex("bob:[^:]+:\n"));
  EXPECT_EQ(amphora({"passwd", "-u", path, "--delete", "alice"}).exit_code, 1);
}

TEST(Passwd, RefusesBadUsage) {
  const std::string path = users_file("passwd-usage.txt");
  EXPECT_EQ(amphora({"passwd", "alice"}, "pw\n").exit_code, 2);                       // no --users
  EXPECT_EQ(amphora({"passwd", "-u", path}, "pw\n").exit_code, 2);                    // no user
  EXPECT_EQ(amphora({"passwd", "-u", path, "a:b"}, "pw\n").exit_code, 2);             // bad name
  EXPECT_EQ(amphora({"passwd", "-u", path, "-r", "a b", "x"}, "pw\n").exit_code, 2);  // bad role
  EXPECT_EQ(amphora({"passwd", "-u", path, "--cost", "cheap", "x"}, "pw\n").exit_code, 2);
  const run_result empty = amphora({"passwd", "-u", path, "--cost", "min", "x"}, "\n");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.err, HasSubstr("empty password"));
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0);  // nothing written
}

}  // namespace
}  // namespace amphora::cli::test
