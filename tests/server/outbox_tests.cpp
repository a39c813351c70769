// The push connections' outbox (src/server/outbox.hpp) without sockets: items added in a burst are
// taken together in order with one flush, a wanted drain (pull mode) and the items it counts after
// the take, the bound (one item always fits), the end, and the write counts logged at the stop;
// from two threads, every item once and in each thread's order.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>
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

// Pull mode: a wake asks for the flush like a first item; the take says a drain was wanted (once);
// a want after the take asks for a flush of its own, even before the drain's items are counted.
TEST(outbox, a_wanted_drain_asks_for_one_flush_and_the_take_says_so) {
  outbox o(100);
  std::vector<std::uint8_t> out;
  EXPECT_FALSE(o.take(out).drain);
  EXPECT_EQ(o.want_drain(), outbox::added::flush);
  EXPECT_EQ(o.want_drain(), outbox::added::queued);  // a second wake before the turn: one drain
  EXPECT_EQ(o.add(1, bytes(1, 'a')), outbox::added::queued);
  const outbox::taken t = o.take(out);
  EXPECT_TRUE(t.drain);
  EXPECT_EQ(t.items, 1u);
  EXPECT_EQ(o.want_drain(), outbox::added::flush);  // during the drain: the next turn drains again
  const outbox::encoded drained[] = {{2, 1}, {3, 1}};
  const outbox::counted c = o.add_taken(drained);
  EXPECT_EQ(c.result, outbox::added::queued);
  EXPECT_EQ(c.items, 2u);
  EXPECT_EQ(c.cost, 2u);
  EXPECT_TRUE(o.take(out).drain);
  EXPECT_FALSE(o.take(out).drain);
  EXPECT_TRUE(o.end());
  EXPECT_EQ(o.want_drain(), outbox::added::ended);
  EXPECT_EQ(o.add_taken(drained).result, outbox::added::ended);
  EXPECT_EQ(o.add_taken(drained).items, 0u);
}

// Items encoded after a take (outside the lock) meet the bound at the same item as add_each would
// have, with the same items still being written; the first fits when nothing is queued, even one
// that costs more than the bound.
TEST(outbox, items_counted_after_the_take_meet_the_bound_as_add_each) {
  for (const std::size_t in_flight : {std::size_t{0}, std::size_t{1}, std::size_t{4}}) {
    for (const std::size_t bound : {std::size_t{1}, std::size_t{6}, std::size_t{100}}) {
      outbox each(bound);
      outbox counted(bound);
      std::vector<std::uint8_t> out;
      for (std::size_t i = 0; i < in_flight; ++i) {
        each.add(1, bytes(1, 'f'));
        counted.add(1, bytes(1, 'f'));
      }
      each.take(out);
      counted.take(out);
      const outbox::added by_each =
          each.add_each(5, [](std::size_t, std::vector<std::uint8_t>& b) -> std::optional<std::size_t> {
            b.push_back('g');
            return 2;
          });
      std::vector<std::uint8_t> rest;
      const std::size_t kept_by_each = each.take(rest).items;
      const outbox::encoded five[] = {{1, 2}, {2, 2}, {3, 2}, {4, 2}, {5, 2}};
      const outbox::counted c = counted.add_taken(five);
      EXPECT_EQ(c.result == outbox::added::full, by_each == outbox::added::full) << in_flight << " " << bound;
      EXPECT_EQ(c.items, kept_by_each) << in_flight << " " << bound;
      EXPECT_EQ(c.cost, 2 * c.items) << in_flight << " " << bound;
      EXPECT_EQ(counted.end(), each.end()) << in_flight << " " << bound;  // ended in both, or neither
    }
  }
}

