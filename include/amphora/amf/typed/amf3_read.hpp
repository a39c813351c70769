// Typed mapping, part 4: AMF3 bytes -> C++ directly, without building the value model.
//
// Declared classes, std::vector (AMF3 arrays), string maps (anonymous objects, associative
// arrays) and std::optional are read here, member by member into the fields of the same name
// (sealed or dynamic, any order; a per-class table of names tried from the field after the last
// one found, so members in declaration order cost one comparison each). Everything else (scalars,
// strings, dates, ByteArrays, variants, amf::value, Vectors, ArrayCollection/ObjectProxy, and
// wire kinds that do not fit) is read by the codec's reader as a value and converted by the
// same mapping<M>::from as from_value, so both paths accept and refuse the same things; errors
// carry the offset of the value's marker.
//
// References: an object reference to an entry the value model read (a skipped member, an
// amf::value field) is converted like from_value (copied). A reference to an object or array
// this reader read itself asks for a restart through the value model (amf3_direct.hpp): C++
// values cannot share, and the value model copies shared objects and reports cycles. The typed
// writer never writes object references, so typed round trips never restart.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
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
#include "amphora/amf/options.hpp"
#include "amphora/amf/typed/amf3_direct.hpp"
#include "amphora/amf/typed/declare.hpp"
#include "amphora/amf/typed/mapping.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf::detail {

// State of one direct typed decode.
struct typed_reader {
  amf3_typed_in& in;
  from_context conv;  // conversions of values read by the codec; conv.field names the field
};

template <class M>
bool read_typed(typed_reader& r, M& out);

// r.conv's error, with offset `at`.
inline bool fail_converted(typed_reader& r, std::size_t at) noexcept {
  error_info e = r.conv.error;
  e.offset = at;
  return r.in.fail(e);
}

// Converts v, read at `at`, like from_value; an error gets offset `at`.
template <class M>
bool convert_at(typed_reader& r, const value& v, std::size_t at, M& out) {
  return mapping<M>::from(v, r.conv, out) || fail_converted(r, at);
}

// The next value through the codec's reader, then converted (out of line: the scalars' fast
// paths below are inlined where they are read).
template <class M>
[[gnu::noinline]] bool read_via_value(typed_reader& r, M& out) {
  const std::size_t at = r.in.offset();
  value v;
  return r.in.read_value(v) && convert_at(r, v, at, out);
}

template <class M>
bool read_reference(typed_reader& r, std::uint32_t ref, std::size_t at, M& out) {
  const value* v = r.in.referenced(ref);
  return v != nullptr && convert_at(r, *v, at, out);
}

// s into out, in out's storage when it is large enough (s views the input or the arena, never out
// itself, so the general replace, which allows for that, is not needed). A string that held at
// least as many characters (a reused object's, usually the same text again) is overwritten in
// place and shortened: no capacity or length checks; else clear() and append().
inline void assign_text(std::string& out, std::string_view s) {
  if (s.size() <= out.size()) {
    if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
    out.resize(s.size());
    return;
  }
  out.clear();
  out.append(s);
}

inline bool fail_field(typed_reader& r, std::size_t at, std::string_view field_text::*which) {
  return r.in.fail_at(errc::type_mismatch, at, r.conv.field->*which);
}

// ---- declared classes ----

template <registered_class T>
struct typed_class_reader {
  static constexpr const auto& def = mapping<T>::def;
  using fields_type = std::remove_cvref_t<decltype(def.fields)>;
  static constexpr std::size_t count = std::tuple_size_v<fields_type>;
  using reader_fn = bool (*)(typed_reader&, T&);

  template <std::size_t I>
  static bool read_field(typed_reader& r, T& out) {
    const auto& f = std::get<I>(def.fields);
    const field_text* saved = r.conv.field;
    r.conv.field = &f.text;
    const bool ok = read_typed(r, out.*f.member);
    r.conv.field = saved;
    return ok;
  }

  // Every field in declaration order (the members of T's own traits): no dispatch through
  // `readers`, r.conv.field set per field and restored once.
  template <std::size_t... I>
  static bool read_in_order(typed_reader& r, T& out, std::index_sequence<I...>) {
    const field_text* saved = r.conv.field;
    const bool ok =
        ((r.conv.field = &std::get<I>(def.fields).text, read_typed(r, out.*std::get<I>(def.fields).member)) &&
         ...);
    r.conv.field = saved;
    return ok;
  }

