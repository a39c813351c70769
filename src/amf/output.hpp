// Internal: the growing byte buffer and failure record shared by the encoders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"

namespace amphora::amf::detail {

struct encode_context {
  std::vector<std::uint8_t>* out = nullptr;
  const encode_options* options = nullptr;
  std::size_t depth = 0;
  error_info error{};

  bool fail(errc e, const char* detail) noexcept {
    if (!error.code) error = error_info{make_error_code(e), out->size(), detail};
    return false;
  }

  void u8(std::uint8_t v) { out->push_back(v); }
  void u16(std::uint16_t v) {
    std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out->insert(out->end(), b, b + 2);
  }
  void u32(std::uint32_t v) {
    std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                         static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out->insert(out->end(), b, b + 4);
  }
  void f64(double d) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &d, 8);
    std::uint8_t b[8];
    for (int i = 7; i >= 0; --i, bits >>= 8) b[i] = static_cast<std::uint8_t>(bits);
    out->insert(out->end(), b, b + 8);
  }
  void bytes(std::span<const std::uint8_t> s) { out->insert(out->end(), s.begin(), s.end()); }
  void bytes(std::string_view s) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    out->insert(out->end(), p, p + s.size());
  }
};

}  // namespace amphora::amf::detail
