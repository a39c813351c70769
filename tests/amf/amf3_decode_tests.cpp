// AMF3 decoding: every type, every reference kind, limits and malformed input.
// Byte vectors come from Adobe's AMF 3 specification (2013) unless a comment names another source.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "support/bytes.hpp"

namespace amf = amphora::amf;
using amf::errc;
using amf::kind;
using amphora::test::from_hex;

namespace {

class Amf3Decode : public ::testing::Test {
 protected:
  amf::result<amf::value> decode(std::string_view hex, const amf::decode_options& options = {}) {
    input_ = from_hex(hex);
    return amf::decode_amf3(input_, memory_, options);
  }

  amf::value ok(std::string_view hex, const amf::decode_options& options = {}) {
    auto r = decode(hex, options);
    EXPECT_TRUE(r.has_value()) << hex << ": " << r.error().message();
    return r ? *r : amf::value{};
  }

  // Decoding `hex` fails with `e` at byte `offset`.
  void fails(std::string_view hex, errc e, std::size_t offset, const amf::decode_options& options = {}) {
    auto r = decode(hex, options);
    ASSERT_FALSE(r.has_value()) << hex;
    EXPECT_EQ(r.error().code, e) << hex << ": " << r.error().message();
    EXPECT_EQ(r.error().offset, offset) << hex << ": " << r.error().message();
    EXPECT_FALSE(r.error().detail.empty());
  }

  amf::arena memory_;
  std::vector<std::uint8_t> input_;
};

std::string hex_of(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    static constexpr char digits[] = "0123456789ABCDEF";
    out += digits[c >> 4];
    out += digits[c & 15];
    out += ' ';
  }
  return out;
}

// U29 string header + bytes: "spam" -> "09 73 70 61 6D".
std::string str(std::string_view s) {
  amphora::test::builder b;
  b.u29(static_cast<std::uint32_t>(s.size() << 1 | 1));
  return amphora::test::to_hex(b.get()) + " " + hex_of(s);
}

// ---- scalars ----

TEST_F(Amf3Decode, Constants) {
  EXPECT_TRUE(ok("00").is_undefined());
  EXPECT_TRUE(ok("01").is_null());
  EXPECT_TRUE(deep_equal(ok("02"), amf::value::boolean(false)));
  EXPECT_TRUE(deep_equal(ok("03"), amf::value::boolean(true)));
}

// U29 vectors of AmFast's tests/amf3_decoder_test.py (amfast.md §3) and the spec's §1.3.1 ranges.
TEST_F(Amf3Decode, IntegerU29) {
  const std::pair<const char*, std::int64_t> cases[] = {
      {"04 00", 0},
      {"04 7F", 127},
      {"04 81 00", 0x80},
      {"04 FF 7F", 0x3FFF},
      {"04 81 80 00", 0x4000},
      {"04 FF FF 7F", 0x1FFFFF},
      {"04 80 C0 80 00", 0x200000},
      {"04 BF FF FF FF", 0xFFFFFFF},
      {"04 FF FF FF FF", -1},
      {"04 C0 80 80 00", -(1 << 28)},
      {"04 FF FF FF FE", -2},
  };
  for (auto [hex, expected] : cases) {
    amf::value v = ok(hex);
    ASSERT_TRUE(v.is(kind::integer)) << hex;
    EXPECT_EQ(v.as_int(), expected) << hex;
  }
}

TEST_F(Amf3Decode, Double) {
  amf::value v = ok("05 3F B9 99 99 99 99 99 9A");  // AmFast: 0.1
  ASSERT_TRUE(v.is(kind::number));
  EXPECT_EQ(v.as_double(), 0.1);
  EXPECT_TRUE(std::signbit(ok("05 80 00 00 00 00 00 00 00").as_double()));
  EXPECT_TRUE(std::isnan(ok("05 7F F8 00 00 00 00 00 00").as_double()));
  EXPECT_EQ(ok("05 7F F0 00 00 00 00 00 00").as_double(), std::numeric_limits<double>::infinity());
}

TEST_F(Amf3Decode, Strings) {
  EXPECT_EQ(ok("06 01").as_string(), "");
  EXPECT_EQ(ok("06 09 73 70 61 6D").as_string(), "spam");
  EXPECT_EQ(ok("06 " + str("h\xC3\xA9llo \xE2\x9C\x93")).as_string(), "h\xC3\xA9llo \xE2\x9C\x93");
}

// ---- reference tables ----

TEST_F(Amf3Decode, StringReference) {
  amf::value v = ok("09 07 01 06 09 73 70 61 6D 06 00 06 00");  // ["spam", ref #0, ref #0]
  ASSERT_TRUE(v.is(kind::array));
  const auto& dense = v.as_array().dense;
  ASSERT_EQ(dense.size(), 3u);
  for (const auto& s : dense) EXPECT_EQ(s.as_string(), "spam");
}

TEST_F(Amf3Decode, EmptyStringIsNeverReferenced) {
  // ["", "a", ref #0]: ref #0 is "a", because "" took no slot.
  amf::value v = ok("09 07 01 06 01 06 03 61 06 00");
  EXPECT_EQ(v.as_array().dense[2].as_string(), "a");
  fails("09 05 01 06 01 06 00", errc::bad_reference, 6);  // ["", ref #0]: the table is empty
}

