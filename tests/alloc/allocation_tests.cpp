// "Decoding allocates nothing per value once a reusable arena has warmed up" (issue #2): this
// executable replaces the global operator new/delete to count heap allocations, and checks that
// a second decode with the same amf3_decoder / amf0_decoder into a reset() arena allocates
// nothing at all: no operator new, and no new arena block (the arena's only use of malloc).
// It is its own executable because the replacement affects everything linked into it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "amphora/amf.hpp"

namespace {
std::atomic<std::size_t> allocations{0};

void* counted(std::size_t n, std::size_t align = 0) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                              : std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace amphora::amf {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A graph like payloads/complex.json, built here so the test never depends on files outside the
// repository: 100 records of strings, numbers, a date, a null-or-string, shared tag arrays.
value records(arena& a) {
  static const char* const cities[] = {"Porto", "Lyon", "Paris", "Berlin"};
  array_node* list = new_array(a);
  array_node* shared_tags = new_array(a);
  (void)shared_tags->dense.push_back(a, value::string("b2b"));
  for (int i = 0; i < 100; ++i) {
    object_node* r = new_object(a);
    (void)add_dynamic(a, *r, "id", value::integer(1000 + i));
    (void)add_dynamic(a, *r, "city", value::string(cities[i % 4]));
    (void)add_dynamic(a, *r, "total", value::number(i * 17.25));
    (void)add_dynamic(a, *r, "due", value::of(new_date(a, 1.7e12 + i * 86400000.0)));
    (void)add_dynamic(a, *r, "note", i % 3 ? value::null() : make_string(a, "note " + std::to_string(i)));
    (void)add_dynamic(a, *r, "tags", value::of(shared_tags));
    (void)list->dense.push_back(a, value::of(r));
  }
  object_node* root = new_object(a);
  (void)add_dynamic(a, *root, "count", value::integer(100));
  (void)add_dynamic(a, *root, "records", value::of(list));
  return value::of(root);
}

struct payload {
  std::string name;
  std::vector<std::uint8_t> amf3, amf0;
};

std::vector<payload> payloads() {
  std::vector<payload> out;
  auto add = [&out](std::string name, const value& v) {
    payload p{std::move(name), {}, {}};
    EXPECT_TRUE(encode_amf3(v, p.amf3)) << p.name;
    EXPECT_TRUE(encode_amf0(v, p.amf0)) << p.name;
    out.push_back(std::move(p));
  };
  arena a;
  add("built-in records", records(a));
  const std::string complex = read_file(std::string(AMPHORA_PAYLOAD_DIR) + "/complex.json");
  if (!complex.empty()) {
    auto v = value_from_json(complex, a);
    EXPECT_TRUE(v) << v.error().message();
    if (v) add("payloads/complex.json", *v);
  }
  return out;
}

// Decodes `wire` twice with one decoder and one arena (reset between); returns the heap
// allocations of the second decode and checks that the arena asked the system for nothing.
template <class Decoder>
std::size_t second_decode_allocations(Decoder& decoder, const std::vector<std::uint8_t>& wire,
                                      const std::string& what) {
  arena memory;
  auto first = decoder.decode(wire, memory);
  EXPECT_TRUE(first) << what << ": " << first.error().message();
  memory.reset();
  const std::size_t blocks = memory.system_allocations();
  const std::size_t before = allocations.load();
  auto second = decoder.decode(wire, memory);
  const std::size_t during = allocations.load() - before;
  EXPECT_TRUE(second) << what << ": " << second.error().message();
  EXPECT_EQ(memory.system_allocations(), blocks)
      << what << ": the reset arena took a new block from the system";
  return during;
}

TEST(allocation, the_counter_counts) {
  const std::size_t before = allocations.load();
  auto* p = new std::vector<int>(100);
  delete p;
  EXPECT_GE(allocations.load() - before, 2u);
}

TEST(allocation, warmed_up_amf3_decoder_and_reset_arena_allocate_nothing) {
  for (const payload& p : payloads()) {
    amf3_decoder decoder;
    EXPECT_EQ(second_decode_allocations(decoder, p.amf3, p.name), 0u) << p.name;
  }
}

TEST(allocation, warmed_up_amf0_decoder_and_reset_arena_allocate_nothing) {
  for (const payload& p : payloads()) {
    amf0_decoder decoder;
    EXPECT_EQ(second_decode_allocations(decoder, p.amf0, p.name), 0u) << p.name;
  }
}

// Warm on the bigger input, then decode the smaller one: nothing either.
TEST(allocation, a_decoder_warmed_on_a_bigger_input_allocates_nothing_for_a_smaller_one) {
  const std::vector<payload> all = payloads();
  amf3_decoder decoder;
  arena memory;
  for (const payload& p : all) ASSERT_TRUE(decoder.decode(p.amf3, memory));
  memory.reset();
  const std::size_t before = allocations.load();
  const std::size_t blocks = memory.system_allocations();
  auto r = decoder.decode(all.front().amf3, memory);
  EXPECT_EQ(allocations.load() - before, 0u);
  EXPECT_EQ(memory.system_allocations(), blocks);
  EXPECT_TRUE(r);
}

}  // namespace
}  // namespace amphora::amf
