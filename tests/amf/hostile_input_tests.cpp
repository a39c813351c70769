// Hostile input: the crash inputs that killed AmFast and Py3AMF (reference/amfast.md §5.1,
// reference/py3amf.md §7f-g), deep nesting, huge declared lengths, reference bombs, every limit
// and invalid UTF-8. Every error is checked for its kind and its byte offset (conventions in
// support/checks.hpp); error_kind_tests.cpp has one test per error kind and decoder.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "support/checks.hpp"
#include "support/codec.hpp"

namespace amphora::test {
namespace {

using amf::arena;
using amf::decode_options;
using amf::errc;
using amf::value;

bytes repeat(std::string_view hex, std::size_t times, std::string_view tail_hex = "") {
  return builder{}.repeat(from_hex(hex), times).hex(tail_hex).take();
}

// The Flex request packet AmFast died on: version 3, no headers, one body with target "null",
// response "/1", a length, then AMF0 strict array(1) holding 0x11 and `amf3` (reference/amfast.md
// §5.1). `at` receives the offset of `amf3` in the packet.
bytes flex_request(const bytes& amf3, std::size_t& at) {
  builder b;
  b.u16(3).u16(0).u16(1).str16("null").str16("/1").u32(static_cast<std::uint32_t>(6 + amf3.size()));
  b.u8(0x0A).u32(1).u8(0x11);
  at = b.size();
  return b.raw(amf3).take();
}

// ---- the inputs that crashed AmFast and cpyamf ----

TEST(hostile_crash_inputs, negative_or_huge_amf3_references) {
  // U29 0x1FFFFFFE: a reference (low bit 0) to index 0x0FFFFFFF; AmFast sign-extended it to -1.
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("0A FF FF FF FE"), errc::bad_reference, 1));
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("06 FF FF FF FE"), errc::bad_reference, 1));
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("09 FF FF FF FE"), errc::bad_reference, 1));
  // Every other object-table type, and a traits reference (cpyamf's crash: low bits 01).
  for (const char* marker : {"07", "08", "0B", "0C", "0D", "0E", "0F", "10", "11"}) {
    EXPECT_TRUE(
        fails_with(wire_format::amf3, from_hex(std::string(marker) + " FF FF FF FE"), errc::bad_reference, 1))
        << marker;
  }
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("0A FF FF FF FD"), errc::bad_reference, 1));
  // The same, when the tables are not empty: index 1 of a one-entry table.
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("09 05 01 06 03 61 06 02"), errc::bad_reference, 7));
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("09 05 01 01 0A 02"), errc::bad_reference, 5));
}

TEST(hostile_crash_inputs, amf3_references_inside_a_flex_request) {
  for (const char* amf3 : {"0A FF FF FF FE", "06 FF FF FF FE", "09 FF FF FF FE"}) {
    std::size_t at = 0;
    const bytes packet = flex_request(from_hex(amf3), at);
    ASSERT_EQ(at, 26u);
    EXPECT_TRUE(fails_with(wire_format::packet, packet, errc::bad_reference, at + 1)) << amf3;
  }
  // ... and inside a plain AMF0 value after the AVM+ switch.
  EXPECT_TRUE(fails_with(wire_format::amf0, from_hex("11 0A FF FF FF FE"), errc::bad_reference, 2));
  EXPECT_TRUE(
      fails_with(wire_format::amf0, from_hex("0A 00 00 00 01 11 0A FF FF FF FE"), errc::bad_reference, 7));
}