TEST_F(Amf3Decode, MemberAndClassNamesShareTheStringTable) {
  // Typed object com.A {x: "com.A"}: the value refers to the class name (#0); then the member
  // name "x" (#1) as a value.
  amf::value v = ok("09 05 01 0A 13 " + str("com.A") + " 03 78 06 00 06 02");
  const auto& dense = v.as_array().dense;
  EXPECT_EQ(dense[0].as_object().find("x")->as_string(), "com.A");
  EXPECT_EQ(dense[1].as_string(), "x");
}

TEST_F(Amf3Decode, ObjectReferencesKeepIdentity) {
  // [a, ref #1] with a = [] : both elements are one node.
  amf::value v = ok("09 05 01 09 01 01 09 02");
  const auto& dense = v.as_array().dense;
  EXPECT_EQ(dense[0].node(), dense[1].node());
  EXPECT_NE(dense[0].node(), v.node());
}

// AmFast's bug (amfast.md §5.2): a mixed array registered after its associative part shifts
// every later index. Here array #0 has {"a": object #1} and dense [ref #1]: the object.
TEST_F(Amf3Decode, MixedArrayIsRegisteredBeforeItsAssociativePart) {
  amf::value v = ok("09 03 03 61 0A 0B 01 01 01 0A 02");
  const amf::array_node& a = v.as_array();
  ASSERT_EQ(a.assoc.size(), 1u);
  ASSERT_EQ(a.dense.size(), 1u);
  EXPECT_EQ(a.assoc[0].name, "a");
  EXPECT_TRUE(a.dense[0].is(kind::object));
  EXPECT_EQ(a.dense[0].node(), a.assoc[0].val.node());
}

TEST_F(Amf3Decode, CyclicGraph) {
  // {self: ref #0}
  amf::value v = ok("0A 0B 01 " + str("self") + " 0A 00 01");
  const amf::value* self = v.as_object().find("self");
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->node(), v.node());
  // [ref #0]: an array that contains itself.
  amf::value a = ok("09 03 01 09 00");
  EXPECT_EQ(a.as_array().dense[0].node(), a.node());
}

TEST_F(Amf3Decode, EveryComplexTypeSharesTheObjectTable) {
  // [date #1, xmldoc #2, xml #3, bytes #4, vector #5, dictionary #6, then refs #6..#1]
  const std::string items =
      "08 01 42 70 2B 36 21 15 80 00 "  // date
      "07 09 3C 61 2F 3E "              // XMLDocument "<a/>"
      "0B 09 3C 62 2F 3E "              // XML "<b/>"
      "0C 05 01 02 "                    // ByteArray
      "0D 03 00 00 00 00 07 "           // Vector.<int> [7]
      "11 01 00 ";                      // Dictionary {}
  amf::value v = ok("09 19 01 " + items + "11 0C 0D 0A 0C 08 0B 06 07 04 08 02");
  const auto& d = v.as_array().dense;
  ASSERT_EQ(d.size(), 12u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(d[6 + i].node(), d[5 - i].node()) << i;
    EXPECT_EQ(d[6 + i].type(), d[5 - i].type()) << i;
  }
}

TEST_F(Amf3Decode, ReferenceToAnIndexNotYetDefined) {
  fails("09 03 01 09 02", errc::bad_reference, 4);  // [ref #1] inside array #0
  fails("06 00", errc::bad_reference, 1);
  fails("06 02", errc::bad_reference, 1);
  fails("09 00", errc::bad_reference, 1);
  fails("0A 01", errc::bad_reference, 1);  // traits ref #0
  fails("08 00", errc::bad_reference, 1);
  fails("11 00", errc::bad_reference, 1);
}

// The crash inputs of AmFast and cpyamf (amfast.md §5.1, py3amf.md §7f): U29 values with bit 28
// set are never negative indexes here.
TEST_F(Amf3Decode, HugeReferenceIndexes) {
  fails("0A FF FF FF FE", errc::bad_reference, 1);
  fails("06 FF FF FF FE", errc::bad_reference, 1);
  fails("09 FF FF FF FE", errc::bad_reference, 1);
  fails("0A FF FF FF FD", errc::bad_reference, 1);  // traits ref #2^27-1
}

// ---- objects and traits ----

TEST_F(Amf3Decode, AnonymousObject) {
  // AmFast: {'spam': 'eggs'}
  amf::value v = ok("0A 0B 01 09 73 70 61 6D 06 09 65 67 67 73 01");
  const amf::object_node& o = v.as_object();
  EXPECT_EQ(o.alias(), "");
  EXPECT_TRUE(o.type->dynamic);
  EXPECT_FALSE(o.type->externalizable);
  EXPECT_TRUE(o.sealed.empty());
  ASSERT_EQ(o.dynamic.size(), 1u);
  EXPECT_EQ(o.dynamic[0].name, "spam");
  EXPECT_EQ(o.dynamic[0].val.as_string(), "eggs");

  amf::arena a;
  amf::object_node* e = amf::new_object(a);
  ASSERT_TRUE(amf::add_dynamic(a, *e, "spam", amf::value::string("eggs")));
  EXPECT_TRUE(deep_equal(v, amf::value::of(e)));
}

TEST_F(Amf3Decode, SealedAndDynamicMembers) {
  // com.Foo, dynamic, sealed [a, b] = 1, "x"; dynamic c = null.
  amf::value v = ok("0A 2B " + str("com.Foo") + " 03 61 03 62 04 01 06 03 78 03 63 01 01");
  amf::arena a;
  amf::object_node* e = amf::new_object(a, "com.Foo", true);
  ASSERT_TRUE(amf::add_sealed(a, *e, "a", amf::value::integer(1)));
  ASSERT_TRUE(amf::add_sealed(a, *e, "b", amf::value::string("x")));
  ASSERT_TRUE(amf::add_dynamic(a, *e, "c", amf::value::null()));
  EXPECT_TRUE(deep_equal(v, amf::value::of(e)));
}

