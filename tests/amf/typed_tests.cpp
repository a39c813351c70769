// Typed mapping (include/amphora/amf/typed.hpp): every supported field type both ways, through
// the value model and through AMF3/AMF0 bytes; declarations, policies, errors naming fields.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "amphora/amf/typed.hpp"

namespace typed_test {

namespace amf = amphora::amf;
using amf::errc;

enum class level : std::int16_t { low = -1, high = 7 };
enum class color { red, green };

constexpr auto amf_enum(amf::type_tag<color>) {
  return amf::enum_strings<color>({{color::red, "RED"}, {color::green, "GREEN"}});
}

struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  bool operator==(const point&) const = default;
};
constexpr auto amf_class(amf::type_tag<point>) {
  return amf::define_class<point>("com.example.Point", amf::field<"x">(&point::x),
                                  amf::field<"y">(&point::y));
}

struct everything {
  bool flag = false;
  std::int8_t i8 = 0;
  std::uint8_t u8 = 0;
  std::int16_t i16 = 0;
  std::uint16_t u16 = 0;
  std::int32_t i32 = 0;
  std::uint32_t u32 = 0;
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
  float f = 0;
  double d = 0;
  std::string text;
  std::vector<std::int32_t> ints;
  std::vector<std::string> names;
  std::map<std::string, double> weights;
  std::unordered_map<std::string, std::string> tags;
  std::optional<std::int32_t> maybe;
  std::optional<std::string> nothing;
  std::chrono::system_clock::time_point when{};
  std::chrono::sys_time<std::chrono::milliseconds> when_ms{};
  std::vector<std::uint8_t> bytes;
  std::vector<std::byte> raw;
  level lvl = level::low;
  color col = color::red;
  std::variant<std::monostate, std::int32_t, std::string, point> any_of;
  point at;
  std::vector<point> path;
  std::optional<point> maybe_at;
  amf::value extra;

  bool operator==(const everything& o) const {
    return flag == o.flag && i8 == o.i8 && u8 == o.u8 && i16 == o.i16 && u16 == o.u16 && i32 == o.i32 &&
           u32 == o.u32 && i64 == o.i64 && u64 == o.u64 && f == o.f && d == o.d && text == o.text &&
           ints == o.ints && names == o.names && weights == o.weights && tags == o.tags && maybe == o.maybe &&
           nothing == o.nothing && when == o.when && when_ms == o.when_ms && bytes == o.bytes &&
           raw == o.raw && lvl == o.lvl && col == o.col && any_of == o.any_of && at == o.at &&
           path == o.path && maybe_at == o.maybe_at && amf::deep_equal(extra, o.extra);
  }
};
constexpr auto amf_class(amf::type_tag<everything>) {
  using e = everything;
  return amf::define_class<e>(
      "com.example.Everything", amf::field<"flag">(&e::flag), amf::field<"i8">(&e::i8),
      amf::field<"u8">(&e::u8), amf::field<"i16">(&e::i16), amf::field<"u16">(&e::u16),
      amf::field<"i32">(&e::i32), amf::field<"u32">(&e::u32), amf::field<"i64">(&e::i64),
      amf::field<"u64">(&e::u64), amf::field<"f">(&e::f), amf::field<"d">(&e::d),
      amf::field<"text">(&e::text), amf::field<"ints">(&e::ints), amf::field<"names">(&e::names),
      amf::field<"weights">(&e::weights), amf::field<"tags">(&e::tags), amf::field<"maybe">(&e::maybe),
      amf::field<"nothing">(&e::nothing), amf::field<"when">(&e::when), amf::field<"whenMs">(&e::when_ms),
      amf::field<"bytes">(&e::bytes), amf::field<"raw">(&e::raw), amf::field<"level">(&e::lvl),
      amf::field<"color">(&e::col), amf::field<"anyOf">(&e::any_of), amf::field<"at">(&e::at),
      amf::field<"path">(&e::path), amf::field<"maybeAt">(&e::maybe_at), amf::field<"extra">(&e::extra));
}

