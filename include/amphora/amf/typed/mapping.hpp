// Typed mapping, part 2: one `mapping<T>` per supported C++ type, converting between T and the
// value model. Each has
//   accepts(v)      does the wire kind of v suit T (std::variant picks its first such alternative)
//   from(v, c, out) value -> T, false after c.fail()
//   to(in, c, out)  T -> value, false after c.fail()
// A type without a mapping fails a static_assert where it is used (is_mappable<T>).
#pragma once

#include <bitset>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <ratio>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "amphora/amf/error.hpp"
#include "amphora/amf/limits.hpp"
#include "amphora/amf/typed/declare.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf::detail {

inline constexpr std::string_view array_collection_alias = "flex.messaging.io.ArrayCollection";
inline constexpr std::string_view array_list_alias = "flex.messaging.io.ArrayList";
inline constexpr std::string_view object_proxy_alias = "flex.messaging.io.ObjectProxy";

// State of one value -> T conversion. Errors carry offset 0 (a value has no byte offsets).
struct from_context {
  const field_text* field = &top_level_text;   // the innermost field being converted
  bool values_allowed = true;                  // amf::value fields need the value's arena to live on
  std::size_t budget = limits{}.max_elements;  // nodes that may still be converted (shared nodes count
                                               // each time: a C++ value copies them)
  std::size_t max_depth = limits{}.max_depth;
  // Bytes the C++ value may still copy into its own storage (limits::max_memory_bytes): string and
  // byte-vector contents, map keys, and the elements of the vectors and maps it fills (their
  // sizeof each). Checked before the copy: shared strings and nodes copied per reference would
  // otherwise let a small input ask for any amount of memory.
  std::size_t bytes_left = limits{}.max_memory_bytes;
  std::vector<const void*> path;  // nodes being converted, outermost first (cycle detection)
  error_info error{};

  bool fail(errc e, std::string_view detail) noexcept {
    if (!error.code) error = error_info{make_error_code(e), 0, detail};
    return false;
  }
  bool wrong_kind() noexcept { return fail(errc::type_mismatch, field->wrong_kind); }
  // Before copying `n` bytes into the C++ value (one compare and one subtraction).
  bool copies(std::size_t n) noexcept {
    if (n > bytes_left) return copies_too_much();
    bytes_left -= n;
    return true;
  }
  // Before making room for `count` elements of `Size` bytes each.
  template <std::size_t Size>
  bool copies_elements(std::size_t count) noexcept {
    return count <= bytes_left / Size ? copies(count * Size) : copies_too_much();
  }
  bool copies_too_much() noexcept {
    return fail(errc::limit_exceeded, "typed values copy more than max_memory_bytes");
  }
  bool out_of_range() noexcept { return fail(errc::type_mismatch, field->out_of_range); }

  // Before converting the contents of node value v; pair with leave().
  bool enter(const value& v) {
    if (budget == 0) return fail(errc::limit_exceeded, "shared nodes expand beyond max_elements");
    --budget;
    if (path.size() >= max_depth) return fail(errc::depth_exceeded, "nesting deeper than max_depth");
    for (const void* p : path) {
      if (p == v.node()) return fail(errc::type_mismatch, field->cycle);
    }
    path.push_back(v.node());
    return true;
  }
  void leave() noexcept { path.pop_back(); }

  // Converts v into out with `f` as the innermost field.
  template <class M>
  bool in_field(const field_text& f, const value& v, M& out);
};

// State of one T -> value conversion.
struct to_context {
  const field_text* field = &top_level_text;  // the innermost field being converted
  arena* memory = nullptr;
  bool copy_strings = true;  // false: string values view the C++ object's strings
  std::size_t depth = 0;
  std::size_t max_depth = limits{}.max_depth;
  error_info error{};

  bool fail(errc e, std::string_view detail) noexcept {
    if (!error.code) error = error_info{make_error_code(e), 0, detail};
    return false;
  }
  bool out_of_memory() noexcept { return fail(errc::limit_exceeded, "arena refused memory"); }
  bool enter() noexcept {
    return ++depth <= max_depth || fail(errc::depth_exceeded, "C++ value nests deeper than max_depth");
  }
  void leave() noexcept { --depth; }

