// The broker's per-FlexClient queue (src/messaging/ring_queue.hpp): order kept across wrap-around,
// growth while wrapped and erase from either side; its capacity kept once drained, unless large.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ring_queue.hpp"

namespace amphora::messaging::detail {
namespace {

std::vector<int> contents(const ring_queue<int>& q) {
  std::vector<int> out;
  for (std::size_t i = 0; i < q.size(); ++i) out.push_back(q[i]);
  return out;
}

TEST(ring_queue, keeps_order_across_wrap_around_and_growth) {
  ring_queue<int> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), 0u);  // nothing allocated until the first push
  for (int i = 0; i < 3; ++i) q.push_back(i);
  EXPECT_EQ(q.pop_front(), 0);
  EXPECT_EQ(q.pop_front(), 1);
  const std::size_t capacity = q.capacity();
  for (int i = 3; i < 3 + static_cast<int>(capacity) - 1; ++i) q.push_back(i);  // full, wrapped
  EXPECT_EQ(q.size(), capacity);
  EXPECT_EQ(q.capacity(), capacity);  // no allocation to wrap around
  q.push_back(100);                   // grows while wrapped
  EXPECT_GT(q.capacity(), capacity);
  std::vector<int> expected;
  for (int i = 2; i < 3 + static_cast<int>(capacity) - 1; ++i) expected.push_back(i);
  expected.push_back(100);
  EXPECT_EQ(contents(q), expected);
  for (int v : expected) EXPECT_EQ(q.pop_front(), v);
  EXPECT_TRUE(q.empty());
}

TEST(ring_queue, erase_keeps_the_others_in_order_on_either_side) {
  ring_queue<int> q;
  for (int i = 0; i < 4; ++i) q.push_back(i);
  q.pop_front();
  q.pop_front();
  for (int i = 4; i < 6; ++i) q.push_back(i);  // 2 3 4 5, wrapped in 4 slots
  ASSERT_EQ(q.capacity(), 4u);
  q.erase(1);  // near the front: the front side moves
  EXPECT_EQ(contents(q), (std::vector<int>{2, 4, 5}));
  q.erase(2);  // the back
  EXPECT_EQ(contents(q), (std::vector<int>{2, 4}));
  q.push_back(6);
  q.push_back(7);
  q.erase(2);  // past the middle: the back side moves
  EXPECT_EQ(contents(q), (std::vector<int>{2, 4, 7}));
  q.erase(0);
  q.erase(0);
  q.erase(0);
  EXPECT_TRUE(q.empty());
  q.push_back(8);
  EXPECT_EQ(contents(q), (std::vector<int>{8}));
}

TEST(ring_queue, releases_what_leaves_it_and_gives_back_a_large_ring) {
  auto shared = std::make_shared<std::string>("held");
  ring_queue<std::shared_ptr<std::string>> q;
  for (int i = 0; i < 3; ++i) q.push_back(shared);
  EXPECT_EQ(shared.use_count(), 4);
  q.pop_front();
  q.erase(1);
  EXPECT_EQ(shared.use_count(), 2);  // no copy left behind in a freed slot
  q.pop_front();
  EXPECT_EQ(shared.use_count(), 1);
  q.shrink_if_empty(4);
  EXPECT_EQ(q.capacity(), 4u);  // small: kept for the next messages
  for (int i = 0; i < 9; ++i) q.push_back(shared);
  q.shrink_if_empty(4);
  EXPECT_EQ(q.capacity(), 16u);  // not empty: kept
  while (!q.empty()) q.pop_front();
  q.shrink_if_empty(4);
  EXPECT_EQ(q.capacity(), 0u);
  EXPECT_EQ(shared.use_count(), 1);
}

}  // namespace
}  // namespace amphora::messaging::detail
