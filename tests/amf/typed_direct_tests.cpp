// The direct typed AMF3 reader/writer (typed/amf3_read.hpp, typed/amf3_write.hpp): bytes identical
// to to_value() + encode_amf3(), decodes equal to decode_amf3() + from_value(), any member order,
// extra members, trait/string references, shared objects (restart through the value model),
// cycles, real error offsets, truncations and mutations.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "amphora/amf/typed.hpp"

namespace typed_direct_test {

namespace amf = amphora::amf;
using amf::errc;

struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  bool operator==(const point&) const = default;
};
constexpr auto amf_class(amf::type_tag<point>) {
  return amf::define_class<point>("com.example.Point", amf::field<"x">(&point::x),
                                  amf::field<"y">(&point::y));
}

struct shape {
  std::string name = "none";
  point first;
  point second;
  std::vector<point> points;
  std::map<std::string, std::optional<point>> named;
  std::unordered_map<std::string, std::int64_t> counts;
  std::variant<std::monostate, std::int32_t, std::string, point> any;
  std::optional<std::vector<std::string>> tags;
  std::vector<bool> flags;
  std::vector<std::uint8_t> bytes;
  double big = 0;
  std::uint64_t huge = 0;
  bool operator==(const shape&) const = default;
};
constexpr auto amf_class(amf::type_tag<shape>) {
  using s = shape;
  return amf::define_class<s>(
      "com.example.Shape", amf::field<"name">(&s::name), amf::field<"first">(&s::first),
      amf::field<"second">(&s::second), amf::field<"points">(&s::points), amf::field<"named">(&s::named),
      amf::field<"counts">(&s::counts), amf::field<"any">(&s::any), amf::field<"tags">(&s::tags),
      amf::field<"flags">(&s::flags), amf::field<"bytes">(&s::bytes), amf::field<"big">(&s::big),
      amf::field<"huge">(&s::huge));
}

struct strict {
  std::int32_t id = 0;
  std::string name;
};
constexpr auto amf_class(amf::type_tag<strict>) {
  return amf::define_class<strict>("com.example.Strict", amf::field<"id">(&strict::id),
                                   amf::field<"name">(&strict::name))
      .reject_unexpected();
}

struct any_holder {
  std::string label;
  std::vector<amf::value> items;
};
constexpr auto amf_class(amf::type_tag<any_holder>) {
  return amf::define_class<any_holder>("com.example.AnyHolder", amf::field<"label">(&any_holder::label),
                                       amf::field<"items">(&any_holder::items));
}

struct tree {
  std::string name;
  std::vector<tree> children;
  bool operator==(const tree&) const = default;
};
constexpr auto amf_class(amf::type_tag<tree>) {
  return amf::define_class<tree>("com.example.Tree", amf::field<"name">(&tree::name),
                                 amf::field<"children">(&tree::children));
}

struct point_and_values {
  point p;
  std::vector<amf::value> items;
};
constexpr auto amf_class(amf::type_tag<point_and_values>) {
  return amf::define_class<point_and_values>("com.example.PointAndValues",
                                             amf::field<"p">(&point_and_values::p),
                                             amf::field<"items">(&point_and_values::items));
}

// Declared with the same alias and names as point: the same traits on the wire.
struct point_twin {
  std::int32_t x = 0;
  std::int32_t y = 0;
};
constexpr auto amf_class(amf::type_tag<point_twin>) {
  return amf::define_class<point_twin>("com.example.Point", amf::field<"x">(&point_twin::x),
                                       amf::field<"y">(&point_twin::y));
}

struct twins {
  point a;
  point_twin b;
};
constexpr auto amf_class(amf::type_tag<twins>) {
  return amf::define_class<twins>("com.example.Twins", amf::field<"a">(&twins::a),
                                  amf::field<"b">(&twins::b));
}

struct flat_holder {
  std::string name = "unnamed";
  std::vector<std::pair<std::string, std::int32_t>> entries;  // a string map kept flat, in order
  std::optional<point> where;
  bool operator==(const flat_holder&) const = default;
};
constexpr auto amf_class(amf::type_tag<flat_holder>) {
  return amf::define_class<flat_holder>("com.example.FlatHolder", amf::field<"name">(&flat_holder::name),
                                        amf::field<"entries">(&flat_holder::entries),
                                        amf::field<"where">(&flat_holder::where));
}

// The same members as strings, as views of the decoded bytes.
struct viewed {
  std::string_view name;
  std::optional<std::string_view> note;
  std::vector<std::pair<std::string, std::string_view>> tags;
};
constexpr auto amf_class(amf::type_tag<viewed>) {
  return amf::define_class<viewed>("com.example.Viewed", amf::field<"name">(&viewed::name),
                                   amf::field<"note">(&viewed::note), amf::field<"tags">(&viewed::tags));
}
struct owned {
  std::string name;
  std::optional<std::string> note;
  std::vector<std::pair<std::string, std::string>> tags;
};
constexpr auto amf_class(amf::type_tag<owned>) {
  return amf::define_class<owned>("com.example.Viewed", amf::field<"name">(&owned::name),
                                  amf::field<"note">(&owned::note), amf::field<"tags">(&owned::tags));
}

// Ten classes of distinct aliases (more known traits than the typed reader keeps pending).
inline constexpr std::string_view tagged_aliases[] = {"t.A0", "t.A1", "t.A2", "t.A3", "t.A4",
                                                      "t.A5", "t.A6", "t.A7", "t.A8", "t.A9"};
template <int N>
struct tagged {
  std::int32_t v = 0;
};
template <int N>
constexpr auto amf_class(amf::type_tag<tagged<N>>) {
  return amf::define_class<tagged<N>>(tagged_aliases[N], amf::field<"v">(&tagged<N>::v));
}
struct many_classes {
  tagged<0> a0;
  tagged<1> a1;
  tagged<2> a2;
  tagged<3> a3;
  tagged<4> a4;
  tagged<5> a5;
  tagged<6> a6;
  tagged<7> a7;
  tagged<8> a8;
  tagged<9> a9;
  std::vector<amf::value> items;
};
constexpr auto amf_class(amf::type_tag<many_classes>) {
  using m = many_classes;
  return amf::define_class<m>("t.Many", amf::field<"a0">(&m::a0), amf::field<"a1">(&m::a1),
                              amf::field<"a2">(&m::a2), amf::field<"a3">(&m::a3), amf::field<"a4">(&m::a4),
                              amf::field<"a5">(&m::a5), amf::field<"a6">(&m::a6), amf::field<"a7">(&m::a7),
                              amf::field<"a8">(&m::a8), amf::field<"a9">(&m::a9),
                              amf::field<"items">(&m::items));
}

