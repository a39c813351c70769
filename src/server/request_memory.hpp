// Memory for the request a session is reading: its header fields, target and body. Beast's
// basic_fields asks for one allocation per field and one for the start line, and the vector body
// one more; here they come from one block of this thread's spares, handed out in order and never
// freed one by one, and the whole block goes back to the spares when the request is done
// (reset(), before the session parses the next one). A session holds a block only while it
// parses or hands over a request, so a connection waiting for its next request (a parked long
// poll's) holds none (docs/performance.md, "Long-poll delivery: the request's memory").
// What does not fit in the block (a large body, many headers) comes from the heap as before; the
// parser's header and body limits still bound the whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "gateway/spare_pool.hpp"

namespace amphora::server::detail {

class request_memory {
 public:
  static constexpr std::size_t block_bytes = 4096;

  request_memory() = default;
  request_memory(const request_memory&) = delete;
  request_memory& operator=(const request_memory&) = delete;
  ~request_memory() { reset(); }

  void* allocate(std::size_t bytes, std::size_t alignment) {
    if (block_.empty() && bytes <= block_bytes) {
      block_ = spare_blocks::take();
      block_.resize(block_bytes);
      used_ = 0;
    }
    const std::size_t start = (used_ + alignment - 1) / alignment * alignment;
    if (!block_.empty() && alignment <= alignof(std::max_align_t) && start <= block_.size() &&
        bytes <= block_.size() - start) {
      used_ = start + bytes;
      return block_.data() + start;
    }
    return heap_allocate(bytes, alignment);
  }

  // A piece of the block is left in place until reset(); anything else goes back to the heap.
  void deallocate(void* p, std::size_t alignment) noexcept {
    const auto* b = static_cast<const std::byte*>(p);
    if (!block_.empty() && b >= block_.data() && b < block_.data() + block_.size()) return;
    heap_deallocate(p, alignment);
  }

  // Every allocation from the block has been freed (the parser is gone): the block goes back to
  // this thread's spares.
  void reset() noexcept {
    used_ = 0;
    spare_blocks::give_back(block_);
    block_ = {};
  }

  bool holds_block() const noexcept { return !block_.empty(); }

 private:
  struct block_traits {
    static std::size_t bytes(const std::vector<std::byte>& b) noexcept { return b.capacity(); }
    static void empty(std::vector<std::byte>&) noexcept {}
  };
  // Up to 64 blocks per thread: a session gives its block back as soon as its request is handed
  // over, so few are in use at once even when thousands of polls come in a burst.
  using spare_blocks = spare_pool<std::vector<std::byte>, block_traits, block_bytes, 64 * block_bytes>;

  static void* heap_allocate(std::size_t bytes, std::size_t alignment) {
    if (alignment > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
      return ::operator new(bytes, std::align_val_t(alignment));
    return ::operator new(bytes);
  }
  static void heap_deallocate(void* p, std::size_t alignment) noexcept {
    if (alignment > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
      return ::operator delete(p, std::align_val_t(alignment));
    ::operator delete(p);
  }

  std::vector<std::byte> block_;
  std::size_t used_ = 0;
};

// The standard allocator interface over a session's request_memory, for Beast's fields and body.
template <class T>
class request_allocator {
 public:
  using value_type = T;

  explicit request_allocator(request_memory& memory) noexcept : memory_(&memory) {}
  template <class U>
  request_allocator(const request_allocator<U>& other) noexcept  // NOLINT(google-explicit-constructor)
      : memory_(other.memory()) {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(memory_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { memory_->deallocate(p, alignof(T)); }

  request_memory* memory() const noexcept { return memory_; }

  template <class U>
  bool operator==(const request_allocator<U>& other) const noexcept {
    return memory_ == other.memory();
  }

 private:
  request_memory* memory_;
};

}  // namespace amphora::server::detail