  template <std::size_t... I>
  static constexpr std::array<std::string_view, count> names_of(std::index_sequence<I...>) {
    return {std::tuple_element_t<I, fields_type>::name...};
  }
  template <std::size_t... I>
  static constexpr std::array<reader_fn, count> readers_of(std::index_sequence<I...>) {
    return {&read_field<I>...};
  }
  static constexpr std::array<std::string_view, count> names = names_of(std::make_index_sequence<count>{});
  static constexpr std::array<reader_fn, count> readers = readers_of(std::make_index_sequence<count>{});

  // The field named `name`, tried from `hint` on (count: none).
  static std::size_t find(std::string_view name, std::size_t hint) noexcept {
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t i = hint + k < count ? hint + k : hint + k - count;
      if (names[i] == name) return i;
    }
    return count;
  }

  static bool member(typed_reader& r, std::string_view name, std::size_t& hint,
                     typename mapping<T>::found_fields& found, T& out) {
    const std::size_t i = find(name, hint);
    if (i == count) {
      if (def.unexpected == unexpected_members::reject) {
        return fail_field(r, r.in.offset(), &field_text::unexpected);
      }
      return r.in.skip_value();
    }
    hint = i + 1 < count ? i + 1 : 0;
    found.set(i);
    return readers[i](r, out);
  }

  // T's traits as written by the typed writer (nullptr: not recognisable by their bytes).
  static const known_traits* known() {
    static const known_traits* const k = intern_known_traits(def.alias, names);
    return k;
  }

  static bool read(typed_reader& r, T& out) {
    if (r.in.peek() != amf3_object_marker) return read_via_value(r, out);  // the value model's error
    const std::size_t at = r.in.offset();
    const traits* t = nullptr;
    std::uint32_t ref = 0;
    const known_traits* k = known();
    switch (r.in.begin_object(t, ref, k)) {
      case amf3_typed_in::start::failed:
        return false;
      case amf3_typed_in::start::reference:
        return read_reference(r, ref, at, out);
      case amf3_typed_in::start::other:
        return read_via_value(r, out);
      case amf3_typed_in::start::fresh:
        break;
    }
    // Into out's own storage (strings, vectors keep their capacity): every declared field is
    // either read or given T{}'s value.
    if (k != nullptr && t == k->type) {  // T's own traits (its alias): the members are the fields, in order
      if (!read_in_order(r, out, std::make_index_sequence<count>{})) return false;
      r.in.end();
      return true;
    }
    if (t->alias != def.alias && !(def.anonymous_accepted && t->alias.empty())) {
      return fail_field(r, at, &field_text::wrong_class);
    }
    typename mapping<T>::found_fields found;
    std::size_t hint = 0;
    for (std::string_view name : t->sealed) {
      if (!member(r, name, hint, found, out)) return false;
    }
    if (t->dynamic) {
      for (std::size_t members = 1;; ++members) {
        std::string_view name;
        if (!r.in.read_key(name)) return false;
        if (name.empty()) break;
        if (!r.in.count_member(members) || !member(r, name, hint, found, out)) return false;
      }
    }
    mapping<T>::reset_missing(found, out);
    r.in.end();
    return true;
  }
};

// ---- containers ----

template <class M>
struct direct_container {
  static constexpr bool vector = false;
  static constexpr bool string_map = false;
  static constexpr bool optional = false;
  static constexpr bool variant = false;
};
template <class E, class A>
requires(!is_byte<E> && !is_string_pair<E>) struct direct_container<std::vector<E, A>>
    : direct_container<void> {
  static constexpr bool vector = true;
};
template <class V, class A>
struct direct_container<std::vector<std::pair<std::string, V>, A>> : direct_container<void> {
  static constexpr bool string_map = true;
};
template <class V, class C, class A>
struct direct_container<std::map<std::string, V, C, A>> : direct_container<void> {
  static constexpr bool string_map = true;
};
template <class V, class H, class E, class A>
struct direct_container<std::unordered_map<std::string, V, H, E, A>> : direct_container<void> {
  static constexpr bool string_map = true;
};
template <class T>
struct direct_container<std::optional<T>> : direct_container<void> {
  static constexpr bool optional = true;
};
template <class... A>
struct direct_container<std::variant<A...>> : direct_container<void> {
  static constexpr bool variant = true;
};