  bool string(std::string_view s, value& out) {
    if (s.size() > 0xFFFFFFFFu) return fail(errc::unencodable, "string longer than 2^32-1 bytes");
    out = copy_strings ? make_string(*memory, s) : value::string(s);
    return !(copy_strings && !s.empty() && out.is_undefined()) || out_of_memory();
  }
};

// No mapping: is_mappable<T> is false and uses of T fail a static_assert.
template <class T>
struct mapping {
  static constexpr bool unsupported = true;
};

template <class T>
inline constexpr bool is_mappable = !requires {
  mapping<T>::unsupported;
};

template <class T>
constexpr bool dependent_false = false;

#define AMPHORA_AMF_UNSUPPORTED_TYPE                                                               \
  "amphora::amf typed mapping: unsupported type. Supported: bool, integral types, float, double, " \
  "std::string, std::string_view (arena decodes), enums, std::vector, "                            \
  "std::map/std::unordered_map with std::string keys, "                                            \
  "std::vector<std::pair<std::string, V>>, std::optional, "                                        \
  "std::variant, std::monostate, std::chrono::system_clock time points, "                          \
  "std::vector<std::uint8_t/std::byte>, "                                                          \
  "amf::value, and classes declared with amf_class(amf::type_tag<T>)"

template <class M>
bool from_context::in_field(const field_text& f, const value& v, M& out) {
  static_assert(is_mappable<M>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  const field_text* saved = field;
  field = &f;
  const bool ok = mapping<M>::from(v, *this, out);
  field = saved;
  return ok;
}

// ---- scalars ----

template <>
struct mapping<bool> {
  static bool accepts(const value& v) noexcept { return v.is(kind::boolean); }
  static bool from(const value& v, from_context& c, bool& out) noexcept {
    if (!v.is(kind::boolean)) return c.wrong_kind();
    out = v.as_bool();
    return true;
  }
  static bool to(bool in, to_context&, value& out) noexcept {
    out = value::boolean(in);
    return true;
  }
};

template <class I>
requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) struct mapping<I> {
  static bool accepts(const value& v) noexcept { return v.is_number(); }
  static bool from(const value& v, from_context& c, I& out) noexcept {
    if (v.is(kind::integer)) {
      if (!std::in_range<I>(v.as_int())) return c.out_of_range();
      out = static_cast<I>(v.as_int());
      return true;
    }
    if (!v.is(kind::number)) return c.wrong_kind();
    // AMF0 has only doubles, and AMF3 writes integers beyond 29 bits as doubles: a whole
    // number in range is accepted.
    const double d = v.as_double();
    const double limit = std::ldexp(1.0, std::numeric_limits<I>::digits);  // exclusive
    const double lowest = std::is_signed_v<I> ? -limit : 0.0;
    if (!(d >= lowest && d < limit) || std::trunc(d) != d) return c.out_of_range();
    out = static_cast<I>(d);
    return true;
  }
  // AMF numbers beyond 29 bits are doubles: an integer that a double cannot hold exactly (beyond
  // 2^53, such as INT64_MAX or UINT64_MAX, which would round to 2^63 or 2^64) is refused rather
  // than silently changed.
  static bool to(I in, to_context& c, value& out) noexcept {
    if constexpr (std::numeric_limits<I>::digits > std::numeric_limits<double>::digits) {
      const double d = static_cast<double>(in);
      const double limit = std::ldexp(1.0, std::numeric_limits<I>::digits);  // exclusive
      if (!(d < limit && static_cast<I>(d) == in)) return c.fail(errc::unencodable, c.field->inexact);
      if (!std::in_range<std::int64_t>(in)) {
        out = value::number(d);
        return true;
      }
    }
    out = value::integer(static_cast<std::int64_t>(in));
    return true;
  }
};