// Unexpected members are errors; anonymous objects accepted.
struct strict {
  std::int32_t id = 0;
  std::string name = "unnamed";
};
constexpr auto amf_class(amf::type_tag<strict>) {
  return amf::define_class<strict>("com.example.Strict", amf::field<"id">(&strict::id),
                                   amf::field<"name">(&strict::name))
      .reject_unexpected()
      .accept_anonymous();
}

struct holder {
  point first;
  point second;
  std::vector<point> points;
  std::string label;
};
constexpr auto amf_class(amf::type_tag<holder>) {
  return amf::define_class<holder>(
      "com.example.Holder", amf::field<"first">(&holder::first), amf::field<"second">(&holder::second),
      amf::field<"points">(&holder::points), amf::field<"label">(&holder::label));
}

// A recursive type.
struct tree {
  std::string name;
  std::vector<tree> children;
};
constexpr auto amf_class(amf::type_tag<tree>) {
  return amf::define_class<tree>("com.example.Tree", amf::field<"name">(&tree::name),
                                 amf::field<"children">(&tree::children));
}

static_assert(amf::is_mappable<everything>);
static_assert(amf::is_mappable<std::vector<std::map<std::string, std::optional<point>>>>);
static_assert(amf::is_mappable<std::string_view>);  // views: the decode forms with an arena
static_assert(!amf::is_mappable<const char*>);
static_assert(!amf::is_mappable<std::map<int, int>>);
static_assert(!amf::is_mappable<std::vector<const char*>>);

everything sample(amf::arena& memory) {
  everything e;
  e.flag = true;
  e.i8 = -128;
  e.u8 = 255;
  e.i16 = -32768;
  e.u16 = 65535;
  e.i32 = -2147483647 - 1;
  e.u32 = 4294967295u;
  e.i64 = -(std::int64_t{1} << 53);
  e.u64 = std::uint64_t{1} << 53;
  e.f = 1.5f;
  e.d = -0.1;
  e.text = "h\xC3\xA9llo";
  e.ints = {1, -2, 300000000};
  e.names = {"a", "", "a"};
  e.weights = {{"x", 0.5}, {"y", 2}};
  e.tags = {{"k", "v"}};
  e.maybe = 42;
  e.when = std::chrono::system_clock::time_point{std::chrono::milliseconds{1111111111123}};
  e.when_ms = std::chrono::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{-86400000}};
  e.bytes = {0, 1, 254, 255};
  e.raw = {std::byte{7}};
  e.lvl = level::high;
  e.col = color::green;
  e.any_of = point{3, 4};
  e.at = {5, 6};
  e.path = {{1, 2}, {3, 4}};
  e.maybe_at = point{7, 8};
  e.extra = amf::make_string(memory, "passthrough");
  return e;
}

std::vector<std::uint8_t> amf3_of(const amf::value& v) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(amf::encode_amf3(v, out).ok());
  return out;
}

// ---- both directions, every field type ----

TEST(TypedMapping, EveryFieldTypeThroughTheValueModel) {
  amf::arena memory;
  const everything in = sample(memory);
  amf::result<amf::value> v = amf::to_value(in, memory);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_TRUE(v->is(amf::kind::object));
  EXPECT_EQ(v->as_object().alias(), "com.example.Everything");
  EXPECT_EQ(v->as_object().find("level")->as_int(), 7);
  EXPECT_EQ(v->as_object().find("color")->as_string(), "GREEN");
  EXPECT_TRUE(v->as_object().find("nothing")->is_null());
  EXPECT_TRUE(v->as_object().find("when")->is(amf::kind::date));
  EXPECT_EQ(v->as_object().find("when")->as_date().millis, 1111111111123.0);
  EXPECT_TRUE(v->as_object().find("bytes")->is(amf::kind::byte_array));
  everything out;
  ASSERT_TRUE(amf::from_value(*v, out).ok());
  EXPECT_TRUE(out == in);
  EXPECT_EQ(out.when, in.when);
  EXPECT_EQ(out.any_of, in.any_of);
  EXPECT_TRUE(amf::deep_equal(out.extra, in.extra));
}

TEST(TypedMapping, EveryFieldTypeThroughAmf3Bytes) {
  amf::arena memory;
  const everything in = sample(memory);
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(in, bytes).ok());
  everything out;
  amf::arena decoded;
  const amf::status st = amf::decode_typed_amf3(bytes, out, decoded);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(out == in);
}