// Reads keys and drops their values up to the empty key (an array's associative part).
inline bool skip_members(typed_reader& r) {
  for (std::size_t members = 1;; ++members) {
    std::string_view key;
    if (!r.in.read_key(key)) return false;
    if (key.empty()) return true;
    if (!r.in.count_member(members) || !r.in.skip_value()) return false;
  }
}

// A dense array (its associative part ignored); Vectors and ArrayCollection through the value.
template <class Vec>
bool read_vector(typed_reader& r, Vec& out) {
  using E = typename Vec::value_type;
  if (r.in.peek() != amf3_array_marker) return read_via_value(r, out);
  const std::size_t at = r.in.offset();
  std::uint32_t dense = 0;
  std::uint32_t ref = 0;
  switch (r.in.begin_array(dense, ref)) {
    case amf3_typed_in::start::reference:
      return read_reference(r, ref, at, out);
    case amf3_typed_in::start::fresh:
      break;
    default:
      return false;
  }
  // The elements' storage counts against the bytes a typed decode may copy (as in from_value).
  if (!r.conv.copies_elements<sizeof(E)>(dense)) return fail_converted(r, at);
  if (!skip_members(r)) return false;
  if constexpr (std::is_same_v<E, bool>) {
    out.clear();
    for (std::uint32_t i = 0; i < dense; ++i) {
      bool b = false;
      if (!read_typed(r, b)) return false;
      out.push_back(b);
    }
  } else {
    // Into the elements out already has (their storage reused), then new ones: the vector
    // grows with what is actually read, never by the declared count alone.
    const std::size_t kept = std::min<std::size_t>(out.size(), dense);
    for (std::size_t i = 0; i < kept; ++i) {
      if (!read_typed(r, out[i])) return false;
    }
    out.resize(kept);
    for (std::size_t i = kept; i < dense; ++i) {
      if (!read_typed(r, out.emplace_back())) return false;
    }
  }
  r.in.end();
  return true;
}

// Entry `n` of a string map (a flat one reuses the storage of the entry it had there).
template <class Map>
bool read_map_entry(typed_reader& r, std::string_view name, std::size_t n, Map& out) {
  // The entry's storage and its key's copy (a key is at most max_string_bytes: no overflow).
  if (!r.conv.copies(sizeof(typename Map::value_type) + name.size())) return fail_converted(r, r.in.offset());
  if constexpr (is_string_pair<typename Map::value_type>) {
    if (n == out.size()) out.emplace_back();
    assign_text(out[n].first, name);
    return read_typed(r, out[n].second);
  } else {
    typename Map::mapped_type item{};
    if (!read_typed(r, item)) return false;
    out.insert_or_assign(std::string(name), std::move(item));
    return true;
  }
}

// Anonymous objects (sealed and dynamic members) and associative arrays; ObjectProxy through the
// value.
template <class Map>
bool read_map(typed_reader& r, Map& out) {
  const int marker = r.in.peek();
  if (marker != amf3_object_marker && marker != amf3_array_marker) return read_via_value(r, out);
  const std::size_t at = r.in.offset();
  std::uint32_t ref = 0;
  const traits* t = nullptr;
  std::uint32_t dense = 0;
  // Anonymous dynamic traits (as the typed writer and Flex write maps) are recognised by their bytes.
  static const known_traits* const anonymous = intern_known_traits({}, {}, true);
  const amf3_typed_in::start s =
      marker == amf3_object_marker ? r.in.begin_object(t, ref, anonymous) : r.in.begin_array(dense, ref);
  switch (s) {
    case amf3_typed_in::start::failed:
      return false;
    case amf3_typed_in::start::reference:
      return read_reference(r, ref, at, out);
    case amf3_typed_in::start::other:
      return read_via_value(r, out);
    case amf3_typed_in::start::fresh:
      break;
  }
  if (t != nullptr && !t->alias.empty()) return fail_field(r, at, &field_text::wrong_class);
  if (t == nullptr && dense != 0) return fail_field(r, at, &field_text::wrong_kind);
  constexpr bool flat = is_string_pair<typename Map::value_type>;
  if constexpr (!flat) out.clear();
  std::size_t n = 0;  // entries read
  if (t != nullptr) {
    for (std::string_view name : t->sealed) {
      if (!read_map_entry(r, name, n++, out)) return false;
    }
  }
  if (t == nullptr || t->dynamic) {
    for (std::size_t members = 1;; ++members) {
      std::string_view name;
      if (!r.in.read_key(name)) return false;
      if (name.empty()) break;
      if (!r.in.count_member(members) || !read_map_entry(r, name, n++, out)) return false;
    }
  }
  if constexpr (flat) out.resize(n);
  r.in.end();
  return true;
}

