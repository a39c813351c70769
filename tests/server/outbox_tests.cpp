// The push connections' outbox (src/server/outbox.hpp) without sockets: items added in a burst are
// taken together in order with one flush, a wanted drain (pull mode), the bound (one item always
// fits), the end, and the write counts logged at the stop; from two threads, every item once and in
// each thread's order.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "outbox.hpp"

namespace amphora::server::detail {
namespace {

// Appends `n` bytes of value `v`.
auto bytes(std::size_t n, std::uint8_t v) {
  return [n, v](std::vector<std::uint8_t>& out) { out.insert(out.end(), n, v); };
}

TEST(outbox, a_burst_is_taken_together_in_order_and_only_the_first_asks_for_a_flush) {
  outbox o(100);
  EXPECT_EQ(o.add(1, bytes(2, 'a')), outbox::added::flush);
  EXPECT_EQ(o.add(1, bytes(1, 'b')), outbox::added::queued);
  EXPECT_EQ(o.add(1, bytes(3, 'c')), outbox::added::queued);
  std::vector<std::uint8_t> out;
  const outbox::taken t = o.take(out);
  EXPECT_EQ(t.items, 3u);
  EXPECT_EQ(t.cost, 3u);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{'a', 'a', 'b', 'c', 'c', 'c'}));
  // Taken: the next item asks for a flush again, and goes into the buffer given back.
  std::vector<std::uint8_t> next;
  EXPECT_EQ(o.add(1, bytes(1, 'd')), outbox::added::flush);
  EXPECT_EQ(o.take(next).items, 1u);
  EXPECT_EQ(next, (std::vector<std::uint8_t>{'d'}));
  std::vector<std::uint8_t> none;
  EXPECT_EQ(o.take(none).items, 0u);
  EXPECT_TRUE(none.empty());
}

TEST(outbox, the_bound_counts_what_is_not_yet_written_and_one_item_always_fits) {
  outbox o(10);                                                // bytes, as a stream counts them
  EXPECT_EQ(o.add(25, bytes(25, 'x')), outbox::added::flush);  // alone, larger than the bound
  std::vector<std::uint8_t> out;
  EXPECT_EQ(o.take(out).cost, 25u);
  EXPECT_EQ(o.add(1, bytes(1, 'y')), outbox::added::full);  // 25 still being written: full, and ended
  EXPECT_EQ(o.add(1, bytes(1, 'y')), outbox::added::ended);
  EXPECT_FALSE(o.end());

  outbox frames(3);  // frames, as a WebSocket counts them
  for (int i = 0; i < 3; ++i) EXPECT_NE(frames.add(1, bytes(1, 'f')), outbox::added::full) << i;
  std::vector<std::uint8_t> taken;
  EXPECT_EQ(frames.take(taken).cost, 3u);
  frames.written(2);  // two written, one still in flight
  EXPECT_EQ(frames.add(1, bytes(1, 'g')), outbox::added::flush);
  EXPECT_EQ(frames.add(1, bytes(1, 'h')), outbox::added::queued);
  EXPECT_EQ(frames.add(1, bytes(1, 'i')), outbox::added::full);  // 1 + 2 queued: a fourth passes 3
}

// Pull mode: a wake asks for the flush like a first item; what the drain adds on the strand (after
// take_drain) joins that flush without asking again; the take makes the next want ask again.
TEST(outbox, a_wanted_drain_asks_for_one_flush_that_the_drained_items_join) {
  outbox o(100);
  EXPECT_FALSE(o.take_drain());
  EXPECT_EQ(o.want_drain(), outbox::added::flush);
  EXPECT_EQ(o.want_drain(), outbox::added::queued);  // a second wake before the turn: one drain
  EXPECT_TRUE(o.take_drain());
  EXPECT_FALSE(o.take_drain());
  EXPECT_EQ(o.add(1, bytes(1, 'a')), outbox::added::queued);  // the drain's items: no second flush
  EXPECT_EQ(o.add(1, bytes(1, 'b')), outbox::added::queued);
  std::vector<std::uint8_t> out;
  EXPECT_EQ(o.take(out).items, 2u);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{'a', 'b'}));
  EXPECT_EQ(o.want_drain(), outbox::added::flush);
  EXPECT_TRUE(o.end());
  EXPECT_EQ(o.want_drain(), outbox::added::ended);
}

TEST(outbox, ended_it_refuses_everything_and_end_says_whether_it_was_open) {
  outbox o(100);
  EXPECT_TRUE(o.end());
  EXPECT_FALSE(o.end());
  EXPECT_EQ(o.add(1, bytes(1, 'a')), outbox::added::ended);
  std::vector<std::uint8_t> out;
  EXPECT_EQ(o.take(out).items, 0u);
}

TEST(outbox, two_threads_adding_every_item_is_taken_once_in_each_threads_order) {
  constexpr std::size_t per_thread = 20'000;
  outbox o(3 * per_thread);
  auto producer = [&o](std::uint8_t tag) {
    for (std::size_t i = 0; i < per_thread; ++i) {
      o.add(1, [&](std::vector<std::uint8_t>& out) {
        out.push_back(tag);
        out.push_back(static_cast<std::uint8_t>(i & 0xff));
      });
    }
  };
  std::thread a(producer, std::uint8_t{1});
  std::thread b(producer, std::uint8_t{2});
  std::vector<std::uint8_t> all;
  std::size_t items = 0;
  auto drain = [&] {
    std::vector<std::uint8_t> out;
    items += o.take(out).items;
    all.insert(all.end(), out.begin(), out.end());
  };
  while (items < 2 * per_thread && all.size() < 4 * per_thread) drain();
  a.join();
  b.join();
  drain();
  ASSERT_EQ(items, 2 * per_thread);
  ASSERT_EQ(all.size(), 4 * per_thread);
  std::size_t next[3] = {0, 0, 0};
  for (std::size_t at = 0; at < all.size(); at += 2) {
    const std::uint8_t tag = all[at];
    ASSERT_TRUE(tag == 1 || tag == 2) << at;
    ASSERT_EQ(all[at + 1], static_cast<std::uint8_t>(next[tag] & 0xff)) << at;
    ++next[tag];
  }
  EXPECT_EQ(next[1], per_thread);
  EXPECT_EQ(next[2], per_thread);
}

TEST(outbox, write_counts_say_how_many_items_each_write_carried) {
  write_counts counts;
  EXPECT_EQ(counts.summary("frames"), "0 frames in 0 writes (0.00 per write)");
  counts.add(1);
  counts.add(4);
  counts.add(2);
  EXPECT_EQ(counts.summary("frames"), "7 frames in 3 writes (2.33 per write)");
}

}  // namespace
}  // namespace amphora::server::detail