TEST(TypedMapping, EveryFieldTypeThroughAmf0Bytes) {
  amf::arena memory;
  const everything in = sample(memory);
  std::vector<std::uint8_t> bytes;
  const amf::status enc = amf::encode_typed_amf0(in, bytes);
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  everything out;
  amf::arena decoded;
  const amf::status st = amf::decode_typed_amf0(bytes, out, decoded);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(out == in);
}

// typed -> bytes -> value model equals to_value of the same object (integers within AMF3's 29
// bits: wider ones travel as doubles, and integer 3 differs from number 3.0 in the value model).
TEST(TypedMapping, BytesDecodeToTheSameGraphAsToValue) {
  amf::arena memory;
  everything in = sample(memory);
  in.i32 = -(1 << 28);
  in.u32 = (1u << 28) - 1;
  in.i64 = 5;
  in.u64 = 6;
  in.ints = {1, -2, 3};
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(in, bytes).ok());
  amf::arena decoded;
  amf::result<amf::value> v = amf::decode_amf3(bytes, decoded);
  ASSERT_TRUE(v);
  amf::result<amf::value> direct = amf::to_value(in, memory);
  ASSERT_TRUE(direct);
  EXPECT_TRUE(amf::deep_equal(*v, *direct));
}

TEST(TypedMapping, ValueFieldsNeedTheArenaForm) {
  amf::arena memory;
  const everything in = sample(memory);
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(in, bytes).ok());
  everything out;
  const amf::status st = amf::decode_typed_amf3(bytes, out);
  EXPECT_EQ(st.error().code, errc::type_mismatch);
  EXPECT_EQ(st.error().detail, "field 'extra': amf::value needs the decode form that takes an arena");
}

TEST(TypedMapping, RecursiveTypes) {
  const tree in{"root", {{"a", {}}, {"b", {{"c", {}}}}}};
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(in, bytes).ok());
  tree out;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, out).ok());
  ASSERT_EQ(out.children.size(), 2u);
  EXPECT_EQ(out.children[1].children[0].name, "c");
}

// ---- what the wire may hold ----

amf::object_node* object_of(amf::arena& m, std::string_view alias, bool dynamic = false) {
  return amf::new_object(m, alias, dynamic);
}

TEST(TypedMapping, MissingMembersGetDefaultsAndMemberOrderIsFree) {
  amf::arena m;
  amf::object_node* o = object_of(m, "com.example.Strict");
  ASSERT_TRUE(amf::add_sealed(m, *o, "id", amf::value::integer(9)));
  strict s{1, "stale"};
  ASSERT_TRUE(amf::from_value(amf::value::of(o), s).ok());
  EXPECT_EQ(s.id, 9);
  EXPECT_EQ(s.name, "unnamed");  // T{}'s value, not what `s` held

  amf::object_node* p = object_of(m, "com.example.Point", true);
  ASSERT_TRUE(amf::add_dynamic(m, *p, "y", amf::value::integer(2)));
  ASSERT_TRUE(amf::add_sealed(m, *p, "x", amf::value::integer(1)));
  point pt;
  ASSERT_TRUE(amf::from_value(amf::value::of(p), pt).ok());
  EXPECT_EQ(pt, (point{1, 2}));
}

TEST(TypedMapping, UnexpectedMembersFollowThePolicy) {
  amf::arena m;
  amf::object_node* p = object_of(m, "com.example.Point");
  ASSERT_TRUE(amf::add_sealed(m, *p, "x", amf::value::integer(1)));
  ASSERT_TRUE(amf::add_sealed(m, *p, "z", amf::value::string("ignored")));
  point pt;
  EXPECT_TRUE(amf::from_value(amf::value::of(p), pt).ok());
  EXPECT_EQ(pt.x, 1);

  amf::object_node* s = object_of(m, "com.example.Strict", true);
  ASSERT_TRUE(amf::add_dynamic(m, *s, "extra", amf::value::integer(1)));
  strict st;
  const amf::status r = amf::from_value(amf::value::of(s), st);
  EXPECT_EQ(r.error().code, errc::type_mismatch);
  EXPECT_EQ(r.error().detail, "top-level value: object has a member its class does not declare");
}

