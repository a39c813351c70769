// The C++ types the typed-mapping fuzzer (typed_fuzz.cpp) decodes into, and sample values of them
// that typed_seeds.cpp encodes as its seeds. Together they use every kind of member the typed
// mapping supports: nested declared classes (one recursive, one strict and also anonymous), vectors
// (of classes, strings, bools), maps with string keys (std::map, std::unordered_map, a flat vector
// of pairs), std::optional, std::variant, time points (milliseconds and the system clock's
// nanoseconds), byte vectors, plain and named enums, amf::value members, std::string_view members,
// and an externalizable class (read into amf::value members through the fuzzer's registry).
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "amphora/amf/typed.hpp"

namespace amphora::fuzz::typed {

namespace amf = amphora::amf;

struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
};
constexpr auto amf_class(amf::type_tag<point>) {
  return amf::define_class<point>("fz.Point", amf::field<"x">(&point::x), amf::field<"y">(&point::y));
}

struct node {  // recursive
  std::string name;
  std::vector<node> kids;
};
constexpr auto amf_class(amf::type_tag<node>) {
  return amf::define_class<node>("fz.Node", amf::field<"name">(&node::name), amf::field<"kids">(&node::kids));
}

enum class level : std::int8_t { low = -1, mid = 0, high = 1 };
enum class color : std::uint8_t { red, green, blue };
constexpr auto amf_enum(amf::type_tag<color>) {
  return amf::enum_strings<color>({{color::red, "RED"}, {color::green, "GREEN"}, {color::blue, "BLUE"}});
}

struct strict_item {  // unknown members refused; anonymous objects accepted
  std::uint8_t small = 7;
  float ratio = 0.5f;
  color hue = color::green;
};
constexpr auto amf_class(amf::type_tag<strict_item>) {
  return amf::define_class<strict_item>("fz.Strict", amf::field<"small">(&strict_item::small),
                                        amf::field<"ratio">(&strict_item::ratio),
                                        amf::field<"hue">(&strict_item::hue))
      .reject_unexpected()
      .accept_anonymous();
}

using millis_time = std::chrono::sys_time<std::chrono::milliseconds>;

// Everything without amf::value or std::string_view members: decodable without an arena.
struct record {
  std::string title = "untitled";
  std::int64_t id = 0;
  std::uint64_t big = 0;
  double score = 0;
  bool flag = false;
  level lvl = level::mid;
  color hue = color::red;
  point at;
  std::optional<point> maybe;
  std::optional<std::string> note;
  std::vector<point> path;
  std::vector<std::string> tags;
  std::vector<bool> bits;
  std::map<std::string, point> places;
  std::unordered_map<std::string, std::int64_t> counts;
  std::vector<std::pair<std::string, std::optional<double>>> flat;
  std::variant<std::monostate, bool, std::int32_t, double, std::string, point> choice;
  millis_time when{};
  std::optional<std::chrono::system_clock::time_point> precise;
  std::vector<std::uint8_t> raw;
  std::vector<std::byte> blob;
  node tree;
  std::vector<strict_item> strict;
};
constexpr auto amf_class(amf::type_tag<record>) {
  using r = record;
  return amf::define_class<r>(
      "fz.Record", amf::field<"title">(&r::title), amf::field<"id">(&r::id), amf::field<"big">(&r::big),
      amf::field<"score">(&r::score), amf::field<"flag">(&r::flag), amf::field<"lvl">(&r::lvl),
      amf::field<"hue">(&r::hue), amf::field<"at">(&r::at), amf::field<"maybe">(&r::maybe),
      amf::field<"note">(&r::note), amf::field<"path">(&r::path), amf::field<"tags">(&r::tags),
      amf::field<"bits">(&r::bits), amf::field<"places">(&r::places), amf::field<"counts">(&r::counts),
      amf::field<"flat">(&r::flat), amf::field<"choice">(&r::choice), amf::field<"when">(&r::when),
      amf::field<"precise">(&r::precise), amf::field<"raw">(&r::raw), amf::field<"blob">(&r::blob),
      amf::field<"tree">(&r::tree), amf::field<"strict">(&r::strict));
}