TEST(hostile_crash_inputs, amf0_dates_nan_infinite_or_out_of_range) {
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                        1e300,
                        -1e300,
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(),
                        8.64e15 + 1,
                        -8.64e15 - 1};
  for (double d : bad) {
    EXPECT_TRUE(fails_with(wire_format::amf0, builder{}.u8(0x0B).f64(d).u16(0).take(), errc::invalid_date, 1))
        << d;
    EXPECT_TRUE(
        fails_with(wire_format::amf3, builder{}.u8(0x08).u8(0x01).f64(d).take(), errc::invalid_date, 2))
        << d;
  }
  // The edges of ECMAScript's range are dates.
  for (double d : {8.64e15, -8.64e15}) {
    arena memory;
    auto r = amf::decode_amf0(builder{}.u8(0x0B).f64(d).u16(0).take(), memory);
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(r->as_date().millis, d);
  }
  // Inside an AMF0 object and inside a packet body (11 bytes was enough to kill AmFast).
  EXPECT_TRUE(fails_with(wire_format::amf0,
                         builder{}
                             .hex("03 00 01 64 0B")
                             .f64(std::numeric_limits<double>::quiet_NaN())
                             .hex("00 00 00 00 09")
                             .take(),
                         errc::invalid_date, 5));
}

// ---- nesting: depth_exceeded, never a stack overflow ----

constexpr std::size_t deep = 200000;
constexpr std::size_t max_depth = 512;  // limits{}.max_depth

TEST(hostile_nesting, amf3_arrays_objects_vectors_dictionaries) {
  // The 513th container is refused; each pattern below is one container holding the next.
  struct nest {
    const char* what;
    const char* unit;
  };
  const nest nests[] = {
      {"array of 1 (py3amf §7f)", "09 03 01"},      {"dynamic object {a: ...}", "0A 0B 01 03 61"},
      {"Vector.<Object> of 1", "10 03 00 01"},      {"Dictionary {null: ...}", "11 03 00 01"},
      {"array with assoc {a: ...}", "09 01 03 61"},
  };
  for (const nest& n : nests) {
    const bytes unit = from_hex(n.unit);
    const bytes input = repeat(n.unit, deep, "01");
    EXPECT_TRUE(fails_with(wire_format::amf3, input, errc::depth_exceeded, max_depth * unit.size()))
        << n.what;
  }
}

TEST(hostile_nesting, amf0_arrays_objects) {
  struct nest {
    const char* what;
    const char* unit;
  };
  const nest nests[] = {
      {"strict array of 1 (amfast §5.1)", "0A 00 00 00 01"},
      {"object {a: ...}", "03 00 01 61"},
      {"ECMA array {a: ...}", "08 00 00 00 01 00 01 61"},
      {"typed object T {a: ...}", "10 00 01 54 00 01 61"},
  };
  for (const nest& n : nests) {
    const bytes unit = from_hex(n.unit);
    EXPECT_TRUE(fails_with(wire_format::amf0, repeat(n.unit, deep, "05"), errc::depth_exceeded,
                           max_depth * unit.size()))
        << n.what;
  }
}

TEST(hostile_nesting, depth_counts_across_the_avmplus_switch) {
  // AMF0 strict array(1) -> 0x11 -> AMF3 array(1) -> AMF3 array(1) ...: one depth for both.
  const bytes input = builder{}.hex("0A 00 00 00 01 11").repeat(from_hex("09 03 01"), deep).hex("01").take();
  EXPECT_TRUE(fails_with(wire_format::amf0, input, errc::depth_exceeded, 6 + (max_depth - 1) * 3));
}

TEST(hostile_nesting, externalizable_collections) {
  // ArrayCollection -> source array -> ArrayCollection ...: two containers per step.
  const std::string_view alias = "flex.messaging.io.ArrayCollection";
  builder b;
  b.u8(0x0A).u8(0x07).u29(static_cast<std::uint32_t>(alias.size() * 2 + 1)).raw(alias).hex("09 03 01");
  const std::size_t first = b.size();
  b.repeat(from_hex("0A 01 09 03 01"), deep).hex("01");  // traits reference #0 after the first
  // Levels: object 1, array 2, then step k holds object 3 + 2k and array 4 + 2k: the 513th
  // container is the object of step 255.
  EXPECT_TRUE(fails_with(wire_format::amf3, b.take(), errc::depth_exceeded, first + std::size_t{255} * 5));
}