TEST(TypedMapping, AnonymousObjectsOnlyWhereAccepted) {
  amf::arena m;
  amf::object_node* anon = object_of(m, "", true);
  ASSERT_TRUE(amf::add_dynamic(m, *anon, "id", amf::value::integer(3)));
  strict s;
  EXPECT_TRUE(amf::from_value(amf::value::of(anon), s).ok());
  EXPECT_EQ(s.id, 3);
  point p;
  const amf::status r = amf::from_value(amf::value::of(anon), p);
  EXPECT_EQ(r.error().code, errc::type_mismatch);
  EXPECT_EQ(r.error().detail, "top-level value: object's class alias is not the registered one");
}

TEST(TypedMapping, AliasMismatchNamesTheField) {
  amf::arena m;
  amf::object_node* h = object_of(m, "com.example.Holder");
  amf::object_node* other = object_of(m, "com.evil.Point");
  ASSERT_TRUE(amf::add_sealed(m, *other, "x", amf::value::integer(1)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "second", amf::value::of(other)));
  holder out;
  const amf::status r = amf::from_value(amf::value::of(h), out);
  EXPECT_EQ(r.error().code, errc::type_mismatch);
  EXPECT_EQ(r.error().detail, "field 'second': object's class alias is not the registered one");
  EXPECT_EQ(r.error().message(),
            "value does not fit its C++ type at byte 0: field 'second': object's class alias is not the "
            "registered one");
}

// The wrong wire kind for each kind of field names that field (the innermost one).
TEST(TypedMapping, WrongKindsNameTheField) {
  amf::arena m;
  const amf::value str = amf::make_string(m, "s");
  const amf::value integer = amf::value::integer(1);
  struct wrong {
    const char* field;
    amf::value v;
  };
  const wrong cases[] = {
      {"flag", integer}, {"i32", str},      {"d", str},         {"text", integer},
      {"ints", integer}, {"weights", str},  {"maybe", str},     {"when", integer},
      {"bytes", str},    {"level", str},    {"color", integer}, {"anyOf", amf::value::boolean(true)},
      {"at", str},       {"path", integer},
  };
  for (const wrong& w : cases) {
    amf::object_node* o = object_of(m, "com.example.Everything");
    ASSERT_TRUE(amf::add_sealed(m, *o, w.field, w.v));
    everything out;
    const amf::status r = amf::from_value(amf::value::of(o), out);
    EXPECT_EQ(r.error().code, errc::type_mismatch) << w.field;
    const std::string expected = std::string("field '") + w.field + "': wire kind does not fit the C++ type";
    EXPECT_EQ(r.error().detail, expected == "field 'at': wire kind does not fit the C++ type"
                                    ? "field 'at': wire kind does not fit the C++ type"
                                    : expected);
  }
  // Inside a nested object, the innermost field is named.
  amf::object_node* h = object_of(m, "com.example.Holder");
  amf::object_node* p = object_of(m, "com.example.Point");
  ASSERT_TRUE(amf::add_sealed(m, *p, "y", str));
  amf::array_node* list = amf::new_array(m);
  ASSERT_TRUE(list->dense.push_back(m, amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "points", amf::value::of(list)));
  holder out;
  EXPECT_EQ(amf::from_value(amf::value::of(h), out).error().detail,
            "field 'y': wire kind does not fit the C++ type");
}

