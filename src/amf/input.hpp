// Internal: the cursor and failure record shared by the AMF0, AMF3 and packet decoders.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "amphora/amf/ascii.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"

namespace amphora::amf::detail {

// A big-endian load of T (16, 32 or 64 bits; double is its IEEE bits): one load and one byte swap
// (GCC 12 does not merge a byte-by-byte loop into one).
template <class T>
T load_be(const std::uint8_t* p) noexcept {
  static_assert(sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
  using bits_t = std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                    std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;
  bits_t bits;
  std::memcpy(&bits, p, sizeof bits);
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof(T) == 2) bits = __builtin_bswap16(bits);
    if constexpr (sizeof(T) == 4) bits = __builtin_bswap32(bits);
    if constexpr (sizeof(T) == 8) bits = __builtin_bswap64(bits);
  }
  return std::bit_cast<T>(bits);
}

// Reading state of one decode: bytes, position, memory, options, depth and the first error.
// Readers return false after fail() and callers propagate false; the error stays the first one.
struct decode_context {
  const std::uint8_t* begin = nullptr;
  const std::uint8_t* cur = nullptr;
  const std::uint8_t* end = nullptr;
  arena* memory = nullptr;
  const decode_options* options = nullptr;
  std::size_t depth = 0;
  error_info error{};

  std::size_t offset() const noexcept { return static_cast<std::size_t>(cur - begin); }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end - cur); }
  bool tracing() const noexcept { return options->trace != nullptr; }

  bool fail(errc e, const char* detail) noexcept { return fail_at(e, offset(), detail); }
  bool fail_at(errc e, std::size_t at, const char* detail) noexcept {
    if (!error.code) error = error_info{make_error_code(e), at, detail};
    return false;
  }
  // errc::limit_exceeded "out of memory" when an arena allocation returned nullptr.
  bool out_of_memory() noexcept {
    return fail(errc::limit_exceeded, "decoded graph exceeds max_memory_bytes");
  }

  bool need(std::size_t n) noexcept {
    return n <= remaining() || fail(errc::unexpected_end, "input ends inside a value");
  }
  // A declared length or count of elements of at least `min_each` bytes.
  bool need_declared(std::size_t count, std::size_t min_each, const char* what) noexcept {
    if (min_each != 0 && count > remaining() / min_each) return fail(errc::length_exceeds_input, what);
    return true;
  }

  bool u8(std::uint8_t& v) noexcept {
    if (!need(1)) return false;
    v = *cur++;
    return true;
  }
  bool u16(std::uint16_t& v) noexcept { return load(v); }
  bool u32(std::uint32_t& v) noexcept { return load(v); }
  bool f64(double& v) noexcept { return load(v); }
  template <class T>
  bool load(T& v) noexcept {
    if (!need(sizeof(T))) return false;
    v = load_be<T>(cur);
    cur += sizeof(T);
    return true;
  }
  // n raw bytes as a view into the input (checked against what is left).
  bool bytes(std::size_t n, std::span<const std::uint8_t>& out, const char* what) noexcept {
    if (n > remaining()) return fail(errc::length_exceeds_input, what);
    out = {cur, n};
    cur += n;
    return true;
  }
  // n bytes of UTF-8 text (validated when the options ask), as a view into the input. Inline for
  // the common case (fits, ASCII); text_checked() does the rest.
  bool text(std::size_t n, std::string_view& out, const char* what) noexcept {
    if (n > remaining() || n > options->limits.max_string_bytes || !is_ascii(cur, n)) [[unlikely]] {
      return text_checked(n, out, what);
    }
    out = {reinterpret_cast<const char*>(cur), n};
    cur += n;
    return true;
  }
  bool text_checked(std::size_t n, std::string_view& out, const char* what) noexcept;
};

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(const std::uint8_t* p, std::size_t n) noexcept;

// ECMAScript's time value range: finite and |ms| <= 8.64e15.
inline bool is_valid_date_millis(double ms) noexcept { return ms >= -8.64e15 && ms <= 8.64e15; }

}  // namespace amphora::amf::detail
