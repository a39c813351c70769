// The file user store: Argon2id hashes (cheap parameters here: hash_cost::minimum(), tests only),
// the file format and its errors, atomic edits, and what check() answers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "amphora/security/user_store.hpp"

namespace amphora::security {
namespace {

const hash_cost cheap = hash_cost::minimum();

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class user_file : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "amphora-users-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = dir_ + "/users.txt";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST(password_hash, is_argon2id_with_a_fresh_salt_and_verifies) {
  const std::string a = hash_password("correct horse", cheap);
  const std::string b = hash_password("correct horse", cheap);
  EXPECT_EQ(a.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << a;
  EXPECT_NE(a, b);  // random salt
  EXPECT_TRUE(verify_password(a, "correct horse"));
  EXPECT_TRUE(verify_password(b, "correct horse"));
  EXPECT_FALSE(verify_password(a, "correct horsE"));
  EXPECT_FALSE(verify_password(a, ""));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "correct horse"));
  EXPECT_FALSE(verify_password("", ""));
  EXPECT_FALSE(verify_password(std::string(1000, '$'), "x"));
}

TEST(password_hash, interactive_is_libsodiums_interactive_limits) {
  EXPECT_EQ(hash_cost::interactive().passes, 2u);
  EXPECT_EQ(hash_cost::interactive().memory, 64u << 20);
}

TEST(user_parse, reads_users_roles_comments_and_blank_lines) {
  const std::string h = hash_password("pw", cheap);
  std::vector<user_entry> users;
  ASSERT_EQ(parse_users("# users\n\nalice:" + h + ":employee,manager\r\nbob:" + h + ":\n", "f", users), "");
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_EQ(users[0].hash, h);
  EXPECT_EQ(users[0].roles, (std::vector<std::string>{"employee", "manager"}));
  EXPECT_TRUE(users[1].roles.empty());
}

TEST(user_parse, errors_name_the_file_and_line) {
  const std::string h = hash_password("pw", cheap);
  std::vector<user_entry> users;
  EXPECT_EQ(parse_users("alice\n", "u.txt", users), "u.txt:1: expected name:hash:roles");
  EXPECT_EQ(parse_users("#\nalice:plaintext:r\n", "u.txt", users),
            "u.txt:2: the password hash of 'alice' is not an Argon2id hash");
  EXPECT_EQ(parse_users("alice:" + h + ":a b\n", "u.txt", users).rfind("u.txt:1: the role name 'a b'", 0),
            0u);
  EXPECT_EQ(parse_users("alice:" + h + ":a,,b\n", "u.txt", users), "u.txt:1: a role name is empty");
  EXPECT_EQ(parse_users(":" + h + ":\n", "u.txt", users), "u.txt:1: the user name is empty");
  EXPECT_EQ(parse_users("a:" + h + ":\na:" + h + ":\n", "u.txt", users),
            "u.txt:2: the user 'a' is listed twice");
}

TEST(file_user_store, checks_passwords_and_returns_the_roles) {
  const std::vector<user_entry> users = {{"alice", hash_password("s3cret", cheap), {"employee"}},
                                         {"bob", hash_password("other", cheap), {}}};
  const file_user_store store(users);
  EXPECT_EQ(store.size(), 2u);
  const std::optional<principal> p = store.check("alice", "s3cret");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "alice");
  EXPECT_EQ(p->roles, (std::vector<std::string>{"employee"}));
  EXPECT_FALSE(store.check("alice", "other").has_value());
  EXPECT_FALSE(store.check("Alice", "s3cret").has_value());
  EXPECT_FALSE(store.check("mallory", "s3cret").has_value());  // unknown: a dummy verify, then no
  EXPECT_FALSE(store.check("", "").has_value());
}

TEST_F(user_file, edits_create_replace_and_delete_atomically_with_mode_0600) {
  const user_entry alice{"alice", hash_password("a", cheap), {"employee"}};
  const user_entry bob{"bob", hash_password("b", cheap), {}};
  bool found = true;
  ASSERT_EQ(edit_user_file(path_, "alice", &alice, &found), "");
  EXPECT_FALSE(found);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(slurp(path_), "alice:" + alice.hash + ":employee\n");

  // Comments and other users survive; a change replaces the line in place.
  std::ofstream(path_, std::ios::app) << "# a comment\n";
  ASSERT_EQ(edit_user_file(path_, "bob", &bob), "");
  const user_entry alice2{"alice", hash_password("a2", cheap), {"manager", "employee"}};
  ASSERT_EQ(edit_user_file(path_, "alice", &alice2, &found), "");
  EXPECT_TRUE(found);
  EXPECT_EQ(slurp(path_), "alice:" + alice2.hash + ":manager,employee\n# a comment\nbob:" + bob.hash + ":\n");

  std::shared_ptr<const file_user_store> store;
  ASSERT_EQ(file_user_store::load(path_, store), "");
  EXPECT_TRUE(store->check("alice", "a2").has_value());
  EXPECT_FALSE(store->check("alice", "a").has_value());

  ASSERT_EQ(edit_user_file(path_, "alice", nullptr, &found), "");
  EXPECT_TRUE(found);
  EXPECT_EQ(slurp(path_), "# a comment\nbob:" + bob.hash + ":\n");
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Nothing but the file is left in the directory (no temporary files).
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(user_file, a_broken_file_is_not_rewritten_and_load_reports_it) {
  std::ofstream(path_) << "alice:plaintext:\n";
  const user_entry bob{"bob", hash_password("b", cheap), {}};
  EXPECT_EQ(edit_user_file(path_, "bob", &bob),
            path_ + ":1: the password hash of 'alice' is not an Argon2id hash");
  EXPECT_EQ(slurp(path_), "alice:plaintext:\n");
  std::shared_ptr<const file_user_store> store;
  EXPECT_NE(file_user_store::load(path_, store), "");
  EXPECT_EQ(store, nullptr);
  EXPECT_EQ(file_user_store::load(dir_ + "/missing", store), dir_ + "/missing: cannot read");
}

}  // namespace
}  // namespace amphora::security