TEST(hostile_nesting, packet_bodies) {
  builder b;
  b.u16(3).u16(0).u16(1).str16("null").str16("/1").u32(0xFFFFFFFF);
  const std::size_t at = b.size();
  b.repeat(from_hex("0A 00 00 00 01"), deep).hex("05");
  // The packet is one level: its value may nest max_depth - 1 containers.
  EXPECT_TRUE(fails_with(wire_format::packet, b.take(), errc::depth_exceeded, at + (max_depth - 1) * 5));
}

TEST(hostile_nesting, json) {
  const std::string deep_json = std::string(deep, '[') + std::string(deep, ']');
  arena memory;
  auto r = amf::value_from_json(deep_json, memory);
  ASSERT_FALSE(r);
  EXPECT_EQ(errc_name(code_of(r.error())), "depth_exceeded") << describe(r.error());
  EXPECT_LE(r.error().offset, 4 * max_depth + 9);
  // Within the reader's bracket bound, the mapping counts containers like the decoders.
  const std::string nested_513 = std::string(513, '[') + std::string(513, ']');
  EXPECT_TRUE(json_fails_with(nested_513, errc::depth_exceeded, 512));
  const std::string nested_512 = std::string(512, '[') + std::string(512, ']');
  EXPECT_TRUE(amf::value_from_json(nested_512, memory));
}

