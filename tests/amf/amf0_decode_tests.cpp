// AMF0 decoding: every marker, references (shared, cyclic, dates and XML not counted), the AVM+
// switch, limits, malformed input and tracing. Expected graphs are built with value.hpp's
// builders and compared with deep_equal.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "amphora/amf/amf0.hpp"
#include "support/bytes.hpp"

namespace amphora::amf {
namespace {

using test::builder;

test::bytes hex(std::string_view text) { return test::from_hex(text); }

// Decodes into `memory`; the input is copied (the default), so temporaries are fine.
result<value> decode(const std::vector<std::uint8_t>& in, arena& memory, const decode_options& options = {}) {
  return decode_amf0(in, memory, options);
}

void expect_error(const std::vector<std::uint8_t>& in, errc kind, std::size_t offset,
                  const decode_options& options = {}) {
  arena memory;
  auto r = decode(in, memory, options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, make_error_code(kind)) << r.error().message();
  EXPECT_EQ(r.error().offset, offset) << r.error().message();
  EXPECT_FALSE(r.error().detail.empty());
}

TEST(Amf0Decode, Number) {
  arena memory;
  auto r = decode(hex("00 3F F8 00 00 00 00 00 00"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(deep_equal(*r, value::number(1.5)));
  // Integral doubles stay numbers; -0.0 keeps its sign.
  r = decode(hex("00 40 45 00 00 00 00 00 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is(kind::number));
  EXPECT_TRUE(deep_equal(*r, value::number(42.0)));
  EXPECT_FALSE(deep_equal(*r, value::integer(42)));
  r = decode(hex("00 80 00 00 00 00 00 00 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::signbit(r->as_double()));
  // NaN is a legal number (only dates refuse it).
  r = decode(hex("00 7F F8 00 00 00 00 00 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::isnan(r->as_double()));
}

TEST(Amf0Decode, Boolean) {
  arena memory;
  auto r = decode(hex("01 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(deep_equal(*r, value::boolean(false)));
  r = decode(hex("01 01"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(deep_equal(*r, value::boolean(true)));
  r = decode(hex("01 05"), memory);  // any non-zero byte is true
  ASSERT_TRUE(r);
  EXPECT_TRUE(deep_equal(*r, value::boolean(true)));
}

TEST(Amf0Decode, NullAndUndefined) {
  arena memory;
  auto r = decode(hex("05"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_null());
  r = decode(hex("06"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_undefined());
}

TEST(Amf0Decode, Strings) {
  arena memory;
  auto r = decode(hex("02 00 04 65 67 67 73"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(deep_equal(*r, value::string("eggs")));
  r = decode(hex("02 00 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(deep_equal(*r, value::string("")));
  // "ᚠᛇᚻ": three 3-byte characters (Py3AMF test_amf0 test_string).
  r = decode(hex("02 00 09 E1 9A A0 E1 9B 87 E1 9A BB"), memory);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_string(), "\xE1\x9A\xA0\xE1\x9B\x87\xE1\x9A\xBB");
  // The long form may carry a short string.
  r = decode(hex("0C 00 00 00 03 61 62 63"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(deep_equal(*r, value::string("abc")));
}

TEST(Amf0Decode, LongString) {
  const std::string text(65537, 'a');  // AmFast amf0 tests: 65,537 bytes -> 0C 00 01 00 01
  arena memory;
  auto r = decode(builder{}.hex("0C 00 01 00 01").raw(text).take(), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_string(), text);
}

TEST(Amf0Decode, AnonymousObject) {
  arena memory;
  auto r = decode(
      hex("03 00 04 73 70 61 6D 02 00 04 65 67 67 73 00 01 6E 00 3F F0 00 00 00 00 00 00 00 00 09"), memory);
  ASSERT_TRUE(r) << r.error().message();
  arena expected_memory;
  object_node* o = new_object(expected_memory);
  add_dynamic(expected_memory, *o, "spam", value::string("eggs"));
  add_dynamic(expected_memory, *o, "n", value::number(1));
  EXPECT_TRUE(deep_equal(*r, value::of(o)));
  const object_node& got = r->as_object();
  EXPECT_EQ(got.alias(), "");
  EXPECT_TRUE(got.type->dynamic);
  EXPECT_TRUE(got.type->sealed.empty());
  EXPECT_EQ(got.dynamic.size(), 2u);
}

TEST(Amf0Decode, EmptyObjectAndEmptyMemberName) {
  arena memory;
  auto r = decode(hex("03 00 00 09"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->as_object().dynamic.empty());
  // An empty name followed by a value marker (not 0x09) is a member named "".
  r = decode(hex("03 00 00 05 00 00 09"), memory);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->as_object().dynamic.size(), 1u);
  EXPECT_EQ(r->as_object().dynamic[0].name, "");
  EXPECT_TRUE(r->as_object().dynamic[0].val.is_null());
}

TEST(Amf0Decode, TypedObject) {
  arena memory;
  auto r = decode(
      hex("10 00 0A 61 6C 69 61 73 2E 73 70 61 6D 00 04 73 70 61 6D 02 00 04 65 67 67 73 00 00 09"), memory);
  ASSERT_TRUE(r) << r.error().message();
  arena expected_memory;
  object_node* o = new_object(expected_memory, "alias.spam", false);
  add_sealed(expected_memory, *o, "spam", value::string("eggs"));
  EXPECT_TRUE(deep_equal(*r, value::of(o)));
  EXPECT_FALSE(r->as_object().type->dynamic);
  EXPECT_EQ(r->as_object().alias(), "alias.spam");
}

TEST(Amf0Decode, EcmaArrayCountIsOnlyAHint) {
  arena expected_memory;
  array_node* a = new_array(expected_memory);
  a->ecma = true;
  a->assoc.push_back(expected_memory, member{"0", value::string("a")});
  a->assoc.push_back(expected_memory, member{"x", value::number(1)});
  const value expected = value::of(a);
  // Counts 2 (right), 0, 1 and 0xFFFFFFFF (wrong: players send such): all read to the end marker.
  for (const char* count : {"00 00 00 02", "00 00 00 00", "00 00 00 01", "FF FF FF FF"}) {
    arena memory;
    auto r = decode(builder{}
                        .u8(0x08)
                        .hex(count)
                        .hex("00 01 30 02 00 01 61 00 01 78 00 3F F0 00 00 00 00 00 00 00 00 09")
                        .take(),
                    memory);
    ASSERT_TRUE(r) << count << ": " << r.error().message();
    EXPECT_TRUE(deep_equal(*r, expected)) << count;
    EXPECT_TRUE(r->as_array().dense.empty());
  }
  // An empty ECMA array stays an ECMA array.
  arena memory;
  auto r = decode(hex("08 00 00 00 00 00 00 09"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->as_array().ecma);
}

TEST(Amf0Decode, StrictArray) {
  arena memory;
  auto r = decode(hex("0A 00 00 00 03 00 3F F0 00 00 00 00 00 00 02 00 01 61 05"), memory);
  ASSERT_TRUE(r) << r.error().message();
  arena expected_memory;
  array_node* a = new_array(expected_memory);
  a->dense.push_back(expected_memory, value::number(1));
  a->dense.push_back(expected_memory, value::string("a"));
  a->dense.push_back(expected_memory, value::null());
  EXPECT_TRUE(deep_equal(*r, value::of(a)));
  EXPECT_FALSE(r->as_array().ecma);
  r = decode(hex("0A 00 00 00 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->as_array().dense.empty());
}

TEST(Amf0Decode, Date) {
  arena memory;
  // 2005-03-18T01:58:31Z (Py3AMF test_amf0 test_date).
  auto r = decode(hex("0B 42 70 2B 36 21 15 80 00 00 00"), memory);
  ASSERT_TRUE(r) << r.error().message();
  arena expected_memory;
  EXPECT_TRUE(deep_equal(*r, value::of(new_date(expected_memory, 1111111111000.0))));
  // The timezone field is kept (signed minutes).
  r = decode(hex("0B 42 70 2B 36 21 15 80 00 FF C4"), memory);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_date().timezone, -60);
  // The edges of ECMAScript's range are valid.
  r = decode(hex("0B 43 3E B2 08 C2 DC 00 00 00 00"), memory);
  EXPECT_TRUE(r);
  r = decode(hex("0B C3 3E B2 08 C2 DC 00 00 00 00"), memory);
  EXPECT_TRUE(r);
}

TEST(Amf0Decode, InvalidDates) {
  // The AmFast/Py3AMF crash inputs: NaN and 1e300; also infinity and one past 8.64e15.
  expect_error(hex("0B 7F F8 00 00 00 00 00 00 00 00"), errc::invalid_date, 1);
  expect_error(hex("0B 7E 37 E4 3C 88 00 75 9C 00 00"), errc::invalid_date, 1);
  expect_error(hex("0B 7F F0 00 00 00 00 00 00 00 00"), errc::invalid_date, 1);
  expect_error(hex("0B 43 3E B2 08 C2 DC 00 01 00 00"), errc::invalid_date, 1);
  // Inside a packet-like argument array as well.
  expect_error(hex("0A 00 00 00 01 0B 7F F8 00 00 00 00 00 00 00 00"), errc::invalid_date, 6);
}

TEST(Amf0Decode, XmlDocument) {
  arena memory;
  auto r = decode(hex("0F 00 00 00 04 3C 61 2F 3E"), memory);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->is(kind::xml_document));
  EXPECT_EQ(r->as_text().text, "<a/>");
}

TEST(Amf0Decode, SharedReference) {
  arena memory;
  // [o, o]: the array is #0, the object #1.
  auto r = decode(hex("0A 00 00 00 02 03 00 00 09 07 00 01"), memory);
  ASSERT_TRUE(r) << r.error().message();
  const array_node& a = r->as_array();
  ASSERT_EQ(a.dense.size(), 2u);
  EXPECT_EQ(a.dense[0].node(), a.dense[1].node());
  arena expected_memory;
  array_node* e = new_array(expected_memory);
  value o = value::of(new_object(expected_memory));
  e->dense.push_back(expected_memory, o);
  e->dense.push_back(expected_memory, o);
  EXPECT_TRUE(deep_equal(*r, value::of(e)));
}

TEST(Amf0Decode, CyclicReferences) {
  arena memory;
  // o.self = o
  auto r = decode(hex("03 00 04 73 65 6C 66 07 00 00 00 00 09"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_object().find("self")->node(), r->node());
  // A strict array containing itself: registered before its elements.
  r = decode(hex("0A 00 00 00 01 07 00 00"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_array().dense[0].node(), r->node());
  // ECMA arrays and typed objects too.
  r = decode(hex("08 00 00 00 01 00 01 61 07 00 00 00 00 09"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_array().assoc[0].val.node(), r->node());
  r = decode(hex("10 00 01 43 00 01 61 07 00 00 00 00 09"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_object().find("a")->node(), r->node());
}

TEST(Amf0Decode, DatesAndXmlAreNotReferenced) {
  arena memory;
  // [date, o, o]: #0 array, #1 o. With the AmFast/Py3AMF bug, 07 00 01 would give the date.
  auto r = decode(hex("0A 00 00 00 03 0B 42 70 2B 36 21 15 80 00 00 00 03 00 00 09 07 00 01"), memory);
  ASSERT_TRUE(r) << r.error().message();
  const array_node& a = r->as_array();
  ASSERT_EQ(a.dense.size(), 3u);
  EXPECT_TRUE(a.dense[0].is(kind::date));
  EXPECT_TRUE(a.dense[1].is(kind::object));
  EXPECT_EQ(a.dense[1].node(), a.dense[2].node());
  // Same with an XML document in front.
  r = decode(hex("0A 00 00 00 03 0F 00 00 00 04 3C 61 2F 3E 03 00 00 09 07 00 01"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_array().dense[1].node(), r->as_array().dense[2].node());
  // And a reference to index 2 after [date, o] does not exist.
  expect_error(hex("0A 00 00 00 03 0B 42 70 2B 36 21 15 80 00 00 00 03 00 00 09 07 00 02"),
               errc::bad_reference, 21);
  // Two equal dates decode to two date nodes.
  r = decode(hex("0A 00 00 00 02 0B 42 70 2B 36 21 15 80 00 00 00 0B 42 70 2B 36 21 15 80 00 00 00"), memory);
  ASSERT_TRUE(r);
  EXPECT_NE(r->as_array().dense[0].node(), r->as_array().dense[1].node());
}

TEST(Amf0Decode, BadReferences) {
  expect_error(hex("07 00 00"), errc::bad_reference, 1);
  // Forward reference: #1 does not exist yet while reading o's member.
  expect_error(hex("03 00 01 61 07 00 01 00 00 09"), errc::bad_reference, 5);
  expect_error(hex("0A 00 00 00 02 03 00 00 09 07 FF FF"), errc::bad_reference, 10);
}

TEST(Amf0Decode, RejectedMarkers) {
  expect_error(hex("04"), errc::unsupported_marker, 0);  // movieclip
  expect_error(hex("0D"), errc::unsupported_marker, 0);  // unsupported
  expect_error(hex("0E"), errc::unsupported_marker, 0);  // recordset
  expect_error(hex("12"), errc::unknown_marker, 0);
  expect_error(hex("FF"), errc::unknown_marker, 0);
  expect_error(hex("09"), errc::unknown_marker, 0);  // object-end outside an object
  expect_error(hex("0A 00 00 00 02 05 09"), errc::unknown_marker, 6);
  // A named member followed by the end marker is not an end.
  expect_error(hex("03 00 01 61 09"), errc::unknown_marker, 4);
}

TEST(Amf0Decode, MalformedLengths) {
  expect_error(hex(""), errc::unexpected_end, 0);
  expect_error(hex("00 3F F0"), errc::unexpected_end, 1);
  expect_error(hex("02 00 05 61 62"), errc::length_exceeds_input, 3);
  expect_error(hex("0C 00 10 00 00 61"), errc::length_exceeds_input, 5);
  expect_error(hex("0F 00 00 01 00 3C"), errc::length_exceeds_input, 5);
  expect_error(hex("0A 00 00 10 00 05"), errc::length_exceeds_input, 5);
  expect_error(hex("02 00 01 FF"), errc::invalid_utf8, 3);
  expect_error(hex("03 00 01 FF 05 00 00 09"), errc::invalid_utf8, 3);
  expect_error(hex("10 00 02 C3 28 00 00 09"), errc::invalid_utf8, 3);
  expect_error(hex("05 05"), errc::trailing_bytes, 1);
}

TEST(Amf0Decode, TrailingBytesWhenAllowed) {
  decode_options options;
  options.allow_trailing = true;
  arena memory;
  auto r = decode(hex("05 05"), memory, options);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_null());
}

TEST(Amf0Decode, TruncationAtEveryOffsetFails) {
  const auto full = hex(
      "03 00 01 61 0A 00 00 00 03 00 3F F0 00 00 00 00 00 00 02 00 02 68 69 0B 42 70 2B 36 21 15 80 00 00 00"
      " 00 01 62 10 00 01 43 00 01 78 08 00 00 00 01 00 01 79 07 00 01 00 00 09 00 00 09"
      " 00 01 63 0F 00 00 00 04 3C 61 2F 3E 00 01 64 0C 00 00 00 01 7A 00 00 09");
  arena memory;
  auto whole = decode(full, memory);
  ASSERT_TRUE(whole) << whole.error().message();
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::vector<std::uint8_t> part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = decode(part, memory);
    EXPECT_FALSE(r.has_value()) << "prefix of " << n << " bytes decoded";
    if (!r) {
      EXPECT_LE(r.error().offset, n);
    }
  }
}

TEST(Amf0Decode, DeepNestingIsBounded) {
  std::vector<std::uint8_t> deep;
  for (int i = 0; i < 200000; ++i) deep.insert(deep.end(), {0x0A, 0x00, 0x00, 0x00, 0x01});
  arena memory;
  auto r = decode(deep, memory);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::depth_exceeded));

  // max_depth counts nested containers: 3 fit in 3, 4 do not.
  decode_options options;
  options.limits.max_depth = 3;
  const auto three = hex("0A 00 00 00 01 03 00 01 61 08 00 00 00 00 00 00 09 00 00 09");
  EXPECT_TRUE(decode(three, memory, options));
  expect_error(hex("0A 00 00 00 01 03 00 01 61 08 00 00 00 01 00 01 62 0A 00 00 00 00 00 00 09 00 00 09"),
               errc::depth_exceeded, 17, options);
}

TEST(Amf0Decode, Limits) {
  decode_options options;
  options.limits.max_input_bytes = 4;
  expect_error(hex("02 00 03 61 62 63"), errc::limit_exceeded, 0, options);

  options = {};
  options.limits.max_string_bytes = 2;
  expect_error(hex("02 00 03 61 62 63"), errc::limit_exceeded, 3, options);

  options = {};
  options.limits.max_elements = 2;
  expect_error(hex("0A 00 00 00 03 05 05 05"), errc::limit_exceeded, 5, options);
  expect_error(hex("03 00 01 61 05 00 01 62 05 00 01 63 05 00 00 09"), errc::limit_exceeded, 12, options);
  expect_error(hex("08 00 00 00 00 00 01 61 05 00 01 62 05 00 01 63 05 00 00 09"), errc::limit_exceeded, 16,
               options);
  arena memory;
  EXPECT_TRUE(decode(hex("03 00 01 61 05 00 01 62 05 00 00 09"), memory, options));

  options = {};
  options.limits.max_object_refs = 2;
  expect_error(hex("0A 00 00 00 02 03 00 00 09 03 00 00 09"), errc::limit_exceeded, 10, options);
}

TEST(Amf0Decode, MemoryLimitAppliesAndIsRestored) {
  arena memory;
  memory.set_limit(1u << 30);
  decode_options options;
  options.limits.max_memory_bytes = 1024;                  // the input copy is made before the limit is set
  std::vector<std::uint8_t> many = hex("0A 00 00 03 E8");  // 1000 empty objects
  for (int i = 0; i < 1000; ++i) many.insert(many.end(), {0x03, 0x00, 0x00, 0x09});
  auto r = decode(many, memory, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::limit_exceeded));
  EXPECT_EQ(memory.limit(), 1u << 30);
  options.limits.max_memory_bytes = 1u << 20;
  EXPECT_TRUE(decode(many, memory, options));
  EXPECT_EQ(memory.limit(), 1u << 30);
}

TEST(Amf0Decode, CopyInputOrView) {
  const auto in = hex("02 00 03 61 62 63");
  arena memory;
  decode_options options;
  auto r = decode_amf0(in, memory, options);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->as_string().data() >= reinterpret_cast<const char*>(in.data()) &&
               r->as_string().data() < reinterpret_cast<const char*>(in.data() + in.size()));
  options.copy_input = false;
  r = decode_amf0(in, memory, options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_string().data(), reinterpret_cast<const char*>(in.data() + 3));
}

TEST(Amf0Decode, DecoderIsReusableAndStartsWithEmptyTables) {
  amf0_decoder decoder;
  arena memory;
  for (int round = 0; round < 3; ++round) {
    auto r = decoder.decode(hex("0A 00 00 00 02 03 00 00 09 07 00 01"), memory);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->as_array().dense[0].node(), r->as_array().dense[1].node());
    // References of the previous call are gone.
    auto bad = decoder.decode(hex("07 00 01"), memory);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, make_error_code(errc::bad_reference));
    memory.reset();
  }
  // A warmed-up decoder and a reset arena need no new memory from the system.
  const std::size_t blocks = memory.system_allocations();
  for (int round = 0; round < 10; ++round) {
    memory.reset();
    ASSERT_TRUE(decoder.decode(hex("0A 00 00 00 02 03 00 00 09 07 00 01"), memory));
  }
  EXPECT_EQ(memory.system_allocations(), blocks);
}

TEST(Amf0Decode, AvmPlusSwitch) {
  arena memory;
  auto r = decode(hex("11 04 05"), memory);  // AMF3 integer 5
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->avmplus());
  EXPECT_TRUE(deep_equal(*r, value::integer(5)));
  // Flex: a strict array whose element switches to AMF3.
  r = decode(hex("0A 00 00 00 01 11 0A 0B 01 01"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->avmplus());
  EXPECT_TRUE(r->as_array().dense[0].avmplus());
  EXPECT_TRUE(r->as_array().dense[0].is(kind::object));
}

TEST(Amf0Decode, AvmPlusSwitchesShareAmf3Tables) {
  arena memory;
  // The second switch's string reference #0 and object reference #0 point into the first's.
  auto r = decode(hex("0A 00 00 00 04 11 06 07 61 62 63 11 06 00 11 0A 0B 01 01 11 0A 00"), memory);
  ASSERT_TRUE(r) << r.error().message();
  const array_node& a = r->as_array();
  ASSERT_EQ(a.dense.size(), 4u);
  EXPECT_EQ(a.dense[1].as_string(), "abc");
  EXPECT_EQ(a.dense[2].node(), a.dense[3].node());
  // AMF3 objects do not take AMF0 slots: #1 after them is the next AMF0 object.
  r = decode(hex("0A 00 00 00 03 11 0A 0B 01 01 03 00 00 09 07 00 01"), memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_array().dense[1].node(), r->as_array().dense[2].node());
  // A new top-level value starts with empty AMF3 tables.
  amf0_decoder decoder;
  ASSERT_TRUE(decoder.decode(hex("11 06 07 61 62 63"), memory));
  auto bad = decoder.decode(hex("11 06 00"), memory);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, make_error_code(errc::bad_reference));
}

struct recorded_item {
  std::size_t offset, length, depth;
  std::string text;
  bool operator==(const recorded_item&) const = default;
};

class recorder : public trace_sink {
 public:
  void item(std::size_t offset, std::size_t length, std::size_t depth, std::string_view text) override {
    items.push_back({offset, length, depth, std::string(text)});
  }
  std::vector<recorded_item> items;
};

void PrintTo(const recorded_item& i, std::ostream* os) {
  *os << "{" << i.offset << ", " << i.length << ", " << i.depth << ", \"" << i.text << "\"}";
}

// The fast paths (no trace sink and enough input left: member names matched against the names
// learned at the same position, values and small arrays read inline) give the same graph, or the same error
// at the same offset, as the general readers a trace sink forces. Records repeat their names, then change
// them (same length, other bytes; longer; non-ASCII; empty; 15 and 16 bytes; past the 16 learned positions),
// nest other shapes and end.
TEST(Amf0Decode, FastPathsMatchTheGeneralReaders) {
  struct quiet_sink : trace_sink {
    void item(std::size_t, std::size_t, std::size_t, std::string_view) override {}
  } quiet;
  auto same = [&](const test::bytes& in, decode_options options, const std::string& what) {
    arena fast_memory;
    arena traced_memory;
    auto fast = decode(in, fast_memory, options);
    options.trace = &quiet;
    auto traced = decode(in, traced_memory, options);
    ASSERT_EQ(fast.has_value(), traced.has_value()) << what;
    if (fast) {
      EXPECT_TRUE(deep_equal(*fast, *traced)) << what;
    } else {
      EXPECT_EQ(fast.error().code, traced.error().code) << what << ": " << fast.error().message();
      EXPECT_EQ(fast.error().offset, traced.error().offset) << what << ": " << fast.error().message();
    }
  };
  auto record = [](builder& b, const std::vector<std::string>& names) {
    b.u8(0x03);
    for (std::size_t i = 0; i < names.size(); ++i) {
      b.str16(names[i]);
      switch (i % 7) {
        case 0:
          b.u8(0x00).f64(static_cast<double>(i));
          break;
        case 1:
          b.u8(0x02).str16(i % 2 ? "Cust 000" : "a string of 17 by");
          break;
        case 2:
          b.u8(0x0B).f64(1.7e12).u16(0);
          break;
        case 3:
          b.u8(0x05);
          break;
        case 4:
          // small arrays (read inline) holding a string, a small array, a boolean, an object
          b.u8(0x0A).u32(4).u8(0x02).str16("b2b").u8(0x0A).u32(2).u8(0x00).f64(9).u8(0x00).f64(0.5);
          b.u8(0x01).u8(0).u8(0x03).str16("k").u8(0x05).u16(0).u8(0x09);
          break;
        case 5:
          b.u8(0x01).u8(1);
          break;
        default:
          b.u8(0x02).str16("\xC3\xA9t\xC3\xA9");
          break;
      }
    }
    b.u16(0).u8(0x09);
  };
  const std::vector<std::string> shape = {"id", "name", "due", "note", "tags", "active", "city"};
  const std::vector<std::string> renamed = {"id", "nbme",           "due", "notes", "t\xC3\xA9gs",
                                            "",   "fifteen-bytes-1"};
  const std::vector<std::string> wide = {"sixteen-bytes-16", "id", "name", "due"};
  std::vector<std::string> many;
  for (int i = 0; i < 20; ++i) many.push_back("m" + std::to_string(i));
  builder b;
  b.u8(0x0A).u32(10);
  b.u8(0x0A).u32(5);  // past the small arrays: read_strict_array()
  for (int i = 0; i < 5; ++i) b.u8(0x00).f64(i);
  record(b, shape);
  record(b, shape);
  record(b, renamed);
  record(b, shape);
  record(b, wide);
  record(b, many);
  record(b, many);
  // {id: {id: 1}, name: typed C {name: "x"}}: nested objects take the same positions
  b.u8(0x03).str16("id").u8(0x03).str16("id").u8(0x00).f64(1).u16(0).u8(0x09);
  b.str16("name").u8(0x10).str16("C").str16("name").u8(0x02).str16("x").u16(0).u8(0x09).u16(0).u8(0x09);
  b.u8(0x07).u16(1);  // the first record again
  const test::bytes full = b.take();
  {
    arena check;
    ASSERT_TRUE(decode(full, check).has_value());
  }
  for (std::size_t n = 0; n <= full.size(); ++n) {
    same({full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)}, {}, "cut at " + std::to_string(n));
  }
  // One limit set to 0, step, 2 * step, ... below `below`: the same graph or error both ways.
  const auto sweep = [&](std::size_t limits::*limit, const char* name, std::size_t below, std::size_t step) {
    for (std::size_t value = 0; value < below; value += step) {
      decode_options o;
      o.limits.*limit = value;
      same(full, o, name + (" " + std::to_string(value)));
    }
  };
  sweep(&limits::max_object_refs, "max_object_refs", 16, 1);
  sweep(&limits::max_depth, "max_depth", 4, 1);
  sweep(&limits::max_elements, "max_elements", 22, 1);
  sweep(&limits::max_string_bytes, "max_string_bytes", 18, 1);
  sweep(&limits::max_memory_bytes, "max_memory_bytes", 4096, 97);
  // A reused decoder keeps the names it learned, which only save time: after `full`, records with
  // names of other lengths and bytes at the same positions decode as a fresh decoder reads them.
  builder other;
  other.u8(0x0A).u32(2);
  record(other, {"ix", "nam", "duel", "not", "tags", "activ", "cities"});
  record(other, {"ix", "nam", "duel", "not", "tags", "activ", "cities"});
  const test::bytes second = other.take();
  amf0_decoder reused;
  arena first_memory;
  arena second_memory;
  arena fresh_memory;
  ASSERT_TRUE(reused.decode(full, first_memory).has_value());
  auto again = reused.decode(second, second_memory);
  auto fresh = decode(second, fresh_memory);
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE(fresh.has_value());
  EXPECT_TRUE(deep_equal(*again, *fresh));
}

TEST(Amf0Decode, Tracing) {
  recorder sink;
  decode_options options;
  options.trace = &sink;
  arena memory;
  auto r = decode(hex("0A 00 00 00 02 10 00 01 43 00 01 61 00 3F F0 00 00 00 00 00 00 00 00 09 07 00 01"),
                  memory, options);
  ASSERT_TRUE(r) << r.error().message();
  const std::vector<recorded_item> expected = {
      {0, 5, 0, "strict-array (#0) count 2"},
      {5, 4, 1, "typed-object \"C\" (#1)"},
      {9, 3, 2, "key \"a\""},
      {12, 9, 2, "number 1"},
      {21, 3, 2, "object-end"},
      {24, 3, 1, "reference #1 -> object C"},
  };
  EXPECT_EQ(sink.items, expected);

  sink.items.clear();
  r = decode(hex("08 00 00 00 07 00 01 73 02 00 02 68 69 00 00 09"), memory, options);
  ASSERT_TRUE(r);
  const std::vector<recorded_item> ecma = {
      {0, 5, 0, "ecma-array (#0) count 7 (hint)"},
      {5, 3, 1, "key \"s\""},
      {8, 5, 1, "string 2 bytes \"hi\""},
      {13, 3, 1, "object-end"},
  };
  EXPECT_EQ(sink.items, ecma);

  sink.items.clear();
  r = decode(hex("0B 42 70 2B 36 21 15 80 00 FF C4"), memory, options);
  ASSERT_TRUE(r);
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0], (recorded_item{0, 11, 0, "date 1111111111000 ms timezone -60"}));
}

}  // namespace
}  // namespace amphora::amf
