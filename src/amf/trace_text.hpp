// Internal: formatting for trace items (amphora inspect). Only called when a trace sink is set,
// so none of this costs anything on the normal decode path.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace amphora::amf::detail {

inline void append_uint(std::string& s, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

inline void append_int(std::string& s, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// Shortest form that reads back to the same double ("1.5", "1e+300", "nan", "-inf").
inline void append_double(std::string& s, double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  s.append(buf, r.ptr);
}

// "text" with quotes, backslashes and control bytes escaped; longer text is cut after `max`
// bytes and marked with "...". Bytes are not checked for UTF-8 (the decoder does that).
inline void append_quoted(std::string& s, std::string_view text, std::size_t max = 64) {
  static constexpr char hex[] = "0123456789abcdef";
  s += '"';
  std::size_t n = text.size() < max ? text.size() : max;
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n;  // whole characters
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 0xF];
    } else {
      s += static_cast<char>(c);
    }
  }
  s += '"';
  if (n < text.size()) s += "...";
}

}  // namespace amphora::amf::detail