template <class F>
requires std::is_floating_point_v<F>
struct mapping<F> {
  static bool accepts(const value& v) noexcept { return v.is_number(); }
  static bool from(const value& v, from_context& c, F& out) noexcept {
    if (!v.is_number()) return c.wrong_kind();
    const double d = v.to_double();
    if constexpr (sizeof(F) < sizeof(double)) {
      if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<F>::max())) {
        return c.out_of_range();
      }
    }
    out = static_cast<F>(d);
    return true;
  }
  static bool to(F in, to_context&, value& out) noexcept {
    out = value::number(static_cast<double>(in));
    return true;
  }
};

template <>
struct mapping<std::string> {
  static bool accepts(const value& v) noexcept { return v.is(kind::string); }
  static bool from(const value& v, from_context& c, std::string& out) {
    if (!v.is(kind::string)) return c.wrong_kind();
    if (!c.copies(v.as_string().size())) return false;
    out.assign(v.as_string());
    return true;
  }
  static bool to(const std::string& in, to_context& c, value& out) { return c.string(in, out); }
};

// A view of the decoded string: of the input bytes (or of the arena's copy of them, with
// decode_options::copy_input), so only the decode forms that take an arena accept it, and it lives
// as long as that arena and the input. No copy, no allocation.
template <>
struct mapping<std::string_view> {
  static bool accepts(const value& v) noexcept { return v.is(kind::string); }
  static bool from(const value& v, from_context& c, std::string_view& out) noexcept {
    if (!c.values_allowed) return c.fail(errc::type_mismatch, c.field->view_needs_arena);
    if (!v.is(kind::string)) return c.wrong_kind();
    out = v.as_string();
    return true;
  }
  static bool to(std::string_view in, to_context& c, value& out) { return c.string(in, out); }
};

template <class E>
requires(std::is_enum_v<E> && !named_enum<E>) struct mapping<E> {
  using base = mapping<std::underlying_type_t<E>>;
  static bool accepts(const value& v) noexcept { return base::accepts(v); }
  static bool from(const value& v, from_context& c, E& out) noexcept {
    std::underlying_type_t<E> u{};
    if (!base::from(v, c, u)) return false;
    out = static_cast<E>(u);
    return true;
  }
  static bool to(E in, to_context& c, value& out) noexcept {
    return base::to(static_cast<std::underlying_type_t<E>>(in), c, out);
  }
};

template <named_enum E>
struct mapping<E> {
  static constexpr auto names = amf_enum(type_tag<E>{});
  static bool accepts(const value& v) noexcept { return v.is(kind::string); }
  static bool from(const value& v, from_context& c, E& out) noexcept {
    if (!v.is(kind::string)) return c.wrong_kind();
    for (const auto& n : names) {
      if (n.name == v.as_string()) {
        out = n.value;
        return true;
      }
    }
    return c.out_of_range();
  }
  static bool to(E in, to_context& c, value& out) noexcept {
    for (const auto& n : names) {
      if (n.value == in) {
        out = value::string(n.name);  // a string literal: lives forever
        return true;
      }
    }
    return c.fail(errc::unencodable, "enum value has no declared name");
  }
};

template <>
struct mapping<std::monostate> {
  static bool accepts(const value& v) noexcept { return v.is_null() || v.is_undefined(); }
  static bool from(const value& v, from_context& c, std::monostate&) noexcept {
    return accepts(v) || c.wrong_kind();
  }
  static bool to(std::monostate, to_context&, value& out) noexcept {
    out = value::null();
    return true;
  }
};

// amf::value: passed through (for "any" fields). Decoded values live in the decode's arena.
template <>
struct mapping<value> {
  static bool accepts(const value&) noexcept { return true; }
  static bool from(const value& v, from_context& c, value& out) noexcept {
    if (!c.values_allowed) return c.fail(errc::type_mismatch, c.field->needs_arena);
    out = v;
    return true;
  }
  static bool to(const value& in, to_context&, value& out) noexcept {
    out = in;
    return true;
  }
};

