// The lossless JSON mapping (include/amphora/amf/json.hpp, docs/json-mapping.md): every kind both
// ways with exact text, escaping, sharing and cycles, numbers, dates, errors with offsets, limits,
// the shared benchmark payloads, the golden vectors' JSON, and random graphs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf.hpp"
#include "support/golden.hpp"
#include "support/value_generator.hpp"

namespace amphora::amf {
namespace {

// ---- helpers ----

std::string write(const value& v, bool pretty = false) {
  std::string out;
  json_write_options options;
  options.pretty = pretty;
  status s = to_json(v, out, options);
  EXPECT_TRUE(s.ok()) << s.error().message();
  return out;
}

value read(arena& memory, std::string_view text) {
  auto r = value_from_json(text, memory);
  EXPECT_TRUE(r.has_value()) << text << "\n  -> " << r.error().message();
  return r ? *r : value{};
}

// `g` writes exactly `expected` (compact); reading that back gives a graph deep_equal to `g`,
// flags included, which writes the same text again.
void expect_json(const value& g, std::string_view expected) {
  std::string text = write(g);
  EXPECT_EQ(text, expected);
  arena memory;
  auto back = value_from_json(text, memory);
  ASSERT_TRUE(back.has_value()) << text << "\n  -> " << back.error().message();
  EXPECT_TRUE(deep_equal(g, *back, true)) << text;
  EXPECT_EQ(write(*back), text);
}

// Reading `text` fails with `code` at byte `offset`.
void expect_error(std::string_view text, errc code, std::size_t offset,
                  const json_read_options& options = {}) {
  arena memory;
  auto r = value_from_json(text, memory, options);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().code, make_error_code(code)) << text << "\n  -> " << r.error().message();
  EXPECT_EQ(r.error().offset, offset) << text << "\n  -> " << r.error().message();
  EXPECT_FALSE(r.error().detail.empty());
}

std::uint64_t bits(double d) {
  std::uint64_t b = 0;
  std::memcpy(&b, &d, sizeof d);
  return b;
}

double from_bits(std::uint64_t b) {
  double d = 0;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

value array_of(arena& a, std::initializer_list<value> items) {
  array_node* n = new_array(a);
  for (const value& v : items) EXPECT_TRUE(n->dense.push_back(a, v));
  return value::of(n);
}

value anonymous(arena& a, std::initializer_list<member> members) {
  object_node* o = new_object(a);
  for (const member& m : members) EXPECT_TRUE(add_dynamic(a, *o, m.name, m.val));
  return value::of(o);
}

value typed(arena& a, std::string_view alias, std::initializer_list<member> members) {
  object_node* o = new_object(a, alias, false);
  for (const member& m : members) EXPECT_TRUE(add_sealed(a, *o, m.name, m.val));
  return value::of(o);
}

value str(std::string_view s) { return value::string(s); }
value integer(std::int64_t i) { return value::integer(i); }
value number(double d) { return value::number(d); }

value avmplus(value v) {
  v.set_flags(value::flag_avmplus);
  return v;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- scalars ----

TEST(JsonScalars, Write) {
  expect_json(value::null(), "null");
  expect_json(value::undefined(), R"({"$undefined":true})");
  expect_json(value::boolean(true), "true");
  expect_json(value::boolean(false), "false");
  expect_json(integer(42), "42");
  expect_json(integer(-7), "-7");
  expect_json(integer(0), "0");
  expect_json(integer(std::numeric_limits<std::int64_t>::max()), "9223372036854775807");
  expect_json(integer(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
}

TEST(JsonScalars, DoublesAlwaysHaveADotOrExponent) {
  expect_json(number(42.0), "42.0");
  expect_json(number(0.0), "0.0");
  expect_json(number(-0.0), "-0.0");
  expect_json(number(1.5), "1.5");
  expect_json(number(0.1), "0.1");
  expect_json(number(-2.5), "-2.5");
  expect_json(number(1e300), "1e+300");
  expect_json(number(1e16), "1e+16");
  expect_json(number(123456789.0), "123456789.0");
  expect_json(number(1e-7), "1e-07");
  expect_json(number(5e-324), "5e-324");
  expect_json(number(0.8400000000000001), "0.8400000000000001");
  expect_json(number(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
}

TEST(JsonScalars, NonFiniteDoubles) {
  expect_json(number(std::numeric_limits<double>::quiet_NaN()), R"({"$double":"NaN"})");
  expect_json(number(std::numeric_limits<double>::infinity()), R"({"$double":"Infinity"})");
  expect_json(number(-std::numeric_limits<double>::infinity()), R"({"$double":"-Infinity"})");
  // Any other NaN keeps its bits (x86's default NaN is negative).
  expect_json(number(from_bits(0xFFF8000000000000u)), R"({"$double":"0xfff8000000000000"})");
  expect_json(number(from_bits(0x7FF0000000000001u)), R"({"$double":"0x7ff0000000000001"})");
  arena memory;
  EXPECT_EQ(bits(read(memory, R"({"$double":"0x3FF0000000000000"})").as_double()), bits(1.0));
}

TEST(JsonScalars, ReadNumbers) {
  arena memory;
  value v = read(memory, "42");
  EXPECT_TRUE(v.is(kind::integer));
  EXPECT_EQ(v.as_int(), 42);
  v = read(memory, "-0");
  EXPECT_TRUE(v.is(kind::integer));
  EXPECT_EQ(v.as_int(), 0);
  v = read(memory, "42.0");
  EXPECT_TRUE(v.is(kind::number));
  EXPECT_EQ(v.as_double(), 42.0);
  v = read(memory, "1E2");
  EXPECT_TRUE(v.is(kind::number));
  EXPECT_EQ(v.as_double(), 100.0);
  v = read(memory, "-0.0");
  EXPECT_EQ(bits(v.as_double()), bits(-0.0));
  v = read(memory, "-9223372036854775808");
  EXPECT_TRUE(v.is(kind::integer));
  EXPECT_EQ(v.as_int(), std::numeric_limits<std::int64_t>::min());
  // Integers beyond int64 become doubles.
  v = read(memory, "9223372036854775808");
  EXPECT_TRUE(v.is(kind::number));
  EXPECT_EQ(v.as_double(), 9223372036854775808.0);
  // Beyond double's range: like JSON.parse.
  EXPECT_EQ(read(memory, "1e400").as_double(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(read(memory, "-1e400").as_double(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(bits(read(memory, "1e-400").as_double()), bits(0.0));
  EXPECT_EQ(bits(read(memory, "-0.0000e-400").as_double()), bits(-0.0));
  EXPECT_EQ(bits(read(memory, "-1e-400").as_double()), bits(-0.0));
  EXPECT_EQ(read(memory, "1234567890123456789012345678901234567890e-30").as_double(), 1234567890.1234567);
}

TEST(JsonScalars, WhitespaceAroundTheValue) {
  arena memory;
  EXPECT_TRUE(read(memory, " \t\r\n true \n").as_bool());
  expect_error("true false", errc::invalid_json, 5);
}

// ---- strings ----

TEST(JsonStrings, EscapesOnOutput) {
  expect_json(str(""), R"("")");
  expect_json(str("plain"), R"("plain")");
  expect_json(str("q\"b\\s/"), R"("q\"b\\s/")");
  expect_json(str("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  expect_json(str(std::string_view("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f)"
                                                            "\x7f\"");
  expect_json(str("é€😀 ᚠᛇᚻ"), "\"é€😀 ᚠᛇᚻ\"");
}

TEST(JsonStrings, EscapesOnInput) {
  arena memory;
  EXPECT_EQ(read(memory, R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(read(memory, R"("\u0041\u00e9\u20AC")").as_string(), "Aé€");
  EXPECT_EQ(read(memory, R"("\ud83d\ude00!")").as_string(), "😀!");
  EXPECT_EQ(read(memory, R"("a\u0000b")").as_string(), std::string_view("a\0b", 3));
  EXPECT_EQ(read(memory, "\"é€😀\"").as_string(), "é€😀");
}

TEST(JsonStrings, InputErrors) {
  expect_error(R"("ab\ud800")", errc::invalid_utf8, 3);
  expect_error(R"("ab\ud800\u0041")", errc::invalid_utf8, 3);
  expect_error(R"("ab\udc00\ud800")", errc::invalid_utf8, 3);
  expect_error(R"("\ud800x")", errc::invalid_utf8, 1);
  expect_error(R"("ab\x")", errc::invalid_json, 3);
  expect_error(R"("ab\u12G4")", errc::invalid_json, 3);
  expect_error(R"("ab\u12")", errc::invalid_json, 3);
  expect_error("\"ab\ncd\"", errc::invalid_json, 3);
  expect_error("\"ab\xFF\"", errc::invalid_utf8, 3);
  expect_error("\"ab\xC3\"", errc::invalid_utf8, 3);          // truncated sequence
  expect_error("\"ab\xED\xA0\x80\"", errc::invalid_utf8, 3);  // encoded surrogate
  expect_error("\"ab\xC0\xAF\"", errc::invalid_utf8, 3);      // overlong
  expect_error("\"abc", errc::invalid_json, 4);
  expect_error("\"abc\\", errc::invalid_json, 5);
}

TEST(JsonStrings, NonUtf8IsUnencodable) {
  std::string out = "kept";
  status s = to_json(str("a\xFF"), out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, make_error_code(errc::unencodable));
  EXPECT_EQ(out, "kept");  // nothing appended on failure

  arena memory;
  value o = anonymous(memory, {{"ok", str("x")}, {"bad\xC3", value::null()}});
  s = to_json(o, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, make_error_code(errc::unencodable));
  EXPECT_EQ(s.error().offset, 10u);  // {"ok":"x", is 10 bytes; then the key
  EXPECT_EQ(out, "kept");
}

// ---- dates ----

value date(arena& a, double millis, std::int16_t tz = 0) { return value::of(new_date(a, millis, tz)); }

TEST(JsonDates, IsoForWholeMillisecondsInYears0000To9999) {
  arena a;
  expect_json(date(a, 1111111111000.0), R"({"$date":"2005-03-18T01:58:31.000Z"})");
  expect_json(date(a, 0.0), R"({"$date":"1970-01-01T00:00:00.000Z"})");
  expect_json(date(a, -1.0), R"({"$date":"1969-12-31T23:59:59.999Z"})");
  expect_json(date(a, 951782400000.0), R"({"$date":"2000-02-29T00:00:00.000Z"})");
  expect_json(date(a, 1735787045678.0), R"({"$date":"2025-01-02T03:04:05.678Z"})");
  expect_json(date(a, -62167219200000.0), R"({"$date":"0000-01-01T00:00:00.000Z"})");
  expect_json(date(a, 253402300799999.0), R"({"$date":"9999-12-31T23:59:59.999Z"})");
}

TEST(JsonDates, NumericOtherwise) {
  arena a;
  expect_json(date(a, -62167219200001.0), R"({"$date":-62167219200001.0})");
  expect_json(date(a, 253402300800000.0), R"({"$date":253402300800000.0})");
  expect_json(date(a, 8.64e15), R"({"$date":8.64e+15})");
  expect_json(date(a, 1.5), R"({"$date":1.5})");
  expect_json(date(a, -0.0), R"({"$date":-0.0})");
  expect_json(date(a, -8.64e15), R"({"$date":-8.64e+15})");
}

// Like the decoders and encoders, JSON refuses time values ECMAScript does not have.
TEST(JsonDates, OutsideEcmascriptRangeIsRefused) {
  arena a;
  for (double ms :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 8.64e15 + 1}) {
    std::string out = "kept";
    status s = to_json(array_of(a, {date(a, ms)}), out);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, make_error_code(errc::invalid_date));
    EXPECT_EQ(s.error().offset, 1u);
    EXPECT_EQ(out, "kept");
  }
  expect_error(R"({"$date":8640000000000001.0})", errc::invalid_date, 9);
  expect_error(R"([{"$date":-1e300}])", errc::invalid_date, 10);
  expect_error(R"({"$date":1e400})", errc::invalid_date, 9);
  expect_error(R"({"$date":{"$double":"NaN"}})", errc::invalid_json_mapping, 9);
}

TEST(JsonDates, Timezone) {
  arena a;
  expect_json(date(a, 1111111111000.0, -60), R"({"$date":"2005-03-18T01:58:31.000Z","$tz":-60})");
  expect_json(date(a, 1.5, 120), R"({"$date":1.5,"$tz":120})");
}

TEST(JsonDates, ReadForms) {
  arena a;
  value v = read(a, R"({"$date":"2025-01-02T03:04:05.678Z"})");
  ASSERT_TRUE(v.is(kind::date));
  EXPECT_EQ(v.as_date().millis, 1735787045678.0);
  EXPECT_EQ(v.as_date().timezone, 0);
  EXPECT_EQ(read(a, R"({"$date":"2025-01-02T03:04:05Z"})").as_date().millis, 1735787045000.0);
  EXPECT_EQ(read(a, R"({"$date":"2025-01-02T03:04:05.5Z"})").as_date().millis, 1735787045500.0);
  EXPECT_EQ(read(a, R"({"$date":"2025-01-02T03:04:05.05Z"})").as_date().millis, 1735787045050.0);
  EXPECT_EQ(read(a, R"({"$date":1000})").as_date().millis, 1000.0);
  EXPECT_EQ(read(a, R"({"$tz":-60,"$date":0})").as_date().timezone, -60);
}

TEST(JsonDates, ReadErrors) {
  expect_error(R"({"$date":"2025-02-29T00:00:00.000Z"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":"2025-13-01T00:00:00.000Z"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":"2025-01-01T24:00:00.000Z"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":"2025-01-01T00:00:00.0000Z"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":"2025-01-01 00:00:00.000Z"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":"2025-01-01T00:00:00.000+01:00"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":"+12025-01-01T00:00:00.000Z"})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":true})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$date":0,"$tz":40000})", errc::invalid_json_mapping, 17);
  expect_error(R"({"$date":0,"$tz":1.0})", errc::invalid_json_mapping, 17);
  expect_error(R"({"$tz":0})", errc::invalid_json_mapping, 1);  // $tz without $date
}

// ---- text and bytes ----

TEST(JsonText, XmlAndXmlDocument) {
  arena a;
  expect_json(value::of(kind::xml, new_text(a, "<a b=\"1\"/>")), R"({"$xml":"<a b=\"1\"/>"})");
  expect_json(value::of(kind::xml_document, new_text(a, "<a/>")), R"({"$xmldoc":"<a/>"})");
  expect_json(value::of(kind::xml, new_text(a, "")), R"({"$xml":""})");
  value v = read(a, R"({"$xmldoc":"<r/>"})");
  EXPECT_TRUE(v.is(kind::xml_document));
  EXPECT_EQ(v.as_text().text, "<r/>");
}

value bytes_of(arena& a, std::vector<std::uint8_t> b) { return value::of(new_bytes(a, b)); }

TEST(JsonBytes, Base64) {
  arena a;
  expect_json(bytes_of(a, {}), R"({"$bytes":""})");
  expect_json(bytes_of(a, {'f'}), R"({"$bytes":"Zg=="})");
  expect_json(bytes_of(a, {'f', 'o'}), R"({"$bytes":"Zm8="})");
  expect_json(bytes_of(a, {'f', 'o', 'o'}), R"({"$bytes":"Zm9v"})");
  expect_json(bytes_of(a, {'f', 'o', 'o', 'b', 'a', 'r'}), R"({"$bytes":"Zm9vYmFy"})");
  expect_json(bytes_of(a, {0x00, 0xFB, 0xFF}), R"({"$bytes":"APv/"})");
  std::vector<std::uint8_t> all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  std::string text = write(bytes_of(a, all));
  value back = read(a, text);
  ASSERT_TRUE(back.is(kind::byte_array));
  ASSERT_EQ(back.as_bytes().bytes.size(), 256u);
  EXPECT_EQ(std::memcmp(back.as_bytes().bytes.data(), all.data(), 256), 0);
}

TEST(JsonBytes, ReadErrors) {
  expect_error(R"({"$bytes":"Zg="})", errc::invalid_json_mapping, 10);   // length
  expect_error(R"({"$bytes":"Zh=="})", errc::invalid_json_mapping, 10);  // unused bits set
  expect_error(R"({"$bytes":"Z==="})", errc::invalid_json_mapping, 10);
  expect_error(R"({"$bytes":"Zg==Zg=="})", errc::invalid_json_mapping, 10);  // padding inside
  expect_error(R"({"$bytes":"Zm 9v"})", errc::invalid_json_mapping, 10);
  expect_error(R"({"$bytes":"Zm9-"})", errc::invalid_json_mapping, 10);
  expect_error(R"({"$bytes":1})", errc::invalid_json_mapping, 10);
}

// ---- arrays ----

TEST(JsonArrays, DenseAssociativeAndEcma) {
  arena a;
  expect_json(array_of(a, {}), "[]");
  expect_json(array_of(a, {integer(1), str("a"), value::null(), number(1.0)}), R"([1,"a",null,1.0])");

  array_node* mixed = new_array(a);
  ASSERT_TRUE(mixed->dense.push_back(a, integer(1)));
  ASSERT_TRUE(mixed->assoc.push_back(a, member{"k", integer(2)}));
  ASSERT_TRUE(mixed->assoc.push_back(a, member{"$x", integer(3)}));
  expect_json(value::of(mixed), R"({"$array":[1],"$assoc":{"k":2,"$$x":3}})");

  array_node* ecma = new_array(a);
  ecma->ecma = true;
  expect_json(value::of(ecma), R"({"$ecma":{}})");
  ASSERT_TRUE(ecma->assoc.push_back(a, member{"0", str("a")}));
  ASSERT_TRUE(ecma->assoc.push_back(a, member{"b", number(1.0)}));
  expect_json(value::of(ecma), R"({"$ecma":{"0":"a","b":1.0}})");
  ASSERT_TRUE(ecma->dense.push_back(a, value::boolean(true)));
  expect_json(value::of(ecma), R"({"$array":[true],"$ecma":{"0":"a","b":1.0}})");
}

TEST(JsonArrays, ReadErrors) {
  expect_error(R"({"$array":{}})", errc::invalid_json_mapping, 10);
  expect_error(R"({"$array":[],"$assoc":[]})", errc::invalid_json_mapping, 22);
  expect_error(R"({"$array":[],"$assoc":{"$k":1}})", errc::invalid_json_mapping, 23);
  expect_error(R"({"$assoc":{}})", errc::invalid_json_mapping, 1);  // $assoc without $array
  expect_error(R"({"$ecma":{},"$assoc":{}})", errc::invalid_json_mapping, 12);
  expect_error(R"({"$array":[],"x":1})", errc::invalid_json_mapping, 13);
}

// ---- objects ----

TEST(JsonObjects, AnonymousAndTyped) {
  arena a;
  expect_json(anonymous(a, {}), "{}");
  expect_json(anonymous(a, {{"b", integer(1)}, {"a", str("x")}, {"", value::null()}}),
              R"({"b":1,"a":"x","":null})");
  expect_json(typed(a, "com.example.Point", {{"x", number(1.5)}, {"y", integer(2)}}),
              R"({"$class":"com.example.Point","x":1.5,"y":2})");
  expect_json(typed(a, "com.example.Empty", {}), R"({"$class":"com.example.Empty"})");
}

TEST(JsonObjects, KeyOrderAndDuplicatesArePreserved) {
  arena a;
  value v = read(a, R"({"z":1,"a":2,"m":3,"a":4})");
  ASSERT_TRUE(v.is(kind::object));
  const object_node& o = v.as_object();
  ASSERT_EQ(o.dynamic.size(), 4u);
  EXPECT_EQ(o.dynamic[0].name, "z");
  EXPECT_EQ(o.dynamic[1].name, "a");
  EXPECT_EQ(o.dynamic[3].name, "a");
  EXPECT_EQ(o.dynamic[3].val.as_int(), 4);
  EXPECT_EQ(write(v), R"({"z":1,"a":2,"m":3,"a":4})");
}

TEST(JsonObjects, TraitsOnlyWhenNotTheDefault) {
  arena a;
  // Typed and dynamic: sealed x, dynamic extra.
  object_node* o = new_object(a, "com.example.Bag", true);
  ASSERT_TRUE(add_sealed(a, *o, "x", integer(1)));
  ASSERT_TRUE(add_dynamic(a, *o, "extra", integer(2)));
  expect_json(value::of(o),
              R"({"$class":"com.example.Bag","$traits":{"sealed":["x"],"dynamic":true},"x":1,"extra":2})");

  // Typed, not dynamic, yet with dynamic members (representable, so kept).
  object_node* odd = new_object(a, "com.example.Odd", false);
  ASSERT_TRUE(add_dynamic(a, *odd, "d", integer(1)));
  expect_json(value::of(odd),
              R"({"$class":"com.example.Odd","$traits":{"sealed":[],"dynamic":false},"d":1})");

  // Anonymous with a sealed member, and anonymous but not dynamic.
  object_node* s = new_object(a);
  ASSERT_TRUE(add_sealed(a, *s, "$s", integer(1)));
  ASSERT_TRUE(add_dynamic(a, *s, "d", integer(2)));
  expect_json(value::of(s), R"({"$traits":{"sealed":["$s"],"dynamic":true},"$$s":1,"d":2})");
  expect_json(value::of(new_object(a, "", false)), R"({"$traits":{"sealed":[],"dynamic":false}})");
}

TEST(JsonObjects, PayloadConventionClassIsAllSealed) {
  arena a;
  value v = read(a, R"({"$class":"alias","b":1,"a":"x"})");
  value expected = typed(a, "alias", {{"b", integer(1)}, {"a", str("x")}});
  EXPECT_TRUE(deep_equal(v, expected, true));
  ASSERT_TRUE(v.is(kind::object));
  EXPECT_FALSE(v.as_object().type->dynamic);
  EXPECT_EQ(v.as_object().type->sealed.size(), 2u);
}

TEST(JsonObjects, Externalizable) {
  arena a;
  object_node* o = new_object(a, "flex.messaging.io.ArrayCollection", false);
  o->type->externalizable = true;
  o->external = array_of(a, {integer(1), str("two")});
  expect_json(value::of(o), R"({"$class":"flex.messaging.io.ArrayCollection","$external":[1,"two"]})");
  value back = read(a, R"({"$class":"flex.messaging.io.ObjectProxy","$external":{"k":true}})");
  ASSERT_TRUE(back.is(kind::object));
  EXPECT_TRUE(back.as_object().type->externalizable);
  EXPECT_TRUE(back.as_object().external.is(kind::object));
}

TEST(JsonObjects, ReadErrors) {
  expect_error(R"({"$class":1})", errc::invalid_json_mapping, 10);
  expect_error(R"({"$class":"A","$traits":{"sealed":["a"]},"a":1})", errc::invalid_json_mapping, 24);
  expect_error(R"({"$class":"A","$traits":{"sealed":["a"],"dynamic":1},"a":1})", errc::invalid_json_mapping,
               50);
  expect_error(R"({"$class":"A","$traits":{"sealed":["b"],"dynamic":true},"a":1})",
               errc::invalid_json_mapping, 35);
  expect_error(R"({"$class":"A","$traits":{"sealed":["a","b"],"dynamic":true},"a":1})",
               errc::invalid_json_mapping, 34);
  expect_error(R"({"$class":"A","$traits":{"sealed":[],"dynamic":true,"x":1}})", errc::invalid_json_mapping,
               52);
  expect_error(R"({"$class":"A","$class":"B"})", errc::invalid_json_mapping, 14);
}

// ---- '$' keys ----

TEST(JsonKeys, DollarKeysAreDoubled) {
  arena a;
  expect_json(anonymous(a, {{"$x", integer(1)}, {"$", integer(2)}, {"$$y", integer(3)}, {"a$", integer(4)}}),
              R"({"$$x":1,"$$":2,"$$$y":3,"a$":4})");
  value v = read(a, R"({"$$date":"not a date"})");
  ASSERT_TRUE(v.is(kind::object));
  EXPECT_EQ(v.as_object().dynamic[0].name, "$date");
}

TEST(JsonKeys, UnknownAnnotationsAreErrors) {
  expect_error(R"({"$foo":1})", errc::invalid_json_mapping, 1);
  expect_error(R"({"a":1,"$":2})", errc::invalid_json_mapping, 7);
  expect_error(R"([{"ok":{"$Date":"x"}}])", errc::invalid_json_mapping, 8);
  expect_error(R"({"$date":"2025-01-02T03:04:05.678Z","$xml":"<a/>"})", errc::invalid_json_mapping, 36);
  expect_error(R"({"$undefined":false})", errc::invalid_json_mapping, 14);
  expect_error(R"({"$undefined":true,"a":1})", errc::invalid_json_mapping, 19);
  expect_error(R"({"$double":"nan"})", errc::invalid_json_mapping, 11);
  expect_error(R"({"$double":1.5})", errc::invalid_json_mapping, 11);
}

// ---- vectors and dictionaries ----

TEST(JsonVectors, AllFour) {
  arena a;
  auto* vi = new_vector<std::int32_t>(a);
  for (std::int32_t i : {1, -2, std::numeric_limits<std::int32_t>::min()})
    ASSERT_TRUE(vi->items.push_back(a, i));
  expect_json(value::of(vi), R"({"$vector":"int","$items":[1,-2,-2147483648]})");
  vi->fixed = true;
  expect_json(value::of(vi), R"({"$vector":"int","$fixed":true,"$items":[1,-2,-2147483648]})");

  auto* vu = new_vector<std::uint32_t>(a);
  ASSERT_TRUE(vu->items.push_back(a, 4294967295u));
  expect_json(value::of(vu), R"({"$vector":"uint","$items":[4294967295]})");

  auto* vd = new_vector<double>(a);
  for (double d : {1.0, 0.5, -0.0, std::numeric_limits<double>::quiet_NaN()})
    ASSERT_TRUE(vd->items.push_back(a, d));
  expect_json(value::of(vd), R"({"$vector":"double","$items":[1.0,0.5,-0.0,{"$double":"NaN"}]})");

  auto* vo = new_vector_object(a, "com.example.Item");
  ASSERT_TRUE(vo->items.push_back(a, value::null()));
  ASSERT_TRUE(vo->items.push_back(a, anonymous(a, {})));
  expect_json(value::of(vo), R"({"$vector":"object","$type":"com.example.Item","$items":[null,{}]})");
  expect_json(value::of(new_vector_object(a)), R"({"$vector":"object","$items":[]})");
  expect_json(value::of(new_vector_object(a, "*")), R"({"$vector":"object","$type":"*","$items":[]})");

  // Doubles read from integer literals too.
  value v = read(a, R"({"$vector":"double","$items":[1,2.5]})");
  ASSERT_TRUE(v.is(kind::vector_double));
  EXPECT_EQ(v.as_vector_double().items[0], 1.0);
}

TEST(JsonVectors, ReadErrors) {
  expect_error(R"({"$vector":"int","$items":[2147483648]})", errc::invalid_json_mapping, 27);
  expect_error(R"({"$vector":"uint","$items":[-1]})", errc::invalid_json_mapping, 28);
  expect_error(R"({"$vector":"int","$items":[1.0]})", errc::invalid_json_mapping, 27);
  expect_error(R"({"$vector":"double","$items":["1"]})", errc::invalid_json_mapping, 30);
  expect_error(R"({"$vector":"int","$type":"x","$items":[]})", errc::invalid_json_mapping, 17);
  expect_error(R"({"$vector":"long","$items":[]})", errc::invalid_json_mapping, 11);
  expect_error(R"({"$vector":"int"})", errc::invalid_json_mapping, 0);
  expect_error(R"({"$vector":"int","$items":[],"$fixed":1})", errc::invalid_json_mapping, 38);
}

TEST(JsonDictionary, EntriesAndWeakKeys) {
  arena a;
  dictionary_node* d = new_dictionary(a);
  ASSERT_TRUE(d->entries.push_back(a, dict_entry{anonymous(a, {}), str("object key")}));
  ASSERT_TRUE(d->entries.push_back(a, dict_entry{integer(1), value::boolean(true)}));
  expect_json(value::of(d), R"({"$dictionary":[[{},"object key"],[1,true]]})");
  d->weak_keys = true;
  expect_json(value::of(d), R"({"$dictionary":[[{},"object key"],[1,true]],"$weak":true})");
  expect_json(value::of(new_dictionary(a)), R"({"$dictionary":[]})");

  expect_error(R"({"$dictionary":[[1]]})", errc::invalid_json_mapping, 16);
  expect_error(R"({"$dictionary":{}})", errc::invalid_json_mapping, 15);
}

// ---- sharing and cycles ----

TEST(JsonSharing, SharedNodesGetIdsInWritingOrder) {
  arena a;
  value point = anonymous(a, {{"x", integer(1)}});
  value list = array_of(a, {});
  value when = date(a, 0.0);
  value blob = bytes_of(a, {1});
  value root = array_of(a, {point, list, point, when, list, blob, when, str("s"), str("s")});
  expect_json(
      root,
      R"([{"$id":0,"x":1},{"$id":1,"$array":[]},{"$ref":0},)"
      R"({"$id":2,"$date":"1970-01-01T00:00:00.000Z"},{"$ref":1},{"$bytes":"AQ=="},{"$ref":2},"s","s"])");
}

TEST(JsonSharing, CyclesThroughEveryContainer) {
  arena a;
  object_node* self = new_object(a);
  ASSERT_TRUE(add_dynamic(a, *self, "self", value::of(self)));
  expect_json(value::of(self), R"({"$id":0,"self":{"$ref":0}})");

  array_node* loop = new_array(a);
  ASSERT_TRUE(loop->dense.push_back(a, value::of(loop)));
  expect_json(value::of(loop), R"({"$id":0,"$array":[{"$ref":0}]})");

  // parent -> child -> parent, typed and sealed.
  object_node* parent = new_object(a, "Parent", false);
  object_node* child = new_object(a, "Child", false);
  ASSERT_TRUE(add_sealed(a, *child, "parent", value::of(parent)));
  ASSERT_TRUE(add_sealed(a, *parent, "child", value::of(child)));
  expect_json(value::of(parent),
              R"({"$id":0,"$class":"Parent","child":{"$class":"Child","parent":{"$ref":0}}})");

  dictionary_node* d = new_dictionary(a);
  ASSERT_TRUE(d->entries.push_back(a, dict_entry{value::of(d), value::of(d)}));
  expect_json(value::of(d), R"({"$id":0,"$dictionary":[[{"$ref":0},{"$ref":0}]]})");

  vector_object_node* v = new_vector_object(a);
  ASSERT_TRUE(v->items.push_back(a, value::of(v)));
  expect_json(value::of(v), R"({"$id":0,"$vector":"object","$items":[{"$ref":0}]})");

  array_node* assoc = new_array(a);
  ASSERT_TRUE(assoc->assoc.push_back(a, member{"me", value::of(assoc)}));
  expect_json(value::of(assoc), R"({"$id":0,"$array":[],"$assoc":{"me":{"$ref":0}}})");
}

TEST(JsonSharing, ReadBuildsSharedNodes) {
  arena a;
  value v = read(a, R"([{"$id":7,"k":1},{"$ref":7}])");
  ASSERT_TRUE(v.is(kind::array));
  EXPECT_EQ(v.as_array().dense[0].node(), v.as_array().dense[1].node());
  value cycle = read(a, R"({"$id":0,"self":{"$ref":0}})");
  EXPECT_EQ(cycle.as_object().dynamic[0].val.node(), cycle.node());
}

TEST(JsonSharing, ReadErrors) {
  expect_error(R"({"$ref":0})", errc::invalid_json_mapping, 8);
  expect_error(R"([{"$ref":1},{"$id":1}])", errc::invalid_json_mapping, 9);
  expect_error(R"([{"$id":1},{"$id":1}])", errc::invalid_json_mapping, 18);
  expect_error(R"({"a":1,"$id":0})", errc::invalid_json_mapping, 7);
  expect_error(R"({"$id":-1})", errc::invalid_json_mapping, 7);
  expect_error(R"({"$id":"0"})", errc::invalid_json_mapping, 7);
  expect_error(R"({"$id":0,"$double":"NaN"})", errc::invalid_json_mapping, 1);
  expect_error(R"({"$id":0,"$ref":0})", errc::invalid_json_mapping, 1);
  expect_error(R"({"$ref":0,"$amf3":1})", errc::invalid_json_mapping, 10);
}

// ---- avmplus ----

TEST(JsonAvmplus, FlagWrapsTheValue) {
  arena a;
  expect_json(avmplus(integer(5)), R"({"$amf3":5})");
  expect_json(avmplus(str("abc")), R"({"$amf3":"abc"})");
  value shared = anonymous(a, {});
  expect_json(array_of(a, {avmplus(shared), shared}), R"([{"$amf3":{"$id":0}},{"$ref":0}])");
  value back = read(a, R"([{"$amf3":{"$id":0}},{"$ref":0}])");
  EXPECT_TRUE(back.as_array().dense[0].avmplus());
  EXPECT_FALSE(back.as_array().dense[1].avmplus());
  expect_error(R"({"$amf3":{"$amf3":1}})", errc::invalid_json_mapping, 9);
  expect_error(R"({"$amf3":1,"a":1})", errc::invalid_json_mapping, 11);
}

// ---- pretty ----

TEST(JsonPretty, TwoSpacesOneMemberPerLine) {
  arena a;
  value v = anonymous(a, {{"a", array_of(a, {integer(1), number(2.0)})},
                          {"e", array_of(a, {})},
                          {"o", anonymous(a, {})},
                          {"d", date(a, 0.0)}});
  const char* expected = R"({
  "a": [
    1,
    2.0
  ],
  "e": [],
  "o": {},
  "d": {
    "$date": "1970-01-01T00:00:00.000Z"
  }
})";
  EXPECT_EQ(write(v, true), expected);
  EXPECT_EQ(write(integer(1), true), "1");
  arena b;
  EXPECT_TRUE(deep_equal(read(b, expected), v, true));
}

// ---- packets ----

TEST(JsonPacket, ExactTextAndBack) {
  arena a;
  packet p;
  p.version = 3;
  ASSERT_TRUE(p.headers.push_back(a, packet_header{"Credentials", true, str("x")}));
  ASSERT_TRUE(p.bodies.push_back(a, packet_body{"Echo.echo", "/1", array_of(a, {avmplus(integer(1))})}));
  std::string text;
  ASSERT_TRUE(to_json(p, text).ok());
  EXPECT_EQ(text, R"({"version":3,"headers":[{"name":"Credentials","mustUnderstand":true,"value":"x"}],)"
                  R"("bodies":[{"target":"Echo.echo","response":"/1","value":[{"$amf3":1}]}]})");
  arena b;
  auto back = packet_from_json(text, b);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->version, 3);
  ASSERT_EQ(back->headers.size(), 1u);
  EXPECT_EQ(back->headers[0].name, "Credentials");
  EXPECT_TRUE(back->headers[0].must_understand);
  EXPECT_TRUE(deep_equal(back->headers[0].val, p.headers[0].val, true));
  ASSERT_EQ(back->bodies.size(), 1u);
  EXPECT_EQ(back->bodies[0].target, "Echo.echo");
  EXPECT_EQ(back->bodies[0].response, "/1");
  EXPECT_TRUE(deep_equal(back->bodies[0].val, p.bodies[0].val, true));
  std::string again;
  ASSERT_TRUE(to_json(*back, again).ok());
  EXPECT_EQ(again, text);
}

TEST(JsonPacket, IdsSpanTheWholePacket) {
  arena a;
  value shared = anonymous(a, {});
  packet p;
  ASSERT_TRUE(p.bodies.push_back(a, packet_body{"a", "/1", shared}));
  ASSERT_TRUE(p.bodies.push_back(a, packet_body{"b", "/2", shared}));
  std::string text;
  ASSERT_TRUE(to_json(p, text).ok());
  EXPECT_EQ(text, R"({"version":3,"headers":[],"bodies":[{"target":"a","response":"/1","value":{"$id":0}},)"
                  R"({"target":"b","response":"/2","value":{"$ref":0}}]})");
  arena b;
  auto back = packet_from_json(text, b);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->bodies[0].val.node(), back->bodies[1].val.node());
}

void expect_packet_error(std::string_view text, errc code, std::size_t offset) {
  arena memory;
  auto r = packet_from_json(text, memory);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().code, make_error_code(code)) << r.error().message();
  EXPECT_EQ(r.error().offset, offset) << r.error().message();
}

TEST(JsonPacket, ReadErrors) {
  expect_packet_error("[]", errc::invalid_json_mapping, 0);
  expect_packet_error(R"({"version":3,"headers":[]})", errc::invalid_json_mapping, 0);
  expect_packet_error(R"({"version":3,"headers":[],"bodies":[],"x":1})", errc::invalid_json_mapping, 38);
  expect_packet_error(R"({"version":65536,"headers":[],"bodies":[]})", errc::invalid_json_mapping, 11);
  expect_packet_error(R"({"version":3,"headers":{},"bodies":[]})", errc::invalid_json_mapping, 23);
  expect_packet_error(R"({"version":3,"headers":[{"name":"n","mustUnderstand":0,"value":1}],"bodies":[]})",
                      errc::invalid_json_mapping, 53);
  expect_packet_error(R"({"version":3,"headers":[],"bodies":[{"target":"t","response":"/1"}]})",
                      errc::invalid_json_mapping, 36);
  expect_packet_error(
      R"({"version":3,"headers":[],"bodies":[{"target":"t","response":"/1","value":{"$x":1}}]})",
      errc::invalid_json_mapping, 75);
}

// ---- syntax errors, limits ----

TEST(JsonSyntax, ErrorsWithOffsets) {
  expect_error("", errc::invalid_json, 0);
  expect_error("   ", errc::invalid_json, 3);
  expect_error("[1,]", errc::invalid_json, 3);
  expect_error("[1 2]", errc::invalid_json, 3);
  expect_error(R"({"a" 1})", errc::invalid_json, 5);
  expect_error(R"({"a":1,})", errc::invalid_json, 7);
  expect_error(R"({a:1})", errc::invalid_json, 1);
  expect_error("[1", errc::invalid_json, 2);
  expect_error("{", errc::invalid_json, 1);
  expect_error("[1}", errc::invalid_json, 2);
  expect_error("01", errc::invalid_json, 1);
  expect_error("1.", errc::invalid_json, 2);
  expect_error("1.e5", errc::invalid_json, 2);
  expect_error("1e", errc::invalid_json, 2);
  expect_error("-", errc::invalid_json, 1);
  expect_error("+1", errc::invalid_json, 0);
  expect_error(".5", errc::invalid_json, 0);
  expect_error("tru", errc::invalid_json, 0);
  expect_error("nul", errc::invalid_json, 0);
  expect_error("[true,fals]", errc::invalid_json, 6);
  expect_error("NaN", errc::invalid_json, 0);
  expect_error("[1]x", errc::invalid_json, 3);
  expect_error("\xEF\xBB\xBF[]", errc::invalid_json, 0);  // no byte order mark
  expect_error("'a'", errc::invalid_json, 0);
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonLimits, DepthCountsContainersOfTheGraph) {
  json_read_options options;
  options.max_depth = 8;
  arena a;
  EXPECT_TRUE(value_from_json(nested_arrays(8), a, options).has_value());
  expect_error(nested_arrays(9), errc::depth_exceeded, 8, options);
  // Annotation brackets do not count: 8 levels of dictionaries are 24 brackets deep.
  std::string dicts;
  for (int i = 0; i < 8; ++i) dicts += R"({"$dictionary":[[1,)";
  dicts += "null";
  for (int i = 0; i < 8; ++i) dicts += "]]}";
  EXPECT_TRUE(value_from_json(dicts, a, options).has_value());
}

TEST(JsonLimits, DeepNestingIsRefusedWithoutRecursion) {
  // Far beyond any stack: the reader stops at 4 * max_depth + 8 brackets.
  std::string deep(1000000, '[');
  expect_error(deep, errc::depth_exceeded, 4 * 512 + 8);
  expect_error(std::string(1000000, '{'), errc::invalid_json, 1);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  expect_error(objects, errc::depth_exceeded, std::size_t{4 * 512 + 8} * 5);
  expect_error(nested_arrays(513), errc::depth_exceeded, 512);
  arena a;
  EXPECT_TRUE(value_from_json(nested_arrays(512), a).has_value());
}

TEST(JsonLimits, WriterDepth) {
  arena a;
  value v = array_of(a, {});
  for (int i = 0; i < 600; ++i) v = array_of(a, {v});
  std::string out;
  status s = to_json(v, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, make_error_code(errc::depth_exceeded));
  EXPECT_TRUE(out.empty());
  json_write_options deeper;
  deeper.max_depth = 601;
  ASSERT_TRUE(to_json(v, out, deeper).ok());
  EXPECT_EQ(out, nested_arrays(601));
}

TEST(JsonLimits, InputSizeAndMemory) {
  json_read_options small_input;
  small_input.max_input_bytes = 4;
  expect_error("[1,2]", errc::limit_exceeded, 0, small_input);
  arena a;
  EXPECT_TRUE(value_from_json("[12]", a, small_input).has_value());

  std::string big = "[";
  for (int i = 0; i < 10000; ++i) big += R"("abcdefgh",)";
  big += "1]";
  json_read_options small_memory;
  small_memory.max_memory_bytes = std::size_t{64} << 10;
  arena b;
  auto r = value_from_json(big, b, small_memory);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, make_error_code(errc::limit_exceeded));
  EXPECT_EQ(b.limit(), std::numeric_limits<std::size_t>::max());  // the caller's limit is restored
  EXPECT_TRUE(value_from_json(big, b).has_value());
}

// Mutations of a valid text never crash; failures carry an offset inside the text.
TEST(JsonRobustness, MutatedInputsFailCleanly) {
  const std::string seed =
      R"({"$id":0,"a":[1,2.5,-0.0,"\u00e9\ud83d\ude00",{"$ref":0}],"$$k":{"$date":"2025-01-02T03:04:05.678Z","$tz":5},)"
      R"("v":{"$vector":"double","$items":[1.0,{"$double":"NaN"}]},"d":{"$dictionary":[[{"$bytes":"AQID"},null]]},)"
      R"("x":{"$amf3":{"$class":"C","$traits":{"sealed":["p"],"dynamic":true},"p":true,"q":{"$undefined":true}}}})";
  arena a;
  ASSERT_TRUE(value_from_json(seed, a).has_value());
  std::mt19937_64 rng(12345);
  const char alphabet[] = "{}[]\",:$\\u0123456789.eE-+ntfrslaxd\x80\xFF";
  for (int round = 0; round < 20000; ++round) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % (sizeof alphabet - 1)];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]);
          break;
      }
    }
    a.reset();
    auto r = value_from_json(text, a);
    if (r) {
      std::string out;
      if (to_json(*r, out).ok()) {
        arena b;
        auto again = value_from_json(out, b);
        ASSERT_TRUE(again.has_value()) << text;
        ASSERT_TRUE(deep_equal(*r, *again, true)) << text;
      }
    } else {
      ASSERT_LE(r.error().offset, text.size()) << text;
    }
  }
}

