// The memory a session parses a request into (src/server/request_memory.hpp): one block of this
// thread's spares, handed out in order and given back whole, the heap for what does not fit; and
// a reply's Content-Type (server::media_type, include/amphora/server/handler.hpp), held in place
// when short. Each request_memory test runs in a thread of its own, whose spares start empty.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "amphora/server/handler.hpp"
#include "net.hpp"
#include "request_memory.hpp"

namespace amphora::server::detail {
namespace {

template <class Test>
void in_new_thread(Test test) {
  std::thread t(test);
  t.join();
}

bool inside(const void* p, const void* begin, std::size_t bytes) {
  const auto* b = static_cast<const std::byte*>(begin);
  const auto* q = static_cast<const std::byte*>(p);
  return q >= b && q < b + bytes;
}

TEST(request_memory, small_pieces_share_one_block_and_the_rest_comes_from_the_heap) {
  in_new_thread([] {
    request_memory memory;
    EXPECT_FALSE(memory.holds_block());
    void* first = memory.allocate(100, 8);
    ASSERT_TRUE(memory.holds_block());
    void* second = memory.allocate(200, 8);
    EXPECT_TRUE(inside(second, first, request_memory::block_bytes));
    EXPECT_EQ(static_cast<std::byte*>(second) - static_cast<std::byte*>(first), 104);  // in order, aligned
    // Larger than what is left of the block: the heap, freed on its own.
    void* large = memory.allocate(request_memory::block_bytes, 8);
    EXPECT_FALSE(inside(large, first, request_memory::block_bytes));
    memory.deallocate(large, 8);
    memory.deallocate(second, 8);  // a piece of the block: left in place
    memory.deallocate(first, 8);
    memory.reset();
    EXPECT_FALSE(memory.holds_block());
  });
}

TEST(request_memory, a_reset_block_serves_the_next_request_on_its_thread) {
  in_new_thread([] {
    request_memory memory;
    void* first = memory.allocate(64, 8);
    memory.reset();
    request_memory other;  // another session on the same thread
    EXPECT_EQ(other.allocate(64, 8), first);
    void* again = memory.allocate(64, 8);  // the first has none spare now: a block of its own
    EXPECT_NE(again, first);
  });
}

TEST(request_memory, beast_fields_and_body_live_in_it) {
  in_new_thread([] {
    request_memory memory;
    {
      http::basic_fields<request_allocator<char>> fields{request_allocator<char>(memory)};
      fields.insert(http::field::host, "example.org");
      fields.insert("X-Long", std::string(5000, 'x'));  // past the block: from the heap
      std::vector<std::uint8_t, request_allocator<std::uint8_t>> body{
          request_allocator<std::uint8_t>(memory)};
      body.assign(300, 7);
      EXPECT_TRUE(memory.holds_block());
      EXPECT_EQ(fields[http::field::host], "example.org");
      EXPECT_EQ(fields["X-Long"].size(), 5000u);
      EXPECT_EQ(body.size(), 300u);
    }
    memory.reset();
    EXPECT_FALSE(memory.holds_block());
  });
}

}  // namespace
}  // namespace amphora::server::detail

namespace amphora::server {
namespace {

TEST(media_type, holds_short_and_long_types_as_strings) {
  reply r;
  EXPECT_EQ(r.content_type, "application/x-amf");
  r.content_type = "text/plain";
  EXPECT_EQ(r.content_type.view(), "text/plain");
  const std::string longer = "multipart/form-data; boundary=----0123456789abcdefghijklmnopqrstuvwxyz";
  r.content_type = longer;
  EXPECT_EQ(r.content_type.view(), longer);
  EXPECT_EQ(r.content_type.size(), longer.size());
  media_type copy = r.content_type;
  EXPECT_EQ(copy, r.content_type);
  r.content_type = std::string(media_type::inline_capacity, 'a');  // the longest held in place
  EXPECT_EQ(r.content_type.view(), std::string(media_type::inline_capacity, 'a'));
  EXPECT_EQ(copy.view(), longer);
  copy = "text/html";  // from a long one back to a short one
  EXPECT_EQ(copy.view(), "text/html");
  copy.clear();
  EXPECT_TRUE(copy.empty());
  EXPECT_EQ(copy.view(), "");
}

}  // namespace
}  // namespace amphora::server