TEST_F(Amf3Decode, TraitReferencesShareTraits) {
  // [com.P {x: 1}, com.P {x: 2} (traits ref #0), {} , {} (traits ref #1)]
  amf::value v = ok("09 09 01 0A 13 " + str("com.P") + " 03 78 04 01 0A 01 04 02 0A 0B 01 01 0A 05 01");
  const auto& d = v.as_array().dense;
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].as_object().type, d[1].as_object().type);
  EXPECT_EQ(d[1].as_object().sealed[0].as_int(), 2);
  EXPECT_EQ(d[2].as_object().type, d[3].as_object().type);
  EXPECT_NE(d[0].as_object().type, d[2].as_object().type);
  EXPECT_EQ(d[3].as_object().alias(), "");
}

TEST_F(Amf3Decode, ContradictoryTraits) {
  fails("0A 0F 01", errc::invalid_traits, 1);  // externalizable and dynamic
  fails("0A 17 01", errc::invalid_traits, 1);  // externalizable with a sealed member
}

TEST_F(Amf3Decode, ArrayCollectionTakesTwoSlots) {
  // [ArrayCollection(#1) of array #2 [1], ref #1, ref #2]
  const std::string ac = "0A 07 43 " + hex_of("flex.messaging.io.ArrayCollection") + " 09 03 01 04 01";
  amf::value v = ok("09 07 01 " + ac + " 0A 02 09 04");
  const auto& d = v.as_array().dense;
  ASSERT_EQ(d.size(), 3u);
  const amf::object_node& o = d[0].as_object();
  EXPECT_TRUE(o.type->externalizable);
  EXPECT_EQ(o.alias(), "flex.messaging.io.ArrayCollection");
  ASSERT_TRUE(o.external.is(kind::array));
  EXPECT_EQ(o.external.as_array().dense[0].as_int(), 1);
  EXPECT_EQ(d[1].node(), d[0].node());
  EXPECT_EQ(d[2].node(), o.external.node());
}

TEST_F(Amf3Decode, ObjectProxyAndArrayList) {
  amf::value p = ok("0A 07 3B " + hex_of("flex.messaging.io.ObjectProxy") + " 0A 0B 01 03 61 04 05 01");
  ASSERT_TRUE(p.as_object().external.is(kind::object));
  EXPECT_EQ(p.as_object().external.as_object().find("a")->as_int(), 5);
  amf::value l = ok("0A 07 37 " + hex_of("flex.messaging.io.ArrayList") + " 09 01 01");
  EXPECT_TRUE(l.as_object().external.is(kind::array));
}

TEST_F(Amf3Decode, ExternalizableNeedsTheRegistry) {
  const std::string ac = "0A 07 43 " + hex_of("flex.messaging.io.ArrayCollection") + " 09 01 01";
  amf::decode_options none;
  none.registry = nullptr;
  fails(ac, errc::unknown_externalizable, 36, none);
  fails("0A 07 07 " + hex_of("com") + " 01", errc::unknown_externalizable, 6);
  // A reference to the traits of an externalizable of another decode is not there either.
  fails("0A 05", errc::bad_reference, 1);
}

// A codec that reads every primitive of external_reader: u8, u16, u32, double, bytes(2), utf.
amf::externalizable_codec raw_codec() {
  amf::externalizable_codec c;
  c.read = [](amf::external_reader& in, amf::value& body) {
    std::uint8_t a;
    std::uint16_t b;
    std::uint32_t c32;
    double d;
    std::span<const std::uint8_t> bytes;
    std::string_view s;
    if (!in.read_u8(a) || !in.read_u16(b) || !in.read_u32(c32) || !in.read_double(d) ||
        !in.read_bytes(2, bytes) || !in.read_utf(s)) {
      return false;
    }
    if (a == 0xEE) return in.fail("raw codec refuses 0xEE");
    amf::array_node* arr = amf::new_array(in.memory());
    if (arr == nullptr) return false;
    const std::uint32_t ints[] = {a, b, c32};
    for (std::uint32_t x : ints) {
      if (!arr->dense.push_back(in.memory(), amf::value::number(x))) return false;
    }
    for (double x : {d, static_cast<double>(bytes[0]), static_cast<double>(bytes[1])}) {
      if (!arr->dense.push_back(in.memory(), amf::value::number(x))) return false;
    }
    if (!arr->dense.push_back(in.memory(), amf::value::string(s))) return false;
    body = amf::value::of(arr);
    return true;
  };
  c.write = [](amf::external_writer&, const amf::value&) { return false; };
  return c;
}

