// "Decoding allocates nothing per value once a reusable arena has warmed up" (issue #2): this
// executable replaces the global operator new/delete to count heap allocations, and checks that
// a second decode with the same amf3_decoder / amf0_decoder into a reset() arena allocates
// nothing at all: no operator new, and no new arena block (the arena's only use of malloc).
// The one-shot entry points (decode_packet, encode_packet, decode_amf3, encode_amf3) keep the
// thread's reader and writer between calls: the same holds for them, and the heap they keep
// after a large value is bounded (live bytes are counted too).
// It is its own executable because the replacement affects everything linked into it.
#include <gtest/gtest.h>
#include <malloc.h>

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
std::atomic<std::size_t> live_bytes{0};  // usable bytes of the blocks not yet freed

void* counted(std::size_t n, std::size_t align = 0) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                              : std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  live_bytes.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  live_bytes.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
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
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

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

// A Flex CommandMessage (CLIENT_PING) request as Apache Royale sends it (tests/data/packet.golden,
// royale-ping-request): an AMF0 packet whose body switches to AMF3 for a typed object with
// sealed members and a headers object.
std::vector<std::uint8_t> flex_request() {
  static const char* const hex =
      "00030000000100046e756c6c00022f310000000111090301"
      "0a81134d666c65782e6d6573736167696e672e6d657373616765732e436f6d6d616e644d657373616765"
      "09626f647911636c69656e7449641b636f7272656c6174696f6e49641764657374696e6174696f6e0f"
      "68656164657273136d657373616765496413"
      "6f7065726174696f6e1574696d65546f4c6976651374696d657374616d70"
      "0a0b010101060106010a052544534d6573736167696e6756657273696f6e04010944534964"
      "06076e696c010649363035374531463"
      "62d374636442d373837362d343735422d364230364137453133383132040504000400";
  std::vector<std::uint8_t> out;
  for (const char* p = hex; p[0] != 0 && p[1] != 0; p += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
  }
  return out;
}

// Runs `call` twice; returns the heap allocations of the second run.
template <class Call>
std::size_t second_call_allocations(Call call) {
  call();
  const std::size_t before = allocations.load();
  call();
  return allocations.load() - before;
}

TEST(allocation, one_shot_packet_decode_and_encode_allocate_nothing_once_the_thread_has_seen_one) {
  const std::vector<std::uint8_t> wire = flex_request();
  arena memory;
  std::vector<std::uint8_t> out;
  out.reserve(4096);
  std::vector<std::uint8_t> encoded;
  const std::size_t decode = second_call_allocations([&] {
    memory.reset();
    auto p = decode_packet(wire, memory);
    ASSERT_TRUE(p) << p.error().message();
    ASSERT_EQ(p->bodies.size(), 1u);
  });
  EXPECT_EQ(decode, 0u);
  auto p = decode_packet(wire, memory);
  ASSERT_TRUE(p) << p.error().message();
  const std::size_t encode = second_call_allocations([&] {
    out.clear();
    ASSERT_TRUE(encode_packet(*p, out));
  });
  EXPECT_EQ(encode, 0u);
  // What the reused writer wrote is what a fresh one writes: the request's own bytes (it was
  // encoded by a writer with the same tables' rules).
  auto again = decode_packet(out, memory);
  ASSERT_TRUE(again) << again.error().message();
  ASSERT_TRUE(encode_packet(*again, encoded));
  EXPECT_EQ(encoded, out);
}

TEST(allocation, one_shot_amf3_decode_and_encode_allocate_nothing_once_the_thread_has_seen_one) {
  for (const payload& p : payloads()) {
    arena memory;
    const std::size_t decode = second_call_allocations([&] {
      memory.reset();
      auto v = decode_amf3(p.amf3, memory);
      ASSERT_TRUE(v) << p.name << ": " << v.error().message();
    });
    EXPECT_EQ(decode, 0u) << p.name;
    auto v = decode_amf3(p.amf3, memory);
    ASSERT_TRUE(v) << p.name;
    std::vector<std::uint8_t> out;
    out.reserve(p.amf3.size() * 2);
    const std::size_t encode = second_call_allocations([&] {
      out.clear();
      ASSERT_TRUE(encode_amf3(*v, out)) << p.name;
    });
    EXPECT_EQ(encode, 0u) << p.name;
    EXPECT_EQ(out, p.amf3) << p.name;
  }
}

// 20,000 distinct strings grow the writer's and the reader's string tables to about 1.8 MiB
// together; once the calls return, the thread keeps at most max_spare_bytes of them per kind
// of state (four kinds here: packet and AMF3, reader and writer).
TEST(allocation, a_large_value_leaves_at_most_the_spare_limit_of_tables_on_the_thread) {
  constexpr std::size_t spare_limit = 64 * 1024;  // detail::max_spare_bytes
  const std::vector<std::uint8_t> small = flex_request();
  auto round_trip = [](const value& v) {
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(encode_amf3(v, bytes));
    arena memory;
    ASSERT_TRUE(decode_amf3(bytes, memory));
    packet p;
    arena a;
    value body = v;
    body.set_flags(value::flag_avmplus);
    ASSERT_TRUE(p.bodies.push_back(a, packet_body{"null", "/1", body}));
    bytes.clear();
    ASSERT_TRUE(encode_packet(p, bytes));
    ASSERT_TRUE(decode_packet(bytes, memory));
  };
  arena warm;
  auto request = decode_packet(small, warm);
  ASSERT_TRUE(request);
  round_trip(request->bodies[0].val);  // the thread's four states exist, with small tables
  const std::size_t before = live_bytes.load();
  {
    arena a;
    array_node* list = new_array(a);
    for (int i = 0; i < 20000; ++i) {
      ASSERT_TRUE(list->dense.push_back(a, make_string(a, "distinct string " + std::to_string(i))));
    }
    round_trip(value::of(list));
  }
  const std::size_t after = live_bytes.load();
  EXPECT_LE(after, before + 4 * spare_limit) << "kept " << (after - before) << " bytes";
}

}  // namespace
}  // namespace amphora::amf