TEST(TypedMapping, IntegerRangesAreChecked) {
  std::int8_t i8 = 0;
  EXPECT_TRUE(amf::from_value(amf::value::integer(-128), i8).ok());
  EXPECT_EQ(amf::from_value(amf::value::integer(128), i8).error().code, errc::type_mismatch);
  EXPECT_EQ(amf::from_value(amf::value::integer(-129), i8).error().detail,
            "top-level value: number out of the C++ type's range (or an undeclared enum name)");
  std::uint32_t u32 = 0;
  EXPECT_FALSE(amf::from_value(amf::value::integer(-1), u32).ok());
  EXPECT_TRUE(amf::from_value(amf::value::number(4294967295.0), u32).ok());
  EXPECT_EQ(u32, 4294967295u);
  EXPECT_FALSE(amf::from_value(amf::value::number(4294967296.0), u32).ok());
  EXPECT_FALSE(amf::from_value(amf::value::number(1.5), u32).ok());
  std::int64_t i64 = 0;
  EXPECT_TRUE(amf::from_value(amf::value::number(-9223372036854775808.0), i64).ok());
  EXPECT_FALSE(amf::from_value(amf::value::number(9223372036854775808.0), i64).ok());
  EXPECT_FALSE(amf::from_value(amf::value::number(std::numeric_limits<double>::quiet_NaN()), i64).ok());
  std::uint64_t u64 = 0;
  EXPECT_TRUE(amf::from_value(amf::value::number(18446744073709549568.0), u64).ok());
  EXPECT_FALSE(amf::from_value(amf::value::number(18446744073709551616.0), u64).ok());
  float f = 0;
  EXPECT_FALSE(amf::from_value(amf::value::number(1e300), f).ok());
  EXPECT_TRUE(amf::from_value(amf::value::number(std::numeric_limits<double>::infinity()), f).ok());
  level l = level::low;
  EXPECT_FALSE(amf::from_value(amf::value::integer(40000), l).ok());
  color c = color::red;
  amf::arena m;
  EXPECT_EQ(amf::from_value(amf::make_string(m, "BLUE"), c).error().code, errc::type_mismatch);
  EXPECT_EQ(amf::to_value(static_cast<color>(9), m).error().code, errc::unencodable);
}

TEST(TypedMapping, DatesOutsideTheTimePointRangeFail) {
  amf::arena m;
  std::chrono::system_clock::time_point t;  // nanoseconds in libstdc++: about +-292 years
  EXPECT_EQ(amf::from_value(amf::value::of(amf::new_date(m, 8.64e15)), t).error().code, errc::type_mismatch);
  std::chrono::sys_time<std::chrono::milliseconds> ms;
  EXPECT_TRUE(amf::from_value(amf::value::of(amf::new_date(m, 8.64e15)), ms).ok());
  EXPECT_EQ(ms.time_since_epoch().count(), 8640000000000000);
}

TEST(TypedMapping, UnsignedBeyondInt64IsWrittenAsANumber) {
  amf::arena m;
  amf::result<amf::value> v = amf::to_value(std::uint64_t{1} << 63, m);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->is(amf::kind::number));
  std::uint64_t back = 0;
  EXPECT_TRUE(amf::from_value(*v, back).ok());
  EXPECT_EQ(back, std::uint64_t{1} << 63);
}

struct wide {
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
};
constexpr auto amf_class(amf::type_tag<wide>) {
  return amf::define_class<wide>("com.example.Wide", amf::field<"i64">(&wide::i64),
                                 amf::field<"u64">(&wide::u64));
}

// AMF numbers beyond 29 bits are doubles: UINT64_MAX would round to 2^64 (which no uint64 holds)
// and INT64_MAX to 2^63, so integers a double cannot hold exactly are refused when encoding,
// naming the field; those it holds exactly round-trip.
TEST(TypedMapping, IntegersNoDoubleHoldsExactlyAreRefusedWhenEncoding) {
  for (const wide w :
       {wide{0, std::numeric_limits<std::uint64_t>::max()}, wide{0, (std::uint64_t{1} << 53) + 1}}) {
    std::vector<std::uint8_t> out{0xAB};
    const amf::status st = amf::encode_typed_amf3(w, out);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::unencodable);
    EXPECT_EQ(st.error().detail,
              "field 'u64': integer beyond 2^53 that an AMF number (double) cannot hold exactly");
    EXPECT_EQ(out, std::vector<std::uint8_t>{0xAB});  // nothing half-written
    EXPECT_EQ(amf::encode_typed_amf0(w, out).error().detail, st.error().detail);
    amf::arena m;
    EXPECT_EQ(amf::to_value(w, m).error().detail, st.error().detail);
  }
  std::vector<std::uint8_t> out;
  const amf::status st = amf::encode_typed_amf3(wide{std::numeric_limits<std::int64_t>::max(), 0}, out);
  EXPECT_EQ(st.error().detail,
            "field 'i64': integer beyond 2^53 that an AMF number (double) cannot hold exactly");
  amf::arena m;
  EXPECT_EQ(amf::to_value(std::numeric_limits<std::uint64_t>::max(), m).error().detail,
            "top-level value: integer beyond 2^53 that an AMF number (double) cannot hold exactly");

  // Exactly representable extremes round-trip through both formats.
  const wide exact{std::numeric_limits<std::int64_t>::min(),
                   std::numeric_limits<std::uint64_t>::max() - 2047};
  for (bool amf3 : {true, false}) {
    out.clear();
    ASSERT_TRUE((amf3 ? amf::encode_typed_amf3(exact, out) : amf::encode_typed_amf0(exact, out)).ok());
    wide back;
    ASSERT_TRUE((amf3 ? amf::decode_typed_amf3(out, back) : amf::decode_typed_amf0(out, back)).ok());
    EXPECT_EQ(back.i64, exact.i64);
    EXPECT_EQ(back.u64, exact.u64);
  }
}