TEST_F(Amf3Decode, CustomExternalizableReadsRawData) {
  amf::externalizable_registry registry;
  registry.add("R", raw_codec());
  amf::decode_options options;
  options.registry = &registry;
  const std::string head = "0A 07 03 52 ";
  amf::value v = ok(head + "01 00 02 00 00 00 03 40 04 00 00 00 00 00 00 0A 0B 00 02 68 69", options);
  const auto& d = v.as_object().external.as_array().dense;
  ASSERT_EQ(d.size(), 7u);
  EXPECT_EQ(d[0].as_double(), 1);
  EXPECT_EQ(d[1].as_double(), 2);
  EXPECT_EQ(d[2].as_double(), 3);
  EXPECT_EQ(d[3].as_double(), 2.5);
  EXPECT_EQ(d[4].as_double(), 10);
  EXPECT_EQ(d[5].as_double(), 11);
  EXPECT_EQ(d[6].as_string(), "hi");
  fails(head + "EE 00 02 00 00 00 03 40 04 00 00 00 00 00 00 0A 0B 00 00", errc::externalizable_failed, 23,
        options);
  fails(head + "01 00 02 00", errc::unexpected_end, 7, options);
  fails(head + "01 00 02 00 00 00 03 40 04 00 00 00 00 00 00 0A 0B 00 05 68", errc::length_exceeds_input, 23,
        options);
}

TEST_F(Amf3Decode, ExternalizableReaderThatRefusesWithoutDetail) {
  amf::externalizable_registry registry;
  registry.add("N", {[](amf::external_reader&, amf::value&) { return false; }, {}});
  amf::decode_options options;
  options.registry = &registry;
  fails("0A 07 03 4E", errc::externalizable_failed, 4, options);
}

// ---- other types ----

TEST_F(Amf3Decode, Date) {
  // AmFast: 2005-03-18T01:58:31Z
  amf::value v = ok("08 01 42 70 2B 36 21 15 80 00");
  ASSERT_TRUE(v.is(kind::date));
  EXPECT_EQ(v.as_date().millis, 1111111111000.0);
  EXPECT_EQ(v.as_date().timezone, 0);
  EXPECT_EQ(ok("08 01 43 3E B2 08 C2 DC 00 00").as_date().millis, 8.64e15);  // the last valid ms
  EXPECT_EQ(ok("08 01 C3 3E B2 08 C2 DC 00 00").as_date().millis, -8.64e15);
}

TEST_F(Amf3Decode, InvalidDates) {
  fails("08 01 7F F8 00 00 00 00 00 00", errc::invalid_date, 2);  // NaN
  fails("08 01 7F F0 00 00 00 00 00 00", errc::invalid_date, 2);  // +inf
  fails("08 01 FF F0 00 00 00 00 00 00", errc::invalid_date, 2);  // -inf
  fails("08 01 43 3E B2 08 C2 DC 00 01", errc::invalid_date, 2);  // 8.64e15 + 1
}

TEST_F(Amf3Decode, XmlAndXmlDocument) {
  amf::value x = ok("0B 09 3C 61 2F 3E");
  ASSERT_TRUE(x.is(kind::xml));
  EXPECT_EQ(x.as_text().text, "<a/>");
  amf::value d = ok("07 09 3C 61 2F 3E");
  ASSERT_TRUE(d.is(kind::xml_document));
  EXPECT_EQ(d.as_text().text, "<a/>");
  EXPECT_EQ(ok("0B 01").as_text().text, "");
  // XML text is not in the string table: "<a/>" then string ref #0 fails.
  fails("09 05 01 0B 09 3C 61 2F 3E 06 00", errc::bad_reference, 10);
}

TEST_F(Amf3Decode, ByteArray) {
  amf::value v = ok("0C 07 00 FF 80");
  ASSERT_TRUE(v.is(kind::byte_array));
  const auto b = v.as_bytes().bytes;
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], 0x00);
  EXPECT_EQ(b[1], 0xFF);
  EXPECT_EQ(b[2], 0x80);
  EXPECT_TRUE(ok("0C 01").as_bytes().bytes.empty());
}

TEST_F(Amf3Decode, NumberVectors) {
  amf::value i = ok("0D 05 00 00 00 00 01 FF FF FF FF");
  ASSERT_TRUE(i.is(kind::vector_int));
  ASSERT_EQ(i.as_vector_int().items.size(), 2u);
  EXPECT_EQ(i.as_vector_int().items[0], 1);
  EXPECT_EQ(i.as_vector_int().items[1], -1);
  EXPECT_FALSE(i.as_vector_int().fixed);

  amf::value u = ok("0E 03 01 FF FF FF FF");
  ASSERT_TRUE(u.is(kind::vector_uint));
  EXPECT_EQ(u.as_vector_uint().items[0], 0xFFFFFFFFu);
  EXPECT_TRUE(u.as_vector_uint().fixed);

  amf::value d = ok("0F 05 00 3F B9 99 99 99 99 99 9A 40 04 00 00 00 00 00 00");
  ASSERT_TRUE(d.is(kind::vector_double));
  EXPECT_EQ(d.as_vector_double().items[0], 0.1);
  EXPECT_EQ(d.as_vector_double().items[1], 2.5);

  EXPECT_TRUE(ok("0D 01 00").as_vector_int().items.empty());
}

TEST_F(Amf3Decode, ObjectVector) {
  // Vector.<com.P> (fixed) [com.P {x: 1}, null]; the type name goes through the string table,
  // so the object's alias refers to it.
  amf::value v = ok("10 05 01 " + str("com.P") + " 0A 13 00 03 78 04 01 01");
  ASSERT_TRUE(v.is(kind::vector_object));
  const amf::vector_object_node& n = v.as_vector_object();
  EXPECT_TRUE(n.fixed);
  EXPECT_EQ(n.type_name, "com.P");
  ASSERT_EQ(n.items.size(), 2u);
  EXPECT_EQ(n.items[0].as_object().alias(), "com.P");
  EXPECT_TRUE(n.items[1].is_null());
  EXPECT_EQ(ok("10 01 00 01").as_vector_object().type_name, "");
}