TEST(outbox, a_batch_meets_the_bound_at_the_same_item_as_one_add_each) {
  // Item i: cost and size 3 + i (bytes, as a stream counts), its value i; item 2 is skipped.
  for (const std::size_t bound : {std::size_t{1}, std::size_t{10}, std::size_t{20}, std::size_t{1000}}) {
    outbox one_by_one(bound);
    outbox::added last_single = outbox::added::queued;
    for (std::size_t i = 0; i < 8; ++i) {
      if (i == 2) continue;
      last_single = one_by_one.add(3 + i, bytes(3 + i, static_cast<std::uint8_t>(i)));
      if (last_single == outbox::added::full) break;
    }
    outbox batch(bound);
    const outbox::added last_batch =
        batch.add_each(8, [](std::size_t i, std::vector<std::uint8_t>& out) -> std::optional<std::size_t> {
          out.insert(out.end(), 3 + i, static_cast<std::uint8_t>(i));
          if (i == 2) return std::nullopt;
          return 3 + i;
        });
    EXPECT_EQ(last_batch == outbox::added::full, last_single == outbox::added::full) << bound;
    std::vector<std::uint8_t> a;
    std::vector<std::uint8_t> b;
    const outbox::taken ta = one_by_one.take(a);
    const outbox::taken tb = batch.take(b);
    EXPECT_EQ(a, b) << bound;
    EXPECT_EQ(ta.items, tb.items) << bound;
    EXPECT_EQ(ta.cost, tb.cost) << bound;
    EXPECT_EQ(one_by_one.end(), batch.end()) << bound;  // ended by the bound in both, or in neither
  }
  // Frames (cost 1 each), 4 still being written: a bound of 6 takes two of a batch of five.
  outbox frames(6);
  for (int i = 0; i < 4; ++i) frames.add(1, bytes(1, 'f'));
  std::vector<std::uint8_t> taken;
  frames.take(taken);
  EXPECT_EQ(frames.add_each(5,
                            [](std::size_t, std::vector<std::uint8_t>& out) -> std::optional<std::size_t> {
                              out.push_back('g');
                              return 1;
                            }),
            outbox::added::full);
  std::vector<std::uint8_t> rest;
  EXPECT_EQ(frames.take(rest).items, 2u);
  EXPECT_EQ(rest, (std::vector<std::uint8_t>{'g', 'g'}));
}

// A batch is one add for the flush: the first asks for it, a later one while it waits does not.
TEST(outbox, a_batch_asks_for_one_flush) {
  outbox o(100);
  const auto two = [](std::size_t, std::vector<std::uint8_t>& out) -> std::optional<std::size_t> {
    out.push_back('x');
    return 1;
  };
  EXPECT_EQ(o.add_each(2, two), outbox::added::flush);
  EXPECT_EQ(o.add_each(2, two), outbox::added::queued);
  EXPECT_EQ(o.add_each(0, two), outbox::added::queued);
  std::vector<std::uint8_t> out;
  EXPECT_EQ(o.take(out).items, 4u);
  EXPECT_TRUE(o.end());
  EXPECT_EQ(o.add_each(2, two), outbox::added::ended);
}

// A batch whose first item is large and the rest small reserves the first's size for the others
// only up to max_batch_reserve: 1 MiB then 4,000 items of 10 bytes would otherwise reserve about
// 4 GiB for 40 KB.
TEST(outbox, a_large_first_item_does_not_reserve_its_size_for_each_of_the_rest) {
  outbox o(1'000'000);
  constexpr std::size_t large = 1 << 20;
  EXPECT_EQ(o.add_each(4001,
                       [](std::size_t i, std::vector<std::uint8_t>& out) -> std::optional<std::size_t> {
                         out.insert(out.end(), i == 0 ? large : 10, 'x');
                         return 1;
                       }),
            outbox::added::flush);
  std::vector<std::uint8_t> out;
  EXPECT_EQ(o.take(out).items, 4001u);
  EXPECT_EQ(out.size(), large + 40'000);
  EXPECT_LE(out.capacity(), 2 * (large + outbox::max_batch_reserve));
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
  EXPECT_EQ(counts.summary("frames"), "0 frames in 0 writes (0.00 per write), 0 empty flushes");
  counts.add(1);
  counts.add(4);
  counts.add(2);
  EXPECT_EQ(counts.summary("frames"), "7 frames in 3 writes (2.33 per write), 0 empty flushes");
}

TEST(outbox, write_counts_say_how_many_flushes_found_nothing_to_write) {
  write_counts counts;
  counts.add(3);
  counts.add_empty();
  counts.add_empty();
  EXPECT_EQ(counts.summary("chunks"), "3 chunks in 1 writes (3.00 per write), 2 empty flushes");
}

}  // namespace
}  // namespace amphora::server::detail