TEST(hostile_nesting, encoders_refuse_deep_graphs) {
  arena memory;
  value v = value::null();
  for (std::size_t i = 0; i < deep; ++i) {
    amf::array_node* n = amf::new_array(memory);
    ASSERT_TRUE(n && n->dense.push_back(memory, v));
    v = value::of(n);
  }
  bytes out;
  amf::status s = amf::encode_amf3(v, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(errc_name(code_of(s.error())), "depth_exceeded");
  out.clear();
  s = amf::encode_amf0(v, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(errc_name(code_of(s.error())), "depth_exceeded");
  std::string json = "unchanged";
  s = amf::to_json(v, json);
  ASSERT_FALSE(s);
  EXPECT_EQ(errc_name(code_of(s.error())), "depth_exceeded");
  EXPECT_EQ(json, "unchanged");
  EXPECT_TRUE(amf::deep_equal(v, v));
}

// ---- huge declared lengths: refused before anything is allocated ----

struct huge_case {
  wire_format format;
  const char* what;
  const char* hex;
  std::size_t offset;  // where the declared data would start
};

// Lengths and counts of 0xFFFFFFFF (AMF0, packet) or 0x0FFFFFFF (AMF3's 28 bits) followed by a
// few bytes.
const huge_case huge_cases[] = {
    {wire_format::amf3, "string", "06 FF FF FF FF 41 41", 5},
    {wire_format::amf3, "XMLDocument", "07 FF FF FF FF 41 41", 5},
    {wire_format::amf3, "XML", "0B FF FF FF FF 41 41", 5},
    {wire_format::amf3, "ByteArray", "0C FF FF FF FF 41 41", 5},
    {wire_format::amf3, "array dense count", "09 FF FF FF FF 01 01", 5},
    {wire_format::amf3, "Vector.<int> count", "0D FF FF FF FF 00 41 41", 6},
    {wire_format::amf3, "Vector.<uint> count", "0E FF FF FF FF 00 41 41", 6},
    {wire_format::amf3, "Vector.<Number> count", "0F FF FF FF FF 00 41 41", 6},
    {wire_format::amf3, "Vector.<Object> count", "10 FF FF FF FF 00 01 01", 6},
    {wire_format::amf3, "Dictionary count", "11 FF FF FF FF 00 01 01", 6},
    {wire_format::amf3, "sealed member count", "0A FF FF FF F3 01 01", 5},
    {wire_format::amf3, "member name", "0A 0B 01 FF FF FF FF 41", 7},
    {wire_format::amf3, "class name", "0A 03 FF FF FF FF 41", 6},
    {wire_format::amf0, "string", "02 FF FF 41 41", 3},
    {wire_format::amf0, "long string", "0C FF FF FF FF 41 41", 5},
    {wire_format::amf0, "XML document", "0F FF FF FF FF 41 41", 5},
    {wire_format::amf0, "strict array count", "0A FF FF FF FF 05 05", 5},
    {wire_format::amf0, "typed object class name", "10 FF FF 41 41", 3},
    {wire_format::amf0, "object key", "03 FF FF 41 41", 3},
    {wire_format::amf0, "AMF3 string after 0x11", "11 06 FF FF FF FF 41", 6},
    {wire_format::packet, "header count", "00 03 FF FF 00 00 00 00", 4},
    {wire_format::packet, "body count", "00 03 00 00 FF FF 00 00 00 00", 6},
    {wire_format::packet, "header name", "00 03 00 01 FF FF 00 00 00 00 00 00 00 00", 6},
    {wire_format::packet, "body target", "00 03 00 00 00 01 FF FF 00 00 00 00 00 00 00 00", 8},
};

TEST(hostile_lengths, refused_before_allocation_whatever_the_limits) {
  for (const huge_case& c : huge_cases) {
    const bytes input = from_hex(c.hex);
    EXPECT_TRUE(fails_with(c.format, input, errc::length_exceeds_input, c.offset, permissive())) << c.what;
    arena memory;
    (void)decode_as(c.format, input, memory, permissive());
    EXPECT_LT(memory.bytes_used(), 4096u) << c.what << ": allocated for the declared length";
    EXPECT_LE(memory.bytes_reserved(), 64u << 10) << c.what;
  }
}

TEST(hostile_lengths, refused_with_default_limits_too) {
  for (const huge_case& c : huge_cases) {
    arena memory;
    const decoded d = decode_as(c.format, from_hex(c.hex), memory);
    ASSERT_FALSE(d.ok()) << c.what;
    EXPECT_TRUE(d.code() == errc::length_exceeds_input || d.code() == errc::limit_exceeded)
        << c.what << ": " << describe(d.error);
    EXPECT_LT(memory.bytes_used(), 4096u) << c.what;
  }
}

TEST(hostile_lengths, amf0_ecma_count_is_only_a_hint) {
  // Players write wrong counts; the count allocates nothing and the members decide.
  arena memory;
  auto r = amf::decode_amf0(from_hex("08 FF FF FF FF 00 01 61 05 00 00 09"), memory);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_TRUE(r->is(amf::kind::array));
  EXPECT_TRUE(r->as_array().ecma);
  EXPECT_EQ(r->as_array().assoc.size(), 1u);
  EXPECT_LT(memory.bytes_used(), 4096u);
}

// ---- reference bombs: shared nodes stay shared ----

// An AMF3 array of `refs` elements: one object with `members` members, then references to it.
bytes amf3_reference_bomb(std::uint32_t refs, std::uint32_t members) {
  builder b;
  b.u8(0x09).u29(refs * 2 + 1).u8(0x01);
  b.hex("0A 0B 01");
  for (std::uint32_t i = 0; i < members; ++i) {
    const std::string key = "member" + std::to_string(i);
    b.u8(static_cast<std::uint8_t>(key.size() * 2 + 1)).raw(key).u8(0x04).u29(i);
  }
  b.u8(0x01);
  return b.repeat(from_hex("0A 02"), refs - 1).take();  // object table: #0 array, #1 object
}

TEST(hostile_bombs, a_million_references_to_one_big_object) {
  const bytes input = amf3_reference_bomb(1000000, 1000);
  ASSERT_LT(input.size(), 4u << 20);
  arena memory;
  auto r = amf::decode_amf3(input, memory);
  ASSERT_TRUE(r) << describe(r.error());
  const amf::array_node& a = r->as_array();
  ASSERT_EQ(a.dense.size(), 1000000u);
  EXPECT_EQ(a.dense[0].node(), a.dense[999999].node()) << "references must share the node";
  // Memory is linear in the input: one 16-byte value per element, the object once.
  EXPECT_LT(memory.bytes_used(), 12 * input.size());
  // JSON stays linear too: {"$ref":0} per reference, the object written once.
  std::string json;
  ASSERT_TRUE(amf::to_json(*r, json));
  EXPECT_LT(json.size(), 8 * input.size());
  EXPECT_EQ(json.find("member999"), json.rfind("member999"));
}

TEST(hostile_bombs, references_survive_json_and_re_encoding) {
  const bytes input = amf3_reference_bomb(100000, 100);
  arena memory;
  auto r = amf::decode_amf3(input, memory);
  ASSERT_TRUE(r) << describe(r.error());
  std::string json;
  ASSERT_TRUE(amf::to_json(*r, json));
  arena json_memory;
  auto back = amf::value_from_json(json, json_memory);
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_LT(json_memory.bytes_used(), 16 * json.size());
  EXPECT_TRUE(amf::deep_equal(*back, *r, true));
  bytes again;
  ASSERT_TRUE(amf::encode_amf3(*back, again));
  EXPECT_TRUE(again == input);
}

// Long strings and their references: the encoder finds a string written before from the same
// storage by its address (so a bomb of references to one long string is cheap to echo), and one
// from other storage by its content; either way the bytes are the canonical ones.
TEST(hostile_bombs, long_string_references_re_encode_to_the_same_bytes) {
  const std::string a(100, 'a');
  const std::string b(100, 'b');  // same size, other bytes: never taken for `a`
  builder in;
  in.u8(0x09).u29(2 * 2002 + 1).u8(0x01);
  in.u8(0x06).u29(2 * 100 + 1).raw(a).u8(0x06).u29(2 * 100 + 1).raw(b);
  for (int i = 0; i < 1000; ++i) in.hex("06 00 06 02");  // references to strings #0 and #1
  const bytes input = in.take();
  arena memory;
  auto r = amf::decode_amf3(input, memory);
  ASSERT_TRUE(r) << describe(r.error());
  bytes again;
  ASSERT_TRUE(amf::encode_amf3(*r, again));
  EXPECT_TRUE(again == input);

  arena json_memory;  // two copies of `a` in separate storage, then `b`: found by content
  auto twice = amf::value_from_json("[\"" + a + "\", \"" + a + "\", \"" + b + "\"]", json_memory);
  ASSERT_TRUE(twice) << describe(twice.error());
  bytes out;
  ASSERT_TRUE(amf::encode_amf3(*twice, out));
  builder expected;
  expected.u8(0x09).u29(2 * 3 + 1).u8(0x01).u8(0x06).u29(2 * 100 + 1).raw(a).hex("06 00");
  expected.u8(0x06).u29(2 * 100 + 1).raw(b);
  EXPECT_TRUE(out == expected.take());
}

TEST(hostile_bombs, amf0_references_to_one_object) {
  builder b;
  b.u8(0x0A).u32(60000).hex("03 00 01 61 02 00 05 68 65 6C 6C 6F 00 00 09");
  b.repeat(from_hex("07 00 01"), 59999);  // AMF0 table: #0 the array, #1 the object
  const bytes input = b.take();
  arena memory;
  auto r = amf::decode_amf0(input, memory);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->as_array().dense[0].node(), r->as_array().dense[59999].node());
  std::string json;
  ASSERT_TRUE(amf::to_json(*r, json));
  EXPECT_LT(json.size(), 8 * input.size());
  bytes again;
  ASSERT_TRUE(amf::encode_amf0(*r, again));
  EXPECT_TRUE(again == input);
}

// ---- limits: each one settable, each one enforced ----

TEST(hostile_limits, max_input_bytes) {
  const decode_options o = limits_with([](amf::limits& l) { l.max_input_bytes = 4; });
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("06 09 61 61 61 61"), errc::limit_exceeded, 0, o));
  EXPECT_TRUE(fails_with(wire_format::amf0, from_hex("02 00 03 61 61 61"), errc::limit_exceeded, 0, o));
  EXPECT_TRUE(fails_with(wire_format::packet, from_hex("00 03 00 00 00 00"), errc::limit_exceeded, 0, o));
  arena memory;
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("06 05 61 61"), memory, o).ok());  // exactly 4
  amf::json_read_options j;
  j.max_input_bytes = 4;
  EXPECT_TRUE(json_fails_with("\"abcd\"", errc::limit_exceeded, 0, j));
  EXPECT_TRUE(amf::value_from_json("\"ab\"", memory, j));
}