shape sample() {
  shape s;
  s.name = "triangle";
  s.first = {1, -2};
  s.second = {1, -2};
  s.points = {{0, 0}, {3, 4}, {-300000000, 300000000}};
  s.named = {{"a", point{5, 6}}, {"b", std::nullopt}, {"triangle", point{7, 8}}};
  s.counts = {{"x", 1}, {"y", 1LL << 40}, {"z", 3}};
  s.any = point{9, 10};
  s.tags = std::vector<std::string>{"triangle", "a", "", "x"};
  s.flags = {true, false, true};
  s.bytes = {0, 1, 2, 255};
  s.big = 2.5;
  s.huge = (std::uint64_t{1} << 63) + 2048;  // beyond int64: a double (2^64-1 would round to 2^64)
  return s;
}

template <class T>
std::vector<std::uint8_t> via_value_model(const T& in) {
  amf::arena memory;
  amf::result<amf::value> v = amf::to_value(in, memory);
  EXPECT_TRUE(static_cast<bool>(v));
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(amf::encode_amf3(*v, out).ok());
  return out;
}

template <class T>
void expect_same_bytes(const T& in) {
  std::vector<std::uint8_t> direct;
  ASSERT_TRUE(amf::encode_typed_amf3(in, direct).ok());
  EXPECT_EQ(direct, via_value_model(in));
}

TEST(TypedDirect, BytesIdenticalToTheValueModel) {
  expect_same_bytes(sample());
  expect_same_bytes(shape{});
  expect_same_bytes(point{-1, 268435456});  // beyond 29 bits: a double
  tree t{"root", {{"a", {}}, {"b", {{"a", {}}}}}};
  expect_same_bytes(t);
  expect_same_bytes(std::vector<shape>{sample(), shape{}, sample()});  // traits and strings referenced
  expect_same_bytes(std::map<std::string, point>{{"p", {1, 2}}, {"q", {3, 4}}});
  expect_same_bytes(std::optional<point>{});
  amf::arena memory;
  any_holder h{"items", {amf::value::integer(1), amf::make_string(memory, "items"), amf::value::null()}};
  amf::array_node* shared = amf::new_array(memory);
  ASSERT_NE(shared, nullptr);
  h.items.push_back(amf::value::of(shared));
  h.items.push_back(amf::value::of(shared));  // a reference, numbered after the typed objects
  expect_same_bytes(h);
}

TEST(TypedDirect, AppendsAndRoundTrips) {
  std::vector<std::uint8_t> out = {0xAB};
  ASSERT_TRUE(amf::encode_typed_amf3(sample(), out).ok());
  EXPECT_EQ(out[0], 0xAB);
  shape back;
  const amf::status st = amf::decode_typed_amf3(std::span(out).subspan(1), back);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(back, sample());
}

// Bytes the value-model encoder writes from a graph: the direct decode equals from_value.
template <class T>
void expect_same_decode(const amf::value& v, bool expect_ok = true) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_amf3(v, bytes).ok());
  T direct{};
  T modelled{};
  amf::arena memory;
  const amf::status st = amf::decode_typed_amf3(bytes, direct, memory);
  const amf::status ref = amf::from_value(v, modelled);
  EXPECT_EQ(st.ok(), expect_ok) << (st.ok() ? "" : st.error().message());
  EXPECT_EQ(ref.ok(), expect_ok);
  if (expect_ok) {
    EXPECT_TRUE(direct == modelled);
  } else {
    EXPECT_EQ(st.error().code, ref.error().code);
  }
}

TEST(TypedDirect, MembersInAnyOrderSealedOrDynamicWithExtras) {
  amf::arena m;
  // Dynamic members, reversed, with extra ones (ignored) of every shape.
  amf::object_node* o = amf::new_object(m, "com.example.Shape", true);
  amf::object_node* p = amf::new_object(m, "com.example.Point", false);
  ASSERT_TRUE(amf::add_sealed(m, *p, "y", amf::value::integer(4)) &&
              amf::add_sealed(m, *p, "x", amf::value::integer(3)));
  amf::object_node* extra = amf::new_object(m, "com.other.Thing", true);
  ASSERT_TRUE(amf::add_dynamic(m, *extra, "z", amf::make_string(m, "triangle")));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "unknown", amf::value::of(extra)));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "second", amf::value::of(p)));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "name", amf::make_string(m, "triangle")));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "big", amf::value::integer(7)));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "later", amf::make_string(m, "z")));  // string reference
  expect_same_decode<shape>(amf::value::of(o));

  // Sealed and dynamic mixed; a typed object where a map is expected is refused.
  amf::object_node* mixed = amf::new_object(m, "com.example.Shape", true);
  ASSERT_TRUE(amf::add_sealed(m, *mixed, "huge", amf::value::integer(12)));
  ASSERT_TRUE(amf::add_dynamic(m, *mixed, "first", amf::value::of(p)));
  expect_same_decode<shape>(amf::value::of(mixed));
  amf::object_node* bad = amf::new_object(m, "com.example.Shape", true);
  ASSERT_TRUE(amf::add_dynamic(m, *bad, "named", amf::value::of(p)));
  expect_same_decode<shape>(amf::value::of(bad), false);
}

TEST(TypedDirect, ObjectReferencedTwiceIsCopiedIntoBothFields) {
  amf::arena m;
  amf::object_node* o = amf::new_object(m, "com.example.Shape", false);
  amf::object_node* p = amf::new_object(m, "com.example.Point", false);
  ASSERT_TRUE(amf::add_sealed(m, *p, "x", amf::value::integer(3)) &&
              amf::add_sealed(m, *p, "y", amf::value::integer(4)));
  amf::array_node* pts = amf::new_array(m);
  ASSERT_TRUE(pts->dense.push_back(m, amf::value::of(p)) && pts->dense.push_back(m, amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *o, "first", amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *o, "second", amf::value::of(p)));
  ASSERT_TRUE(amf::add_sealed(m, *o, "points", amf::value::of(pts)));
  expect_same_decode<shape>(amf::value::of(o));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(o), bytes).ok());
  shape s;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, s).ok());
  EXPECT_EQ(s.first, (point{3, 4}));
  EXPECT_EQ(s.second, (point{3, 4}));
  EXPECT_EQ(s.points, (std::vector<point>{{3, 4}, {3, 4}}));
}

TEST(TypedDirect, ReferenceToASkippedObjectIsConverted) {
  amf::arena m;
  amf::object_node* o = amf::new_object(m, "com.example.Shape", true);
  amf::object_node* p = amf::new_object(m, "com.example.Point", false);
  ASSERT_TRUE(amf::add_sealed(m, *p, "x", amf::value::integer(1)) &&
              amf::add_sealed(m, *p, "y", amf::value::integer(2)));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "skipped", amf::value::of(p)));  // read by the value model
  ASSERT_TRUE(amf::add_dynamic(m, *o, "first", amf::value::of(p)));    // a reference to it
  expect_same_decode<shape>(amf::value::of(o));
}

