// The reloadable user file: checks use the users in force; reload() swaps in the file's new
// content, and a failed reload keeps the old users.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "amphora/security/user_file.hpp"

namespace amphora::security {
namespace {

class reloadable_users : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "amphora-userfile-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = dir_ + "/users.txt";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void set_user(const std::string& name, const std::string& password, const std::string& role) {
    const user_entry u{name, hash_password(password, hash_cost::minimum()), {role}};
    ASSERT_EQ(edit_user_file(path_, name, &u), "");
  }
  void remove_user(const std::string& name) { ASSERT_EQ(edit_user_file(path_, name, nullptr), ""); }

  std::string dir_;
  std::string path_;
};

TEST_F(reloadable_users, reload_swaps_in_the_new_users) {
  set_user("alice", "pw-a", "employee");
  std::shared_ptr<user_file> users;
  ASSERT_EQ(user_file::open(path_, users), "");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->path(), path_);
  EXPECT_EQ(users->size(), 1u);
  ASSERT_TRUE(users->check("alice", "pw-a").has_value());
  EXPECT_FALSE(users->check("bob", "pw-b").has_value());

  set_user("bob", "pw-b", "manager");
  remove_user("alice");
  EXPECT_FALSE(users->check("bob", "pw-b").has_value());  // not before the reload
  ASSERT_EQ(users->reload(), "");
  const std::optional<principal> bob = users->check("bob", "pw-b");
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->roles, std::vector<std::string>{"manager"});
  EXPECT_FALSE(users->check("alice", "pw-a").has_value());
}

TEST_F(reloadable_users, a_failed_reload_keeps_the_users_in_force) {
  set_user("alice", "pw-a", "employee");
  std::shared_ptr<user_file> users;
  ASSERT_EQ(user_file::open(path_, users), "");
  std::ofstream(path_, std::ios::app) << "broken line without hash\n";
  const std::string error = users->reload();
  EXPECT_NE(error.find(path_ + ":"), std::string::npos) << error;
  EXPECT_TRUE(users->check("alice", "pw-a").has_value());
  std::filesystem::remove(path_);
  EXPECT_NE(users->reload(), "");
  EXPECT_TRUE(users->check("alice", "pw-a").has_value());
}

TEST_F(reloadable_users, open_refuses_a_broken_file) {
  std::ofstream(path_) << "alice\n";
  std::shared_ptr<user_file> users;
  EXPECT_NE(user_file::open(path_, users), "");
  EXPECT_EQ(users, nullptr);
}

}  // namespace
}  // namespace amphora::security