// With members that only the decode forms taking an arena accept.
struct envelope {
  std::string_view name;
  std::optional<std::string_view> note;
  std::vector<std::pair<std::string, std::string_view>> headers;
  amf::value body;
  std::vector<amf::value> items;
  record rec;
  std::optional<record> other;
};
constexpr auto amf_class(amf::type_tag<envelope>) {
  using e = envelope;
  return amf::define_class<e>("fz.Envelope", amf::field<"name">(&e::name), amf::field<"note">(&e::note),
                              amf::field<"headers">(&e::headers), amf::field<"body">(&e::body),
                              amf::field<"items">(&e::items), amf::field<"rec">(&e::rec),
                              amf::field<"other">(&e::other));
}

inline constexpr std::string_view external_alias = "fz.External";

// The registry of the fuzzer's decodes and encodes: Flex's ArrayCollection, ArrayList and
// ObjectProxy, and fz.External, whose bytes are a readUTF string and one AMF3 value (its body: an
// array of the two).
inline const amf::externalizable_registry& registry() {
  static const amf::externalizable_registry r = [] {
    amf::externalizable_registry reg;
    for (std::string_view alias : {"flex.messaging.io.ArrayCollection", "flex.messaging.io.ArrayList",
                                   "flex.messaging.io.ObjectProxy"}) {
      reg.add(std::string(alias), amf::externalizable_registry::single_value());
    }
    amf::externalizable_codec external;
    external.read = [](amf::external_reader& in, amf::value& body) {
      std::string_view label;
      amf::value inner;
      if (!in.read_utf(label) || !in.read_value(inner)) return false;
      amf::array_node* a = amf::new_array(in.memory());
      if (a == nullptr || !a->dense.push_back(in.memory(), amf::value::string(label)) ||
          !a->dense.push_back(in.memory(), inner)) {
        return in.fail("arena refused memory");
      }
      body = amf::value::of(a);
      return true;
    };
    external.write = [](amf::external_writer& out, const amf::value& body) {
      if (!body.is(amf::kind::array) || body.as_array().dense.size() != 2 ||
          !body.as_array().dense[0].is(amf::kind::string)) {
        return out.fail("fz.External: body is not [label, value]");
      }
      return out.write_utf(body.as_array().dense[0].as_string()) && out.write_value(body.as_array().dense[1]);
    };
    reg.add(std::string(external_alias), external);
    return reg;
  }();
  return r;
}

// ---- samples (typed_seeds.cpp; the fuzzer decodes into them to test storage reuse) ----

inline record sample_record() {
  record r;
  r.title = "sample record";
  r.id = -1234567890123;
  r.big = (std::uint64_t{1} << 63) + 4096;
  r.score = 2.75;
  r.flag = true;
  r.lvl = level::high;
  r.hue = color::blue;
  r.at = {3, -4};
  r.maybe = point{268435456, -268435457};  // beyond 29 bits: doubles
  r.note = "a note";
  r.path = {{0, 0}, {1, 2}, {3, 4}};
  r.tags = {"alpha", "", "sample record", "x"};  // "sample record": a string reference
  r.bits = {true, false, true};
  r.places = {{"home", {1, 1}}, {"work", {2, 3}}};
  r.counts = {{"a", 1}, {"b", std::int64_t{1} << 40}};
  r.flat = {{"k", 1.5}, {"k", std::nullopt}, {"z", -0.0}};
  r.choice = point{5, 6};
  r.when = millis_time{std::chrono::milliseconds{1700000000123}};
  r.precise = std::chrono::system_clock::time_point{std::chrono::microseconds{1700000000123456}};
  r.raw = {0, 1, 254, 255};
  r.blob = {std::byte{0x10}, std::byte{0x20}};
  r.tree = {"root", {{"a", {}}, {"b", {{"c", {}}}}}};
  r.strict = {{1, 0.25f, color::red}, {255, -1.5f, color::blue}};
  return r;
}

