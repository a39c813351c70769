// Typed mapping, part 5: C++ -> AMF3 bytes directly, without building the value model.
//
// Declared classes (their traits built once per class, written once per message and then
// referenced), std::vector, string maps, std::optional / std::variant, strings, dates and
// ByteArrays are written here; other scalars become a value by the same mapping<M>::to as
// to_value and are written inline. amf3_typed_out keeps the string and traits tables as the
// codec's writer does, so the bytes are exactly those of to_value() + encode_amf3()
// (tests/amf/typed_direct_tests.cpp checks this); an amf::value holding a node (which could be
// shared and referenced) sends the whole encode through the value model instead.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"
#include "amphora/amf/typed/amf3_direct.hpp"
#include "amphora/amf/typed/amf3_read.hpp"
#include "amphora/amf/typed/declare.hpp"
#include "amphora/amf/typed/mapping.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf::detail {

// State of one direct typed encode.
struct typed_writer {
  amf3_typed_out& out;
  to_context conv;  // values built on the way (strings viewed, dates in the scratch arena)
};

template <class M>
bool write_typed(typed_writer& w, const M& in);

template <class M>
bool write_via_value(typed_writer& w, const M& in) {
  value v;
  if (!mapping<M>::to(in, w.conv, v)) return w.out.fail(w.conv.error);
  return w.out.write_value(v);
}

inline bool no_traits(typed_writer& w) { return w.out.fail(errc::limit_exceeded, "arena refused memory"); }

template <registered_class T>
struct typed_class_writer {
  static constexpr const auto& def = mapping<T>::def;
  using fields_type = std::remove_cvref_t<decltype(def.fields)>;
  static constexpr std::size_t count = std::tuple_size_v<fields_type>;

  template <std::size_t... I>
  static constexpr std::array<std::string_view, count> names_of(std::index_sequence<I...>) {
    return {std::tuple_element_t<I, fields_type>::name...};
  }
  static constexpr std::array<std::string_view, count> names = names_of(std::make_index_sequence<count>{});

  // The traits to_value gives T: its alias, every field sealed in declaration order, not dynamic.
  static const traits* class_traits() {
    static const traits* const t = intern_traits(def.alias, names, false);
    return t;
  }

  static bool write(typed_writer& w, const T& in) {
    const known_traits* k = typed_class_reader<T>::known();  // the same traits, with their bytes
    const traits* t = k != nullptr ? k->type : class_traits();
    if (t == nullptr) return no_traits(w);
    if (!w.out.begin_object(*t, k)) return false;
    const field_text* saved = w.conv.field;
    const bool ok = std::apply(
        [&](const auto&... f) { return ((w.conv.field = &f.text, write_typed(w, in.*f.member)) && ...); },
        def.fields);
    w.conv.field = saved;
    if (!ok) return false;
    w.out.end();
    return true;
  }
};

// An anonymous dynamic object, as to_value writes string maps.
template <class Map>
bool write_map(typed_writer& w, const Map& in) {
  static const known_traits* const k = intern_known_traits({}, {}, true);
  if (k == nullptr) return no_traits(w);
  if (!w.out.begin_object(*k->type, k)) return false;
  for (const auto& [key, item] : in) {
    if (!w.out.write_key(key) || !write_typed(w, item)) return false;
  }
  w.out.end_members();
  w.out.end();
  return true;
}

template <class Vec>
bool write_vector(typed_writer& w, const Vec& in) {
  using E = typename Vec::value_type;
  if (!w.out.begin_array(in.size())) return false;
  for (const auto& item : in) {
    if (!write_typed<E>(w, item)) return false;
  }
  w.out.end();
  return true;
}

template <class M>
inline constexpr bool is_time_point = false;
template <class D>
inline constexpr bool is_time_point<std::chrono::time_point<std::chrono::system_clock, D>> = true;

template <class M>
bool write_typed(typed_writer& w, const M& in) {
  static_assert(is_mappable<M>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  if constexpr (registered_class<M>) {
    return typed_class_writer<M>::write(w, in);
  } else if constexpr (direct_container<M>::vector) {
    return write_vector(w, in);
  } else if constexpr (direct_container<M>::string_map) {
    return write_map(w, in);
  } else if constexpr (direct_container<M>::optional) {
    return in ? write_typed(w, *in) : w.out.write_value(value::null());
  } else if constexpr (direct_container<M>::variant) {
    if (in.valueless_by_exception()) return w.out.fail(errc::unencodable, "valueless std::variant");
    return std::visit([&](const auto& alt) { return write_typed(w, alt); }, in);
  } else if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, std::string_view>) {
    if (in.size() > 0xFFFFFFFFu) return w.out.fail(errc::unencodable, "string longer than 2^32-1 bytes");
    return w.out.write_string(in);
  } else if constexpr (std::is_same_v<M, value>) {
    return w.out.write_value(in);  // a node restarts the encode through the value model
  } else if constexpr (is_time_point<M>) {
    return w.out.write_date(std::chrono::duration<double, std::milli>{in.time_since_epoch()}.count());
  } else if constexpr (is_byte_vector<M>) {
    return w.out.write_bytes({reinterpret_cast<const std::uint8_t*>(in.data()), in.size()});
  } else {
    return write_via_value(w, in);  // scalars: no node
  }
}

// T -> AMF3 bytes directly, appended to `out` (restored on failure). nullopt: the encode must be
// redone through the value model (T holds an amf::value node).
template <class T>
std::optional<status> encode_typed_direct(const T& in, std::vector<std::uint8_t>& bytes,
                                          const encode_options& options) {
  amf3_typed_out out(bytes, options);
  typed_writer w{out, {}};
  w.conv.memory = &out.scratch();
  w.conv.copy_strings = false;
  w.conv.max_depth = options.max_depth;
  return out.finish(write_typed(w, in));
}

}  // namespace amphora::amf::detail
