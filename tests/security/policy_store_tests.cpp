// Reload without restart: a good file replaces the policy, a broken one keeps the old and says why.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "amphora/security/policy_store.hpp"

namespace amphora::security {
namespace {

std::string policy_granting(const std::string& resource) {
  return "<config>\n<roleSet><role><name>user</name></role></roleSet>\n<permissions><permission>"
         "<resources><resource>" +
         resource +
         "</resource></resources><roles><role>user</role></roles>"
         "<privileges><privilege>call</privilege></privileges></permission></permissions>\n</config>\n";
}

class PolicyStore : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("amphora-acl-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".xml"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void write(const std::string& text) {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }
  std::string path_;
};

TEST_F(PolicyStore, LoadsAndReloads) {
  write(policy_granting("A"));
  policy_store store(path_);
  EXPECT_EQ(store.path(), path_);
  const std::shared_ptr<const policy> before = store.current();
  EXPECT_TRUE(before->check("user", "A.op", "call"));

  write(policy_granting("B"));
  EXPECT_EQ(store.reload(), "");
  EXPECT_FALSE(store.current()->check("user", "A.op", "call"));
  EXPECT_TRUE(store.current()->check("user", "B.op", "call"));
  EXPECT_TRUE(before->check("user", "A.op", "call"));  // a snapshot taken before stays valid
}

TEST_F(PolicyStore, AFailedReloadKeepsTheOldPolicyAndSaysWhy) {
  write(policy_granting("A"));
  policy_store store(path_);
  write(
      "<config>\n<roleSet>\n<role><name>a</name><inheritFrom>ghost</inheritFrom></role>\n</roleSet>\n</"
      "config>\n");
  const std::string error = store.reload();
  EXPECT_EQ(error, path_ + ":3: role 'a' inherits from undefined role 'ghost'");
  EXPECT_TRUE(store.current()->check("user", "A.op", "call"));

  std::filesystem::remove(path_);
  EXPECT_EQ(store.reload(), path_ + ": cannot open the file");
  EXPECT_TRUE(store.current()->check("user", "A.op", "call"));
}

TEST_F(PolicyStore, ABrokenFileIsRefusedAtStart) {
  write("<config><roleSet>");
  EXPECT_THROW(policy_store store(path_), policy_error);
}

}  // namespace
}  // namespace amphora::security