// An envelope whose values live in `memory`: an ArrayCollection, an fz.External, an object of
// another class and a date among its amf::value members.
inline envelope sample_envelope(amf::arena& memory) {
  envelope e;
  e.name = "envelope";
  e.note = "viewed";
  e.headers = {{"DSId", "1E2D3C4B-5A69-4788-97A6-B5C4D3E2F100"}, {"DSEndpoint", "my-amf"}};
  e.rec = sample_record();
  e.other = record{};
  amf::array_node* list = amf::new_array(memory);
  amf::object_node* collection = amf::new_object(memory, "flex.messaging.io.ArrayCollection", false);
  amf::object_node* external = amf::new_object(memory, external_alias, false);
  amf::array_node* body = amf::new_array(memory);
  amf::object_node* other = amf::new_object(memory, "fz.Other", true);
  amf::date_node* date = amf::new_date(memory, 1700000000000.5);
  if (list == nullptr || collection == nullptr || external == nullptr || body == nullptr ||
      other == nullptr || date == nullptr) {
    return e;
  }
  (void)list->dense.push_back(memory, amf::value::integer(1));
  (void)list->dense.push_back(memory, amf::make_string(memory, "envelope"));
  collection->type->externalizable = true;
  collection->external = amf::value::of(list);
  external->type->externalizable = true;
  (void)body->dense.push_back(memory, amf::make_string(memory, "label"));
  (void)body->dense.push_back(memory, amf::value::number(0.5));
  external->external = amf::value::of(body);
  (void)amf::add_dynamic(memory, *other, "x", amf::value::integer(-1));
  e.body = amf::value::of(collection);
  e.items = {amf::value::of(external), amf::value::of(other),   amf::value::of(date),
             amf::value::null(),       amf::value::integer(42), amf::make_string(memory, "DSId")};
  return e;
}

// ---- equality over the declared fields (amf::value by deep_equal, NaN equal to NaN) ----

template <class T>
bool same(const T& a, const T& b);
template <class E, class A>
bool same(const std::vector<E, A>& a, const std::vector<E, A>& b);
template <class K, class V>
bool same(const std::pair<K, V>& a, const std::pair<K, V>& b);
template <class T>
bool same(const std::optional<T>& a, const std::optional<T>& b);
template <class... A>
bool same(const std::variant<A...>& a, const std::variant<A...>& b);
template <class K, class V, class C, class A>
bool same(const std::map<K, V, C, A>& a, const std::map<K, V, C, A>& b);
template <class K, class V, class H, class Q, class A>
bool same(const std::unordered_map<K, V, H, Q, A>& a, const std::unordered_map<K, V, H, Q, A>& b);

template <class T>
bool same(const T& a, const T& b) {
  if constexpr (amf::registered_class<T>) {
    return std::apply([&](const auto&... f) { return (same(a.*f.member, b.*f.member) && ...); },
                      amf_class(amf::type_tag<T>{}).fields);
  } else if constexpr (std::is_same_v<T, amf::value>) {
    return amf::deep_equal(a, b);
  } else if constexpr (std::is_floating_point_v<T>) {
    return a == b || (std::isnan(a) && std::isnan(b));
  } else {
    return a == b;
  }
}

template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

// Where a and b first differ, as a path of declared field names ("rec.tree.name"; "" if nowhere),
// for failure reports.
template <class T>
std::string first_difference(const T& a, const T& b) {
  if constexpr (amf::registered_class<T>) {
    std::string path;
    std::apply(
        [&](const auto&... f) {
          ((path.empty() && !same(a.*f.member, b.*f.member)
                ? void(path = std::string(f.name) + "." + first_difference(a.*f.member, b.*f.member))
                : void()),
           ...);
        },
        amf_class(amf::type_tag<T>{}).fields);
    return path;
  } else if constexpr (is_optional<T>) {
    return a && b ? first_difference(*a, *b) : std::string();
  } else {
    return {};
  }
}

template <class E, class A>
bool same(const std::vector<E, A>& a, const std::vector<E, A>& b) {
  if constexpr (std::is_same_v<E, bool>) {
    return a == b;
  } else {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
}

template <class K, class V>
bool same(const std::pair<K, V>& a, const std::pair<K, V>& b) {
  return same(a.first, b.first) && same(a.second, b.second);
}

template <class T>
bool same(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}

template <class... A>
bool same(const std::variant<A...>& a, const std::variant<A...>& b) {
  if (a.index() != b.index()) return false;
  return std::visit([&](const auto& x) { return same(x, std::get<std::decay_t<decltype(x)>>(b)); }, a);
}

template <class K, class V, class C, class A>
bool same(const std::map<K, V, C, A>& a, const std::map<K, V, C, A>& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (!same(i->first, j->first) || !same(i->second, j->second)) return false;
  }
  return true;
}

template <class K, class V, class H, class Q, class A>
bool same(const std::unordered_map<K, V, H, Q, A>& a, const std::unordered_map<K, V, H, Q, A>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [key, item] : a) {
    const auto j = b.find(key);
    if (j == b.end() || !same(item, j->second)) return false;
  }
  return true;
}

}  // namespace amphora::fuzz::typed
