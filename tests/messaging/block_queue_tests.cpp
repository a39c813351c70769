// The broker's per-FlexClient queue (src/messaging/block_queue.hpp): order kept across blocks,
// blocks given back to the shared pool as the front passes them and reused by the next pushes,
// the pool's bound on the blocks it keeps, and erase from the middle across block boundaries.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "block_queue.hpp"

namespace amphora::messaging::detail {
namespace {

using queue4 = block_queue<int, 4>;
using pool4 = block_pool<int, 4>;

std::vector<int> contents(const queue4& q) {
  std::vector<int> out;
  q.for_each([&](int v) { out.push_back(v); });
  return out;
}

TEST(block_queue, keeps_order_across_blocks_and_gives_them_back_as_the_front_passes) {
  pool4 pool(100);
  queue4 q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(pool.allocated(), 0u);                    // nothing taken until the first push
  for (int i = 0; i < 10; ++i) q.push_back(pool, i);  // three blocks: 4 + 4 + 2
  EXPECT_EQ(pool.allocated(), 3u);
  EXPECT_EQ(q.size(), 10u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.pop_front(pool), i);
  EXPECT_EQ(pool.spare(), 1u);                         // the first block, passed
  for (int i = 10; i < 13; ++i) q.push_back(pool, i);  // the third block fills; the fourth is the spare
  EXPECT_EQ(pool.allocated(), 3u);
  EXPECT_EQ(pool.spare(), 0u);
  std::vector<int> expected;
  for (int i = 5; i < 13; ++i) expected.push_back(i);
  EXPECT_EQ(contents(q), expected);
  for (int v : expected) EXPECT_EQ(q.pop_front(pool), v);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(pool.spare(), 3u);  // an empty queue holds no block
}

TEST(block_queue, queues_share_the_pool_and_a_warm_pool_allocates_nothing) {
  pool4 pool(100);
  std::vector<queue4> queues(5);
  for (int round = 0; round < 3; ++round) {
    for (queue4& q : queues) {
      for (int i = 0; i < 9; ++i) q.push_back(pool, i);  // three blocks each
    }
    for (queue4& q : queues) q.clear(pool);
    EXPECT_EQ(pool.allocated(), 15u) << "round " << round;  // the first round's blocks, reused
    EXPECT_EQ(pool.spare(), 15u);
  }
}

TEST(block_queue, the_pool_keeps_at_most_its_bound_and_frees_the_rest) {
  pool4 pool(2);
  queue4 q;
  for (int i = 0; i < 20; ++i) q.push_back(pool, i);  // five blocks
  EXPECT_EQ(pool.allocated(), 5u);
  q.clear(pool);
  EXPECT_EQ(pool.spare(), 2u);
  for (int i = 0; i < 20; ++i) q.push_back(pool, i);
  EXPECT_EQ(pool.allocated(), 8u);  // two reused, three fresh
  EXPECT_EQ(pool.spare(), 0u);
}

TEST(block_queue, a_slot_given_back_holds_nothing_of_its_element) {
  block_pool<std::shared_ptr<int>, 2> pool(10);
  block_queue<std::shared_ptr<int>, 2> q;
  auto shared = std::make_shared<int>(7);
  for (int i = 0; i < 5; ++i) q.push_back(pool, shared);
  EXPECT_EQ(shared.use_count(), 6);
  (void)q.erase_first(pool, [](const std::shared_ptr<int>&) { return true; });
  (void)q.pop_front(pool);
  EXPECT_EQ(shared.use_count(), 4);
  q.clear(pool);
  EXPECT_EQ(shared.use_count(), 1);  // the spare blocks hold no reference
}

TEST(block_queue, erase_first_keeps_the_others_in_order_across_blocks) {
  pool4 pool(100);
  queue4 q;
  for (int i = -2; i < 11; ++i) q.push_back(pool, i);
  EXPECT_EQ(q.pop_front(pool), -2);
  EXPECT_EQ(q.pop_front(pool), -1);  // 0..10 from the middle of the first block
  EXPECT_FALSE(q.erase_first(pool, [](int v) { return v == 99; }).has_value());
  EXPECT_EQ(q.size(), 11u);
  EXPECT_EQ(q.erase_first(pool, [](int v) { return v == 6; }), std::optional<int>(6));  // two blocks in
  EXPECT_EQ(contents(q), (std::vector<int>{0, 1, 2, 3, 4, 5, 7, 8, 9, 10}));
  EXPECT_EQ(q.erase_first(pool, [](int v) { return v % 2 == 1; }), std::optional<int>(1));
  EXPECT_EQ(contents(q), (std::vector<int>{0, 2, 3, 4, 5, 7, 8, 9, 10}));
  EXPECT_EQ(q.erase_first(pool, [](int v) { return v == 0; }), std::optional<int>(0));    // the front
  EXPECT_EQ(q.erase_first(pool, [](int v) { return v == 10; }), std::optional<int>(10));  // the back
  EXPECT_EQ(contents(q), (std::vector<int>{2, 3, 4, 5, 7, 8, 9}));
  q.push_back(pool, 11);
  for (int v : {2, 3, 4, 5, 7, 8, 9, 11}) EXPECT_EQ(q.pop_front(pool), v);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace amphora::messaging::detail