// ---- Flex wrappers, vectors, associative arrays ----

TEST(TypedMapping, ArrayCollectionAndVectorsWhereAVectorIsExpected) {
  amf::arena m;
  amf::array_node* a = amf::new_array(m);
  ASSERT_TRUE(a->dense.push_back(m, amf::value::integer(1)) && a->dense.push_back(m, amf::value::number(2)));
  amf::object_node* ac = amf::new_object(m, "flex.messaging.io.ArrayCollection", false);
  ac->type->externalizable = true;
  ac->external = amf::value::of(a);
  std::vector<std::int32_t> out;
  ASSERT_TRUE(amf::from_value(amf::value::of(ac), out).ok());
  EXPECT_EQ(out, (std::vector<std::int32_t>{1, 2}));

  // Through bytes: the codec's flex registry reads the ArrayCollection body.
  const std::vector<std::uint8_t> bytes = amf3_of(amf::value::of(ac));
  out.clear();
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, out).ok());
  EXPECT_EQ(out, (std::vector<std::int32_t>{1, 2}));

  auto* vi = amf::new_vector<std::int32_t>(m);
  ASSERT_TRUE(vi->items.push_back(m, -5));
  ASSERT_TRUE(amf::from_value(amf::value::of(vi), out).ok());
  EXPECT_EQ(out, (std::vector<std::int32_t>{-5}));
  auto* vd = amf::new_vector<double>(m);
  ASSERT_TRUE(vd->items.push_back(m, 0.5));
  std::vector<double> dbl;
  ASSERT_TRUE(amf::from_value(amf::value::of(vd), dbl).ok());
  EXPECT_EQ(dbl, (std::vector<double>{0.5}));
  EXPECT_FALSE(amf::from_value(amf::value::of(vd), out).ok());  // 0.5 is no integer
}

TEST(TypedMapping, MapsFromObjectsAssociativeArraysAndObjectProxy) {
  amf::arena m;
  amf::array_node* ecma = amf::new_array(m);
  ecma->ecma = true;
  ASSERT_TRUE(ecma->assoc.push_back(m, {"a", amf::value::integer(1)}));
  std::map<std::string, std::int32_t> out;
  ASSERT_TRUE(amf::from_value(amf::value::of(ecma), out).ok());
  EXPECT_EQ(out, (std::map<std::string, std::int32_t>{{"a", 1}}));

  amf::array_node* dense = amf::new_array(m);
  ASSERT_TRUE(dense->dense.push_back(m, amf::value::integer(1)));
  EXPECT_EQ(amf::from_value(amf::value::of(dense), out).error().code, errc::type_mismatch);

  amf::object_node* inner = amf::new_object(m);
  ASSERT_TRUE(amf::add_dynamic(m, *inner, "b", amf::value::integer(2)));
  amf::object_node* proxy = amf::new_object(m, "flex.messaging.io.ObjectProxy", false);
  proxy->type->externalizable = true;
  proxy->external = amf::value::of(inner);
  ASSERT_TRUE(amf::from_value(amf::value::of(proxy), out).ok());
  EXPECT_EQ(out, (std::map<std::string, std::int32_t>{{"b", 2}}));

  // A typed object is not a map.
  amf::object_node* typed = amf::new_object(m, "com.example.Point", false);
  EXPECT_EQ(amf::from_value(amf::value::of(typed), out).error().detail,
            "top-level value: object's class alias is not the registered one");
}

