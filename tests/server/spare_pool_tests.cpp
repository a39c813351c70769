// What a finished request leaves behind, kept per thread (src/server/gateway/spare_pool.hpp): an
// exchange's arena and a written reply's body serve the next request on the same thread, within
// the pool's limits. Each test runs in a thread of its own, whose pools start empty.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "gateway/reply_buffers.hpp"
#include "gateway/spare_pool.hpp"
#include "write_buffers.hpp"

namespace amphora::server::detail {
namespace {

struct ints_traits {
  static std::size_t bytes(const std::vector<int>& v) noexcept { return v.capacity() * sizeof(int); }
  static void empty(std::vector<int>& v) noexcept { v.clear(); }
};
// At most 400 bytes (100 ints) each, 1,000 bytes in all.
using int_pool = spare_pool<std::vector<int>, ints_traits, 400, 1000>;

template <class Test>
void in_new_thread(Test test) {
  std::thread t(test);
  t.join();
}

TEST(spare_pool, what_is_given_back_is_handed_out_again_emptied) {
  in_new_thread([] {
    EXPECT_EQ(int_pool::take().capacity(), 0u);  // nothing kept yet
    std::vector<int> v(50, 7);
    const int* storage = v.data();
    int_pool::give_back(v);
    std::vector<int> again = int_pool::take();
    EXPECT_EQ(again.data(), storage);
    EXPECT_TRUE(again.empty());
    EXPECT_EQ(int_pool::take().capacity(), 0u);  // it was the only one
  });
}

TEST(spare_pool, keeps_nothing_past_its_limits) {
  in_new_thread([] {
    std::vector<int> large(101);  // 404 bytes: over the 400 of one
    int_pool::give_back(large);
    EXPECT_EQ(int_pool::take().capacity(), 0u);
    std::vector<int> empty;  // holds no memory: nothing to keep
    int_pool::give_back(empty);
    EXPECT_EQ(int_pool::take().capacity(), 0u);
    // Three of 400 bytes are 1,200: the third does not fit in the 1,000.
    for (int i = 0; i < 3; ++i) {
      std::vector<int> v;
      v.reserve(100);
      int_pool::give_back(v);
    }
    EXPECT_EQ(int_pool::take().capacity(), 100u);
    EXPECT_EQ(int_pool::take().capacity(), 100u);
    EXPECT_EQ(int_pool::take().capacity(), 0u);
  });
}

TEST(reply_bodies, a_written_reply_body_serves_the_next_reply_on_its_thread) {
  in_new_thread([] {
    std::vector<std::uint8_t> body(1000, 1);
    const std::uint8_t* storage = body.data();
    keep_reply_body(body);
    EXPECT_EQ(body.capacity(), 0u);  // given up either way
    std::vector<std::uint8_t> next = spare_reply_body();
    EXPECT_EQ(next.data(), storage);
    EXPECT_TRUE(next.empty());
    std::vector<std::uint8_t> huge(1 << 20);  // 1 MiB: past what one spare may hold
    keep_reply_body(huge);
    EXPECT_EQ(huge.capacity(), 0u);
    EXPECT_EQ(spare_reply_body().capacity(), 0u);
  });
}

TEST(reply_bodies, another_thread_does_not_see_this_threads_spares) {
  std::vector<std::uint8_t> body(1000, 1);
  in_new_thread([&body] { keep_reply_body(body); });
  in_new_thread([] { EXPECT_EQ(spare_reply_body().capacity(), 0u); });
}

TEST(write_buffers, a_large_write_buffer_given_back_serves_the_next_drain_on_its_thread) {
  in_new_thread([] {
    std::vector<std::uint8_t> small(max_kept_write_buffer, 1);  // kept by its session, as before
    const std::uint8_t* small_storage = small.data();
    give_back_write_buffer(small);
    EXPECT_TRUE(small.empty());
    EXPECT_EQ(small.data(), small_storage);

    std::vector<std::uint8_t> burst(8 * 1024, 2);
    const std::uint8_t* burst_storage = burst.data();
    give_back_write_buffer(burst);
    EXPECT_EQ(burst.capacity(), 0u);  // the session holds none after its burst

    // The next drain: the small buffer (its session's bytes kept in front) becomes the spare.
    small.assign({7, 8, 9});
    use_spare_write_buffer(small);
    EXPECT_EQ(small.data(), burst_storage);
    EXPECT_EQ(small, (std::vector<std::uint8_t>{7, 8, 9}));

    // No spare left: the buffer stays as it is.
    std::vector<std::uint8_t> other{1};
    const std::uint8_t* other_storage = other.data();
    use_spare_write_buffer(other);
    EXPECT_EQ(other.data(), other_storage);
  });
}

TEST(write_buffers, a_thread_keeps_no_more_than_its_bound) {
  in_new_thread([] {
    std::vector<std::uint8_t> huge(max_spare_write_buffer + 1);  // past what one spare may hold
    give_back_write_buffer(huge);
    EXPECT_EQ(huge.capacity(), 0u);
    EXPECT_EQ(spare_write_buffers::take().capacity(), 0u);

    const std::size_t fit = max_spare_write_bytes / max_spare_write_buffer;
    for (std::size_t i = 0; i < fit + 3; ++i) {
      std::vector<std::uint8_t> b(max_spare_write_buffer);
      give_back_write_buffer(b);
      EXPECT_EQ(b.capacity(), 0u) << i;  // kept or freed, never left with its session
    }
    std::size_t kept = 0;
    while (spare_write_buffers::take().capacity() == max_spare_write_buffer) ++kept;
    EXPECT_EQ(kept, fit);
  });
}

}  // namespace
}  // namespace amphora::server::detail
