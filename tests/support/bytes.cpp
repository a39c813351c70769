#include "support/bytes.hpp"

#include <cstring>
#include <stdexcept>

namespace amphora::test {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bytes from_hex(std::string_view text) {
  bytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int d = hex_digit(c);
    if (d < 0) throw std::invalid_argument("not a hex digit: '" + std::string(1, c) + "'");
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + d));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

std::string to_hex(std::span<const std::uint8_t> data) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size() * 3);
  for (std::uint8_t b : data) {
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

builder& builder::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

builder& builder::u16(std::uint16_t v) {
  return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
}

builder& builder::u32(std::uint32_t v) {
  return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
}

builder& builder::f64(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return u32(static_cast<std::uint32_t>(bits >> 32)).u32(static_cast<std::uint32_t>(bits));
}

builder& builder::u29(std::uint32_t v) {
  if (v >= (1u << 29)) throw std::invalid_argument("u29 out of range");
  if (v < 0x80) return u8(static_cast<std::uint8_t>(v));
  if (v < 0x4000)
    return u8(static_cast<std::uint8_t>(0x80 | (v >> 7))).u8(static_cast<std::uint8_t>(v & 0x7F));
  if (v < 0x200000) {
    return u8(static_cast<std::uint8_t>(0x80 | (v >> 14)))
        .u8(static_cast<std::uint8_t>(0x80 | ((v >> 7) & 0x7F)))
        .u8(static_cast<std::uint8_t>(v & 0x7F));
  }
  return u8(static_cast<std::uint8_t>(0x80 | (v >> 22)))
      .u8(static_cast<std::uint8_t>(0x80 | ((v >> 15) & 0x7F)))
      .u8(static_cast<std::uint8_t>(0x80 | ((v >> 8) & 0x7F)))
      .u8(static_cast<std::uint8_t>(v & 0xFF));
}

builder& builder::raw(std::span<const std::uint8_t> data) {
  out_.insert(out_.end(), data.begin(), data.end());
  return *this;
}

builder& builder::raw(std::string_view text) {
  for (char c : text) out_.push_back(static_cast<std::uint8_t>(c));
  return *this;
}

builder& builder::hex(std::string_view text) { return raw(from_hex(text)); }

builder& builder::repeat(std::span<const std::uint8_t> data, std::size_t times) {
  out_.reserve(out_.size() + data.size() * times);
  for (std::size_t i = 0; i < times; ++i) raw(data);
  return *this;
}

builder& builder::str16(std::string_view s) {
  if (s.size() > 0xFFFF) throw std::invalid_argument("str16 longer than 65535 bytes");
  return u16(static_cast<std::uint16_t>(s.size())).raw(s);
}

}  // namespace amphora::test