// ---- random graphs, golden vectors, payloads ----

TEST(JsonRoundTrip, RandomGraphs) {
  for (auto domain : {test::graph_domain::amf3, test::graph_domain::amf0}) {
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
      arena memory;
      test::value_generator gen(seed, memory, domain);
      value g = gen.graph();
      std::string text;
      ASSERT_TRUE(to_json(g, text).ok()) << seed;
      arena back_memory;
      auto back = value_from_json(text, back_memory);
      ASSERT_TRUE(back.has_value()) << seed << " " << text << "\n" << back.error().message();
      ASSERT_TRUE(deep_equal(g, *back, true)) << seed << " " << text;
      ASSERT_EQ(write(*back), text);
      // Pretty text reads back to the same graph too.
      auto pretty = value_from_json(write(g, true), back_memory);
      ASSERT_TRUE(pretty.has_value());
      ASSERT_TRUE(deep_equal(g, *pretty, true)) << seed;
    }
  }
}

TEST(JsonRoundTrip, RandomPackets) {
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    arena memory;
    test::value_generator gen(seed, memory, test::graph_domain::amf0);
    packet p = gen.packet();
    std::string text;
    ASSERT_TRUE(to_json(p, text).ok()) << seed;
    arena back_memory;
    auto back = packet_from_json(text, back_memory);
    ASSERT_TRUE(back.has_value()) << seed << " " << back.error().message();
    ASSERT_EQ(back->headers.size(), p.headers.size());
    ASSERT_EQ(back->bodies.size(), p.bodies.size());
    for (std::size_t i = 0; i < p.headers.size(); ++i) {
      EXPECT_EQ(back->headers[i].name, p.headers[i].name);
      EXPECT_EQ(back->headers[i].must_understand, p.headers[i].must_understand);
      EXPECT_TRUE(deep_equal(back->headers[i].val, p.headers[i].val, true)) << seed;
    }
    for (std::size_t i = 0; i < p.bodies.size(); ++i) {
      EXPECT_EQ(back->bodies[i].target, p.bodies[i].target);
      EXPECT_EQ(back->bodies[i].response, p.bodies[i].response);
      EXPECT_TRUE(deep_equal(back->bodies[i].val, p.bodies[i].val, true)) << seed;
    }
    std::string again;
    ASSERT_TRUE(to_json(*back, again).ok());
    EXPECT_EQ(again, text);
  }
}

