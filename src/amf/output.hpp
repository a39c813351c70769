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
#include "input.hpp"  // load_be

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
  void u16(std::uint16_t v) { store(v); }
  void u32(std::uint32_t v) { store(v); }
  void f64(double d) { store(d); }
  // T big-endian: one byte swap (load_be in reverse; it is its own inverse).
  template <class T>
  void store(T v) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    const T swapped = load_be<T>(b);
    std::memcpy(b, &swapped, sizeof(T));
    out->insert(out->end(), b, b + sizeof(T));
  }
  void bytes(std::span<const std::uint8_t> s) { out->insert(out->end(), s.begin(), s.end()); }
  void bytes(std::string_view s) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    out->insert(out->end(), p, p + s.size());
  }
};

}  // namespace amphora::amf::detail