TEST(TypedDirect, CyclesAreTypeMismatch) {
  amf::arena m;
  amf::object_node* root = amf::new_object(m, "com.example.Tree", false);
  amf::array_node* kids = amf::new_array(m);
  ASSERT_TRUE(amf::add_sealed(m, *root, "name", amf::make_string(m, "r")));
  ASSERT_TRUE(amf::add_sealed(m, *root, "children", amf::value::of(kids)));
  ASSERT_TRUE(kids->dense.push_back(m, amf::value::of(root)));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(root), bytes).ok());
  tree t;
  const amf::status st = amf::decode_typed_amf3(bytes, t);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::type_mismatch);
  EXPECT_NE(st.error().detail.find("cyclic"), std::string_view::npos);
}

TEST(TypedDirect, ErrorsCarryTheByteOffsetAndTheField) {
  amf::arena m;
  amf::object_node* o = amf::new_object(m, "com.example.Strict", false);
  ASSERT_TRUE(amf::add_sealed(m, *o, "id", amf::make_string(m, "seven")));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(o), bytes).ok());
  strict s;
  const amf::status st = amf::decode_typed_amf3(bytes, s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::type_mismatch);
  EXPECT_EQ(st.error().detail, "field 'id': wire kind does not fit the C++ type");
  // 0A, traits header, alias (1 + 18), member name "id" (1 + 2): the string marker follows.
  EXPECT_EQ(st.error().offset, 2u + 19u + 3u);
  EXPECT_EQ(bytes[st.error().offset], 0x06);

  amf::object_node* extra = amf::new_object(m, "com.example.Strict", true);
  ASSERT_TRUE(amf::add_dynamic(m, *extra, "other", amf::value::integer(1)));
  bytes.clear();
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(extra), bytes).ok());
  const amf::status unexpected = amf::decode_typed_amf3(bytes, s);
  EXPECT_EQ(unexpected.error().code, errc::type_mismatch);
  EXPECT_NE(unexpected.error().detail.find("does not declare"), std::string_view::npos);

  any_holder h;
  bytes.clear();
  ASSERT_TRUE(amf::encode_typed_amf3(any_holder{"x", {amf::value::null()}}, bytes).ok());
  const amf::status no_arena = amf::decode_typed_amf3(bytes, h);
  EXPECT_EQ(no_arena.error().code, errc::type_mismatch);
  EXPECT_EQ(no_arena.error().detail, "field 'items': amf::value needs the decode form that takes an arena");
  amf::arena memory;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, h, memory).ok());
  ASSERT_EQ(h.items.size(), 1u);
  EXPECT_TRUE(h.items[0].is_null());
}

TEST(TypedDirect, TruncationsFailAndMutationsNeverCrash) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(std::vector<shape>{sample(), sample()}, bytes).ok());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<shape> out;
    EXPECT_FALSE(amf::decode_typed_amf3(std::span(bytes.data(), n), out).ok()) << "prefix " << n;
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (std::uint8_t x : {std::uint8_t{0x01}, std::uint8_t{0x02}, std::uint8_t{0x80}, std::uint8_t{0xFF}}) {
      std::vector<std::uint8_t> mutated = bytes;
      mutated[i] ^= x;
      std::vector<shape> out;
      amf::arena memory;
      (void)amf::decode_typed_amf3(mutated, out, memory);
      (void)amf::decode_typed_amf3(mutated, out);
    }
  }
}

// A class's traits as the typed writer writes them are recognised by their bytes: they must enter
// the string and traits tables exactly as if read, so that later references resolve.
TEST(TypedDirect, KnownTraitsFillTheTablesAsIfRead) {
  shape s = sample();
  s.name = "huge";                                                        // a reference to a member name
  s.tags = std::vector<std::string>{"com.example.Shape", "points", "y"};  // the alias, names
  std::vector<shape> many{s, shape{}, s};                                 // traits references to known traits
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(many, bytes).ok());
  std::vector<shape> back;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, back).ok());
  EXPECT_EQ(back, many);

  // The value model reads an object by a traits reference to traits the typed reader recognised.
  amf::arena m;
  amf::object_node* o = amf::new_object(m, "com.example.Point", false);
  ASSERT_TRUE(amf::add_sealed(m, *o, "x", amf::value::integer(5)) &&
              amf::add_sealed(m, *o, "y", amf::value::integer(6)));
  const point_and_values pv{{1, 2}, {amf::value::of(o), amf::make_string(m, "x")}};
  bytes.clear();
  ASSERT_TRUE(amf::encode_typed_amf3(pv, bytes).ok());
  point_and_values got;
  amf::arena memory;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, got, memory).ok());
  EXPECT_EQ(got.p, (point{1, 2}));
  ASSERT_EQ(got.items.size(), 2u);
  ASSERT_TRUE(got.items[0].is(amf::kind::object));
  EXPECT_EQ(got.items[0].as_object().alias(), "com.example.Point");
  ASSERT_EQ(got.items[0].as_object().sealed.size(), 2u);
  EXPECT_EQ(got.items[0].as_object().type->sealed[1], "y");
  EXPECT_EQ(got.items[0].as_object().sealed[1].as_int(), 6);
  EXPECT_EQ(got.items[1].as_string(), "x");
}

