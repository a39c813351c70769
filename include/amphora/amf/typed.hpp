// Typed C++ mapping: C++ types declared against AS3 class aliases (typed/declare.hpp), converted
// to and from the value model (typed/mapping.hpp) and AMF0/AMF3 bytes. Only declared aliases
// ever become typed C++ objects. docs/typed-mapping.md describes the mapping, errors and policies.
//
//   order o;
//   if (amf::status st = amf::decode_typed_amf3(bytes, o); !st) ...  // st.error().detail names the field
//   std::vector<std::uint8_t> out;
//   if (amf::status st = amf::encode_typed_amf3(o, out); !st) ...
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "amphora/amf/amf0.hpp"
#include "amphora/amf/amf3.hpp"
#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"
#include "amphora/amf/typed/amf3_read.hpp"
#include "amphora/amf/typed/amf3_write.hpp"
#include "amphora/amf/typed/declare.hpp"
#include "amphora/amf/typed/mapping.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf {

template <class T>
inline constexpr bool is_mappable = detail::is_mappable<T>;

namespace detail {

template <class T>
status from_value_with(const value& v, T& out, const limits& lim, bool values_allowed) {
  static_assert(is_mappable<T>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  from_context c;
  c.values_allowed = values_allowed;
  c.budget = lim.max_elements;
  c.max_depth = lim.max_depth;
  c.bytes_left = lim.max_memory_bytes;
  if (!mapping<T>::from(v, c, out)) return c.error;
  return {};
}

template <class T>
result<value> to_value_with(const T& in, arena& memory, bool copy_strings, std::size_t max_depth) {
  static_assert(is_mappable<T>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  to_context c;
  c.memory = &memory;
  c.copy_strings = copy_strings;
  c.max_depth = max_depth;
  value v;
  if (!mapping<T>::to(in, c, v)) return c.error;
  return v;
}

// Bytes -> value model (in `memory`) -> T. `values_allowed`: T's amf::value fields may view `memory`.
template <class T, class Decode>
status decode_typed(Decode decode, std::span<const std::uint8_t> in, T& out, arena& memory,
                    const decode_options& options, bool values_allowed) {
  result<value> v = decode(in, memory, options);
  if (!v) return v.error();
  return from_value_with(*v, out, options.limits, values_allowed);
}

// Without a caller's arena: a local one, the input viewed rather than copied (strings are copied
// into T anyway); amf::value fields are refused, as they would outlive the arena.
template <class T, class Decode>
status decode_typed(Decode decode, std::span<const std::uint8_t> in, T& out, const decode_options& options) {
  arena memory;
  decode_options local = options;
  local.copy_input = false;
  return decode_typed(decode, in, out, memory, local, false);
}

// T -> value model (strings viewed, not copied: the value dies before `in`) -> bytes.
template <class T, class Encode>
status encode_typed(Encode encode, const T& in, std::vector<std::uint8_t>& out,
                    const encode_options& options) {
  arena memory;
  result<value> v = to_value_with(in, memory, /*copy_strings=*/false, options.max_depth);
  if (!v) {
    error_info e = v.error();
    e.offset = out.size();
    return e;
  }
  return encode(*v, out, options);
}

// The default decode options, built once: a default argument of `{}` would build them (and look up
// the Flex externalizable registry) at every call.
inline const decode_options& default_decode_options() noexcept {
  static const decode_options defaults;
  return defaults;
}

inline const encode_options& default_encode_options() noexcept {
  static const encode_options defaults;
  return defaults;
}

inline result<value> decode3(std::span<const std::uint8_t> in, arena& m, const decode_options& o) {
  return decode_amf3(in, m, o);
}
inline result<value> decode0(std::span<const std::uint8_t> in, arena& m, const decode_options& o) {
  return decode_amf0(in, m, o);
}
inline status encode3(const value& v, std::vector<std::uint8_t>& out, const encode_options& o) {
  return encode_amf3(v, out, o);
}
inline status encode0(const value& v, std::vector<std::uint8_t>& out, const encode_options& o) {
  return encode_amf0(v, out, o);
}

}  // namespace detail

// Value model -> C++. amf::value fields view v's arena. Errors have offset 0 and a detail naming
// the innermost field ("field 'id': wire kind does not fit the C++ type").
template <class T>
status from_value(const value& v, T& out) {
  return detail::from_value_with(v, out, limits{}, true);
}

// C++ -> value model; strings are copied into `memory`.
template <class T>
result<value> to_value(const T& in, arena& memory) {
  return detail::to_value_with(in, memory, /*copy_strings=*/true, encode_options{}.max_depth);
}

// AMF3 bytes -> C++. This form refuses amf::value fields (nothing would own their nodes): use the
// form with an arena for types that have them.
template <class T>
status decode_typed_amf3(std::span<const std::uint8_t> in, T& out,
                         const decode_options& options = detail::default_decode_options()) {
  static_assert(is_mappable<T>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  if (options.trace == nullptr) {
    decode_options local = options;
    local.copy_input = false;  // strings are copied into T
    if (std::optional<status> st = detail::decode_typed_direct(in, out, nullptr, local)) return *st;
  }
  return detail::decode_typed(detail::decode3, in, out, options);
}

// AMF3 bytes -> C++; amf::value fields live in `memory` (as do the decode's temporaries).
template <class T>
status decode_typed_amf3(std::span<const std::uint8_t> in, T& out, arena& memory,
                         const decode_options& options = detail::default_decode_options()) {
  static_assert(is_mappable<T>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  if (options.trace == nullptr) {
    if (std::optional<status> st = detail::decode_typed_direct(in, out, &memory, options)) return *st;
  }
  return detail::decode_typed(detail::decode3, in, out, memory, options, true);
}

// C++ -> AMF3 bytes, appended to `out`.
template <class T>
status encode_typed_amf3(const T& in, std::vector<std::uint8_t>& out,
                         const encode_options& options = detail::default_encode_options()) {
  static_assert(is_mappable<T>, AMPHORA_AMF_UNSUPPORTED_TYPE);
  if (std::optional<status> st = detail::encode_typed_direct(in, out, options)) return *st;
  return detail::encode_typed(detail::encode3, in, out, options);  // T holds amf::value nodes
}

// The AMF0 forms (AMF0 has no integers: integer fields accept whole numbers in range).
template <class T>
status decode_typed_amf0(std::span<const std::uint8_t> in, T& out,
                         const decode_options& options = detail::default_decode_options()) {
  return detail::decode_typed(detail::decode0, in, out, options);
}

template <class T>
status decode_typed_amf0(std::span<const std::uint8_t> in, T& out, arena& memory,
                         const decode_options& options = detail::default_decode_options()) {
  return detail::decode_typed(detail::decode0, in, out, memory, options, true);
}

template <class T>
status encode_typed_amf0(const T& in, std::vector<std::uint8_t>& out,
                         const encode_options& options = detail::default_encode_options()) {
  return detail::encode_typed(detail::encode0, in, out, options);
}

}  // namespace amphora::amf
