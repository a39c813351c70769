// Internal: AMF3 wire constants shared by the reader and the writer (Adobe, "AMF 3
// Specification", January 2013: §1.3.1 U29, §3 type markers, §3.12 traits headers).
#pragma once

#include <cstdint>

namespace amphora::amf::detail::amf3 {

enum marker : std::uint8_t {
  undefined_marker = 0x00,
  null_marker = 0x01,
  false_marker = 0x02,
  true_marker = 0x03,
  integer_marker = 0x04,
  double_marker = 0x05,
  string_marker = 0x06,
  xml_document_marker = 0x07,
  date_marker = 0x08,
  array_marker = 0x09,
  object_marker = 0x0A,
  xml_marker = 0x0B,
  byte_array_marker = 0x0C,
  vector_int_marker = 0x0D,
  vector_uint_marker = 0x0E,
  vector_double_marker = 0x0F,
  vector_object_marker = 0x10,
  dictionary_marker = 0x11,
};

// U29 carries 29 bits; an AMF3 integer is those bits sign-extended.
inline constexpr std::uint32_t u29_max = (1u << 29) - 1;
inline constexpr std::int64_t int_min = -(std::int64_t{1} << 28);
inline constexpr std::int64_t int_max = (std::int64_t{1} << 28) - 1;

// Headers keep their low bit as "inline" (1) or "reference" (0), so lengths, counts and
// reference indexes have 28 bits; trait references have 27, sealed member counts 25.
inline constexpr std::uint32_t max_length = u29_max >> 1;
inline constexpr std::uint32_t max_trait_index = u29_max >> 2;
inline constexpr std::uint32_t max_sealed_count = u29_max >> 4;

// Object header bits after the low "inline object" bit (U29O-traits, §3.12).
inline constexpr std::uint32_t traits_inline_bit = 0x2;
inline constexpr std::uint32_t traits_externalizable_bit = 0x4;
inline constexpr std::uint32_t traits_dynamic_bit = 0x8;
inline constexpr int traits_count_shift = 4;

inline constexpr std::int64_t sign_extend_u29(std::uint32_t u) noexcept {
  return (u & 0x10000000u) != 0 ? std::int64_t{u} - (std::int64_t{1} << 29) : std::int64_t{u};
}

}  // namespace amphora::amf::detail::amf3