TEST_F(Amf3Decode, Dictionary) {
  // weak keys; {1: "a", "k": true, [] : null}
  amf::value v = ok("11 07 01 04 01 06 03 61 06 03 6B 03 09 01 01 01");
  ASSERT_TRUE(v.is(kind::dictionary));
  const amf::dictionary_node& d = v.as_dictionary();
  EXPECT_TRUE(d.weak_keys);
  ASSERT_EQ(d.entries.size(), 3u);
  EXPECT_EQ(d.entries[0].key.as_int(), 1);
  EXPECT_EQ(d.entries[0].val.as_string(), "a");
  EXPECT_EQ(d.entries[1].key.as_string(), "k");
  EXPECT_TRUE(d.entries[2].key.is(kind::array));
  EXPECT_TRUE(d.entries[2].val.is_null());
  EXPECT_FALSE(ok("11 01 00").as_dictionary().weak_keys);
}

// ---- malformed input ----

TEST_F(Amf3Decode, EmptyInputAndUnknownMarkers) {
  fails("", errc::unexpected_end, 0);
  fails("12", errc::unknown_marker, 0);
  fails("FF", errc::unknown_marker, 0);
  fails("09 03 01 20", errc::unknown_marker, 3);
}

TEST_F(Amf3Decode, LengthsAreCheckedAgainstTheInput) {
  fails("06 09 61", errc::length_exceeds_input, 2);
  fails("0C 09 01 02", errc::length_exceeds_input, 2);
  fails("0B 7F", errc::length_exceeds_input, 2);
  fails("09 7F 01", errc::length_exceeds_input, 2);  // 63 dense elements in 1 byte
  fails("0D 05 00 00 00 00 01", errc::length_exceeds_input, 3);
  fails("0F 03 00 00", errc::length_exceeds_input, 3);
  fails("11 05 00 01 01", errc::length_exceeds_input, 3);
  fails("0A 23 01 03 61", errc::length_exceeds_input, 2);  // two sealed names and values in 3 bytes
  fails("10 07 00 01 01", errc::length_exceeds_input, 3);
}

TEST_F(Amf3Decode, InvalidUtf8) {
  fails("06 05 C3 28", errc::invalid_utf8, 2);
  fails("0A 0B 01 05 C0 80 01 01", errc::invalid_utf8, 4);  // overlong NUL as a member name
  fails("0B 07 ED A0 80", errc::invalid_utf8, 2);           // surrogate in XML
  amf::decode_options lax;
  lax.limits.validate_utf8 = false;
  EXPECT_EQ(ok("06 05 C3 28", lax).as_string(), "\xC3\x28");
}

TEST_F(Amf3Decode, TrailingBytes) {
  fails("01 01", errc::trailing_bytes, 1);
  amf::decode_options options;
  options.allow_trailing = true;
  EXPECT_TRUE(ok("01 01", options).is_null());
}

// Every proper prefix of a valid vector is an error, never a crash or a value. The input is a
// buffer of exactly that size (copy_input off), so a read past it is caught by ASan.
TEST_F(Amf3Decode, TruncationAtEveryOffset) {
  const std::string ac = "0A 07 43 " + hex_of("flex.messaging.io.ArrayCollection") + " 09 03 01 04 01";
  const std::string vectors[] = {
      "04 C0 80 80 00",
      "05 3F B9 99 99 99 99 99 9A",
      "06 09 73 70 61 6D",
      "08 01 42 70 2B 36 21 15 80 00",
      "09 07 03 61 04 01 01 06 09 73 70 61 6D 06 00 09 00",
      "0A 2B " + str("com.Foo") + " 03 61 03 62 04 01 06 03 78 03 63 01 01",
      "09 05 01 0A 13 " + str("com.P") + " 03 78 04 01 0A 01 04 02",
      ac,
      "0C 07 00 FF 80",
      "0B 09 3C 61 2F 3E",
      "0D 05 00 00 00 00 01 FF FF FF FF",
      "0E 03 01 FF FF FF FF",
      "0F 03 00 3F B9 99 99 99 99 99 9A",
      "10 05 01 " + str("com.P") + " 0A 13 00 03 78 04 01 01",
      "11 07 01 04 01 06 03 61 06 03 6B 03 09 01 01 01",
  };
  amf::decode_options options;
  options.copy_input = false;
  for (const std::string& hex : vectors) {
    const auto full = from_hex(hex);
    ASSERT_TRUE(amf::decode_amf3(full, memory_, options).has_value()) << hex;
    for (std::size_t n = 0; n < full.size(); ++n) {
      std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto r = amf::decode_amf3(prefix, memory_, options);
      ASSERT_FALSE(r.has_value()) << hex << " cut at " << n;
      EXPECT_LE(r.error().offset, n) << hex << " cut at " << n;
      const bool kind_ok =
          r.error().code == errc::unexpected_end || r.error().code == errc::length_exceeds_input;
      EXPECT_TRUE(kind_ok) << hex << " cut at " << n << ": " << r.error().message();
    }
    memory_.reset();
  }
}

// ---- limits ----

TEST_F(Amf3Decode, DeepNestingIsAnErrorNotACrash) {
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "09 03 01 ";
  auto r = decode(deep);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::depth_exceeded);
  EXPECT_EQ(r.error().offset, 512u * 3);  // the 513th array

  std::string objects;  // {a: {a: ...}}
  for (int i = 0; i < 100000; ++i) objects += i == 0 ? "0A 0B 01 03 61 " : "0A 01 00 ";
  r = decode(objects);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::depth_exceeded);
}