TEST(TypedMapping, VariantTakesTheFirstAlternativeThatAcceptsTheKind) {
  amf::arena m;
  using v = std::variant<std::monostate, double, std::int32_t, std::string, point>;
  v out;
  ASSERT_TRUE(amf::from_value(amf::value::integer(3), out).ok());
  EXPECT_EQ(out.index(), 1u);  // double comes first and accepts integers
  ASSERT_TRUE(amf::from_value(amf::value::null(), out).ok());
  EXPECT_EQ(out.index(), 0u);
  ASSERT_TRUE(amf::from_value(amf::make_string(m, "x"), out).ok());
  EXPECT_EQ(std::get<std::string>(out), "x");
  amf::object_node* p = object_of(m, "com.example.Point");
  ASSERT_TRUE(amf::from_value(amf::value::of(p), out).ok());
  EXPECT_EQ(out.index(), 4u);
  amf::object_node* q = object_of(m, "com.example.Other");
  EXPECT_EQ(amf::from_value(amf::value::of(q), out).error().code, errc::type_mismatch);
}

// ---- references ----

TEST(TypedMapping, AnObjectReferencedTwiceIsCopiedIntoBothFields) {
  amf::arena m;
  amf::object_node* h = object_of(m, "com.example.Holder");
  amf::object_node* p = object_of(m, "com.example.Point");
  ASSERT_TRUE(amf::add_sealed(m, *p, "x", amf::value::integer(4)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "first", amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "second", amf::value::of(p)));
  amf::array_node* list = amf::new_array(m);
  ASSERT_TRUE(list->dense.push_back(m, amf::value::of(p)) && list->dense.push_back(m, amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "points", amf::value::of(list)));
  const std::vector<std::uint8_t> bytes = amf3_of(amf::value::of(h));
  holder out;
  const amf::status st = amf::decode_typed_amf3(bytes, out);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(out.first, (point{4, 0}));
  EXPECT_EQ(out.second, (point{4, 0}));
  EXPECT_EQ(out.points, (std::vector<point>{{4, 0}, {4, 0}}));
}

TEST(TypedMapping, Amf0ReferencesAreCopiedToo) {
  amf::arena m;
  amf::object_node* h = object_of(m, "com.example.Holder");
  amf::object_node* p = object_of(m, "com.example.Point");
  ASSERT_TRUE(amf::add_sealed(m, *p, "y", amf::value::integer(9)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "first", amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *h, "second", amf::value::of(p)));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_amf0(amf::value::of(h), bytes).ok());
  holder out;
  ASSERT_TRUE(amf::decode_typed_amf0(bytes, out).ok());
  EXPECT_EQ(out.second, (point{0, 9}));
}

TEST(TypedMapping, DateFractionsReachFineTimePoints) {
  amf::arena m;
  std::chrono::system_clock::time_point t;
  ASSERT_TRUE(amf::from_value(amf::value::of(amf::new_date(m, 1.5)), t).ok());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count(), 1500);
  std::chrono::sys_time<std::chrono::milliseconds> ms;
  ASSERT_TRUE(amf::from_value(amf::value::of(amf::new_date(m, -1.5)), ms).ok());
  EXPECT_EQ(ms.time_since_epoch().count(), -2);  // floored
  amf::result<amf::value> v = amf::to_value(t, m);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_date().millis, 1.5);
}