TEST(hostile_limits, max_string_bytes) {
  const decode_options o = limits_with([](amf::limits& l) { l.max_string_bytes = 3; });
  arena memory;
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("06 07 61 61 61"), memory, o).ok());
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("06 09 61 61 61 61"), errc::limit_exceeded, 2, o));
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("0B 09 61 61 61 61"), errc::limit_exceeded, 2, o));
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("0C 09 61 61 61 61"), errc::limit_exceeded, 2, o));
  EXPECT_TRUE(fails_with(wire_format::amf0, from_hex("02 00 04 61 61 61 61"), errc::limit_exceeded, 3, o));
  EXPECT_TRUE(
      fails_with(wire_format::amf0, from_hex("0C 00 00 00 04 61 61 61 61"), errc::limit_exceeded, 5, o));
  EXPECT_TRUE(
      fails_with(wire_format::amf0, from_hex("0F 00 00 00 04 61 61 61 61"), errc::limit_exceeded, 5, o));
}

TEST(hostile_limits, max_elements) {
  const decode_options o = limits_with([](amf::limits& l) { l.max_elements = 2; });
  arena memory;
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("09 05 01 01 01"), memory, o).ok());
  const std::pair<wire_format, const char*> over[] = {
      {wire_format::amf3, "09 07 01 01 01 01"},                             // dense
      {wire_format::amf3, "09 01 03 61 01 03 62 01 03 63 01 01"},           // associative
      {wire_format::amf3, "0A 0B 01 03 61 01 03 62 01 03 63 01 01"},        // dynamic members
      {wire_format::amf3, "0A 33 01 03 61 03 62 03 63 01 01 01"},           // sealed members
      {wire_format::amf3, "0D 07 00 00 00 00 01 00 00 00 02 00 00 00 03"},  // Vector.<int>
      {wire_format::amf3, "10 07 00 01 01 01 01"},                          // Vector.<Object>
      {wire_format::amf3, "11 07 00 04 01 01 04 02 01 04 03 01"},           // Dictionary
      {wire_format::amf0, "0A 00 00 00 03 05 05 05"},                       // strict array
      {wire_format::amf0, "03 00 01 61 05 00 01 62 05 00 01 63 05 00 00 09"},
      {wire_format::amf0, "08 00 00 00 03 00 01 61 05 00 01 62 05 00 01 63 05 00 00 09"},
  };
  for (const auto& [f, hex] : over) {
    const decoded d = decode_as(f, from_hex(hex), memory, o);
    ASSERT_FALSE(d.ok()) << hex;
    EXPECT_EQ(errc_name(d.code()), "limit_exceeded") << hex << ": " << describe(d.error);
  }
}