TEST_F(Amf3Decode, MaxDepth) {
  amf::decode_options options;
  options.limits.max_depth = 3;
  EXPECT_TRUE(ok("09 03 01 09 03 01 09 01 01", options).is(kind::array));
  fails("09 03 01 09 03 01 09 03 01 09 01 01", errc::depth_exceeded, 9, options);
  // dictionary > vector > object > array
  fails("11 03 00 10 03 00 01 0A 0B 01 03 61 09 01 01 01 01", errc::depth_exceeded, 12, options);
  // dictionary > vector > ArrayCollection > array
  fails("11 03 00 10 03 00 01 0A 07 43 " + hex_of("flex.messaging.io.ArrayCollection") + " 09 01 01",
        errc::depth_exceeded, 43, options);
}

TEST_F(Amf3Decode, ElementAndTableLimits) {
  amf::decode_options o;
  o.limits.max_elements = 2;
  EXPECT_TRUE(ok("09 05 01 01 01", o).is(kind::array));
  fails("09 07 01 01 01 01", errc::limit_exceeded, 2, o);
  fails("09 01 03 61 01 03 62 01 03 63 01 01", errc::limit_exceeded, 10, o);     // associative part
  fails("0A 0B 01 03 61 01 03 62 01 03 63 01 01", errc::limit_exceeded, 11, o);  // dynamic members
  fails("0A 33 01 03 61 03 62 03 63 01 01 01", errc::limit_exceeded, 2, o);      // sealed members
  fails("0D 07 00 00 00 00 01 00 00 00 02 00 00 00 03", errc::limit_exceeded, 3, o);
  fails("11 07 00 01 01 01 01 01 01", errc::limit_exceeded, 3, o);

  amf::decode_options s;
  s.limits.max_string_refs = 1;
  EXPECT_TRUE(ok("09 05 01 06 03 61 06 00", s).is(kind::array));
  fails("09 05 01 06 03 61 06 03 62", errc::limit_exceeded, 9, s);

  amf::decode_options obj;
  obj.limits.max_object_refs = 2;
  EXPECT_TRUE(ok("09 03 01 09 01 01", obj).is(kind::array));
  fails("09 05 01 09 01 01 09 01 01", errc::limit_exceeded, 8, obj);

  amf::decode_options t;
  t.limits.max_trait_refs = 1;
  EXPECT_TRUE(ok("09 05 01 0A 0B 01 01 0A 01 01", t).is(kind::array));
  fails("09 05 01 0A 0B 01 01 0A 1B 01 03 61 01 01", errc::limit_exceeded, 9, t);

  amf::decode_options len;
  len.limits.max_string_bytes = 3;
  EXPECT_EQ(ok("06 07 61 62 63", len).as_string(), "abc");
  fails("06 09 61 62 63 64", errc::limit_exceeded, 2, len);
  fails("0C 09 61 62 63 64", errc::limit_exceeded, 2, len);
  fails("0B 09 61 62 63 64", errc::limit_exceeded, 2, len);
}

TEST_F(Amf3Decode, InputAndMemoryLimits) {
  amf::decode_options in;
  in.limits.max_input_bytes = 2;
  EXPECT_TRUE(ok("04 01", in).is(kind::integer));
  fails("04 81 00", errc::limit_exceeded, 0, in);

  amf::decode_options mem;
  mem.limits.max_memory_bytes = 4096;
  memory_.set_limit(1u << 30);
  std::string big = "09 86 01 01 ";  // 384 elements: 6 KiB of values
  for (int i = 0; i < 384; ++i) big += "01 ";
  auto r = decode(big, mem);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::limit_exceeded);
  EXPECT_EQ(memory_.limit(), 1u << 30);  // the caller's limit is back
  memory_.reset();
  mem.limits.max_memory_bytes = 1u << 20;
  EXPECT_TRUE(ok(big, mem).is(kind::array));
}

