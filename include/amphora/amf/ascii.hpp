// Internal: the ASCII test of the decoders' inline string paths (the codec's readers and the
// typed reader's inline paths in typed/amf3_direct.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace amphora::amf::detail {

// True when the n bytes at p are all ASCII: most keys and strings, checked inline before the
// full UTF-8 validator. Words of 8 (or 4) bytes, the last one overlapping the ones before.
inline bool is_ascii(const std::uint8_t* p, std::size_t n) noexcept {
  auto load = [](const std::uint8_t* at, auto w) {
    std::memcpy(&w, at, sizeof w);
    return std::uint64_t{w};
  };
  std::uint64_t seen = 0;
  if (n >= 8) {
    for (; n > 8; n -= 8, p += 8) seen |= load(p, std::uint64_t{});
    seen |= load(p + n - 8, std::uint64_t{});
  } else if (n >= 4) {
    seen = load(p, std::uint32_t{}) | load(p + n - 4, std::uint32_t{});
  } else if (n > 0) {
    seen = std::uint64_t{p[0]} | p[n / 2] | p[n - 1];
  }
  return (seen & 0x8080808080808080ull) == 0;
}

}  // namespace amphora::amf::detail
