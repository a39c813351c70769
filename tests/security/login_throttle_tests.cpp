// The login throttle, on an explicit clock: free failures, exponential blocks, per address and
// per user, success, forgetting, and the bounded table.
#include <gtest/gtest.h>

#include "amphora/security/login_throttle.hpp"

namespace amphora::security {
namespace {

using namespace std::chrono_literals;
using clock = login_throttle::clock;

throttle_options options() {
  throttle_options o;
  o.free_failures = 2;
  o.base_delay = 1s;
  o.max_delay = 8s;
  o.forget_after = 60s;
  o.max_entries = 100;
  return o;
}

TEST(login_throttle, blocks_after_the_free_failures_and_doubles_each_time) {
  login_throttle t(options());
  const clock::time_point t0{};
  EXPECT_TRUE(t.allowed("a", "u", t0));
  t.failed("a", "u", t0);
  t.failed("a", "u", t0);
  EXPECT_TRUE(t.allowed("a", "u", t0));  // two free failures
  t.failed("a", "u", t0);                // the third: blocked 1 s
  EXPECT_FALSE(t.allowed("a", "u", t0));
  EXPECT_FALSE(t.allowed("a", "u", t0 + 999ms));
  EXPECT_TRUE(t.allowed("a", "u", t0 + 1s));
  t.failed("a", "u", t0 + 1s);  // the fourth: 2 s
  EXPECT_FALSE(t.allowed("a", "u", t0 + 2999ms));
  EXPECT_TRUE(t.allowed("a", "u", t0 + 3s));
  for (int i = 0; i < 10; ++i) t.failed("a", "u", t0 + 3s);  // capped at max_delay
  EXPECT_FALSE(t.allowed("a", "u", t0 + 10s));
  EXPECT_TRUE(t.allowed("a", "u", t0 + 11s));
}

TEST(login_throttle, address_and_user_are_tracked_apart) {
  login_throttle t(options());
  const clock::time_point t0{};
  for (int i = 0; i < 3; ++i) t.failed("1.1.1.1", "alice", t0);
  EXPECT_FALSE(t.allowed("2.2.2.2", "alice", t0));  // the user is blocked from anywhere
  EXPECT_FALSE(t.allowed("1.1.1.1", "bob", t0));    // the address is blocked for anyone
  EXPECT_TRUE(t.allowed("2.2.2.2", "bob", t0));
}

TEST(login_throttle, success_clears_the_user_but_not_the_address) {
  login_throttle t(options());
  const clock::time_point t0{};
  for (int i = 0; i < 3; ++i) t.failed("1.1.1.1", "alice", t0);
  t.succeeded("alice");
  EXPECT_TRUE(t.allowed("2.2.2.2", "alice", t0));
  EXPECT_FALSE(t.allowed("1.1.1.1", "alice", t0));
}

TEST(login_throttle, forgets_old_failures_and_stays_bounded) {
  throttle_options o = options();
  o.max_entries = 10;
  login_throttle t(o);
  const clock::time_point t0{};
  for (int i = 0; i < 1000; ++i) t.failed("addr" + std::to_string(i), "user" + std::to_string(i), t0);
  EXPECT_LE(t.size(), 10u);
  t.failed("x", "y", t0);
  EXPECT_EQ(t.allowed("x", "y", t0 + 120s), true);
  t.failed("z", "w", t0 + 120s);  // expiry runs on use: the old entries go
  EXPECT_EQ(t.size(), 2u);
}

}  // namespace
}  // namespace amphora::security