TEST(hostile_limits, max_depth) {
  const decode_options o = limits_with([](amf::limits& l) { l.max_depth = 2; });
  arena memory;
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("09 03 01 09 03 01 01"), memory, o).ok());
  EXPECT_TRUE(
      fails_with(wire_format::amf3, from_hex("09 03 01 09 03 01 09 03 01 01"), errc::depth_exceeded, 6, o));
  EXPECT_TRUE(decode_as(wire_format::amf0, from_hex("0A 00 00 00 01 0A 00 00 00 01 05"), memory, o).ok());
  EXPECT_TRUE(fails_with(wire_format::amf0, from_hex("0A 00 00 00 01 0A 00 00 00 01 0A 00 00 00 01 05"),
                         errc::depth_exceeded, 10, o));
  amf::json_read_options j;
  j.max_depth = 2;
  EXPECT_TRUE(amf::value_from_json("[[1]]", memory, j));
  EXPECT_TRUE(json_fails_with("[[[1]]]", errc::depth_exceeded, 2, j));
}

TEST(hostile_limits, max_reference_tables) {
  arena memory;
  // Strings: three distinct strings with room for two.
  const decode_options strings = limits_with([](amf::limits& l) { l.max_string_refs = 2; });
  EXPECT_TRUE(
      decode_as(wire_format::amf3, from_hex("09 07 01 06 03 61 06 03 62 06 02"), memory, strings).ok());
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("09 07 01 06 03 61 06 03 62 06 03 63"),
                         errc::limit_exceeded, 12, strings));
  // Objects: the array and two objects with room for two.
  const decode_options objects = limits_with([](amf::limits& l) { l.max_object_refs = 2; });
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("09 03 01 0A 0B 01 01"), memory, objects).ok());
  EXPECT_TRUE(fails_with(wire_format::amf3, from_hex("09 05 01 0A 0B 01 01 0A 01 01"), errc::limit_exceeded,
                         9, objects));
  const decoded amf0 =
      decode_as(wire_format::amf0, from_hex("0A 00 00 00 02 03 00 00 09 03 00 00 09"), memory, objects);
  ASSERT_FALSE(amf0.ok());
  EXPECT_EQ(errc_name(amf0.code()), "limit_exceeded");
  // Traits: two inline traits with room for one.
  const decode_options traits = limits_with([](amf::limits& l) { l.max_trait_refs = 1; });
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("09 05 01 0A 0B 01 01 0A 01 01"), memory, traits).ok());
  const decoded t =
      decode_as(wire_format::amf3, from_hex("09 05 01 0A 0B 01 01 0A 0B 01 01"), memory, traits);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(errc_name(t.code()), "limit_exceeded") << describe(t.error);
}

