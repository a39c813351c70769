// A FIFO in one contiguous ring of slots (the broker's per-FlexClient queue): push at the back,
// pop at the front, erase anywhere, without an allocation per element. The ring grows by
// doubling and keeps its capacity when it empties, so that a client's queue allocates only when
// it holds more than ever before; shrink_if_empty() gives a large ring back (a client whose queue
// once held a long backlog does not keep it). Not thread-safe (the broker's mutex guards it).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace amphora::messaging::detail {

template <class T>
class ring_queue {
 public:
  ring_queue() = default;
  ring_queue(const ring_queue&) = delete;
  ring_queue& operator=(const ring_queue&) = delete;
  ring_queue(ring_queue&& other) noexcept
      : slots_(std::move(other.slots_)),
        capacity_(std::exchange(other.capacity_, 0)),
        head_(std::exchange(other.head_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  ring_queue& operator=(ring_queue&&) = delete;

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }

  // The i-th element from the front (i < size()).
  T& operator[](std::size_t i) noexcept { return slots_[wrap(head_ + i)]; }
  const T& operator[](std::size_t i) const noexcept { return slots_[wrap(head_ + i)]; }
  T& front() noexcept { return slots_[head_]; }

  void push_back(T value) {
    if (size_ == capacity_) grow();
    slots_[wrap(head_ + size_)] = std::move(value);
    ++size_;
  }

  // Moves the front element out (the slot keeps a moved-from T until it is reused).
  T pop_front() {
    T out = std::move(slots_[head_]);
    slots_[head_] = T{};  // releases what the moved-from value may still hold
    head_ = wrap(head_ + 1);
    --size_;
    if (size_ == 0) head_ = 0;
    return out;
  }

  // Removes the i-th element from the front, keeping the others in order: the shorter side moves.
  void erase(std::size_t i) {
    if (i < size_ / 2) {
      for (std::size_t j = i; j > 0; --j) (*this)[j] = std::move((*this)[j - 1]);
      pop_front();
      return;
    }
    for (std::size_t j = i; j + 1 < size_; ++j) (*this)[j] = std::move((*this)[j + 1]);
    (*this)[size_ - 1] = T{};
    --size_;
    if (size_ == 0) head_ = 0;
  }

  // Frees the ring when it is empty and has more than `keep` slots.
  void shrink_if_empty(std::size_t keep) noexcept {
    if (size_ != 0 || capacity_ <= keep) return;
    slots_.reset();
    capacity_ = 0;
    head_ = 0;
  }

 private:
  static constexpr std::size_t first_capacity = 4;

  std::size_t wrap(std::size_t i) const noexcept { return i & (capacity_ - 1); }  // capacity: a power of 2

  void grow() {
    const std::size_t capacity = capacity_ == 0 ? first_capacity : capacity_ * 2;
    auto slots = std::make_unique<T[]>(capacity);
    for (std::size_t i = 0; i < size_; ++i) slots[i] = std::move((*this)[i]);
    slots_ = std::move(slots);
    capacity_ = capacity;
    head_ = 0;
  }

  std::unique_ptr<T[]> slots_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace amphora::messaging::detail