// Every JSON text of the golden vectors is canonical: reading and writing it gives it back.
TEST(JsonGolden, VectorsJsonIsCanonical) {
  for (const char* file : {"amf0.golden", "amf3.golden", "packet.golden"}) {
    test::golden_file g = test::load_golden(file);
    if (g.vectors.empty()) continue;  // the codec suites report missing or broken files
    bool is_packet = std::string_view(file) == "packet.golden";
    for (const test::golden_vector& v : g.vectors) {
      if (!v.json) continue;
      arena memory;
      std::string again;
      if (is_packet) {
        auto p = packet_from_json(*v.json, memory);
        ASSERT_TRUE(p.has_value()) << file << " " << v.name << ": " << p.error().message();
        ASSERT_TRUE(to_json(*p, again).ok());
      } else {
        auto val = value_from_json(*v.json, memory);
        ASSERT_TRUE(val.has_value()) << file << " " << v.name << ": " << val.error().message();
        ASSERT_TRUE(to_json(*val, again).ok());
      }
      EXPECT_EQ(again, *v.json) << file << " " << v.name;
    }
  }
}

class JsonPayload : public ::testing::TestWithParam<const char*> {};

TEST_P(JsonPayload, ReadsAndRewritesTheSameGraph) {
  std::string text = read_file(std::string(AMPHORA_PAYLOAD_DIR) + "/" + GetParam());
  ASSERT_FALSE(text.empty());
  arena memory;
  value v = read(memory, text);
  std::string out = write(v);
  // The files are written compactly, with shortest round-trip doubles: the same text comes out.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  EXPECT_EQ(out, text);
  arena again;
  EXPECT_TRUE(deep_equal(read(again, out), v, true));
  arena pretty;
  EXPECT_TRUE(deep_equal(read(pretty, write(v, true)), v, true));
}