TEST(hostile_limits, max_memory_bytes) {
  // 1000 one-byte elements cost 16 KB as values.
  const bytes input = builder{}.u8(0x09).u29(2001).u8(0x01).repeat(from_hex("01"), 1000).take();
  const decode_options o = limits_with([](amf::limits& l) { l.max_memory_bytes = 4096; });
  arena memory;
  const decoded d = decode_as(wire_format::amf3, input, memory, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(errc_name(d.code()), "limit_exceeded") << describe(d.error);
  EXPECT_LE(memory.bytes_used(), input.size() + 4096);
  EXPECT_TRUE(decode_as(wire_format::amf3, input, memory).ok());  // the limit was only for that call
  const bytes amf0 = builder{}.u8(0x0A).u32(1000).repeat(from_hex("05"), 1000).take();
  const decoded d0 = decode_as(wire_format::amf0, amf0, memory, o);
  ASSERT_FALSE(d0.ok());
  EXPECT_EQ(errc_name(d0.code()), "limit_exceeded") << describe(d0.error);
  amf::json_read_options j;
  j.max_memory_bytes = 4096;
  std::string json = "[";
  for (int i = 0; i < 1000; ++i) json += i ? ",1" : "1";
  json += "]";
  auto r = amf::value_from_json(json, memory, j);
  ASSERT_FALSE(r);
  EXPECT_EQ(errc_name(code_of(r.error())), "limit_exceeded") << describe(r.error());
}

TEST(hostile_limits, max_headers_and_bodies) {
  const bytes two_headers =
      from_hex("00 03 00 02 00 01 61 00 00 00 00 01 05 00 01 62 00 00 00 00 01 05 00 00");
  const bytes two_bodies =
      from_hex("00 03 00 00 00 02 00 01 61 00 00 00 00 00 01 05 00 01 62 00 00 00 00 00 01 05");
  arena memory;
  EXPECT_TRUE(decode_as(wire_format::packet, two_headers, memory).ok());
  EXPECT_TRUE(decode_as(wire_format::packet, two_bodies, memory).ok());
  EXPECT_TRUE(fails_with(wire_format::packet, two_headers, errc::limit_exceeded, 2,
                         limits_with([](amf::limits& l) { l.max_headers = 1; })));
  EXPECT_TRUE(fails_with(wire_format::packet, two_bodies, errc::limit_exceeded, 4,
                         limits_with([](amf::limits& l) { l.max_bodies = 1; })));
}

// ---- invalid UTF-8 ----

TEST(hostile_utf8, refused_everywhere_unless_validation_is_off) {
  // Lone continuation, overlong, surrogate, above U+10FFFF, truncated, 0xFF.
  const char* bad[] = {"80", "C0 80", "ED A0 80", "F4 90 80 80", "E2 82", "FF"};
  for (const char* b : bad) {
    const bytes s = from_hex(b);
    const auto n = static_cast<std::uint16_t>(s.size());
    struct where {
      wire_format f;
      bytes input;
      std::size_t offset;
    };
    const where places[] = {
        {wire_format::amf3, builder{}.u8(0x06).u29(n * 2u + 1).raw(s).take(), 2},
        {wire_format::amf3, builder{}.u8(0x0B).u29(n * 2u + 1).raw(s).take(), 2},
        {wire_format::amf3, builder{}.hex("0A 0B 01").u29(n * 2u + 1).raw(s).hex("01 01").take(), 4},
        {wire_format::amf3, builder{}.hex("0A 03").u29(n * 2u + 1).raw(s).take(), 3},
        {wire_format::amf0, builder{}.u8(0x02).u16(n).raw(s).take(), 3},
        {wire_format::amf0, builder{}.u8(0x0C).u32(n).raw(s).take(), 5},
        {wire_format::amf0, builder{}.u8(0x0F).u32(n).raw(s).take(), 5},
        {wire_format::amf0, builder{}.u8(0x03).u16(n).raw(s).hex("05 00 00 09").take(), 3},
        {wire_format::amf0, builder{}.u8(0x10).u16(n).raw(s).hex("00 00 09").take(), 3},
        {wire_format::packet,
         builder{}.hex("00 03 00 01").u16(n).raw(s).hex("00 00 00 00 01 05 00 00").take(), 6},
        {wire_format::packet,
         builder{}.hex("00 03 00 00 00 01").u16(n).raw(s).hex("00 00 00 00 00 01 05").take(), 8},
    };
    for (const where& w : places) {
      EXPECT_TRUE(fails_with(w.f, w.input, errc::invalid_utf8, w.offset)) << b << " in " << to_hex(w.input);
      decode_options off;
      off.limits.validate_utf8 = false;
      arena memory;
      const decoded d = decode_as(w.f, w.input, memory, off);
      EXPECT_TRUE(d.ok()) << b << " in " << to_hex(w.input) << ": " << describe(d.error);
    }
  }
}

TEST(hostile_utf8, json_writer_refuses_what_it_cannot_write) {
  decode_options off;
  off.limits.validate_utf8 = false;
  arena memory;
  const decoded d = decode_as(wire_format::amf3, from_hex("06 03 FF"), memory, off);
  ASSERT_TRUE(d.ok());
  std::string json = "before";
  const amf::status s = amf::to_json(d.val, json);
  ASSERT_FALSE(s);
  EXPECT_EQ(errc_name(code_of(s.error())), "unencodable");
  EXPECT_EQ(json, "before");
}

TEST(hostile_utf8, byte_arrays_are_not_text) {
  arena memory;
  EXPECT_TRUE(decode_as(wire_format::amf3, from_hex("0C 05 FF C0"), memory).ok());
}

}  // namespace
}  // namespace amphora::test