// Dates: any std::chrono::system_clock time point (sys_time<milliseconds>, system_clock::time_point).
template <class D>
struct mapping<std::chrono::time_point<std::chrono::system_clock, D>> {
  using time = std::chrono::time_point<std::chrono::system_clock, D>;
  using millis = std::chrono::duration<double, std::milli>;
  static bool accepts(const value& v) noexcept { return v.is(kind::date); }
  static bool from(const value& v, from_context& c, time& out) noexcept {
    if (!v.is(kind::date)) return c.wrong_kind();
    const double ms = v.as_date().millis;
    // Within ECMAScript's range and D's (a little inside D's limits, so that rounding to double
    // cannot step outside).
    const double hi = std::chrono::duration_cast<millis>(D::max()).count() * (1 - 1e-15);
    const double lo = std::chrono::duration_cast<millis>(D::min()).count() * (1 - 1e-15);
    if (!(ms >= lo && ms <= hi && std::fabs(ms) <= 8.64e15))
      return c.fail(errc::type_mismatch, c.field->bad_date);
    // Whole milliseconds exactly (floored to D where D is coarser); where D is finer than a
    // millisecond, the fraction is rounded to the nearest D: the double `to` wrote is the nearest
    // to the time point, a little above or below it, so that flooring would give one D less for
    // about half of all time points (microseconds round-trip exactly in today's dates).
    const double whole = std::floor(ms);
    out = time{std::chrono::floor<D>(std::chrono::milliseconds{static_cast<std::int64_t>(whole)})};
    if constexpr (std::ratio_less_v<typename D::period, std::milli>) {
      out += std::chrono::round<D>(millis{ms - whole});
    }
    return true;
  }
  static bool to(const time& in, to_context& c, value& out) noexcept {
    date_node* n = new_date(*c.memory, millis{in.time_since_epoch()}.count());
    if (n == nullptr) return c.out_of_memory();
    out = value::of(n);
    return true;
  }
};

// ---- byte arrays ----

template <class B>
inline constexpr bool is_byte = std::is_same_v<B, std::uint8_t> || std::is_same_v<B, std::byte>;

template <class M>
inline constexpr bool is_byte_vector = false;
template <class B>
inline constexpr bool is_byte_vector<std::vector<B>> = is_byte<B>;

template <class B>
requires is_byte<B>
struct mapping<std::vector<B>> {
  static bool accepts(const value& v) noexcept { return v.is(kind::byte_array); }
  static bool from(const value& v, from_context& c, std::vector<B>& out) {
    if (!v.is(kind::byte_array)) return c.wrong_kind();
    const auto bytes = v.as_bytes().bytes;
    if (!c.copies(bytes.size())) return false;
    out.resize(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = static_cast<B>(bytes[i]);
    return true;
  }
  static bool to(const std::vector<B>& in, to_context& c, value& out) {
    // std::byte and std::uint8_t have the same representation; the arena copies the bytes.
    const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(in.data()), in.size()};
    bytes_node* n = new_bytes(*c.memory, bytes);
    if (n == nullptr) return c.out_of_memory();
    out = value::of(n);
    return true;
  }
};

// ---- containers ----

// The value an ArrayCollection/ArrayList/ObjectProxy wraps, or v itself.
inline const value& unwrap_flex(const value& v, bool proxy) noexcept {
  if (!v.is(kind::object)) return v;
  const object_node& o = v.as_object();
  if (o.type == nullptr || !o.type->externalizable) return v;
  const std::string_view a = o.alias();
  const bool wrapper = proxy ? a == object_proxy_alias : a == array_collection_alias || a == array_list_alias;
  return wrapper ? o.external : v;
}