// JSON -> value -> AMF3 -> value -> JSON gives the same text (all payload integers fit 29 bits).
TEST_P(JsonPayload, SurvivesAmf3) {
  std::string text = read_file(std::string(AMPHORA_PAYLOAD_DIR) + "/" + GetParam());
  arena memory;
  value v = read(memory, text);
  std::vector<std::uint8_t> bytes;
  status s = encode_amf3(v, bytes);
  ASSERT_TRUE(s.ok()) << s.error().message();
  arena decoded_memory;
  auto decoded = decode_amf3(bytes, decoded_memory);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_TRUE(deep_equal(*decoded, v, true));
  EXPECT_EQ(write(*decoded), write(v));
}

INSTANTIATE_TEST_SUITE_P(SharedPayloads, JsonPayload,
                         ::testing::Values("small.json", "complex.json", "strings.json", "numbers.json"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           return name.substr(0, name.find('.'));
                         });

TEST(JsonPayloads, SmallIsATypedRemotingMessage) {
  std::string text = read_file(std::string(AMPHORA_PAYLOAD_DIR) + "/small.json");
  arena memory;
  value v = read(memory, text);
  ASSERT_TRUE(v.is(kind::object));
  const object_node& o = v.as_object();
  EXPECT_EQ(o.alias(), "flex.messaging.messages.RemotingMessage");
  EXPECT_FALSE(o.type->dynamic);
  EXPECT_TRUE(o.dynamic.empty());
  ASSERT_NE(o.find("timestamp"), nullptr);
  EXPECT_TRUE(o.find("timestamp")->is(kind::integer));
  ASSERT_NE(o.find("headers"), nullptr);
  EXPECT_EQ(o.find("headers")->as_object().alias(), "");
  const value* body = o.find("body");
  ASSERT_NE(body, nullptr);
  arena b;
  value expected = array_of(b, {str("hello"), integer(42), number(2.5), value::boolean(true), value::null()});
  EXPECT_TRUE(deep_equal(*body, expected, true));
}

}  // namespace
}  // namespace amphora::amf
