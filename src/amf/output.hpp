// Internal: the growing byte buffer and failure record shared by the encoders.
#pragma once

#include <algorithm>
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

// Appends to *out. The encoders' entry points open a write window: *out is resized ahead, the
// writes fill [pos, limit) through a pointer (one compare per write, no vector::insert), and
// close_window() trims *out to what was written. Without a window (pos == limit == nullptr, as
// the typed mapping uses it) every write appends to *out directly. Either way size() is the
// number of bytes written so far.
struct encode_context {
  std::vector<std::uint8_t>* out = nullptr;
  const encode_options* options = nullptr;
  std::size_t depth = 0;
  error_info error{};
  std::uint8_t* pos = nullptr;
  std::uint8_t* limit = nullptr;

  bool fail(errc e, const char* detail) noexcept {
    if (!error.code) error = error_info{make_error_code(e), size(), detail};
    return false;
  }

  std::size_t size() const noexcept {
    return pos != nullptr ? static_cast<std::size_t>(pos - out->data()) : out->size();
  }
  // The byte at `offset` of *out (already written).
  std::uint8_t* at(std::size_t offset) noexcept { return out->data() + offset; }

  // The window spans the capacity *out has, but resize() zero-fills it: once this context has
  // written a window, the next goes no further than a quarter beyond what that one took (it grows
  // as needed).
  void open_window() {
    pos = limit = nullptr;
    const std::size_t used = out->size();
    window_start_ = used;
    const std::size_t wanted = last_window_ != 0 ? used + last_window_ + last_window_ / 4 : out->capacity();
    out->resize(std::max(used + 256, std::min(out->capacity(), wanted)));
    pos = out->data() + used;
    limit = out->data() + out->size();
  }
  void close_window() {
    if (pos != nullptr) {
      last_window_ = size() - window_start_;
      out->resize(size());
    }
    pos = limit = nullptr;
  }

  void u8(std::uint8_t v) {
    if (pos != limit) [[likely]] {
      *pos++ = v;
    } else {
      append_slow(&v, 1);
    }
  }
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
    append(b, sizeof(T));
  }
  // The write position when at least n bytes of the window are free, else nullptr (no window,
  // or too little room): the caller then uses the checked writes above. A caller that got a
  // pointer stores up to n bytes through it and moves `pos` past them: one check for a whole field.
  std::uint8_t* room(std::size_t n) noexcept {
    return static_cast<std::size_t>(limit - pos) >= n ? pos : nullptr;
  }
  // T big-endian at p (unchecked: p comes from room()).
  template <class T>
  static void put(std::uint8_t* p, T v) noexcept {
    std::memcpy(p, &v, sizeof(T));
    const T swapped = load_be<T>(p);
    std::memcpy(p, &swapped, sizeof(T));
  }

  void bytes(std::span<const std::uint8_t> s) { append(s.data(), s.size()); }
  void bytes(std::string_view s) { append(s.data(), s.size()); }

  void append(const void* p, std::size_t n) {
    if (n <= static_cast<std::size_t>(limit - pos) && n != 0) [[likely]] {
      std::memcpy(pos, p, n);
      pos += n;
    } else if (n != 0) {
      append_slow(p, n);
    }
  }

 private:
  std::size_t window_start_ = 0;
  std::size_t last_window_ = 0;  // bytes the last window took

  [[gnu::noinline]] void append_slow(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    if (pos == nullptr) {
      out->insert(out->end(), b, b + n);
      return;
    }
    const std::size_t used = size();
    out->resize(std::max(used + n, out->size() * 2));
    pos = out->data() + used;
    limit = out->data() + out->size();
    std::memcpy(pos, b, n);
    pos += n;
  }
};

}  // namespace amphora::amf::detail