// The untraced decoder reads small dense arrays, dates and objects of known traits on fast paths
// from the member and item loops; a trace sink turns every fast path off. Both ways must give the
// same graph, or the same error at the same offset: whole inputs, every prefix of them, and limits
// reached inside a fast path.
TEST_F(Amf3Decode, FastPathsMatchTheGeneralReaders) {
  struct quiet_sink : amf::trace_sink {
    void item(std::size_t, std::size_t, std::size_t, std::string_view) override {}
  } quiet;
  auto same = [&](const std::vector<std::uint8_t>& in, amf::decode_options options, const std::string& what) {
    amf::arena fast_memory;
    amf::arena traced_memory;
    auto fast = amf::decode_amf3(in, fast_memory, options);
    options.trace = &quiet;
    auto traced = amf::decode_amf3(in, traced_memory, options);
    ASSERT_EQ(fast.has_value(), traced.has_value()) << what;
    if (fast) {
      EXPECT_TRUE(amf::deep_equal(*fast, *traced)) << what;
    } else {
      EXPECT_EQ(fast.error().code, traced.error().code) << what << ": " << fast.error().message();
      EXPECT_EQ(fast.error().offset, traced.error().offset) << what << ": " << fast.error().message();
    }
  };
  constexpr const char* date_bytes = "08 01 42 70 2B 36 21 15 80 00";
  constexpr const char* member_values_a =
      "09 03 01 09 05 01 04 01 09 05 01 05 40 04 00 00 00 00 00 00 08 01 42 70 2B 36 21 15 80 00";
  // [[1, 1.0], date, {a: ["b"]} (inline traits), {a: ["b"]} (traits ref, shared names), [[], [null]],
  //  ref to the first array, com.P {x: 1} (sealed), com.P {x: 2} (traits ref)]
  const std::string graph =
      "09 11 01 09 05 01 04 01 05 3F F0 00 00 00 00 00 00 08 01 42 70 2B 36 21 15 80 00 "
      "0A 0B 01 03 61 09 03 01 06 03 62 01 0A 01 00 09 03 01 06 02 01 "
      "09 05 01 09 01 01 09 03 01 01 09 02 0A 13 " +
      str("com.P") + " 03 78 04 01 0A 05 04 02";
  const std::string nested = "0A 0B 01 03 61 0A 01 00 0A 01 00 04 01 01 01 01";  // {a: {a: {a: 1}}}
  // [{a: [[1, [2.5, date]]], b: date}, the same with traits and names by reference (the member
  //  loop's one-bound path, arrays read inline two levels deep, the third out of line), 16 bytes
  //  of string (the items before it start in the fast zone)]
  const std::string member_arrays = "09 07 01 0A 0B 01 03 61 " + std::string(member_values_a) + " 03 62 " +
                                    date_bytes + " 01 0A 01 00 " + member_values_a + " 02 " + date_bytes +
                                    " 01 06 21 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66";
  // ["a", "bc", "bc" (one-byte reference to the table's last entry), {bc: "a", a: "bc"} (names and
  //  values by one-byte references), 16 bytes of string]; with `value_ref` or `name_ref` 04 instead
  //  of 02, one past the table's end: a bad reference at the same offset both ways.
  auto string_refs = [](const char* value_ref, const char* name_ref) {
    return "09 0B 01 06 03 61 06 05 62 63 06 " + std::string(value_ref) + " 0A 0B 01 " + name_ref +
           " 06 00 00 06 02 01 06 21 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66";
  };
  for (const std::string& bad : {string_refs("04", "02"), string_refs("02", "04")}) {
    amf::arena check;
    const auto r = amf::decode_amf3(from_hex(bad), check);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, errc::bad_reference) << bad;
    same(from_hex(bad), {}, bad);
  }
  for (const std::string& hex : {graph, nested, member_arrays, string_refs("02", "02")}) {
    const auto full = from_hex(hex);
    amf::arena check;
    ASSERT_TRUE(amf::decode_amf3(full, check).has_value()) << hex;
    for (std::size_t n = 0; n <= full.size(); ++n) {
      same({full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)}, {},
           hex + " cut at " + std::to_string(n));
    }
    for (std::size_t refs = 0; refs < 12; ++refs) {
      amf::decode_options o;
      o.limits.max_object_refs = refs;
      same(full, o, hex + " max_object_refs " + std::to_string(refs));
    }
    for (std::size_t depth = 0; depth < 4; ++depth) {
      amf::decode_options o;
      o.limits.max_depth = depth;
      same(full, o, hex + " max_depth " + std::to_string(depth));
    }
    for (std::size_t elements = 0; elements < 3; ++elements) {
      amf::decode_options o;
      o.limits.max_elements = elements;
      same(full, o, hex + " max_elements " + std::to_string(elements));
    }
  }
  // 60 arrays [null, null] in an array: the memory limit is reached inside one of them.
  std::string arrays = "09 79 01 ";
  for (int i = 0; i < 60; ++i) arrays += "09 05 01 01 01 ";
  for (std::size_t bytes : {0u, 500u, 2048u, 4096u, 8192u}) {
    amf::decode_options o;
    o.limits.max_memory_bytes = bytes;
    same(from_hex(arrays), o, "60 arrays, max_memory_bytes " + std::to_string(bytes));
  }
}

// ---- options and reuse ----

TEST_F(Amf3Decode, CopyInput) {
  std::vector<std::uint8_t> input = from_hex("06 09 73 70 61 6D");
  const auto* lo = reinterpret_cast<const char*>(input.data());
  const auto* hi = lo + input.size();
  auto copied = amf::decode_amf3(input, memory_);
  ASSERT_TRUE(copied.has_value());
  const char* p = copied->as_string().data();
  EXPECT_FALSE(p >= lo && p < hi);

  amf::decode_options view;
  view.copy_input = false;
  auto viewed = amf::decode_amf3(input, memory_, view);
  ASSERT_TRUE(viewed.has_value());
  EXPECT_EQ(viewed->as_string().data(), lo + 2);
}

TEST_F(Amf3Decode, ReusedDecoderStartsWithEmptyTablesAndAllocatesNothingWhenWarm) {
  amf::amf3_decoder decoder;
  const auto first = from_hex("09 07 01 06 03 61 0A 0B 01 01 09 01 01");
  const auto second = from_hex("09 05 01 06 00 09 02");  // refers to entries of the first input
  ASSERT_TRUE(decoder.decode(first, memory_).has_value());
  auto r = decoder.decode(second, memory_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::bad_reference);

  memory_.reset();
  ASSERT_TRUE(decoder.decode(first, memory_).has_value());
  const std::size_t blocks = memory_.system_allocations();
  for (int i = 0; i < 10; ++i) {
    memory_.reset();
    auto again = decoder.decode(first, memory_);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->as_array().dense[0].as_string(), "a");
  }
  EXPECT_EQ(memory_.system_allocations(), blocks);
}