template <class E>
requires(!is_byte<E> && is_mappable<E>) struct mapping<std::vector<E>> {
  static bool is_sequence(const value& v) noexcept {
    switch (v.type()) {
      case kind::array:
      case kind::vector_int:
      case kind::vector_uint:
      case kind::vector_double:
      case kind::vector_object:
        return true;
      default:
        return false;
    }
  }
  static bool accepts(const value& v) noexcept { return is_sequence(unwrap_flex(v, false)); }

  // Arrays (dense part; an associative part is ignored), AS3 Vectors, and ArrayCollection or
  // ArrayList wrapping one of them.
  static bool from(const value& wire, from_context& c, std::vector<E>& out) {
    static_assert(is_mappable<E>, AMPHORA_AMF_UNSUPPORTED_TYPE);
    const value& v = unwrap_flex(wire, false);
    if (!is_sequence(v)) return c.wrong_kind();
    out.clear();
    if (!c.enter(v)) return false;
    bool ok = true;
    switch (v.type()) {
      case kind::array:
        ok = items(v.as_array().dense, c, out, [](const value& x) { return x; });
        break;
      case kind::vector_object:
        ok = items(v.as_vector_object().items, c, out, [](const value& x) { return x; });
        break;
      case kind::vector_int:
        ok = items(v.as_vector_int().items, c, out, [](std::int32_t x) { return value::integer(x); });
        break;
      case kind::vector_uint:
        ok = items(v.as_vector_uint().items, c, out, [](std::uint32_t x) { return value::integer(x); });
        break;
      default:
        ok = items(v.as_vector_double().items, c, out, [](double x) { return value::number(x); });
        break;
    }
    if (ok) c.leave();
    return ok;
  }

  template <class List, class AsValue>
  static bool items(const List& list, from_context& c, std::vector<E>& out, AsValue as_value) {
    if (!c.copies_elements<sizeof(E)>(list.size())) return false;
    out.reserve(list.size());
    for (const auto& item : list) {
      E e{};
      if (!mapping<E>::from(as_value(item), c, e)) return false;
      out.push_back(std::move(e));
    }
    return true;
  }

  // A dense array.
  static bool to(const std::vector<E>& in, to_context& c, value& out) {
    array_node* a = new_array(*c.memory);
    if (a == nullptr || !a->dense.reserve(*c.memory, in.size())) return c.out_of_memory();
    if (!c.enter()) return false;
    for (const E& e : in) {
      value item;
      if (!mapping<E>::to(e, c, item)) return false;
      a->dense.push_back(*c.memory, item);  // within the reserved capacity
    }
    c.leave();
    out = value::of(a);
    return true;
  }
};

// A std::vector<std::pair<std::string, V>>: a string map kept flat, in wire order.
template <class E>
inline constexpr bool is_string_pair = false;
template <class V>
inline constexpr bool is_string_pair<std::pair<std::string, V>> = true;

// std::map / std::unordered_map with std::string keys, and std::vector<std::pair<std::string, V>>
// (flat: members in wire order, a repeated name kept twice): anonymous objects (sealed and dynamic
// members), arrays without a dense part (AMF0 ECMA arrays, AMF3 associative arrays), and
// ObjectProxy wrapping one of them. Written as an anonymous dynamic object, in the container's order.
template <class Map>
struct string_map_mapping {
  using V = typename Map::value_type::second_type;
  static constexpr bool flat = is_string_pair<typename Map::value_type>;

  static bool is_map(const value& v) noexcept {
    if (v.is(kind::array)) return v.as_array().dense.empty();
    return v.is(kind::object) && v.as_object().alias().empty() && v.as_object().type != nullptr &&
           !v.as_object().type->externalizable;
  }
  static bool accepts(const value& v) noexcept { return is_map(unwrap_flex(v, true)); }

  static bool from(const value& wire, from_context& c, Map& out) {
    static_assert(is_mappable<V>, AMPHORA_AMF_UNSUPPORTED_TYPE);
    const value& v = unwrap_flex(wire, true);
    if (!is_map(v)) {
      return v.is(kind::object) ? c.fail(errc::type_mismatch, c.field->wrong_class) : c.wrong_kind();
    }
    out.clear();
    if (!c.enter(v)) return false;
    if (v.is(kind::array)) {
      for (const member& m : v.as_array().assoc) {
        if (!put(m.name, m.val, c, out)) return false;
      }
    } else {
      const object_node& o = v.as_object();
      for (std::size_t i = 0; i < o.sealed.size() && i < o.type->sealed.size(); ++i) {
        if (!put(o.type->sealed[i], o.sealed[i], c, out)) return false;
      }
      for (const member& m : o.dynamic) {
        if (!put(m.name, m.val, c, out)) return false;
      }
    }
    c.leave();
    return true;
  }