// The typed reader's own object-table entries and known traits enter the codec's tables only when
// the codec reads next (amf3_direct.hpp): what the codec reads then must see every entry taken
// before, in order (traits references past the ones kept pending, object references to objects
// the typed reader read: a restart), and the result is the value model's.
TEST(TypedDirect, TableEntriesTakenAheadReachTheCodecInOrder) {
  static constexpr std::string_view field_names[] = {"a0", "a1", "a2", "a3", "a4",
                                                     "a5", "a6", "a7", "a8", "a9"};
  for (bool with_reference : {false, true}) {
    amf::arena m;
    amf::object_node* root = amf::new_object(m, "t.Many", false);
    amf::object_node* first = nullptr;
    for (int i = 0; i < 10; ++i) {
      amf::object_node* o = amf::new_object(m, tagged_aliases[i], false);
      ASSERT_TRUE(amf::add_sealed(m, *o, "v", amf::value::integer(i)));
      if (i == 0) first = o;
      ASSERT_TRUE(amf::add_sealed(m, *root, field_names[i], amf::value::of(o)));
    }
    // Items the codec reads: objects of classes read before (traits references, the first one past
    // what is kept pending), a string, then a reference to the first object (read by the typed
    // reader: a restart).
    amf::array_node* items = amf::new_array(m);
    for (int i : {9, 3, 0}) {
      amf::object_node* o = amf::new_object(m, tagged_aliases[i], false);
      ASSERT_TRUE(amf::add_sealed(m, *o, "v", amf::value::integer(10 + i)));
      ASSERT_TRUE(items->dense.push_back(m, amf::value::of(o)));
    }
    ASSERT_TRUE(items->dense.push_back(m, amf::make_string(m, "v")));
    if (with_reference) {
      ASSERT_TRUE(items->dense.push_back(m, amf::value::of(first)));
    }
    ASSERT_TRUE(amf::add_sealed(m, *root, "items", amf::value::of(items)));
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(amf::encode_amf3(amf::value::of(root), bytes).ok());
    amf::arena memory;
    many_classes got;
    ASSERT_TRUE(amf::decode_typed_amf3(bytes, got, memory).ok()) << with_reference;
    EXPECT_EQ(got.a0.v, 0);
    EXPECT_EQ(got.a9.v, 9);
    ASSERT_EQ(got.items.size(), with_reference ? 5u : 4u);
    constexpr std::array<int, 3> item_classes{9, 3, 0};
    for (std::size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(got.items[i].is(amf::kind::object)) << i;
      EXPECT_EQ(got.items[i].as_object().alias(), tagged_aliases[item_classes[i]]) << i;
      ASSERT_EQ(got.items[i].as_object().type->sealed.size(), 1u) << i;
      EXPECT_EQ(got.items[i].as_object().type->sealed[0], "v") << i;
      EXPECT_EQ(got.items[i].as_object().sealed[0].as_int(), 10 + item_classes[i]) << i;
    }
    EXPECT_EQ(got.items[3].as_string(), "v");
    if (with_reference) {  // restarted through the value model: the first object, copied
      ASSERT_TRUE(got.items[4].is(amf::kind::object));
      EXPECT_EQ(got.items[4].as_object().alias(), "t.A0");
      EXPECT_EQ(got.items[4].as_object().sealed[0].as_int(), 0);
    }
    // The object-table limit: the same error as the value model's, wherever it falls.
    for (std::size_t n = 0; n < 16; ++n) {
      amf::decode_options o;
      o.limits.max_object_refs = n;
      amf::arena a;
      const amf::result<amf::value> v = amf::decode_amf3(bytes, a, o);
      many_classes out;
      amf::arena b;
      const amf::status st = amf::decode_typed_amf3(bytes, out, b, o);
      ASSERT_EQ(st.ok(), v.has_value()) << n;
      if (!v) {
        EXPECT_EQ(st.error().code, v.error().code) << n;
        EXPECT_EQ(st.error().offset, v.error().offset) << n;
        EXPECT_EQ(st.error().detail, v.error().detail) << n;
      }
    }
  }
}

// The direct reader's shortcuts (known traits, inline scalars and strings) stop where a limit
// applies and leave the codec to report it: the same error as the value model's decode.
TEST(TypedDirect, LimitsGiveTheValueModelsErrors) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(std::vector<shape>{sample(), sample()}, bytes).ok());
  for (int which = 0; which < 4; ++which) {
    for (std::size_t n = 0; n < 24; ++n) {
      amf::decode_options o;
      (which == 0   ? o.limits.max_string_refs
       : which == 1 ? o.limits.max_string_bytes
       : which == 2 ? o.limits.max_trait_refs
                    : o.limits.max_object_refs) = n;
      amf::arena memory;
      const amf::result<amf::value> v = amf::decode_amf3(bytes, memory, o);
      std::vector<shape> out;
      const amf::status st = amf::decode_typed_amf3(bytes, out, o);
      ASSERT_EQ(st.ok(), v.has_value()) << which << " " << n;
      if (!v) {
        EXPECT_EQ(st.error().code, v.error().code) << which << " " << n;
        EXPECT_EQ(st.error().offset, v.error().offset) << which << " " << n;
        EXPECT_EQ(st.error().detail, v.error().detail) << which << " " << n;
      }
    }
  }
}

// Dynamic members and an array's associative entries count against max_elements per object or
// array, as the codec counts them: the direct reader, which reads those members itself, reports the
// codec's error at the same byte (it once read any number of them; the typed fuzzer found it).
TEST(TypedDirect, DynamicMembersBeyondMaxElementsGiveTheCodecsError) {
  amf::arena m;
  amf::object_node* entries = amf::new_object(m, "", true);  // a map: dynamic members
  amf::object_node* holder = amf::new_object(m, "com.example.FlatHolder", true);
  amf::array_node* assoc = amf::new_array(m);  // an associative part, skipped for a vector
  for (const char* name : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(amf::add_dynamic(m, *entries, name, amf::value::integer(1)));
    ASSERT_TRUE(amf::add_dynamic(m, *holder, name, amf::value::integer(2)));  // unknown members
    ASSERT_TRUE(assoc->assoc.push_back(m, amf::member{name, amf::value::integer(3)}));
  }
  ASSERT_TRUE(amf::add_dynamic(m, *holder, "entries", amf::value::of(entries)));
  amf::object_node* with_points = amf::new_object(m, "com.example.Shape", false);
  ASSERT_TRUE(amf::add_sealed(m, *with_points, "points", amf::value::of(assoc)));
  for (const amf::value& v : {amf::value::of(holder), amf::value::of(with_points)}) {
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(amf::encode_amf3(v, bytes).ok());
    for (std::size_t n = 0; n < 6; ++n) {
      amf::decode_options o;
      o.limits.max_elements = n;
      amf::arena a;
      const amf::result<amf::value> model = amf::decode_amf3(bytes, a, o);
      amf::status st;
      if (v.as_object().alias() == "com.example.FlatHolder") {
        flat_holder out;
        st = amf::decode_typed_amf3(bytes, out, o);
      } else {
        shape out;
        st = amf::decode_typed_amf3(bytes, out, o);
      }
      ASSERT_EQ(st.ok(), model.has_value()) << n;
      if (!model) {
        EXPECT_EQ(st.error().code, errc::limit_exceeded) << n;
        EXPECT_EQ(st.error().offset, model.error().offset) << n;
        EXPECT_EQ(st.error().detail, model.error().detail) << n;
      }
    }
  }
}

// Malformed input: whenever the value model's decode fails, the direct decode fails too, and
// with the codec's own error unless a conversion failed first.
TEST(TypedDirect, MalformedInputGivesTheCodecsErrors) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(std::vector<shape>{sample(), sample()}, bytes).ok());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (std::uint8_t x : {std::uint8_t{0x01}, std::uint8_t{0x06}, std::uint8_t{0x80}, std::uint8_t{0xFF}}) {
      std::vector<std::uint8_t> mutated = bytes;
      mutated[i] ^= x;
      amf::arena memory;
      const amf::result<amf::value> v = amf::decode_amf3(mutated, memory);
      std::vector<shape> out;
      const amf::status st = amf::decode_typed_amf3(mutated, out);
      if (v || st.ok()) {
        EXPECT_TRUE(v.has_value()) << "byte " << i << " ^ " << int{x};
        continue;
      }
      if (st.error().code == errc::type_mismatch) continue;
      EXPECT_EQ(st.error().code, v.error().code) << "byte " << i << " ^ " << int{x};
      EXPECT_EQ(st.error().offset, v.error().offset) << "byte " << i << " ^ " << int{x};
    }
  }
}

}  // namespace typed_direct_test

