// A monotonic arena: values of one decoded graph live here and die together. Allocation is a
// pointer bump; reset() keeps the memory for the next graph, so a warmed-up arena allocates
// nothing from the heap. An optional limit makes allocation fail (return nullptr) instead of
// growing without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace amphora::amf {

class arena {
 public:
  explicit arena(std::size_t first_block_bytes = 4096) noexcept;
  ~arena();
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  arena(arena&& other) noexcept;
  arena& operator=(arena&& other) noexcept;

  // nullptr when the limit would be exceeded or the system is out of memory. The fast path is one
  // bounds check against stop_, which folds the limit into the end of the current block.
  void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) noexcept {
    const auto p = (reinterpret_cast<std::uintptr_t>(cur_) + (align - 1)) & ~(std::uintptr_t{align} - 1);
    const auto stop = reinterpret_cast<std::uintptr_t>(stop_);
    if (p < stop && bytes <= stop - p) [[likely]] {
      cur_ = reinterpret_cast<std::byte*>(p + bytes);
      used_ += bytes;
      return reinterpret_cast<void*>(p);
    }
    return allocate_slow(bytes, align);
  }

  // Objects placed here are never destroyed: T must be trivially destructible.
  template <class T, class... Args>
  T* make(Args&&... args) noexcept {
    static_assert(std::is_trivially_destructible_v<T>);
    void* p = allocate(sizeof(T), alignof(T));
    return p ? ::new (p) T{std::forward<Args>(args)...} : nullptr;
  }

  template <class T>
  T* make_array(std::size_t n) noexcept {
    static_assert(std::is_trivially_destructible_v<T>);
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) return nullptr;
    void* p = allocate(n * sizeof(T), alignof(T));
    if (!p) return nullptr;
    T* t = static_cast<T*>(p);
    for (std::size_t i = 0; i < n; ++i) ::new (t + i) T{};
    return t;
  }

  // n objects left uninitialized (std::make_unique_for_overwrite's contract): the caller assigns
  // each one before anything reads it. T must be trivially copyable and destructible.
  template <class T>
  T* make_array_for_overwrite(std::size_t n) noexcept {
    static_assert(std::is_trivially_destructible_v<T> && std::is_trivially_copyable_v<T>);
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) return nullptr;
    return static_cast<T*>(allocate(n * sizeof(T), alignof(T)));
  }

  // Copies bytes into the arena. An empty input gives an empty view (never nullptr data
  // dereferenced).
  std::string_view copy(std::string_view s) noexcept;
  std::span<const std::uint8_t> copy(std::span<const std::uint8_t> s) noexcept;

  // Forget every allocation. The memory stays: several blocks are merged into one as large as
  // all of them, so the next graph of the same size needs no new block.
  void reset() noexcept;

  std::size_t bytes_used() const noexcept { return used_; }
  // Total bytes held from the system (for memory-use tests and metrics).
  std::size_t bytes_reserved() const noexcept { return reserved_; }
  // Number of blocks requested from the system since construction (tests count this).
  std::size_t system_allocations() const noexcept { return system_allocations_; }

  // Allocation fails once bytes_used() would pass this. Default: no limit.
  void set_limit(std::size_t bytes) noexcept {
    limit_ = bytes;
    update_stop();
  }
  std::size_t limit() const noexcept { return limit_; }

 private:
  struct block;
  void* allocate_slow(std::size_t bytes, std::size_t align) noexcept;
  void release_all() noexcept;
  // stop_ = the end of the current block or, if nearer, where the limit would be reached.
  void update_stop() noexcept {
    const std::size_t left = used_ <= limit_ ? limit_ - used_ : 0;
    stop_ = left < static_cast<std::size_t>(end_ - cur_) ? cur_ + left : end_;
  }

  block* head_ = nullptr;  // current block; older blocks follow
  std::byte* cur_ = nullptr;
  std::byte* end_ = nullptr;
  std::byte* stop_ = nullptr;  // <= end_; allocations that end past it take allocate_slow()
  std::size_t used_ = 0;
  std::size_t reserved_ = 0;
  std::size_t limit_ = std::numeric_limits<std::size_t>::max();
  std::size_t next_block_bytes_;
  std::size_t system_allocations_ = 0;
};

}  // namespace amphora::amf
