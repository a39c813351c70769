// Internal: an identity map from node addresses to reference-table indexes, for the encoders.
// Open addressing with linear probing. clear() is O(1) (a generation stamp marks live slots)
// and keeps the slots, so a reused encoder allocates nothing once warmed up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace amphora::amf::detail {

class node_map {
 public:
  struct entry {
    const void* node = nullptr;
    std::uint32_t index = 0;
    bool active = false;           // free for the encoder's use (AMF0: "being written")
    std::uint32_t generation = 0;  // live when equal to the map's generation
  };

  // The entry for `node`, or nullptr. Valid until the next insert.
  entry* find(const void* node) noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash(node) & mask_;; i = (i + 1) & mask_) {
      entry& e = slots_[i];
      if (e.generation != generation_) return nullptr;
      if (e.node == node) return &e;
    }
  }

  // The entry for `node`, inserted with `index` if absent (`inserted` says which). Valid until
  // the next insert. Inline at its callers (the encoders enter every node): the growth is not.
  [[gnu::always_inline]] entry* insert(const void* node, std::uint32_t index, bool& inserted) {
    if (size_ >= grow_at_) [[unlikely]]
      grow();
    for (std::size_t i = hash(node) & mask_;; i = (i + 1) & mask_) {
      entry& e = slots_[i];
      if (e.generation != generation_) {
        e = entry{node, index, false, generation_};
        ++size_;
        inserted = true;
        return &e;
      }
      if (e.node == node) {
        inserted = false;
        return &e;
      }
    }
  }

  void clear() noexcept {
    size_ = 0;
    if (++generation_ == 0) {  // wrapped: stale stamps could look live again
      for (entry& e : slots_) e.generation = 0;
      generation_ = 1;
    }
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t retained_bytes() const noexcept { return slots_.capacity() * sizeof(entry); }

 private:
  static std::size_t hash(const void* p) noexcept {
    auto x = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x);
  }

  [[gnu::noinline]] void grow() {
    std::vector<entry> old(slots_.empty() ? 64 : slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    grow_at_ = slots_.size() / 4 * 3;  // at most 3/4 full
    const std::uint32_t live = generation_;
    size_ = 0;
    for (const entry& e : old) {
      if (e.generation != live) continue;
      bool inserted = false;
      *insert(e.node, e.index, inserted) = e;
    }
  }

  std::vector<entry> slots_;  // size is 0 or a power of two
  std::size_t mask_ = 0;      // slots_.size() - 1
  std::size_t grow_at_ = 0;   // the size at which the next insert grows the table first
  std::size_t size_ = 0;
  std::uint32_t generation_ = 1;  // fresh slots carry 0: empty
};

}  // namespace amphora::amf::detail