namespace typed_direct_test {

// A decode into an object that held other data gives what a decode into T{} gives (its storage
// reused), by the direct reader and by from_value, with members in order, missing or reordered.
TEST(TypedDirect, DecodeIntoAReusedObjectEqualsAFreshDecode) {
  shape full = sample();
  full.points.resize(7);
  full.tags = std::vector<std::string>{"a", "b", "c", "d", "e", "f"};
  full.named[std::string(40, 'k')] = point{1, 1};
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(sample(), bytes).ok());
  shape reused = full;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, reused).ok());
  EXPECT_EQ(reused, sample());

  // Members missing (and in another order): the missing ones get T{}'s values.
  amf::arena m;
  amf::object_node* partial = amf::new_object(m, "com.example.Shape", true);
  ASSERT_TRUE(amf::add_dynamic(m, *partial, "big", amf::value::number(1.5)));
  std::vector<std::uint8_t> partial_bytes;
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(partial), partial_bytes).ok());
  shape expected;
  expected.big = 1.5;
  reused = full;
  ASSERT_TRUE(amf::decode_typed_amf3(partial_bytes, reused).ok());
  EXPECT_EQ(reused, expected);
  reused = full;
  ASSERT_TRUE(amf::from_value(amf::value::of(partial), reused).ok());
  EXPECT_EQ(reused, expected);

  // Vectors of declared classes shrink and grow; optional values are read into.
  std::vector<shape> many(5, full);
  std::vector<std::uint8_t> two;
  ASSERT_TRUE(amf::encode_typed_amf3(std::vector<shape>{sample(), shape{}}, two).ok());
  ASSERT_TRUE(amf::decode_typed_amf3(two, many).ok());
  EXPECT_EQ(many, (std::vector<shape>{sample(), shape{}}));
  std::vector<shape> few;
  ASSERT_TRUE(amf::decode_typed_amf3(two, few).ok());
  EXPECT_EQ(few, many);
}

TEST(TypedDirect, FlatStringMapsKeepWireOrder) {
  flat_holder h{"h", {{"zeta", 1}, {"alpha", 2}, {"mid", 3}}, point{1, 2}};
  expect_same_bytes(h);
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(h, bytes).ok());
  flat_holder back{"old", {{"a", 9}, {"b", 9}, {"c", 9}, {"d", 9}, {"e", 9}}, std::nullopt};
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, back).ok());
  EXPECT_EQ(back, h);

  // Decoded from an anonymous object (sealed and dynamic members) and from an associative array,
  // like std::map; the value model path gives the same.
  amf::arena m;
  amf::object_node* o = amf::new_object(m, "", true);
  ASSERT_TRUE(amf::add_sealed(m, *o, "s", amf::value::integer(5)));
  ASSERT_TRUE(amf::add_dynamic(m, *o, "d", amf::value::integer(6)));
  amf::object_node* holder = amf::new_object(m, "com.example.FlatHolder", false);
  ASSERT_TRUE(amf::add_sealed(m, *holder, "entries", amf::value::of(o)));
  expect_same_decode<flat_holder>(amf::value::of(holder));
  flat_holder direct;
  amf::arena memory;
  std::vector<std::uint8_t> holder_bytes;
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(holder), holder_bytes).ok());
  ASSERT_TRUE(amf::decode_typed_amf3(holder_bytes, direct, memory).ok());
  EXPECT_EQ(direct.entries, (std::vector<std::pair<std::string, std::int32_t>>{{"s", 5}, {"d", 6}}));
  EXPECT_EQ(direct.name, "unnamed");

  // A wrong value kind names the field.
  amf::object_node* bad = amf::new_object(m, "", true);
  ASSERT_TRUE(amf::add_dynamic(m, *bad, "k", amf::make_string(m, "text")));
  amf::object_node* bad_holder = amf::new_object(m, "com.example.FlatHolder", false);
  ASSERT_TRUE(amf::add_sealed(m, *bad_holder, "entries", amf::value::of(bad)));
  std::vector<std::uint8_t> bad_bytes;
  ASSERT_TRUE(amf::encode_amf3(amf::value::of(bad_holder), bad_bytes).ok());
  const amf::status st = amf::decode_typed_amf3(bad_bytes, direct);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::type_mismatch);
  EXPECT_EQ(st.error().detail, "field 'entries': wire kind does not fit the C++ type");
}

TEST(TypedDirect, StringViewFieldsViewTheDecodedBytes) {
  const owned text{"name", "note", {{"k", "a longer tag value that is not inline"}, {"j", "name"}}};
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_typed_amf3(text, bytes).ok());
  std::vector<std::uint8_t> from_views;
  const viewed v0{"name", "note", {{"k", "a longer tag value that is not inline"}, {"j", "name"}}};
  ASSERT_TRUE(amf::encode_typed_amf3(v0, from_views).ok());
  EXPECT_EQ(from_views, bytes);  // written as strings
  EXPECT_EQ(from_views, via_value_model(v0));

  amf::arena memory;
  amf::decode_options no_copy;
  no_copy.copy_input = false;
  viewed v;
  ASSERT_TRUE(amf::decode_typed_amf3(bytes, v, memory, no_copy).ok());
  EXPECT_EQ(v.name, "name");
  EXPECT_EQ(v.note, std::optional<std::string_view>("note"));
  ASSERT_EQ(v.tags.size(), 2u);
  EXPECT_EQ(v.tags[1].second, "name");  // a string reference
  const auto* begin = reinterpret_cast<const char*>(bytes.data());
  EXPECT_TRUE(v.tags[0].second.data() >= begin && v.tags[0].second.data() < begin + bytes.size());

  viewed via_model;  // from_value views the value's strings
  amf::result<amf::value> value = amf::decode_amf3(bytes, memory);
  ASSERT_TRUE(static_cast<bool>(value));
  ASSERT_TRUE(amf::from_value(*value, via_model).ok());
  EXPECT_EQ(via_model.tags[0].second, v.tags[0].second);

  // Without an arena nothing would keep the bytes viewed: refused, naming the field.
  const amf::status st = amf::decode_typed_amf3(bytes, v);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::type_mismatch);
  EXPECT_EQ(st.error().detail, "field 'name': std::string_view needs the decode form that takes an arena");
}

