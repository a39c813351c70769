// The arena: alignment, the limit, reset() and moves. (That a warmed-up decoder plus a reset
// arena allocate nothing at all is checked by tests/alloc/, which counts heap allocations.)
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "amphora/amf/arena.hpp"

namespace amphora::amf {
namespace {

bool aligned(const void* p, std::size_t align) { return reinterpret_cast<std::uintptr_t>(p) % align == 0; }

TEST(arena, starts_empty) {
  arena a;
  EXPECT_EQ(a.bytes_used(), 0u);
  EXPECT_EQ(a.bytes_reserved(), 0u);
  EXPECT_EQ(a.system_allocations(), 0u);
  EXPECT_EQ(a.limit(), std::numeric_limits<std::size_t>::max());
}

TEST(arena, allocations_are_aligned_and_distinct) {
  arena a(256);
  std::vector<std::pair<std::byte*, std::size_t>> seen;
  for (std::size_t align : {1u, 2u, 4u, 8u, 16u, 32u, 64u, 1u, 8u, 64u, 2u}) {
    for (std::size_t bytes : {1u, 3u, 8u, 100u}) {
      auto* p = static_cast<std::byte*>(a.allocate(bytes, align));
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(aligned(p, align)) << "align " << align;
      std::memset(p, 0xAB, bytes);  // the memory is usable (ASan checks)
      for (const auto& [q, n] : seen) EXPECT_TRUE(p + bytes <= q || q + n <= p) << "overlap";
      seen.emplace_back(p, bytes);
    }
  }
  EXPECT_TRUE(aligned(a.allocate(24), alignof(std::max_align_t)));
}

TEST(arena, bytes_used_counts_requested_bytes) {
  arena a;
  ASSERT_NE(a.allocate(10, 1), nullptr);
  ASSERT_NE(a.allocate(20, 1), nullptr);
  EXPECT_EQ(a.bytes_used(), 30u);
  EXPECT_GE(a.bytes_reserved(), 30u);
  EXPECT_EQ(a.system_allocations(), 1u);
}

TEST(arena, make_and_make_array) {
  struct pod {
    std::int64_t a;
    double b;
  };
  arena a;
  pod* p = a.make<pod>(pod{7, 2.5});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->a, 7);
  EXPECT_EQ(p->b, 2.5);
  EXPECT_TRUE(aligned(p, alignof(pod)));
  std::uint32_t* xs = a.make_array<std::uint32_t>(1000);
  ASSERT_NE(xs, nullptr);
  for (std::size_t i = 0; i < 1000; ++i) EXPECT_EQ(xs[i], 0u);
  // A count whose byte size overflows is refused, not wrapped.
  EXPECT_EQ(a.make_array<std::uint64_t>(std::numeric_limits<std::size_t>::max() / 4), nullptr);
}

TEST(arena, large_allocations_get_their_own_block) {
  arena a(256);
  void* big = a.allocate(1 << 20, 8);
  ASSERT_NE(big, nullptr);
  std::memset(big, 1, 1 << 20);
  EXPECT_GE(a.bytes_reserved(), std::size_t{1} << 20);
}

TEST(arena, limit_returns_nullptr_and_keeps_state) {
  arena a;
  a.set_limit(100);
  EXPECT_EQ(a.limit(), 100u);
  ASSERT_NE(a.allocate(60, 1), nullptr);
  EXPECT_EQ(a.allocate(60, 1), nullptr);  // would pass 100
  EXPECT_EQ(a.bytes_used(), 60u);
  ASSERT_NE(a.allocate(40, 1), nullptr);  // exactly up to the limit is fine
  EXPECT_EQ(a.bytes_used(), 100u);
  EXPECT_EQ(a.allocate(1, 1), nullptr);
  EXPECT_EQ(a.make<int>(1), nullptr);
  EXPECT_EQ(a.make_array<int>(1), nullptr);
  EXPECT_TRUE(a.copy(std::string_view("x")).empty());
  EXPECT_EQ(a.bytes_used(), 100u);
}

// The fast path stops short of the limit when padding was skipped; the limit itself counts
// requested bytes only, so an allocation that fits it exactly after padding still succeeds.
TEST(arena, limit_counts_requested_bytes_not_padding) {
  arena a;
  a.set_limit(1 + 3 + 8);
  ASSERT_NE(a.allocate(1, 1), nullptr);
  ASSERT_NE(a.allocate(3, 4), nullptr);  // after 3 bytes of padding
  void* p = a.allocate(8, 8);            // after 4 more
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(aligned(p, 8));
  EXPECT_EQ(a.bytes_used(), 12u);
  EXPECT_EQ(a.allocate(1, 1), nullptr);
  a.set_limit(13);  // raising the limit lets the next byte in
  EXPECT_NE(a.allocate(1, 1), nullptr);
  EXPECT_EQ(a.bytes_used(), 13u);
}

TEST(arena, zero_byte_allocations_succeed) {
  arena a;
  EXPECT_NE(a.allocate(0, 1), nullptr);  // a fresh arena
  a.set_limit(a.bytes_used());
  EXPECT_NE(a.allocate(0, 8), nullptr);  // at the limit
  EXPECT_EQ(a.allocate(1, 1), nullptr);
}

TEST(arena, limit_refuses_a_huge_request_without_asking_the_system) {
  arena a;
  a.set_limit(1 << 20);
  EXPECT_EQ(a.allocate(std::numeric_limits<std::size_t>::max() - 8, 1), nullptr);
  EXPECT_EQ(a.allocate(std::size_t{1} << 40, 1), nullptr);
  EXPECT_EQ(a.system_allocations(), 0u);
  EXPECT_EQ(a.bytes_reserved(), 0u);
}

TEST(arena, unlimited_arena_refuses_impossible_sizes) {
  arena a;
  EXPECT_EQ(a.allocate(std::numeric_limits<std::size_t>::max() - 8, 64), nullptr);
  EXPECT_EQ(a.allocate(std::numeric_limits<std::size_t>::max(), 1), nullptr);
  EXPECT_NE(a.allocate(8), nullptr);  // still usable
}

TEST(arena, copy_string_and_bytes) {
  arena a;
  std::string s = "hello";
  std::string_view c = a.copy(s);
  s[0] = 'J';
  EXPECT_EQ(c, "hello");
  EXPECT_TRUE(a.copy(std::string_view{}).empty());
  std::vector<std::uint8_t> b{1, 2, 3};
  auto cb = a.copy(std::span<const std::uint8_t>(b));
  b[0] = 9;
  ASSERT_EQ(cb.size(), 3u);
  EXPECT_EQ(cb[0], 1);
  EXPECT_TRUE(a.copy(std::span<const std::uint8_t>{}).empty());
}

TEST(arena, reset_forgets_allocations_and_merges_blocks_into_one) {
  arena a(256);
  for (int i = 0; i < 100; ++i) ASSERT_NE(a.allocate(100, 8), nullptr);
  const std::size_t blocks = a.system_allocations();
  ASSERT_GT(blocks, 1u);
  const std::size_t reserved = a.bytes_reserved();
  a.reset();
  EXPECT_EQ(a.bytes_used(), 0u);
  EXPECT_EQ(a.bytes_reserved(), reserved);        // as much memory, now in one block
  EXPECT_EQ(a.system_allocations(), blocks + 1);  // the merged block
  // The same workload fits in the merged block without asking the system.
  for (int i = 0; i < 100; ++i) ASSERT_NE(a.allocate(100, 8), nullptr);
  EXPECT_EQ(a.system_allocations(), blocks + 1);
  // Resetting a single block keeps it as it is.
  a.reset();
  EXPECT_EQ(a.bytes_reserved(), reserved);
  EXPECT_EQ(a.system_allocations(), blocks + 1);
}

TEST(arena, reset_of_an_empty_arena) {
  arena a;
  a.reset();
  EXPECT_EQ(a.bytes_used(), 0u);
  EXPECT_NE(a.allocate(16), nullptr);
}

TEST(arena, reset_keeps_the_limit) {
  arena a;
  a.set_limit(64);
  ASSERT_NE(a.allocate(64, 1), nullptr);
  a.reset();
  EXPECT_EQ(a.limit(), 64u);
  EXPECT_NE(a.allocate(64, 1), nullptr);
  EXPECT_EQ(a.allocate(1, 1), nullptr);
}

// The documented promise: "reset() keeps the memory for the next graph, so a warmed-up arena
// allocates nothing from the heap". One graph's worth of allocations, after one reset, must
// therefore be served again without a system allocation.
TEST(arena, the_same_workload_after_reset_needs_no_system_allocation) {
  arena a;  // default first block: 4096 bytes
  auto workload = [&] {
    for (int i = 0; i < 7; ++i) ASSERT_NE(a.allocate(4000, 8), nullptr);
  };
  workload();
  a.reset();
  const std::size_t before = a.system_allocations();
  workload();
  EXPECT_EQ(a.system_allocations(), before)
      << "the arena went back to the system for a workload it had served";
}

TEST(arena, move_construction_transfers_memory) {
  arena a;
  auto* p = static_cast<char*>(a.allocate(6, 1));
  ASSERT_NE(p, nullptr);
  std::memcpy(p, "hello", 6);
  a.set_limit(1000);
  const std::size_t reserved = a.bytes_reserved();
  arena b(std::move(a));
  EXPECT_STREQ(p, "hello");  // still alive, now owned by b
  EXPECT_EQ(b.bytes_used(), 6u);
  EXPECT_EQ(b.bytes_reserved(), reserved);
  EXPECT_EQ(b.limit(), 1000u);
  EXPECT_EQ(b.system_allocations(), 1u);
  EXPECT_EQ(a.bytes_used(), 0u);      // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(a.bytes_reserved(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_NE(a.allocate(8), nullptr);  // and usable
}

TEST(arena, move_assignment_releases_the_old_memory) {
  arena a;
  ASSERT_NE(a.allocate(100), nullptr);
  arena b;
  ASSERT_NE(b.allocate(5000), nullptr);
  b = std::move(a);
  EXPECT_EQ(b.bytes_used(), 100u);
  EXPECT_EQ(a.bytes_used(), 0u);  // NOLINT(bugprone-use-after-move)
  arena& self = b;
  b = std::move(self);
  EXPECT_EQ(b.bytes_used(), 100u);
}

}  // namespace
}  // namespace amphora::amf
