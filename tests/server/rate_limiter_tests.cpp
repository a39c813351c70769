// The per-client request rate limiter (src/server/rate_limiter.hpp) with a hand-driven clock, and
// its config keys.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "amphora/server/config.hpp"
#include "rate_limiter.hpp"

namespace amphora::server::detail {
namespace {

using namespace std::chrono_literals;
using clock = rate_limiter::clock;

config limited(unsigned rate, unsigned burst, std::size_t clients = 100) {
  config cfg;
  cfg.rate_limit = rate;
  cfg.rate_burst = burst;
  cfg.rate_clients = clients;
  return cfg;
}

TEST(rate_limiter, a_burst_then_the_rate_and_retry_after_says_when) {
  rate_limiter r(limited(2, 4));
  const clock::time_point t0{};
  std::chrono::seconds retry{};
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.admit("192.0.2.1", t0, retry)) << i;
  EXPECT_FALSE(r.admit("192.0.2.1", t0, retry));
  EXPECT_EQ(retry, 1s);  // half a second to the next token, rounded up
  EXPECT_TRUE(r.admit("192.0.2.2", t0, retry)) << "another address has its own bucket";
  EXPECT_FALSE(r.admit("::ffff:192.0.2.1", t0, retry)) << "the same client through a dual-stack socket";
  EXPECT_TRUE(r.admit("192.0.2.1", t0 + 500ms, retry));
  EXPECT_FALSE(r.admit("192.0.2.1", t0 + 500ms, retry));
  // Refills up to the burst, not beyond.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.admit("192.0.2.1", t0 + 1h, retry)) << i;
  EXPECT_FALSE(r.admit("192.0.2.1", t0 + 1h, retry));
}

TEST(rate_limiter, a_slow_rate_gives_a_longer_retry_after) {
  config cfg = limited(1, 1);
  rate_limiter r(cfg);
  std::chrono::seconds retry{};
  EXPECT_TRUE(r.admit("192.0.2.1", clock::time_point{}, retry));
  EXPECT_FALSE(r.admit("192.0.2.1", clock::time_point{} + 250ms, retry));
  EXPECT_EQ(retry, 1s);
}

TEST(rate_limiter, exempt_addresses_and_rate_zero_are_never_limited) {
  rate_limiter r(limited(1, 1));  // default exemptions: 127.0.0.1 and ::1
  rate_limiter off(limited(0, 1));
  std::chrono::seconds retry{};
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(r.admit("127.0.0.1", clock::time_point{}, retry));
    EXPECT_TRUE(r.admit("::1", clock::time_point{}, retry));
    EXPECT_TRUE(r.admit("::ffff:127.0.0.1", clock::time_point{}, retry));
    EXPECT_TRUE(off.admit("192.0.2.1", clock::time_point{}, retry));
  }
  EXPECT_EQ(r.tracked(), 0u);
  EXPECT_EQ(off.tracked(), 0u);
}

TEST(rate_limiter, the_table_of_addresses_is_bounded) {
  rate_limiter r(limited(1, 2, 50));
  std::chrono::seconds retry{};
  for (int i = 0; i < 1000; ++i)
    r.admit("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), {}, retry);
  EXPECT_LE(r.tracked(), 50u);
  // Once their buckets have refilled, old entries make room without dropping a limited client.
  EXPECT_TRUE(r.admit("192.0.2.1", clock::time_point{} + 10s, retry));
  EXPECT_TRUE(r.admit("192.0.2.1", clock::time_point{} + 10s, retry));
  EXPECT_FALSE(r.admit("192.0.2.1", clock::time_point{} + 10s, retry));
  EXPECT_EQ(r.tracked(), 1u);
}

TEST(rate_limiter, address_of_drops_the_port) {
  EXPECT_EQ(address_of("127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(address_of("::1:5000"), "::1");
  EXPECT_EQ(address_of("-"), "-");
}

TEST(rate_limiter, config_keys) {
  config cfg;
  EXPECT_EQ(cfg.rate_limit, 100u);
  EXPECT_EQ(cfg.rate_burst, 200u);
  EXPECT_EQ(apply_setting(cfg, "rate_limit", "0"), "");
  EXPECT_EQ(cfg.rate_limit, 0u);
  EXPECT_EQ(apply_setting(cfg, "rate_burst", "50"), "");
  EXPECT_EQ(cfg.rate_burst, 50u);
  EXPECT_EQ(apply_setting(cfg, "rate_burst", "0"), "rate_burst: must be at least 1");
  EXPECT_EQ(apply_setting(cfg, "rate_exempt", "10.0.0.1, 10.0.0.2"), "");
  EXPECT_EQ(cfg.rate_exempt, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(apply_setting(cfg, "rate_exempt", ""), "");
  EXPECT_TRUE(cfg.rate_exempt.empty());
  EXPECT_EQ(apply_setting(cfg, "rate_clients", "0"), "rate_clients: must be at least 1");
  EXPECT_NE(apply_setting(cfg, "rate_limit", "fast"), "");
}

}  // namespace
}  // namespace amphora::server::detail