TEST(TypedDirect, StringAndTraitsTablesMatchTheValueModel) {
  // A string written before a class's traits: its name is then a reference inside the traits.
  expect_same_bytes(std::vector<std::variant<std::string, point>>{"x", point{1, 2}, "y", point{3, 4}});
  // Two classes with the same alias and names share their traits.
  expect_same_bytes(twins{{1, 2}, {3, 4}});
  // More distinct strings than the writer compares one by one, each repeated.
  std::vector<std::string> many;
  for (int i = 0; i < 300; ++i) many.push_back("string number " + std::to_string(i % 150));
  expect_same_bytes(many);
  std::vector<shape> shapes(3, sample());
  shapes[1].name = "x";  // equal to a member name of point
  expect_same_bytes(shapes);
}

// Strings the typed reader reads itself (and a known class's names) wait as pending entries and
// reach the codec's string table only when the codec reads next (amf3_direct.hpp); when the
// pending buffer is full, or has no room for a class's names, they are handed over early.
struct strings_then_classes {
  std::vector<std::string> texts;   // inline strings the typed reader enters itself
  std::vector<any_holder> holders;  // known traits after them; labels are string references
  std::vector<amf::value> items;    // read by the codec: references to strings of all of them
};
constexpr auto amf_class(amf::type_tag<strings_then_classes>) {
  using s = strings_then_classes;
  return amf::define_class<s>("t.StringsThenClasses", amf::field<"texts">(&s::texts),
                              amf::field<"holders">(&s::holders), amf::field<"items">(&s::items));
}

// The value model's encoding of a graph with `n` distinct texts, then holders labelled by
// references to them, then items referring to texts, names and aliases.
std::vector<std::uint8_t> strings_then_classes_bytes(int n) {
  amf::arena m;
  std::vector<amf::value> texts;
  for (int i = 0; i < n; ++i) texts.push_back(amf::make_string(m, "text " + std::to_string(i)));
  amf::object_node* root = amf::new_object(m, "t.StringsThenClasses", false);
  amf::array_node* text_array = amf::new_array(m);
  amf::array_node* holders = amf::new_array(m);
  amf::array_node* items = amf::new_array(m);
  EXPECT_TRUE(root != nullptr && text_array != nullptr && holders != nullptr && items != nullptr);
  for (const amf::value& t : texts) EXPECT_TRUE(text_array->dense.push_back(m, t));
  for (int i : {0, n / 2, n - 1}) {
    amf::object_node* h = amf::new_object(m, "com.example.AnyHolder", false);
    amf::array_node* none = amf::new_array(m);
    EXPECT_TRUE(h != nullptr && none != nullptr);
    EXPECT_TRUE(amf::add_sealed(m, *h, "label", texts[static_cast<std::size_t>(i)]) &&
                amf::add_sealed(m, *h, "items", amf::value::of(none)));
    EXPECT_TRUE(holders->dense.push_back(m, amf::value::of(h)));
  }
  for (std::string_view s :
       {"text 0", "label", "com.example.AnyHolder", "texts", "fresh", "t.StringsThenClasses"}) {
    EXPECT_TRUE(items->dense.push_back(m, amf::make_string(m, s)));
  }
  EXPECT_TRUE(items->dense.push_back(m, texts.back()));
  EXPECT_TRUE(amf::add_sealed(m, *root, "texts", amf::value::of(text_array)) &&
              amf::add_sealed(m, *root, "holders", amf::value::of(holders)) &&
              amf::add_sealed(m, *root, "items", amf::value::of(items)));
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(amf::encode_amf3(amf::value::of(root), bytes).ok());
  return bytes;
}

std::vector<std::uint8_t> typed_bytes(const strings_then_classes& x) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(amf::encode_typed_amf3(x, out).ok());
  return out;
}

// The direct decode of `bytes` (into a fresh object and into `reused`) against the general path
// (decode_amf3, then from_value): the same result, or the same codec error at the same offset.
void expect_same_as_general(std::span<const std::uint8_t> bytes, strings_then_classes& reused,
                            const amf::decode_options& o, const std::string& what) {
  amf::arena general_memory;
  const amf::result<amf::value> v = amf::decode_amf3(bytes, general_memory, o);
  strings_then_classes general;
  const bool general_ok = v && amf::from_value(*v, general).ok();
  for (strings_then_classes* target : {static_cast<strings_then_classes*>(nullptr), &reused}) {
    strings_then_classes fresh;
    strings_then_classes& out = target != nullptr ? *target : fresh;
    amf::arena memory;
    const amf::status st = amf::decode_typed_amf3(bytes, out, memory, o);
    ASSERT_EQ(st.ok(), general_ok) << what << (st.ok() ? "" : st.error().message());
    if (general_ok) {
      EXPECT_EQ(typed_bytes(out), typed_bytes(general)) << what;
    } else {
      ASSERT_FALSE(v.has_value()) << what;  // no conversion error in these messages
      EXPECT_EQ(st.error().code, v.error().code) << what;
      EXPECT_EQ(st.error().offset, v.error().offset) << what;
      EXPECT_EQ(st.error().detail, v.error().detail) << what;
    }
  }
}

TEST(TypedDirect, PendingStringsReachTheCodecInOrder) {
  strings_then_classes reused;
  // Around the pending buffer's size (256 entries: the texts, the root's four strings, then a
  // class's three), and past it several times.
  for (int n : {1, 250, 251, 252, 253, 254, 255, 256, 257, 600}) {
    const std::vector<std::uint8_t> bytes = strings_then_classes_bytes(n);
    const std::string what = "texts " + std::to_string(n);
    strings_then_classes got;
    amf::arena memory;
    ASSERT_TRUE(amf::decode_typed_amf3(bytes, got, memory).ok()) << what;
    ASSERT_EQ(got.texts.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(got.texts.back(), "text " + std::to_string(n - 1));
    ASSERT_EQ(got.holders.size(), 3u);
    EXPECT_EQ(got.holders[2].label, got.texts.back());
    ASSERT_EQ(got.items.size(), 7u);
    EXPECT_EQ(got.items[0].as_string(), "text 0");
    EXPECT_EQ(got.items[2].as_string(), "com.example.AnyHolder");
    EXPECT_EQ(got.items[6].as_string(), got.texts.back());
    expect_same_as_general(bytes, reused, amf::decode_options{}, what);
    for (std::size_t refs :
         {std::size_t{0}, std::size_t{3}, std::size_t{4}, static_cast<std::size_t>(n) + 3,
          static_cast<std::size_t>(n) + 4, static_cast<std::size_t>(n) + 6, static_cast<std::size_t>(n) + 7,
          static_cast<std::size_t>(n) + 8, std::size_t{255}, std::size_t{256}, std::size_t{257}}) {
      amf::decode_options o;
      o.limits.max_string_refs = refs;
      expect_same_as_general(bytes, reused, o, what + " max_string_refs " + std::to_string(refs));
    }
  }
  const std::vector<std::uint8_t> bytes = strings_then_classes_bytes(257);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    expect_same_as_general(std::span(bytes.data(), n), reused, amf::decode_options{},
                           "prefix " + std::to_string(n));
  }
}