  static bool put(std::string_view name, const value& v, from_context& c, Map& out) {
    if (!c.copies(sizeof(typename Map::value_type) + name.size())) return false;  // entry and key
    V item{};
    if (!mapping<V>::from(v, c, item)) return false;
    if constexpr (flat) {
      out.emplace_back(std::string(name), std::move(item));
    } else {
      out.insert_or_assign(std::string(name), std::move(item));
    }
    return true;
  }

  static bool to(const Map& in, to_context& c, value& out) {
    object_node* o = new_object(*c.memory);
    if (o == nullptr) return c.out_of_memory();
    if (!c.enter()) return false;
    for (const auto& [key, item] : in) {
      value k, v;
      if (!c.string(key, k) || !mapping<V>::to(item, c, v)) return false;
      if (!add_dynamic(*c.memory, *o, k.as_string(), v)) return c.out_of_memory();
    }
    c.leave();
    out = value::of(o);
    return true;
  }
};

template <class V, class Compare, class Alloc>
requires is_mappable<V>
struct mapping<std::map<std::string, V, Compare, Alloc>>
    : string_map_mapping<std::map<std::string, V, Compare, Alloc>> {
};

template <class V, class Hash, class Eq, class Alloc>
requires is_mappable<V>
struct mapping<std::unordered_map<std::string, V, Hash, Eq, Alloc>>
    : string_map_mapping<std::unordered_map<std::string, V, Hash, Eq, Alloc>> {
};

template <class V, class Alloc>
requires is_mappable<V>
struct mapping<std::vector<std::pair<std::string, V>, Alloc>>
    : string_map_mapping<std::vector<std::pair<std::string, V>, Alloc>> {
};

// null and undefined are nullopt (and a missing member keeps the default, nullopt).
template <class T>
requires is_mappable<T>
struct mapping<std::optional<T>> {
  static bool accepts(const value& v) noexcept {
    return v.is_null() || v.is_undefined() || mapping<T>::accepts(v);
  }
  static bool from(const value& v, from_context& c, std::optional<T>& out) {
    static_assert(is_mappable<T>, AMPHORA_AMF_UNSUPPORTED_TYPE);
    if (v.is_null() || v.is_undefined()) {
      out.reset();
      return true;
    }
    T item{};
    if (!mapping<T>::from(v, c, item)) return false;
    out = std::move(item);
    return true;
  }
  static bool to(const std::optional<T>& in, to_context& c, value& out) {
    if (!in) {
      out = value::null();
      return true;
    }
    return mapping<T>::to(*in, c, out);
  }
};

// The first alternative whose mapping accepts the wire kind.
template <class... A>
requires(is_mappable<A>&&...) struct mapping<std::variant<A...>> {
  static bool accepts(const value& v) noexcept { return (mapping<A>::accepts(v) || ...); }
  static bool from(const value& v, from_context& c, std::variant<A...>& out) {
    return from_alternative<0>(v, c, out);
  }
  template <std::size_t I>
  static bool from_alternative(const value& v, from_context& c, std::variant<A...>& out) {
    if constexpr (I == sizeof...(A)) {
      return c.wrong_kind();
    } else {
      using alt = std::variant_alternative_t<I, std::variant<A...>>;
      if (!mapping<alt>::accepts(v)) return from_alternative<I + 1>(v, c, out);
      return mapping<alt>::from(v, c, out.template emplace<I>());
    }
  }
  static bool to(const std::variant<A...>& in, to_context& c, value& out) {
    if (in.valueless_by_exception()) return c.fail(errc::unencodable, "valueless std::variant");
    return std::visit([&](const auto& alt) { return mapping<std::decay_t<decltype(alt)>>::to(alt, c, out); },
                      in);
  }
};

