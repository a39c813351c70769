// AMF0 encoding: canonical bytes for every kind, references by identity (never for dates), the
// 65535-byte string boundary counted in UTF-8 bytes, AMF3-only kinds behind 0x11, limits, and
// round trips through the decoder.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "amphora/amf/amf0.hpp"
#include "support/bytes.hpp"

namespace amphora::amf {
namespace {

using test::builder;

test::bytes hex(std::string_view text) { return test::from_hex(text); }

std::vector<std::uint8_t> encode(const value& v, const encode_options& options = {}) {
  std::vector<std::uint8_t> out;
  status s = encode_amf0(v, out, options);
  EXPECT_TRUE(s) << s.error().message();
  return out;
}

error_info encode_error(const value& v, const encode_options& options = {}) {
  std::vector<std::uint8_t> out = {0xAA};
  status s = encode_amf0(v, out, options);
  EXPECT_FALSE(s);
  EXPECT_EQ(out, std::vector<std::uint8_t>{0xAA}) << "a failed encode must leave the output as it was";
  return s.error();
}

// Encodes, decodes and checks the graph came back the same.
void expect_round_trip(const value& v) {
  const auto bytes = encode(v);
  arena memory;
  auto r = decode_amf0(bytes, memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(deep_equal(*r, v));
}

TEST(Amf0Encode, Scalars) {
  EXPECT_EQ(encode(value::number(1.5)), hex("00 3F F8 00 00 00 00 00 00"));
  EXPECT_EQ(encode(value::integer(42)), hex("00 40 45 00 00 00 00 00 00"));  // AMF0 has only doubles
  EXPECT_EQ(encode(value::number(-0.0)), hex("00 80 00 00 00 00 00 00 00"));
  EXPECT_EQ(encode(value::boolean(true)), hex("01 01"));
  EXPECT_EQ(encode(value::boolean(false)), hex("01 00"));
  EXPECT_EQ(encode(value::null()), hex("05"));
  EXPECT_EQ(encode(value::undefined()), hex("06"));
  EXPECT_EQ(encode(value::string("eggs")), hex("02 00 04 65 67 67 73"));
  EXPECT_EQ(encode(value::string("")), hex("02 00 00"));
}

TEST(Amf0Encode, StringBoundaryCountsUtf8Bytes) {
  const std::string ascii_max(65535, 'a');
  EXPECT_EQ(encode(value::string(ascii_max)), builder{}.hex("02 FF FF").raw(ascii_max).take());
  const std::string ascii_long(65536, 'a');
  EXPECT_EQ(encode(value::string(ascii_long)), builder{}.hex("0C 00 01 00 00").raw(ascii_long).take());

  // "é" is 2 UTF-8 bytes but 1 UTF-16 unit: 32,768 of them are 65,536 bytes, so the long form
  // (AmFast counted UTF-16 units and wrote a short string with a wrapped length).
  std::string e_max;
  for (int i = 0; i < 32767; ++i) e_max += "\xC3\xA9";
  e_max += 'a';
  ASSERT_EQ(e_max.size(), 65535u);
  EXPECT_EQ(encode(value::string(e_max)), builder{}.hex("02 FF FF").raw(e_max).take());
  std::string e_long;
  for (int i = 0; i < 32768; ++i) e_long += "\xC3\xA9";
  EXPECT_EQ(encode(value::string(e_long)), builder{}.hex("0C 00 01 00 00").raw(e_long).take());
  // 40,000 "é" (AmFast refused these): 80,000 bytes.
  std::string e_40k;
  for (int i = 0; i < 40000; ++i) e_40k += "\xC3\xA9";
  EXPECT_EQ(encode(value::string(e_40k)), builder{}.hex("0C 00 01 38 80").raw(e_40k).take());
  for (const std::string& s : {ascii_max, ascii_long, e_max, e_long, e_40k}) {
    expect_round_trip(value::string(s));
  }
}

TEST(Amf0Encode, Objects) {
  arena memory;
  object_node* anonymous = new_object(memory);
  add_dynamic(memory, *anonymous, "spam", value::string("eggs"));
  EXPECT_EQ(encode(value::of(anonymous)), hex("03 00 04 73 70 61 6D 02 00 04 65 67 67 73 00 00 09"));
  EXPECT_EQ(encode(value::of(new_object(memory))), hex("03 00 00 09"));

  object_node* typed = new_object(memory, "alias.spam", false);
  add_sealed(memory, *typed, "spam", value::string("eggs"));
  EXPECT_EQ(encode(value::of(typed)),
            hex("10 00 0A 61 6C 69 61 73 2E 73 70 61 6D 00 04 73 70 61 6D 02 00 04 65 67 67 73 00 00 09"));
  expect_round_trip(value::of(typed));

  // Sealed members first, then dynamic ones.
  object_node* both = new_object(memory, "C", true);
  add_dynamic(memory, *both, "d", value::null());
  add_sealed(memory, *both, "s", value::boolean(true));
  EXPECT_EQ(encode(value::of(both)), hex("10 00 01 43 00 01 73 01 01 00 01 64 05 00 00 09"));
}

TEST(Amf0Encode, Arrays) {
  arena memory;
  array_node* strict = new_array(memory);
  strict->dense.push_back(memory, value::number(1));
  strict->dense.push_back(memory, value::string("a"));
  EXPECT_EQ(encode(value::of(strict)), hex("0A 00 00 00 02 00 3F F0 00 00 00 00 00 00 02 00 01 61"));
  EXPECT_EQ(encode(value::of(new_array(memory))), hex("0A 00 00 00 00"));

  // An associative part makes an ECMA array: count = all entries, dense ones named "0", "1", ...
  array_node* mixed = new_array(memory);
  mixed->dense.push_back(memory, value::string("a"));
  mixed->dense.push_back(memory, value::null());
  mixed->assoc.push_back(memory, member{"x", value::boolean(true)});
  EXPECT_EQ(encode(value::of(mixed)),
            hex("08 00 00 00 03 00 01 30 02 00 01 61 00 01 31 05 00 01 78 01 01 00 00 09"));

  array_node* ecma = new_array(memory);
  ecma->ecma = true;
  EXPECT_EQ(encode(value::of(ecma)), hex("08 00 00 00 00 00 00 09"));
  ecma->assoc.push_back(memory, member{"k", value::number(1)});
  expect_round_trip(value::of(ecma));
}

TEST(Amf0Encode, DatesAndXmlDocuments) {
  arena memory;
  EXPECT_EQ(encode(value::of(new_date(memory, 1111111111000.0))), hex("0B 42 70 2B 36 21 15 80 00 00 00"));
  EXPECT_EQ(encode(value::of(new_date(memory, 1111111111000.0, -60))),
            hex("0B 42 70 2B 36 21 15 80 00 FF C4"));
  expect_round_trip(value::of(new_date(memory, 1.5, 120)));
  EXPECT_EQ(encode(value::of(kind::xml_document, new_text(memory, "<a/>"))),
            hex("0F 00 00 00 04 3C 61 2F 3E"));

  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 1e300}) {
    EXPECT_EQ(encode_error(value::of(new_date(memory, bad))).code, make_error_code(errc::invalid_date));
  }
}

TEST(Amf0Encode, ReferencesByIdentity) {
  arena memory;
  value o = value::of(new_object(memory));
  array_node* twice = new_array(memory);
  twice->dense.push_back(memory, o);
  twice->dense.push_back(memory, o);
  EXPECT_EQ(encode(value::of(twice)), hex("0A 00 00 00 02 03 00 00 09 07 00 01"));
  expect_round_trip(value::of(twice));

  // Equal but distinct objects are written twice.
  array_node* distinct = new_array(memory);
  distinct->dense.push_back(memory, value::of(new_object(memory)));
  distinct->dense.push_back(memory, value::of(new_object(memory)));
  EXPECT_EQ(encode(value::of(distinct)), hex("0A 00 00 00 02 03 00 00 09 03 00 00 09"));

  // Cycles through objects, typed objects, strict and ECMA arrays.
  object_node* self = new_object(memory);
  add_dynamic(memory, *self, "self", value::of(self));
  EXPECT_EQ(encode(value::of(self)), hex("03 00 04 73 65 6C 66 07 00 00 00 00 09"));
  expect_round_trip(value::of(self));
  array_node* inner = new_array(memory);
  inner->dense.push_back(memory, value::of(inner));
  EXPECT_EQ(encode(value::of(inner)), hex("0A 00 00 00 01 07 00 00"));
  expect_round_trip(value::of(inner));
  object_node* typed = new_object(memory, "C", false);
  array_node* ecma = new_array(memory);
  ecma->ecma = true;
  ecma->assoc.push_back(memory, member{"up", value::of(typed)});
  add_sealed(memory, *typed, "e", value::of(ecma));
  EXPECT_EQ(encode(value::of(typed)),
            hex("10 00 01 43 00 01 65 08 00 00 00 01 00 02 75 70 07 00 00 00 00 09 00 00 09"));
  expect_round_trip(value::of(typed));
}

TEST(Amf0Encode, DatesAreNeverReferenced) {
  arena memory;
  value d = value::of(new_date(memory, 1111111111000.0));
  value o = value::of(new_object(memory));
  array_node* a = new_array(memory);
  for (const value& v : {d, d, o, o}) a->dense.push_back(memory, v);
  // The date is written in full twice and takes no slot: o is #1.
  EXPECT_EQ(encode(value::of(a)),
            hex("0A 00 00 00 04 0B 42 70 2B 36 21 15 80 00 00 00 0B 42 70 2B 36 21 15 80 00 00 00"
                " 03 00 00 09 07 00 01"));
  value x = value::of(kind::xml_document, new_text(memory, "<a/>"));
  array_node* b = new_array(memory);
  for (const value& v : {x, o, o}) b->dense.push_back(memory, v);
  EXPECT_EQ(encode(value::of(b)), hex("0A 00 00 00 03 0F 00 00 00 04 3C 61 2F 3E 03 00 00 09 07 00 01"));
}

// [65535 empty objects] + tail: the root is #0, the objects #1..#65535, so the next node is #65536,
// which no u16 reference reaches.
array_node* full_table(arena& memory) {
  array_node* root = new_array(memory);
  for (int i = 0; i < 65535; ++i) root->dense.push_back(memory, value::of(new_object(memory)));
  return root;
}

TEST(Amf0Encode, NodesPastIndex65535AreWrittenAgain) {
  arena memory;
  array_node* root = full_table(memory);
  value first = root->dense[0];
  value late = value::of(new_object(memory));
  root->dense.push_back(memory, late);
  root->dense.push_back(memory, late);
  root->dense.push_back(memory, first);
  const auto bytes = encode(value::of(root));
  const std::vector<std::uint8_t> tail(bytes.end() - 11, bytes.end());
  EXPECT_EQ(tail, hex("03 00 00 09 03 00 00 09 07 00 01"));
  arena decoded_memory;
  auto r = decode_amf0(bytes, decoded_memory);
  ASSERT_TRUE(r) << r.error().message();
  const array_node& a = r->as_array();
  ASSERT_EQ(a.dense.size(), 65538u);
  EXPECT_NE(a.dense[65535].node(), a.dense[65536].node());  // identity lost: AMF0 cannot say it
  EXPECT_EQ(a.dense[0].node(), a.dense[65537].node());
}

TEST(Amf0Encode, CycleThroughUnreachableIndexIsUnencodable) {
  arena memory;
  array_node* root = full_table(memory);
  object_node* late = new_object(memory);
  add_dynamic(memory, *late, "self", value::of(late));
  root->dense.push_back(memory, value::of(late));
  EXPECT_EQ(encode_error(value::of(root)).code, make_error_code(errc::unencodable));
}

TEST(Amf0Encode, Amf3OnlyKindsGoBehindAvmPlus) {
  arena memory;
  const std::uint8_t raw[] = {1, 2, 3};
  EXPECT_EQ(encode(value::of(new_bytes(memory, raw))), hex("11 0C 07 01 02 03"));
  EXPECT_EQ(encode(value::of(kind::xml, new_text(memory, "<a/>"))), hex("11 0B 09 3C 61 2F 3E"));
  auto* ints = new_vector<std::int32_t>(memory);
  ints->items.push_back(memory, 1);
  EXPECT_EQ(encode(value::of(ints)), hex("11 0D 03 00 00 00 00 01"));
  EXPECT_EQ(encode(value::of(new_dictionary(memory)))[0], 0x11);

  // A value flagged avmplus goes the same way, whatever its kind.
  value s = value::string("abc");
  s.set_flags(value::flag_avmplus);
  EXPECT_EQ(encode(s), hex("11 06 07 61 62 63"));
  value t = value::boolean(true);
  t.set_flags(value::flag_avmplus);
  EXPECT_EQ(encode(t), hex("11 03"));
}

TEST(Amf0Encode, AvmPlusSwitchesShareOneAmf3Context) {
  arena memory;
  value s = value::string("abc");
  s.set_flags(value::flag_avmplus);
  value o = value::of(new_object(memory));
  o.set_flags(value::flag_avmplus);
  array_node* a = new_array(memory);
  for (const value& v : {s, s, o, o}) a->dense.push_back(memory, v);
  const auto bytes = encode(value::of(a));
  EXPECT_EQ(bytes, hex("0A 00 00 00 04 11 06 07 61 62 63 11 06 00 11 0A 0B 01 01 11 0A 00"));
  arena decoded;
  auto r = decode_amf0(bytes, decoded);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(deep_equal(*r, value::of(a), true));
  // Each top-level value starts a fresh AMF3 context.
  amf0_encoder encoder;
  std::vector<std::uint8_t> first, second;
  ASSERT_TRUE(encoder.encode(s, first));
  ASSERT_TRUE(encoder.encode(s, second));
  EXPECT_EQ(first, second);
}

TEST(Amf0Encode, ExternalizableGoesBehindAvmPlus) {
  arena memory;
  object_node* collection = new_object(memory, "flex.messaging.io.ArrayCollection", false);
  collection->type->externalizable = true;
  array_node* items = new_array(memory);
  items->dense.push_back(memory, value::string("eggs"));
  collection->external = value::of(items);
  // Py3AMF test_flex ArrayCollectionTestCase.test_encode_amf0: 0x11 + the AMF3 bytes.
  EXPECT_EQ(encode(value::of(collection)), builder{}
                                               .hex("11 0A 07 43")
                                               .raw("flex.messaging.io.ArrayCollection")
                                               .hex("09 03 01 06 09 65 67 67 73")
                                               .take());
}

TEST(Amf0Encode, Unencodable) {
  arena memory;
  const std::string huge(65536, 'k');
  object_node* key = new_object(memory);
  add_dynamic(memory, *key, huge, value::null());
  EXPECT_EQ(encode_error(value::of(key)).code, make_error_code(errc::unencodable));
  EXPECT_EQ(encode_error(value::of(new_object(memory, huge, false))).code,
            make_error_code(errc::unencodable));
  array_node* ecma = new_array(memory);
  ecma->assoc.push_back(memory, member{huge, value::null()});
  EXPECT_EQ(encode_error(value::of(ecma)).code, make_error_code(errc::unencodable));
  EXPECT_EQ(encode_error(value::of(static_cast<object_node*>(nullptr))).code,
            make_error_code(errc::unencodable));
  object_node broken;  // no traits
  EXPECT_EQ(encode_error(value::of(&broken)).code, make_error_code(errc::invalid_traits));
}

TEST(Amf0Encode, DepthIsBounded) {
  arena memory;
  // Four nested containers: array > object > ECMA array > array.
  array_node* innermost = new_array(memory);
  array_node* ecma = new_array(memory);
  ecma->ecma = true;
  ecma->assoc.push_back(memory, member{"b", value::of(innermost)});
  object_node* o = new_object(memory);
  add_dynamic(memory, *o, "a", value::of(ecma));
  array_node* root = new_array(memory);
  root->dense.push_back(memory, value::of(o));

  encode_options options;
  options.max_depth = 4;
  const auto bytes = encode(value::of(root), options);
  options.max_depth = 3;
  EXPECT_EQ(encode_error(value::of(root), options).code, make_error_code(errc::depth_exceeded));
  // The decoder draws the line at the same place.
  decode_options limits;
  limits.limits.max_depth = 4;
  arena decoded;
  EXPECT_TRUE(decode_amf0(bytes, decoded, limits));
  limits.limits.max_depth = 3;
  EXPECT_FALSE(decode_amf0(bytes, decoded, limits));
}

TEST(Amf0Encode, EncoderIsReusableAndStartsWithEmptyTables) {
  arena memory;
  value o = value::of(new_object(memory));
  array_node* twice = new_array(memory);
  twice->dense.push_back(memory, o);
  twice->dense.push_back(memory, o);
  amf0_encoder encoder;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encoder.encode(o, out));
  EXPECT_EQ(out, hex("03 00 00 09"));
  out.clear();
  ASSERT_TRUE(encoder.encode(value::of(twice), out));  // o is not a reference to the last call's #0
  EXPECT_EQ(out, hex("0A 00 00 00 02 03 00 00 09 07 00 01"));
  ASSERT_TRUE(encoder.encode(value::of(twice), out));  // appends
  EXPECT_EQ(out, hex("0A 00 00 00 02 03 00 00 09 07 00 01 0A 00 00 00 02 03 00 00 09 07 00 01"));
}

TEST(Amf0Encode, ComplexGraphRoundTrip) {
  arena memory;
  object_node* person = new_object(memory, "com.example.Person", false);
  add_sealed(memory, *person, "name", value::string("Ada"));
  add_sealed(memory, *person, "born", value::of(new_date(memory, -4449513600000.0)));
  array_node* tags = new_array(memory);
  tags->dense.push_back(memory, value::string("math"));
  tags->dense.push_back(memory, value::of(person));  // cycle
  add_sealed(memory, *person, "tags", value::of(tags));
  array_node* index = new_array(memory);
  index->ecma = true;
  index->assoc.push_back(memory, member{"ada", value::of(person)});
  index->assoc.push_back(memory, member{"doc", value::of(kind::xml_document, new_text(memory, "<p/>"))});
  object_node* root = new_object(memory);
  add_dynamic(memory, *root, "people", value::of(index));
  add_dynamic(memory, *root, "first", value::of(person));
  add_dynamic(memory, *root, "count", value::number(1));
  add_dynamic(memory, *root, "none", value::undefined());
  expect_round_trip(value::of(root));
}

}  // namespace
}  // namespace amphora::amf
