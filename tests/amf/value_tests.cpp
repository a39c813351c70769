// The value model: builders, object_node::find, list, and deep_equal's rules (identity must
// correspond, cycles, doubles bit for bit, integer vs number, flags).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "amphora/amf/value.hpp"

namespace amphora::amf {
namespace {

value str(std::string_view s) { return value::string(s); }

// [items...] in `a`.
value array_of(arena& a, std::initializer_list<value> items) {
  array_node* n = new_array(a);
  for (const value& v : items) EXPECT_TRUE(n->dense.push_back(a, v));
  return value::of(n);
}

// {"x": 1} as a fresh anonymous object.
value point(arena& a, std::int64_t x) {
  object_node* o = new_object(a);
  EXPECT_TRUE(add_dynamic(a, *o, "x", value::integer(x)));
  return value::of(o);
}

TEST(value, default_is_undefined) {
  value v;
  EXPECT_TRUE(v.is_undefined());
  EXPECT_EQ(v.type(), kind::undefined);
  EXPECT_EQ(v.flags(), 0);
  EXPECT_EQ(v.node(), nullptr);
  EXPECT_FALSE(v.is_node());
}

TEST(value, scalars) {
  EXPECT_TRUE(value::null().is_null());
  EXPECT_TRUE(value::boolean(true).as_bool());
  EXPECT_FALSE(value::boolean(false).as_bool());
  EXPECT_EQ(value::integer(-5).as_int(), -5);
  EXPECT_EQ(value::integer(std::numeric_limits<std::int64_t>::min()).as_int(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(value::number(2.5).as_double(), 2.5);
  EXPECT_TRUE(value::integer(1).is_number());
  EXPECT_TRUE(value::number(1).is_number());
  EXPECT_FALSE(str("1").is_number());
  EXPECT_EQ(value::integer(7).to_double(), 7.0);
  EXPECT_EQ(value::number(-0.5).to_double(), -0.5);
  EXPECT_EQ(str("x").to_double(), 0.0);
  EXPECT_EQ(str("abc").as_string(), "abc");
  EXPECT_FALSE(str("abc").is_node());
}

TEST(value, flags) {
  value v = value::integer(1);
  EXPECT_FALSE(v.avmplus());
  v.set_flags(value::flag_avmplus);
  EXPECT_TRUE(v.avmplus());
  EXPECT_EQ(v.flags(), value::flag_avmplus);
  EXPECT_EQ(v.as_int(), 1);
}

TEST(value, kind_names) {
  const std::vector<std::pair<kind, std::string_view>> names{{kind::undefined, "undefined"},
                                                             {kind::null, "null"},
                                                             {kind::boolean, "boolean"},
                                                             {kind::integer, "integer"},
                                                             {kind::number, "number"},
                                                             {kind::string, "string"},
                                                             {kind::date, "date"},
                                                             {kind::xml_document, "xml_document"},
                                                             {kind::xml, "xml"},
                                                             {kind::byte_array, "byte_array"},
                                                             {kind::array, "array"},
                                                             {kind::object, "object"},
                                                             {kind::vector_int, "vector_int"},
                                                             {kind::vector_uint, "vector_uint"},
                                                             {kind::vector_double, "vector_double"},
                                                             {kind::vector_object, "vector_object"},
                                                             {kind::dictionary, "dictionary"}};
  for (const auto& [k, name] : names) EXPECT_EQ(kind_name(k), name);
}

TEST(value_builders, make_string_copies_into_the_arena) {
  arena a;
  std::string source = "hello";
  value v = make_string(a, source);
  source[0] = 'J';
  ASSERT_TRUE(v.is(kind::string));
  EXPECT_EQ(v.as_string(), "hello");
  EXPECT_NE(v.as_string().data(), source.data());
  value empty = make_string(a, "");
  EXPECT_TRUE(empty.is(kind::string));
  EXPECT_TRUE(empty.as_string().empty());
}

TEST(value_builders, nodes) {
  arena a;
  date_node* d = new_date(a, 1.5, -60);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->millis, 1.5);
  EXPECT_EQ(d->timezone, -60);
  value dv = value::of(d);
  EXPECT_TRUE(dv.is(kind::date));
  EXPECT_TRUE(dv.is_node());
  EXPECT_EQ(dv.node(), d);
  EXPECT_EQ(&dv.as_date(), d);

  std::string xml = "<a/>";
  text_node* t = new_text(a, xml);
  ASSERT_NE(t, nullptr);
  xml[1] = 'b';
  EXPECT_EQ(t->text, "<a/>");
  EXPECT_TRUE(value::of(kind::xml, t).is(kind::xml));
  EXPECT_TRUE(value::of(kind::xml_document, t).is(kind::xml_document));

  std::vector<std::uint8_t> raw{1, 2, 3};
  bytes_node* b = new_bytes(a, raw);
  ASSERT_NE(b, nullptr);
  raw[0] = 9;
  ASSERT_EQ(b->bytes.size(), 3u);
  EXPECT_EQ(b->bytes[0], 1);
  EXPECT_NE(new_bytes(a, {}), nullptr);
  EXPECT_NE(new_text(a, ""), nullptr);

  array_node* arr = new_array(a);
  ASSERT_NE(arr, nullptr);
  EXPECT_TRUE(arr->dense.empty());
  EXPECT_TRUE(arr->assoc.empty());
  EXPECT_FALSE(arr->ecma);

  auto* vi = new_vector<std::int32_t>(a);
  ASSERT_NE(vi, nullptr);
  EXPECT_FALSE(vi->fixed);
  EXPECT_TRUE(value::of(vi).is(kind::vector_int));
  EXPECT_TRUE(value::of(new_vector<std::uint32_t>(a)).is(kind::vector_uint));
  EXPECT_TRUE(value::of(new_vector<double>(a)).is(kind::vector_double));

  vector_object_node* vo = new_vector_object(a, "com.X");
  ASSERT_NE(vo, nullptr);
  EXPECT_EQ(vo->type_name, "com.X");
  EXPECT_TRUE(value::of(vo).is(kind::vector_object));

  dictionary_node* weak = new_dictionary(a, true);
  ASSERT_NE(weak, nullptr);
  EXPECT_TRUE(weak->weak_keys);
  EXPECT_FALSE(new_dictionary(a)->weak_keys);
}

TEST(value_builders, objects) {
  arena a;
  object_node* anon = new_object(a);
  ASSERT_NE(anon, nullptr);
  ASSERT_NE(anon->type, nullptr);
  EXPECT_EQ(anon->alias(), "");
  EXPECT_TRUE(anon->type->dynamic);
  EXPECT_FALSE(anon->type->externalizable);

  object_node* typed = new_object(a, "com.example.Point", false);
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->alias(), "com.example.Point");
  EXPECT_FALSE(typed->type->dynamic);
  ASSERT_TRUE(add_sealed(a, *typed, "x", value::integer(1)));
  ASSERT_TRUE(add_sealed(a, *typed, "y", value::integer(2)));
  ASSERT_EQ(typed->type->sealed.size(), 2u);
  ASSERT_EQ(typed->sealed.size(), 2u);
  EXPECT_EQ(typed->type->sealed[1], "y");
  EXPECT_EQ(typed->sealed[1].as_int(), 2);

  ASSERT_TRUE(add_dynamic(a, *anon, "k", str("v")));
  ASSERT_EQ(anon->dynamic.size(), 1u);
  EXPECT_EQ(anon->dynamic[0].name, "k");
  EXPECT_EQ(anon->dynamic[0].val.as_string(), "v");

  object_node no_type;
  EXPECT_EQ(no_type.alias(), "");
  EXPECT_FALSE(add_sealed(a, no_type, "x", value::null()));
}

TEST(value_builders, fail_cleanly_when_the_arena_refuses) {
  arena a;
  a.set_limit(0);
  EXPECT_TRUE(make_string(a, "abc").is_undefined());
  EXPECT_EQ(new_date(a, 0), nullptr);
  EXPECT_EQ(new_text(a, "<a/>"), nullptr);
  const std::uint8_t raw[2] = {1, 2};
  EXPECT_EQ(new_bytes(a, raw), nullptr);
  EXPECT_EQ(new_array(a), nullptr);
  EXPECT_EQ(new_object(a), nullptr);
  EXPECT_EQ(new_vector<double>(a), nullptr);
  EXPECT_EQ(new_vector_object(a), nullptr);
  EXPECT_EQ(new_dictionary(a), nullptr);
  EXPECT_EQ(a.bytes_used(), 0u);
}

TEST(value_builders, add_fails_when_the_arena_refuses) {
  arena a;
  object_node* o = new_object(a);
  ASSERT_NE(o, nullptr);
  a.set_limit(a.bytes_used());
  EXPECT_FALSE(add_dynamic(a, *o, "k", value::null()));
  EXPECT_FALSE(add_sealed(a, *o, "k", value::null()));
  EXPECT_TRUE(o->dynamic.empty());
}

TEST(value_list, grows_and_keeps_items) {
  arena a;
  list<int> l;
  EXPECT_TRUE(l.empty());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(l.push_back(a, i));
  ASSERT_EQ(l.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(l[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(l.back(), 999);
  int sum = 0;
  for (int x : l) sum += x;
  EXPECT_EQ(sum, 999 * 1000 / 2);
  l.clear();
  EXPECT_TRUE(l.empty());
}

TEST(value_list, reserve_and_resize_within_capacity) {
  arena a;
  list<int> l;
  ASSERT_TRUE(l.reserve(a, 10));
  l.resize_within_capacity(10);
  EXPECT_EQ(l.size(), 10u);
  for (int x : l) EXPECT_EQ(x, 0);  // value-initialised
  l.resize_within_capacity(100);    // clamps to the capacity
  EXPECT_EQ(l.size(), 10u);
  EXPECT_FALSE(l.reserve(a, std::size_t{1} << 32));
  EXPECT_EQ(l.size(), 10u);
}

TEST(value_list, reserve_for_overwrite_keeps_items_when_growing) {
  arena a;
  list<int> l;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.push_back(a, i));
  ASSERT_TRUE(l.reserve_for_overwrite(a, 64));
  EXPECT_EQ(l.size(), 5u);
  l.resize_within_capacity(64);
  for (int i = 5; i < 64; ++i) l[static_cast<std::size_t>(i)] = i;
  for (int i = 0; i < 64; ++i) EXPECT_EQ(l[static_cast<std::size_t>(i)], i);
  EXPECT_FALSE(l.reserve_for_overwrite(a, std::size_t{1} << 32));
  a.set_limit(a.bytes_used());
  EXPECT_FALSE(l.reserve_for_overwrite(a, 128));  // the arena refuses: the list is unchanged
  EXPECT_EQ(l.size(), 64u);
  EXPECT_EQ(l[63], 63);
}

TEST(value_list, push_back_fails_when_the_arena_refuses) {
  arena a;
  a.set_limit(0);
  list<value> l;
  EXPECT_FALSE(l.push_back(a, value::null()));
  EXPECT_TRUE(l.empty());
}

TEST(object_find, sealed_then_dynamic) {
  arena a;
  object_node* o = new_object(a, "com.example.Mixed", true);
  ASSERT_TRUE(add_sealed(a, *o, "id", value::integer(1)));
  ASSERT_TRUE(add_dynamic(a, *o, "id", value::integer(2)));  // shadowed by the sealed one
  ASSERT_TRUE(add_dynamic(a, *o, "extra", value::integer(3)));
  ASSERT_NE(o->find("id"), nullptr);
  EXPECT_EQ(o->find("id")->as_int(), 1);
  ASSERT_NE(o->find("extra"), nullptr);
  EXPECT_EQ(o->find("extra")->as_int(), 3);
  EXPECT_EQ(o->find("missing"), nullptr);
  EXPECT_EQ(o->find(""), nullptr);
  const object_node& c = *o;
  ASSERT_NE(c.find("extra"), nullptr);
  EXPECT_EQ(c.find("extra")->as_int(), 3);
  // find gives the member itself: writes through it are visible.
  *o->find("extra") = value::integer(30);
  EXPECT_EQ(o->dynamic[1].val.as_int(), 30);
}

TEST(object_find, object_without_traits_has_only_dynamic_members) {
  arena a;
  object_node o;
  ASSERT_TRUE(add_dynamic(a, o, "k", value::boolean(true)));
  ASSERT_NE(o.find("k"), nullptr);
  EXPECT_TRUE(o.find("k")->as_bool());
}

// ---- deep_equal ----

TEST(deep_equal, scalars) {
  EXPECT_TRUE(deep_equal(value::undefined(), value::undefined()));
  EXPECT_TRUE(deep_equal(value::null(), value::null()));
  EXPECT_FALSE(deep_equal(value::null(), value::undefined()));
  EXPECT_TRUE(deep_equal(value::boolean(true), value::boolean(true)));
  EXPECT_FALSE(deep_equal(value::boolean(true), value::boolean(false)));
  EXPECT_TRUE(deep_equal(value::integer(3), value::integer(3)));
  EXPECT_FALSE(deep_equal(value::integer(3), value::integer(4)));
  EXPECT_TRUE(deep_equal(value::number(0.1), value::number(0.1)));
  std::string a = "same", b = "same";
  EXPECT_TRUE(deep_equal(str(a), str(b)));  // by content, not by address
  EXPECT_FALSE(deep_equal(str("a"), str("b")));
  EXPECT_FALSE(deep_equal(str(""), value::null()));
}

TEST(deep_equal, integer_three_is_not_number_three) {
  EXPECT_FALSE(deep_equal(value::integer(3), value::number(3.0)));
  EXPECT_FALSE(deep_equal(value::number(3.0), value::integer(3)));
}

TEST(deep_equal, nan_equals_nan_and_signed_zeros_differ) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(deep_equal(value::number(nan), value::number(nan)));
  EXPECT_FALSE(deep_equal(value::number(0.0), value::number(-0.0)));
  EXPECT_TRUE(deep_equal(value::number(-0.0), value::number(-0.0)));
  EXPECT_TRUE(deep_equal(value::number(std::numeric_limits<double>::infinity()),
                         value::number(std::numeric_limits<double>::infinity())));
  EXPECT_FALSE(deep_equal(value::number(std::numeric_limits<double>::infinity()),
                          value::number(-std::numeric_limits<double>::infinity())));
  arena a;
  EXPECT_TRUE(deep_equal(value::of(new_date(a, nan)), value::of(new_date(a, nan))));
  EXPECT_FALSE(deep_equal(value::of(new_date(a, 0.0)), value::of(new_date(a, -0.0))));
}

TEST(deep_equal, flags_only_when_asked) {
  value plain = value::integer(1);
  value flagged = value::integer(1);
  flagged.set_flags(value::flag_avmplus);
  EXPECT_TRUE(deep_equal(plain, flagged));
  EXPECT_FALSE(deep_equal(plain, flagged, true));
  EXPECT_TRUE(deep_equal(flagged, flagged, true));
  // Also below the root.
  arena a;
  value x = array_of(a, {plain});
  value y = array_of(a, {flagged});
  EXPECT_TRUE(deep_equal(x, y));
  EXPECT_FALSE(deep_equal(x, y, true));
}

TEST(deep_equal, distinct_equal_nodes_are_equal) {
  arena a;
  value x = array_of(a, {point(a, 1), point(a, 1)});
  value y = array_of(a, {point(a, 1), point(a, 1)});
  EXPECT_TRUE(deep_equal(x, y));
  EXPECT_TRUE(deep_equal(x, x));
}

TEST(deep_equal, sharing_must_correspond) {
  arena a;
  value p = point(a, 1);
  value q = point(a, 1);  // equal to p, but a distinct object
  value shared = array_of(a, {p, p});
  value distinct = array_of(a, {point(a, 1), q});
  EXPECT_FALSE(deep_equal(shared, distinct));
  EXPECT_FALSE(deep_equal(distinct, shared));
  EXPECT_TRUE(deep_equal(shared, array_of(a, {q, q})));
}

TEST(deep_equal, sharing_across_members) {
  arena a;
  value p = point(a, 1);
  object_node* x = new_object(a);
  ASSERT_TRUE(add_dynamic(a, *x, "a", p));
  ASSERT_TRUE(add_dynamic(a, *x, "b", array_of(a, {p})));
  object_node* y = new_object(a);
  ASSERT_TRUE(add_dynamic(a, *y, "a", point(a, 1)));
  ASSERT_TRUE(add_dynamic(a, *y, "b", array_of(a, {point(a, 1)})));
  EXPECT_FALSE(deep_equal(value::of(x), value::of(y)));
}

TEST(deep_equal, shared_scalars_nodes_like_dates_and_bytes_count) {
  arena a;
  value d = value::of(new_date(a, 5));
  EXPECT_FALSE(
      deep_equal(array_of(a, {d, d}), array_of(a, {value::of(new_date(a, 5)), value::of(new_date(a, 5))})));
  const std::uint8_t raw[1] = {7};
  value b = value::of(new_bytes(a, raw));
  EXPECT_FALSE(deep_equal(array_of(a, {b, b}), array_of(a, {b, value::of(new_bytes(a, raw))})));
}

TEST(deep_equal, cycles) {
  arena a;
  // x = [x], y = [y]: equal.
  array_node* x = new_array(a);
  ASSERT_TRUE(x->dense.push_back(a, value::of(x)));
  array_node* y = new_array(a);
  ASSERT_TRUE(y->dense.push_back(a, value::of(y)));
  EXPECT_TRUE(deep_equal(value::of(x), value::of(y)));
  // z = [w], w = [z]: the same infinite tree as x, but a cycle of two nodes, not one.
  array_node* z = new_array(a);
  array_node* w = new_array(a);
  ASSERT_TRUE(z->dense.push_back(a, value::of(w)));
  ASSERT_TRUE(w->dense.push_back(a, value::of(z)));
  EXPECT_FALSE(deep_equal(value::of(x), value::of(z)));
  EXPECT_FALSE(deep_equal(value::of(z), value::of(x)));
  // An object that holds itself through a dictionary and a vector.
  object_node* o = new_object(a);
  dictionary_node* dict = new_dictionary(a);
  vector_object_node* vec = new_vector_object(a);
  ASSERT_TRUE(vec->items.push_back(a, value::of(o)));
  ASSERT_TRUE(dict->entries.push_back(a, dict_entry{value::of(o), value::of(vec)}));
  ASSERT_TRUE(add_dynamic(a, *o, "d", value::of(dict)));
  object_node* o2 = new_object(a);
  dictionary_node* dict2 = new_dictionary(a);
  vector_object_node* vec2 = new_vector_object(a);
  ASSERT_TRUE(vec2->items.push_back(a, value::of(o2)));
  ASSERT_TRUE(dict2->entries.push_back(a, dict_entry{value::of(o2), value::of(vec2)}));
  ASSERT_TRUE(add_dynamic(a, *o2, "d", value::of(dict2)));
  EXPECT_TRUE(deep_equal(value::of(o), value::of(o2)));
  vec2->items[0] = value::of(new_object(a));
  EXPECT_FALSE(deep_equal(value::of(o), value::of(o2)));
}

TEST(deep_equal, deep_graphs_do_not_recurse) {
  arena a;
  auto chain = [&](std::size_t depth) {
    value v = value::null();
    for (std::size_t i = 0; i < depth; ++i) v = array_of(a, {v});
    return v;
  };
  EXPECT_TRUE(deep_equal(chain(100000), chain(100000)));
  EXPECT_FALSE(deep_equal(chain(100000), chain(100001)));
}

TEST(deep_equal, arrays) {
  arena a;
  auto with_assoc = [&](std::string_view key, bool ecma) {
    array_node* n = new_array(a);
    EXPECT_TRUE(n->dense.push_back(a, value::integer(1)));
    EXPECT_TRUE(n->assoc.push_back(a, member{key, value::integer(2)}));
    n->ecma = ecma;
    return value::of(n);
  };
  EXPECT_TRUE(deep_equal(with_assoc("k", false), with_assoc("k", false)));
  EXPECT_FALSE(deep_equal(with_assoc("k", false), with_assoc("j", false)));
  EXPECT_FALSE(deep_equal(with_assoc("k", false), with_assoc("k", true)));
  EXPECT_FALSE(deep_equal(array_of(a, {value::integer(1)}), array_of(a, {value::integer(1), value::null()})));
  EXPECT_FALSE(deep_equal(array_of(a, {value::integer(1)}), with_assoc("k", false)));
}

TEST(deep_equal, objects_compare_traits_and_members) {
  arena a;
  auto make = [&](std::string_view alias, bool dynamic, std::string_view sealed_name, bool ext) {
    object_node* o = new_object(a, alias, dynamic);
    EXPECT_TRUE(add_sealed(a, *o, sealed_name, value::integer(1)));
    o->type->externalizable = ext;
    return value::of(o);
  };
  value base = make("A", false, "x", false);
  EXPECT_TRUE(deep_equal(base, make("A", false, "x", false)));
  EXPECT_FALSE(deep_equal(base, make("B", false, "x", false)));
  EXPECT_FALSE(deep_equal(base, make("A", true, "x", false)));
  EXPECT_FALSE(deep_equal(base, make("A", false, "y", false)));
  EXPECT_FALSE(deep_equal(base, make("A", false, "x", true)));
  // Sealed vs dynamic member of the same name and value.
  object_node* s = new_object(a, "", true);
  ASSERT_TRUE(add_sealed(a, *s, "k", value::null()));
  object_node* d = new_object(a, "", true);
  ASSERT_TRUE(add_dynamic(a, *d, "k", value::null()));
  EXPECT_FALSE(deep_equal(value::of(s), value::of(d)));
  // Member order matters (it is wire order).
  object_node* ab = new_object(a);
  ASSERT_TRUE(add_dynamic(a, *ab, "a", value::null()));
  ASSERT_TRUE(add_dynamic(a, *ab, "b", value::null()));
  object_node* ba = new_object(a);
  ASSERT_TRUE(add_dynamic(a, *ba, "b", value::null()));
  ASSERT_TRUE(add_dynamic(a, *ba, "a", value::null()));
  EXPECT_FALSE(deep_equal(value::of(ab), value::of(ba)));
  // Externalizable bodies are compared.
  value e1 = make("flex.messaging.io.ArrayCollection", false, "x", true);
  value e2 = make("flex.messaging.io.ArrayCollection", false, "x", true);
  e1.as_object().external = array_of(a, {value::integer(1)});
  e2.as_object().external = array_of(a, {value::integer(2)});
  EXPECT_FALSE(deep_equal(e1, e2));
  e2.as_object().external = array_of(a, {value::integer(1)});
  EXPECT_TRUE(deep_equal(e1, e2));
}

TEST(deep_equal, texts_bytes_dates) {
  arena a;
  EXPECT_TRUE(
      deep_equal(value::of(kind::xml, new_text(a, "<a/>")), value::of(kind::xml, new_text(a, "<a/>"))));
  EXPECT_FALSE(deep_equal(value::of(kind::xml, new_text(a, "<a/>")),
                          value::of(kind::xml_document, new_text(a, "<a/>"))));
  EXPECT_FALSE(
      deep_equal(value::of(kind::xml, new_text(a, "<a/>")), value::of(kind::xml, new_text(a, "<b/>"))));
  const std::uint8_t one[2] = {1, 2}, two[2] = {1, 3};
  EXPECT_TRUE(deep_equal(value::of(new_bytes(a, one)), value::of(new_bytes(a, one))));
  EXPECT_FALSE(deep_equal(value::of(new_bytes(a, one)), value::of(new_bytes(a, two))));
  EXPECT_TRUE(deep_equal(value::of(new_bytes(a, {})), value::of(new_bytes(a, {}))));
  EXPECT_TRUE(deep_equal(value::of(new_date(a, 10, 60)), value::of(new_date(a, 10, 60))));
  EXPECT_FALSE(deep_equal(value::of(new_date(a, 10, 60)), value::of(new_date(a, 10, 0))));
  EXPECT_FALSE(deep_equal(value::of(new_date(a, 10)), value::of(new_date(a, 11))));
}

TEST(deep_equal, vectors_and_dictionaries) {
  arena a;
  auto ints = [&](std::initializer_list<std::int32_t> xs, bool fixed) {
    auto* n = new_vector<std::int32_t>(a);
    for (auto x : xs) EXPECT_TRUE(n->items.push_back(a, x));
    n->fixed = fixed;
    return value::of(n);
  };
  EXPECT_TRUE(deep_equal(ints({1, 2}, false), ints({1, 2}, false)));
  EXPECT_FALSE(deep_equal(ints({1, 2}, false), ints({1, 2}, true)));
  EXPECT_FALSE(deep_equal(ints({1, 2}, false), ints({1, 3}, false)));
  EXPECT_FALSE(deep_equal(ints({}, false), value::of(new_vector<std::uint32_t>(a))));
  auto doubles = [&](double d) {
    auto* n = new_vector<double>(a);
    EXPECT_TRUE(n->items.push_back(a, d));
    return value::of(n);
  };
  EXPECT_TRUE(deep_equal(doubles(std::numeric_limits<double>::quiet_NaN()),
                         doubles(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_FALSE(deep_equal(doubles(0.0), doubles(-0.0)));

  EXPECT_TRUE(deep_equal(value::of(new_vector_object(a, "T")), value::of(new_vector_object(a, "T"))));
  EXPECT_FALSE(deep_equal(value::of(new_vector_object(a, "T")), value::of(new_vector_object(a, "U"))));

  auto dict = [&](bool weak, std::int64_t key) {
    dictionary_node* n = new_dictionary(a, weak);
    EXPECT_TRUE(n->entries.push_back(a, dict_entry{value::integer(key), str("v")}));
    return value::of(n);
  };
  EXPECT_TRUE(deep_equal(dict(false, 1), dict(false, 1)));
  EXPECT_FALSE(deep_equal(dict(false, 1), dict(true, 1)));
  EXPECT_FALSE(deep_equal(dict(false, 1), dict(false, 2)));
}

}  // namespace
}  // namespace amphora::amf