// ---- declared classes ----

template <registered_class T>
struct mapping<T> {
  static_assert(std::is_default_constructible_v<T>,
                "amphora::amf typed mapping: a declared class must be default-constructible");
  static constexpr auto def = amf_class(type_tag<T>{});

  static bool alias_fits(const object_node& o) noexcept {
    return o.alias() == def.alias || (def.anonymous_accepted && o.alias().empty());
  }
  static bool accepts(const value& v) noexcept {
    return v.is(kind::object) && v.as_object().type != nullptr && !v.as_object().type->externalizable &&
           alias_fits(v.as_object());
  }

  static constexpr std::size_t field_count = std::tuple_size_v<std::remove_cvref_t<decltype(def.fields)>>;
  using found_fields = std::bitset<field_count>;

  // T{}: what a declared field missing on the wire gets.
  static const T& defaults() {
    static const T d{};
    return d;
  }
  // Declared fields not in `found` get T{}'s values (copy-assigned: out's storage is reused).
  static void reset_missing(const found_fields& found, T& out) {
    if (found.all()) return;
    std::size_t i = 0;
    std::apply(
        [&](const auto&... f) { ((found[i++] ? void() : void(out.*f.member = defaults().*f.member)), ...); },
        def.fields);
  }

  // Members go to the fields of the same name, in any order; missing ones get T{}'s value.
  // Members of T that are not declared fields are left as they are.
  static bool from(const value& v, from_context& c, T& out) {
    if (!v.is(kind::object) || v.as_object().type == nullptr) return c.wrong_kind();
    const object_node& o = v.as_object();
    if (!alias_fits(o) || o.type->externalizable) return c.fail(errc::type_mismatch, c.field->wrong_class);
    if (!c.enter(v)) return false;
    found_fields found;
    for (std::size_t i = 0; i < o.sealed.size() && i < o.type->sealed.size(); ++i) {
      if (!member_from(o.type->sealed[i], o.sealed[i], c, found, out)) return false;
    }
    for (const member& m : o.dynamic) {
      if (!member_from(m.name, m.val, c, found, out)) return false;
    }
    reset_missing(found, out);
    c.leave();
    return true;
  }

  static bool member_from(std::string_view name, const value& v, from_context& c, found_fields& found,
                          T& out) {
    bool hit = false;
    bool ok = true;
    std::size_t i = 0;
    std::apply(
        [&](const auto&... f) {
          ((!hit && f.name == name ? (hit = true, found.set(i), ok = c.in_field(f.text, v, out.*f.member))
                                   : (++i, false)),
           ...);
        },
        def.fields);
    if (!hit && def.unexpected == unexpected_members::reject) {
      return c.fail(errc::type_mismatch, c.field->unexpected);
    }
    return ok;
  }

  // An object of the alias with every field as a sealed member, in declaration order.
  static bool to(const T& in, to_context& c, value& out) {
    object_node* o = new_object(*c.memory, def.alias, /*dynamic=*/false);
    if (o == nullptr) return c.out_of_memory();
    if (!c.enter()) return false;
    const bool ok = std::apply(
        [&](const auto&... f) {
          return ([&](const auto& fd) {
            using M = typename std::decay_t<decltype(fd)>::member_type;
            static_assert(is_mappable<M>, AMPHORA_AMF_UNSUPPORTED_TYPE);
            value item;
            const field_text* saved = c.field;
            c.field = &fd.text;
            if (!mapping<M>::to(in.*fd.member, c, item)) return false;
            c.field = saved;
            return add_sealed(*c.memory, *o, fd.name, item) || c.out_of_memory();
          }(f) && ...);
        },
        def.fields);
    if (!ok) return false;
    c.leave();
    out = value::of(o);
    return true;
  }
};

}  // namespace amphora::amf::detail