// ---- tracing ----

struct recorded_item {
  std::size_t offset, length, depth;
  std::string text;
};

class recorder : public amf::trace_sink {
 public:
  void item(std::size_t offset, std::size_t length, std::size_t depth, std::string_view text) override {
    items.push_back({offset, length, depth, std::string(text)});
  }
  std::vector<recorded_item> items;
};

TEST_F(Amf3Decode, TraceNamesEveryItemWithResolvedReferences) {
  recorder rec;
  amf::decode_options options;
  options.trace = &rec;
  // [com.foo.Bar {a: "abc"} (dynamic), ref #1, "abc" (string ref #2), 7, {} ]
  const std::string hex =
      "09 0B 01 0A 1B " + str("com.foo.Bar") + " 03 61 06 07 61 62 63 01 0A 02 06 04 04 07 0A 0B 01 01";
  ASSERT_TRUE(ok(hex, options).is(kind::array));
  std::vector<std::string> texts;
  for (const auto& it : rec.items) texts.push_back(it.text);
  const std::vector<std::string> expected = {
      "array (#0): 5 dense",
      "end of associative part",
      "object (#1)",
      "traits: inline, dynamic, 1 sealed, alias \"com.foo.Bar\" (#0)",
      "sealed member \"a\" (#1)",
      "string \"abc\" (#2)",
      "end of dynamic members",
      "object ref #1 -> object com.foo.Bar",
      "string ref #2 -> \"abc\"",
      "integer 7",
      "object (#2)",
      "traits: inline, dynamic, 0 sealed, alias \"\" (#1)",
      "end of dynamic members",
  };
  EXPECT_EQ(texts, expected);
  ASSERT_EQ(rec.items.size(), expected.size());
  EXPECT_EQ(rec.items[0].offset, 0u);
  EXPECT_EQ(rec.items[0].length, 2u);
  EXPECT_EQ(rec.items[0].depth, 0u);
  EXPECT_EQ(rec.items[2].offset, 3u);  // object marker
  EXPECT_EQ(rec.items[2].length, 1u);
  EXPECT_EQ(rec.items[2].depth, 1u);
  EXPECT_EQ(rec.items[3].offset, 4u);  // traits header + class name
  EXPECT_EQ(rec.items[3].length, 13u);
  EXPECT_EQ(rec.items[5].depth, 2u);  // a member value
  std::size_t last = 0;
  for (const auto& it : rec.items) {
    EXPECT_GE(it.offset, last) << it.text;
    last = it.offset;
  }
}

TEST_F(Amf3Decode, TraceOfOtherTypes) {
  recorder rec;
  amf::decode_options options;
  options.trace = &rec;
  ok("09 13 01 00 05 3F F8 00 00 00 00 00 00 08 01 42 70 2B 36 21 15 80 00 0B 03 78 0C 03 00 0D 03 01 00 00 "
     "00 01 "
     "10 01 00 01 11 01 01 09 0C",
     options);
  std::vector<std::string> texts;
  for (const auto& it : rec.items) texts.push_back(it.text);
  const std::vector<std::string> expected = {
      "array (#0): 9 dense",
      "end of associative part",
      "undefined",
      "double 1.5",
      "date 1111111111000 ms (#1)",
      "xml \"x\" (#2)",
      "byte_array (#3): 1 bytes",
      "vector_int (#4): 1 items, fixed",
      "vector_object (#5): 0 items",
      "type name \"\"",
      "dictionary (#6): 0 entries, weak keys",
      "array ref #6 -> dictionary",
  };
  EXPECT_EQ(texts, expected);
}

TEST_F(Amf3Decode, TraceOfExternalizables) {
  recorder rec;
  amf::externalizable_registry registry;
  registry.add("R", raw_codec());
  registry.add("flex.messaging.io.ArrayCollection", amf::externalizable_registry::single_value());
  amf::decode_options options;
  options.trace = &rec;
  options.registry = &registry;
  const std::string raw = "0A 07 03 52 01 00 02 00 00 00 03 40 04 00 00 00 00 00 00 0A 0B 00 02 68 69";
  const std::string ac = "0A 07 43 " + hex_of("flex.messaging.io.ArrayCollection") + " 09 01 01";
  ok("09 05 01 " + raw + ac + "", options);
  std::vector<std::string> texts;
  for (const auto& it : rec.items) texts.push_back(it.text);
  const std::vector<std::string> expected = {
      "array (#0): 2 dense",
      "end of associative part",
      "object (#1)",
      "traits: inline, externalizable, alias \"R\" (#0)",
      "u8 1",
      "u16 2",
      "u32 3",
      "double 2.5",
      "bytes 2",
      "utf \"hi\"",
      "object (#2)",
      "traits: inline, externalizable, alias \"flex.messaging.io.ArrayCollection\" (#1)",
      "array (#3): 0 dense",
      "end of associative part",
  };
  EXPECT_EQ(texts, expected);
  ASSERT_EQ(rec.items.size(), expected.size());
  EXPECT_EQ(rec.items[4].offset, 7u);  // the u8, inside object #1 (depth 2)
  EXPECT_EQ(rec.items[4].length, 1u);
  EXPECT_EQ(rec.items[4].depth, 2u);
  EXPECT_EQ(rec.items[9].length, 4u);  // utf: u16 length + 2 bytes
}

}  // namespace
