#include "amphora/amf/arena.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace amphora::amf {

struct arena::block {
  block* next;
  std::size_t size;  // bytes of storage after the header
  std::byte* storage() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
};

arena::arena(std::size_t first_block_bytes) noexcept
    : next_block_bytes_(std::max<std::size_t>(first_block_bytes, 256)) {}

arena::~arena() { release_all(); }

arena::arena(arena&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)),
      cur_(std::exchange(other.cur_, nullptr)),
      end_(std::exchange(other.end_, nullptr)),
      stop_(std::exchange(other.stop_, nullptr)),
      used_(std::exchange(other.used_, 0)),
      reserved_(std::exchange(other.reserved_, 0)),
      limit_(other.limit_),
      next_block_bytes_(other.next_block_bytes_),
      system_allocations_(other.system_allocations_) {}

arena& arena::operator=(arena&& other) noexcept {
  if (this != &other) {
    release_all();
    head_ = std::exchange(other.head_, nullptr);
    cur_ = std::exchange(other.cur_, nullptr);
    end_ = std::exchange(other.end_, nullptr);
    stop_ = std::exchange(other.stop_, nullptr);
    used_ = std::exchange(other.used_, 0);
    reserved_ = std::exchange(other.reserved_, 0);
    limit_ = other.limit_;
    next_block_bytes_ = other.next_block_bytes_;
    system_allocations_ = other.system_allocations_;
  }
  return *this;
}

void arena::release_all() noexcept {
  while (head_ != nullptr) {
    block* next = head_->next;
    std::free(head_);
    head_ = next;
  }
  cur_ = end_ = stop_ = nullptr;
  used_ = reserved_ = 0;
}

void* arena::allocate_slow(std::size_t bytes, std::size_t align) noexcept {
  if (bytes > limit_ || used_ > limit_ - bytes) return nullptr;
  auto aligned = [align](std::byte* at) {
    return (reinterpret_cast<std::uintptr_t>(at) + (align - 1)) & ~(std::uintptr_t{align} - 1);
  };
  // Within the limit (stop_ may stop short of it: padding is not counted against the limit) and
  // in the current block?
  if (cur_ != nullptr) {
    const auto p = aligned(cur_);
    const auto end = reinterpret_cast<std::uintptr_t>(end_);
    if (p <= end && bytes <= end - p) {
      cur_ = reinterpret_cast<std::byte*>(p + bytes);
      used_ += bytes;
      update_stop();
      return reinterpret_cast<void*>(p);
    }
  }
  // The current block is too small: take a new one, at least twice the last and big enough.
  if (bytes > std::numeric_limits<std::size_t>::max() / 2 || align > 4096) return nullptr;  // impossible
  const std::size_t need = bytes + align;
  const std::size_t size = std::max(next_block_bytes_, need);
  void* raw = std::malloc(sizeof(block) + size);
  if (raw == nullptr) return nullptr;
  ++system_allocations_;
  auto* b = static_cast<block*>(raw);
  b->next = head_;
  b->size = size;
  head_ = b;
  reserved_ += size;
  next_block_bytes_ = std::min<std::size_t>(size * 2, std::size_t{64} << 20);
  end_ = b->storage() + size;
  const auto p = aligned(b->storage());
  cur_ = reinterpret_cast<std::byte*>(p + bytes);
  used_ += bytes;
  update_stop();
  return reinterpret_cast<void*>(p);
}

void arena::reset() noexcept {
  if (head_ == nullptr) return;
  if (head_->next != nullptr) {
    // Several blocks: replace them by one block as large as all of them, so the next graph of
    // the same size fits without asking the system for memory (a warmed-up arena).
    const std::size_t total = reserved_;
    release_all();
    void* raw = std::malloc(sizeof(block) + total);
    if (raw == nullptr) return;
    ++system_allocations_;
    head_ = static_cast<block*>(raw);
    head_->next = nullptr;
    head_->size = total;
    reserved_ = total;
  }
  cur_ = head_->storage();
  end_ = cur_ + head_->size;
  used_ = 0;
  update_stop();
}

std::string_view arena::copy(std::string_view s) noexcept {
  if (s.empty()) return {};
  void* p = allocate(s.size(), 1);
  if (p == nullptr) return {};
  std::memcpy(p, s.data(), s.size());
  return {static_cast<const char*>(p), s.size()};
}

std::span<const std::uint8_t> arena::copy(std::span<const std::uint8_t> s) noexcept {
  if (s.empty()) return {};
  void* p = allocate(s.size(), 1);
  if (p == nullptr) return {};
  std::memcpy(p, s.data(), s.size());
  return {static_cast<const std::uint8_t*>(p), s.size()};
}

}  // namespace amphora::amf