// The codec reader's tables are reset at their first use in a decode (not before each one): a
// decode that never uses them leaves the previous decode's entries there, and the next decode that
// uses them must not see those entries.
TEST(TypedDirect, CodecTablesOfAnEarlierDecodeNeverResolveReferences) {
  const std::vector<std::uint8_t> uses_the_codec = strings_then_classes_bytes(20);
  // An array holding a reference to string 0, or to object 1 (the array itself is object 0): both
  // resolve only in a table left over from the first decode.
  const std::vector<std::uint8_t> references[] = {{0x09, 0x03, 0x01, 0x06, 0x00},
                                                  {0x09, 0x03, 0x01, 0x0A, 0x02}};
  std::vector<std::uint8_t> typed_only;
  ASSERT_TRUE(amf::encode_typed_amf3(point{1, 2}, typed_only).ok());
  for (const std::vector<std::uint8_t>& bytes : references) {
    amf::arena general_memory;
    const amf::result<amf::value> v = amf::decode_amf3(bytes, general_memory);
    for (bool typed_between : {false, true}) {
      strings_then_classes first;
      amf::arena memory;
      ASSERT_TRUE(amf::decode_typed_amf3(uses_the_codec, first, memory).ok());
      if (typed_between) {
        point p;
        ASSERT_TRUE(amf::decode_typed_amf3(typed_only, p).ok());
      }
      std::vector<amf::value> out;
      const amf::status st = amf::decode_typed_amf3(bytes, out, memory);
      ASSERT_EQ(st.ok(), v.has_value()) << typed_between;
      if (!v) {
        EXPECT_EQ(st.error().code, v.error().code) << typed_between;
        EXPECT_EQ(st.error().offset, v.error().offset) << typed_between;
      }
    }
  }
}

// std::string fields of a reused object are overwritten in place when they held at least as many
// characters (amf3_read.hpp, assign_text): longer, equal, shorter, empty and non-inline texts in
// turn into one object give what a fresh decode and the general path give, and every prefix
// fails with the value model's error.
TEST(TypedDirect, ReusedStringsGetTheNewTextWhateverTheyHeld) {
  const std::string long_text(70, 'L');  // beyond a one-byte length: read by the codec
  const std::vector<std::string> texts = {"medium text", "longer text than before", "short",   "",
                                          "short",       "\xC3\xA9t\xC3\xA9",       long_text, "x",
                                          long_text};
  owned reused;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    owned in;
    in.name = texts[i];
    in.note = texts[(i + 3) % texts.size()];
    in.tags = {{texts[(i + 1) % texts.size()] + "k", texts[(i + 5) % texts.size()]}};
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(amf::encode_typed_amf3(in, bytes).ok());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      amf::arena general_memory;
      const amf::result<amf::value> v = amf::decode_amf3(std::span(bytes.data(), n), general_memory);
      ASSERT_FALSE(v.has_value());
      const amf::status st = amf::decode_typed_amf3(std::span(bytes.data(), n), reused);
      ASSERT_FALSE(st.ok()) << i << " prefix " << n;
      EXPECT_EQ(st.error().code, v.error().code) << i << " prefix " << n;
      EXPECT_EQ(st.error().offset, v.error().offset) << i << " prefix " << n;
    }
    ASSERT_TRUE(amf::decode_typed_amf3(bytes, reused).ok()) << i;
    owned fresh;
    ASSERT_TRUE(amf::decode_typed_amf3(bytes, fresh).ok()) << i;
    amf::arena general_memory;
    const amf::result<amf::value> v = amf::decode_amf3(bytes, general_memory);
    owned general;
    ASSERT_TRUE(v && amf::from_value(*v, general).ok()) << i;
    for (const owned* o : {&reused, &fresh, &general}) {
      EXPECT_EQ(o->name, in.name) << i;
      EXPECT_EQ(o->note, in.note) << i;
      EXPECT_EQ(o->tags, in.tags) << i;
    }
  }
}

// ---- bytes copied into C++ storage (limits::max_memory_bytes) ----

struct text_list {
  std::vector<std::string> items;
};
constexpr auto amf_class(amf::type_tag<text_list>) {
  return amf::define_class<text_list>("com.example.TextList", amf::field<"items">(&text_list::items));
}

struct blob_list {
  std::vector<std::vector<std::uint8_t>> items;
};
constexpr auto amf_class(amf::type_tag<blob_list>) {
  return amf::define_class<blob_list>("com.example.BlobList", amf::field<"items">(&blob_list::items));
}

struct text_box {
  std::string text;
};
constexpr auto amf_class(amf::type_tag<text_box>) {
  return amf::define_class<text_box>("com.example.TextBox", amf::field<"text">(&text_box::text));
}

struct text_boxes {
  std::vector<text_box> boxes;
};
constexpr auto amf_class(amf::type_tag<text_boxes>) {
  return amf::define_class<text_boxes>("com.example.TextBoxes", amf::field<"boxes">(&text_boxes::boxes));
}

void put_u29(std::vector<std::uint8_t>& out, std::uint32_t v) {
  if (v >= 0x200000) {
    out.push_back(static_cast<std::uint8_t>(0x80 | (v >> 22)));
    out.push_back(static_cast<std::uint8_t>(0x80 | ((v >> 15) & 0x7F)));
    out.push_back(static_cast<std::uint8_t>(0x80 | ((v >> 8) & 0x7F)));
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
    return;
  }
  if (v >= 0x4000) out.push_back(static_cast<std::uint8_t>(0x80 | (v >> 14)));
  if (v >= 0x80) out.push_back(static_cast<std::uint8_t>(0x80 | ((v >> 7) & 0x7F)));
  out.push_back(static_cast<std::uint8_t>(v & 0x7F));
}

void put_text(std::vector<std::uint8_t>& out, std::string_view s) {
  put_u29(out, static_cast<std::uint32_t>(s.size() << 1 | 1));
  out.insert(out.end(), s.begin(), s.end());
}

// An object of `alias` whose one sealed member "items" is an array of n items: the first one
// `marker` and `size` inline bytes, every other one `marker` and a reference to it (table index
// `ref`). The bytes of a reference bomb: n * size bytes to copy from about 2 * n of input.
struct reference_bomb {
  std::vector<std::uint8_t> bytes;
  std::size_t first = 0;       // offset of the first item
  std::size_t first_size = 0;  // its bytes
  std::size_t item_at(std::size_t i) const { return i == 0 ? first : first + first_size + (i - 1) * 2; }
};

