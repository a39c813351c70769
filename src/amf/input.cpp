#include "input.hpp"

namespace amphora::amf::detail {

bool is_valid_utf8(const std::uint8_t* p, std::size_t n) noexcept {
  const std::uint8_t* end = p + n;
  while (p != end) {
    // ASCII fast path: eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ull) != 0) break;
      p += 8;
    }
    if (p == end) break;
    const std::uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t len;
    std::uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlongs
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlongs
      if (c == 0xF4) hi = 0x8F;  // at most U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += len;
  }
  return true;
}

bool decode_context::text_checked(std::size_t n, std::string_view& out, const char* what) noexcept {
  if (n > options->limits.max_string_bytes)
    return fail(errc::limit_exceeded, "string longer than max_string_bytes");
  if (n > remaining()) return fail(errc::length_exceeds_input, what);
  if (options->limits.validate_utf8 && !is_valid_utf8(cur, n)) return fail(errc::invalid_utf8, what);
  out = {reinterpret_cast<const char*>(cur), n};
  cur += n;
  return true;
}

}  // namespace amphora::amf::detail
