// Test support: hex text <-> bytes, and a small big-endian byte builder for hand-made inputs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amphora::test {

using bytes = std::vector<std::uint8_t>;

// "0A 0b01" -> {0x0A, 0x0B, 0x01}. Whitespace is ignored; anything else that is not a hex digit,
// or an odd number of digits, throws std::invalid_argument.
bytes from_hex(std::string_view text);

// {0x0A, 0x0B} -> "0A 0B".
std::string to_hex(std::span<const std::uint8_t> data);

// Builds inputs field by field: builder{}.u8(0x0A).u32(1).str16("x").take().
class builder {
 public:
  builder& u8(std::uint8_t v);
  builder& u16(std::uint16_t v);
  builder& u32(std::uint32_t v);
  builder& f64(double v);
  builder& u29(std::uint32_t v);  // AMF3 variable-length integer; v < 2^29
  builder& raw(std::span<const std::uint8_t> data);
  builder& raw(std::string_view text);
  builder& hex(std::string_view text);
  builder& repeat(std::span<const std::uint8_t> data, std::size_t times);
  builder& str16(std::string_view s);  // u16 length + bytes (AMF0 string body)

  std::size_t size() const noexcept { return out_.size(); }
  const bytes& get() const noexcept { return out_; }
  bytes take() { return std::move(out_); }

 private:
  bytes out_;
};

}  // namespace amphora::test
