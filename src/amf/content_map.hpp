// Internal: a map from content (string bytes, traits) to reference-table indexes, for the AMF3
// encoder's string and traits tables. Like node_map: open addressing with linear probing, each
// slot keeps its key's hash, clear() is O(1) (a generation stamp marks live slots) and keeps the
// slots, so a reused encoder allocates nothing once warmed up. Keys are views: what they point
// at must outlive the current encode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace amphora::amf::detail {

// A fast, non-cryptographic hash of bytes, 8 at a time (keys come from the encoder's own
// input, not from a peer, so flooding is not a concern).
inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed = 0) noexcept {
  const char* p = s.data();
  const std::size_t size = s.size();
  auto load8 = [](const char* at) {
    std::uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  auto mix = [](std::uint64_t h, std::uint64_t w) {
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
  };
  std::uint64_t h = (seed ^ size) * 0x9E3779B97F4A7C15ull;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) h = mix(h, load8(p + i));
  if (i != size) {  // the last 1 to 7 bytes, with fixed-size loads
    std::uint64_t w;
    if (size >= 8) {
      w = load8(p + size - 8);  // overlaps bytes already mixed in: harmless
    } else if (size >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + size - 4, 4);
      w = (std::uint64_t{a} << 32) | b;
    } else {
      w = std::uint64_t{static_cast<unsigned char>(p[0])} |
          std::uint64_t{static_cast<unsigned char>(p[size / 2])} << 8 |
          std::uint64_t{static_cast<unsigned char>(p[size - 1])} << 16;
    }
    h = mix(h, w);
  }
  h ^= h >> 29;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 32);
}

// a == b, inline for keys of up to 16 bytes (most member names and short values): two word
// compares instead of a call to memcmp.
inline bool same_bytes(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  auto word = [](const char* at, auto& w) {
    std::memcpy(&w, at, sizeof w);
    return w;
  };
  std::uint64_t x, y;
  std::uint32_t u, v;
  if (n >= 8 && n <= 16) {
    return word(a.data(), x) == word(b.data(), y) && word(a.data() + n - 8, x) == word(b.data() + n - 8, y);
  }
  if (n >= 4 && n < 8) {
    return word(a.data(), u) == word(b.data(), v) && word(a.data() + n - 4, u) == word(b.data() + n - 4, v);
  }
  if (n < 4) {  // bytes 0, n/2 and n-1 cover all of them
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
  }
  return a == b;
}

// A string of 1-16 bytes as two words and its length. Every byte is in `lo` or `hi` at a place
// fixed by the length (the first and last 8 bytes, overlapping; below 8 bytes the first and last
// 4, below 4 bytes 0, n/2 and n-1), so two keys are equal exactly when the strings are: a table
// of these compares words, never bytes, and follows no pointer.
struct short_key {
  static constexpr std::size_t max_size = 16;

  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  std::uint64_t size = 0;

  static short_key of(std::string_view s) noexcept {  // 1 <= s.size() <= max_size
    const char* p = s.data();
    const std::size_t n = s.size();
    short_key k;
    k.size = n;
    if (n >= 8) {
      std::memcpy(&k.lo, p, 8);
      std::memcpy(&k.hi, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      k.lo = std::uint64_t{a} | std::uint64_t{b} << 32;
    } else {
      k.lo = std::uint64_t{static_cast<unsigned char>(p[0])} |
             std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
             std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
    }
    return k;
  }

  // One multiply. A product's bit i depends only on the bits up to i of what was multiplied, and
  // the table takes the low bits: the high halves are folded down before and after.
  std::uint64_t hash() const noexcept {
    std::uint64_t x = lo ^ (hi << 29 | hi >> 35) ^ size;
    x = (x ^ (x >> 32)) * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 32);
  }

  friend bool operator==(const short_key&, const short_key&) = default;
};

template <class Key>
class content_map {
 public:
  // The index stored for a key equal to `key` (eq(stored, key)), or `index` after inserting
  // `key` with it; `inserted` says which.
  template <class Eq>
  std::uint32_t find_or_insert(const Key& key, std::uint64_t hash, std::uint32_t index, bool& inserted,
                               Eq eq) {
    if (size_ >= grow_at_) grow();
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.generation != generation_) {
        s = slot{key, hash, index, generation_};
        ++size_;
        inserted = true;
        return index;
      }
      if (s.hash == hash && eq(s.key, key)) {
        inserted = false;
        return s.index;
      }
    }
  }

  void clear() noexcept {
    size_ = 0;
    if (++generation_ == 0) {  // wrapped: stale stamps could look live again
      for (slot& s : slots_) s.generation = 0;
      generation_ = 1;
    }
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t retained_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

 private:
  struct slot {
    Key key{};
    std::uint64_t hash = 0;
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // live when equal to the map's generation
  };

  // Moves live slots to a table twice as large; their hashes are kept, so keys are not rehashed.
  void grow() {
    std::vector<slot> old(slots_.empty() ? 64 : slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    grow_at_ = slots_.size() / 4 * 3;  // at most 3/4 full
    for (const slot& s : old) {
      if (s.generation != generation_) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].generation == generation_) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;  // size is 0 or a power of two
  std::size_t mask_ = 0;     // slots_.size() - 1
  std::size_t grow_at_ = 0;  // the size at which the next insert grows the table first
  std::size_t size_ = 0;
  std::uint32_t generation_ = 1;  // fresh slots carry 0: empty
};

}  // namespace amphora::amf::detail