TEST(TypedMapping, MicrosecondTimePointsRoundTripExactly) {
  // The date's double is the nearest to the time point, above or below it: the fraction must be
  // rounded to the nearest microsecond, not floored (which lost one for about half of them).
  using micro = std::chrono::sys_time<std::chrono::microseconds>;
  int wrong = 0;
  for (std::int64_t k = -500; k < 1500; ++k) {
    const micro in{std::chrono::microseconds{1764936000000000 + k * 1'999'999'937}};
    amf::arena m;
    amf::result<amf::value> v = amf::to_value(in, m);
    ASSERT_TRUE(v);
    micro out;
    ASSERT_TRUE(amf::from_value(*v, out).ok());
    wrong += out != in ? 1 : 0;
  }
  EXPECT_EQ(wrong, 0);
}

TEST(TypedMapping, CyclesCannotBecomeCppValues) {
  amf::arena m;
  amf::object_node* t = object_of(m, "com.example.Tree");
  amf::array_node* kids = amf::new_array(m);
  ASSERT_TRUE(kids->dense.push_back(m, amf::value::of(t)));
  ASSERT_TRUE(amf::add_sealed(m, *t, "children", amf::value::of(kids)));
  const std::vector<std::uint8_t> bytes = amf3_of(amf::value::of(t));
  tree out;
  const amf::status st = amf::decode_typed_amf3(bytes, out);
  EXPECT_EQ(st.error().code, errc::type_mismatch);
  EXPECT_EQ(st.error().detail, "field 'children': cyclic reference cannot become a C++ value");
}

// A small graph whose sharing doubles at each level expands exponentially as C++ values: the
// conversion stops at limits::max_elements instead of running away.
TEST(TypedMapping, SharedNodesExpandWithinABudget) {
  amf::arena m;
  amf::value level = amf::value::of(object_of(m, "com.example.Tree"));
  for (int i = 0; i < 40; ++i) {
    amf::object_node* t = object_of(m, "com.example.Tree");
    amf::array_node* kids = amf::new_array(m);
    ASSERT_TRUE(kids->dense.push_back(m, level) && kids->dense.push_back(m, level));
    ASSERT_TRUE(amf::add_sealed(m, *t, "children", amf::value::of(kids)));
    level = amf::value::of(t);
  }
  tree out;
  amf::decode_options options;
  options.limits.max_elements = 1000;
  const std::vector<std::uint8_t> bytes = amf3_of(level);
  EXPECT_EQ(amf::decode_typed_amf3(bytes, out, options).error().code, errc::limit_exceeded);
}

// Strings are written once and referenced; traits once per class.
TEST(TypedMapping, EncodingSharesStringsAndTraits) {
  holder h;
  h.first = {1, 2};
  h.second = {3, 4};
  h.points = {{5, 6}, {7, 8}};
  h.label = "com.example.Point";  // same text as the alias: one string table entry
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(h, bytes).ok());
  const std::string_view text{reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  auto count = [&](std::string_view s) {
    std::size_t n = 0;
    for (std::size_t at = text.find(s); at != std::string_view::npos; at = text.find(s, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("com.example.Point"), 1u);
  EXPECT_EQ(count("com.example.Holder"), 1u);
  // Point traits: inline once (0x23 = 2 sealed, inline), then trait references (0x01 = ref #0... #n).
  amf::arena decoded;
  amf::result<amf::value> v = amf::decode_amf3(bytes, decoded);
  ASSERT_TRUE(v);
  const amf::object_node& o = v->as_object();
  EXPECT_EQ(o.find("first")->as_object().type, o.find("second")->as_object().type);  // one traits object
}

// ---- hostile bytes ----

TEST(TypedMapping, TruncationsAndMutationsNeverCrash) {
  amf::arena memory;
  const everything in = sample(memory);
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(in, bytes).ok());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    everything out;
    amf::arena decoded;
    const amf::status st = amf::decode_typed_amf3(std::span(bytes.data(), n), out, decoded);
    EXPECT_FALSE(st.ok()) << "prefix " << n;
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (std::uint8_t x : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xFF}}) {
      std::vector<std::uint8_t> mutated = bytes;
      mutated[i] ^= x;
      everything out;
      amf::arena decoded;
      (void)amf::decode_typed_amf3(mutated, out, decoded);
    }
  }
}

TEST(TypedMapping, EncodeErrorsReportTheOutputSize) {
  std::vector<std::uint8_t> out = {1, 2, 3};
  const color bad = static_cast<color>(5);
  const amf::status st = amf::encode_typed_amf3(bad, out);
  EXPECT_EQ(st.error().code, errc::unencodable);
  EXPECT_EQ(st.error().offset, 3u);
  EXPECT_EQ(out.size(), 3u);
}

}  // namespace typed_test