// Booleans, integers, doubles, strings and amf::value scalars in their commonest wire kinds,
// read inline without building a value; any other kind (and every failure) takes read_via_value,
// so the accepted input and the errors are those of the mapping.
template <class M>
[[gnu::always_inline]] inline bool read_scalar(typed_reader& r, M& out) {
  if constexpr (std::is_same_v<M, bool>) {
    if (r.in.take_bool(out)) return true;
  } else if constexpr (std::is_integral_v<M>) {
    const std::size_t at = r.in.offset();
    std::int32_t i = 0;
    if (r.in.take_integer(i)) {
      if (!std::in_range<M>(i)) return fail_field(r, at, &field_text::out_of_range);
      out = static_cast<M>(i);
      return true;
    }
  } else if constexpr (std::is_same_v<M, double>) {
    std::int32_t i = 0;
    if (r.in.take_double(out)) return true;
    if (r.in.take_integer(i)) {
      out = i;
      return true;
    }
  } else if constexpr (std::is_same_v<M, std::string>) {
    if (r.in.peek() == amf3_string_marker) {
      const std::size_t at = r.in.offset();
      std::string_view s;
      if (!r.in.read_string(s)) return false;
      if (!r.conv.copies(s.size())) return fail_converted(r, at);
      assign_text(out, s);
      return true;
    }
  } else if constexpr (std::is_same_v<M, std::string_view>) {
    if (r.conv.values_allowed && r.in.peek() == amf3_string_marker) return r.in.read_string(out);
  } else if constexpr (std::is_same_v<M, value>) {
    if (r.conv.values_allowed) {
      std::int32_t i = 0;
      double d = 0;
      switch (r.in.peek()) {
        case amf3_undefined_marker:
        case amf3_null_marker:
        case amf3_false_marker:
        case amf3_true_marker: {
          const int marker = r.in.peek();
          out = marker == amf3_undefined_marker ? value::undefined()
                : marker == amf3_null_marker    ? value::null()
                                                : value::boolean(marker == amf3_true_marker);
          r.in.skip_byte();
          return true;
        }
        case amf3_string_marker: {
          std::string_view s;
          if (!r.in.read_string(s)) return false;
          out = value::string(s);
          return true;
        }
        case amf3_integer_marker:
          if (!r.in.take_integer(i)) break;
          out = value::integer(i);
          return true;
        case amf3_double_marker:
          if (!r.in.take_double(d)) break;
          out = value::number(d);
          return true;
        default:
          break;
      }
    }
  }
  return read_via_value(r, out);
}

template <class M>
bool read_typed(typed_reader& r, M& out) {
  static_assert(is_mappable<M>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  if constexpr (registered_class<M>) {
    return typed_class_reader<M>::read(r, out);
  } else if constexpr (direct_container<M>::vector) {
    return read_vector(r, out);
  } else if constexpr (direct_container<M>::string_map) {
    return read_map(r, out);
  } else if constexpr (direct_container<M>::optional) {
    const int marker = r.in.peek();
    if (marker == amf3_null_marker || marker == amf3_undefined_marker) {
      r.in.skip_byte();
      out.reset();
      return true;
    }
    if (!out) out.emplace();
    return read_typed(r, *out);  // into the value out holds, if any
  } else {
    return read_scalar(r, out);
  }
}

// AMF3 bytes -> T directly. `memory` null: amf::value fields are refused and the reader's
// allocations go to a scratch arena. Returns nullopt when the decode must be redone through the
// value model (a reference to an object this reader read).
template <class T>
std::optional<status> decode_typed_direct(std::span<const std::uint8_t> bytes, T& out, arena* memory,
                                          const decode_options& options) {
  amf3_typed_in in(bytes, memory, options);
  if (!in.ok()) return in.finish(false);
  typed_reader r{in, {}};
  r.conv.values_allowed = memory != nullptr;
  r.conv.budget = options.limits.max_elements;
  r.conv.max_depth = options.limits.max_depth;
  r.conv.bytes_left = options.limits.max_memory_bytes;
  const bool ok = read_typed(r, out);
  if (in.restart_requested()) return std::nullopt;
  return in.finish(ok);
}

}  // namespace amphora::amf::detail