reference_bomb make_bomb(std::string_view alias, std::uint8_t marker, std::size_t size, std::size_t n,
                         std::uint32_t ref) {
  reference_bomb b;
  b.bytes = {0x0A, 0x13};  // object, inline traits, one sealed member
  put_text(b.bytes, alias);
  put_text(b.bytes, "items");
  b.bytes.push_back(0x09);
  put_u29(b.bytes, static_cast<std::uint32_t>(n << 1 | 1));
  b.bytes.push_back(0x01);  // no associative part
  b.first = b.bytes.size();
  b.bytes.push_back(marker);
  put_u29(b.bytes, static_cast<std::uint32_t>(size << 1 | 1));
  b.bytes.insert(b.bytes.end(), size, 'x');
  b.first_size = b.bytes.size() - b.first;
  for (std::size_t i = 1; i < n; ++i) {
    b.bytes.push_back(marker);
    put_u29(b.bytes, ref << 1);
  }
  return b;
}

constexpr std::string_view copy_limit_detail = "typed values copy more than max_memory_bytes";

// T (a text_list or blob_list) from a reference bomb of `marker` items: the item whose copy goes
// beyond max_memory_bytes fails, at its offset (direct reader) or 0 (from_value); a smaller bomb
// within the budget decodes. The vector's elements count sizeof(E) each, the items their bytes.
template <class T>
void expect_copies_bounded(std::string_view alias, std::uint8_t marker) {
  using E = typename decltype(T::items)::value_type;
  constexpr std::size_t size = 10000;
  amf::decode_options o;
  o.limits.max_memory_bytes = std::size_t{1} << 20;
  {
    constexpr std::size_t n = 200;  // 2 MB asked for from 10 KB of input
    const reference_bomb b = make_bomb(alias, marker, size, n, 2);
    const std::size_t failing = (o.limits.max_memory_bytes - n * sizeof(E)) / size;
    ASSERT_LT(failing, n);
    T out;
    amf::status st = amf::decode_typed_amf3(b.bytes, out, o);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::limit_exceeded);
    EXPECT_EQ(st.error().offset, b.item_at(failing));
    EXPECT_EQ(st.error().detail, copy_limit_detail);
    amf::arena memory;
    T in_arena;
    st = amf::decode_typed_amf3(b.bytes, in_arena, memory, o);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::limit_exceeded);
    EXPECT_EQ(st.error().offset, b.item_at(failing));
    // The value model reads it in little memory (the items share one node or string); the
    // conversion refuses the copies.
    amf::arena general_memory;
    const amf::result<amf::value> v = amf::decode_amf3(b.bytes, general_memory, o);
    ASSERT_TRUE(v.has_value());
    T general;
    st = amf::detail::from_value_with(*v, general, o.limits, true);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::limit_exceeded);
    EXPECT_EQ(st.error().offset, 0u);
    EXPECT_EQ(st.error().detail, copy_limit_detail);
  }
  {
    constexpr std::size_t n = 100;  // 1,000,000 bytes and the elements: within 1 MiB
    ASSERT_LE(n * (size + sizeof(E)), o.limits.max_memory_bytes);
    const reference_bomb b = make_bomb(alias, marker, size, n, 2);
    T out;
    ASSERT_TRUE(amf::decode_typed_amf3(b.bytes, out, o).ok());
    ASSERT_EQ(out.items.size(), n);
    EXPECT_EQ(out.items.back().size(), size);
    amf::arena general_memory;
    const amf::result<amf::value> v = amf::decode_amf3(b.bytes, general_memory, o);
    ASSERT_TRUE(v.has_value());
    T general;
    ASSERT_TRUE(amf::detail::from_value_with(*v, general, o.limits, true).ok());
    EXPECT_EQ(general.items.size(), n);
  }
}

// A string read once and referenced n times is copied n times into std::string storage: the
// copies count against max_memory_bytes (string-table index 2: after the alias and "items").
TEST(TypedDirect, StringReferencesCopiedIntoStringsCountAgainstMaxMemoryBytes) {
  expect_copies_bounded<text_list>("com.example.TextList", 0x06);
}

// Likewise a ByteArray referenced n times (object-table index 2: after the object and the array).
TEST(TypedDirect, ByteArrayReferencesCopiedIntoByteVectorsCountAgainstMaxMemoryBytes) {
  expect_copies_bounded<blob_list>("com.example.BlobList", 0x0C);
}

// An object holding a long string, referenced n times: AMF0 (through the value model) and AMF3
// (the direct reader restarts through the value model) copy it per reference, within the budget.
TEST(TypedDirect, ObjectReferencesCopiedIntoStructsCountAgainstMaxMemoryBytes) {
  amf::decode_options o;
  o.limits.max_memory_bytes = std::size_t{1} << 20;
  for (const std::size_t n : {std::size_t{200}, std::size_t{100}}) {
    amf::arena m;
    amf::object_node* box = amf::new_object(m, "com.example.TextBox", false);
    ASSERT_NE(box, nullptr);
    ASSERT_TRUE(amf::add_sealed(m, *box, "text", amf::make_string(m, std::string(10000, 'x'))));
    amf::array_node* a = amf::new_array(m);
    ASSERT_NE(a, nullptr);
    for (std::size_t i = 0; i < n; ++i) a->dense.push_back(m, amf::value::of(box));
    amf::object_node* top = amf::new_object(m, "com.example.TextBoxes", false);
    ASSERT_NE(top, nullptr);
    ASSERT_TRUE(amf::add_sealed(m, *top, "boxes", amf::value::of(a)));
    std::vector<std::uint8_t> amf0;
    std::vector<std::uint8_t> amf3;
    ASSERT_TRUE(amf::encode_amf0(amf::value::of(top), amf0).ok());
    ASSERT_TRUE(amf::encode_amf3(amf::value::of(top), amf3).ok());
    ASSERT_LT(amf0.size(), 11000u);  // the box once, then references
    ASSERT_LT(amf3.size(), 11000u);
    text_boxes out0;
    text_boxes out3;
    const amf::status st0 = amf::decode_typed_amf0(amf0, out0, o);
    const amf::status st3 = amf::decode_typed_amf3(amf3, out3, o);
    if (n == 100) {
      ASSERT_TRUE(st0.ok()) << st0.error().detail;
      ASSERT_TRUE(st3.ok()) << st3.error().detail;
      EXPECT_EQ(out0.boxes.size(), n);
      EXPECT_EQ(out3.boxes.size(), n);
      EXPECT_EQ(out3.boxes.back().text.size(), 10000u);
      continue;
    }
    for (const amf::status& st : {st0, st3}) {
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.error().code, errc::limit_exceeded);
      EXPECT_EQ(st.error().offset, 0u);
      EXPECT_EQ(st.error().detail, copy_limit_detail);
    }
  }
}

}  // namespace typed_direct_test
