// The broker's per-FlexClient queue: a FIFO in fixed-size blocks of slots, linked front to back,
// taken from and given back to a free list (block_pool) that all the broker's queues share. A
// queue holds no block while empty and takes one more each time its back block is full, so a
// backlog of any depth is neither copied nor re-allocated as it grows, and a warm broker reuses
// the blocks its queues gave back instead of asking the allocator for fresh pages. The pool keeps
// at most `max_spare` blocks; what its queues give back beyond that goes back to the allocator.
// Not thread-safe: the broker's mutex guards the pool and every queue.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

namespace amphora::messaging::detail {

template <class T, std::size_t N>
struct queue_block {
  std::array<T, N> slots{};  // a slot not in use holds T{} (nothing of a message it once held)
  queue_block* next = nullptr;
};

template <class T, std::size_t N>
class block_pool {
 public:
  using block = queue_block<T, N>;

  explicit block_pool(std::size_t max_spare) : max_spare_(max_spare) {}
  ~block_pool() {
    while (spare_ != nullptr) delete std::exchange(spare_, spare_->next);
  }
  block_pool(const block_pool&) = delete;
  block_pool& operator=(const block_pool&) = delete;

  // A block whose slots all hold T{}: a spare one if there is one, else a fresh one.
  block* take() {
    if (spare_ == nullptr) {
      ++allocated_;
      return new block;
    }
    block* b = std::exchange(spare_, spare_->next);
    b->next = nullptr;
    --spare_count_;
    return b;
  }

  // Takes back a block whose slots all hold T{}: kept for reuse, or freed when the pool holds
  // max_spare() blocks already.
  void give(block* b) noexcept {
    if (spare_count_ >= max_spare_) {
      delete b;
      return;
    }
    b->next = spare_;
    spare_ = b;
    ++spare_count_;
  }

  std::size_t spare() const noexcept { return spare_count_; }
  std::size_t max_spare() const noexcept { return max_spare_; }
  std::uint64_t allocated() const noexcept { return allocated_; }  // blocks ever taken from the allocator

 private:
  block* spare_ = nullptr;  // the free list, linked by queue_block::next
  std::size_t spare_count_ = 0;
  const std::size_t max_spare_;
  std::uint64_t allocated_ = 0;
};

template <class T, std::size_t N>
class block_queue {
 public:
  using pool = block_pool<T, N>;
  using block = queue_block<T, N>;
  static constexpr std::size_t block_slots = N;

  block_queue() = default;
  block_queue(const block_queue&) = delete;
  block_queue& operator=(const block_queue&) = delete;
  block_queue(block_queue&& other) noexcept
      : head_(std::exchange(other.head_, nullptr)),
        tail_(std::exchange(other.tail_, nullptr)),
        head_at_(std::exchange(other.head_at_, 0)),
        tail_at_(std::exchange(other.tail_at_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  block_queue& operator=(block_queue&&) = delete;
  // Frees what it still holds (the broker gives its blocks back to the pool with clear() first).
  ~block_queue() {
    while (head_ != nullptr) delete std::exchange(head_, head_->next);
  }

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  void push_back(pool& p, T value) {
    if (tail_ == nullptr) {
      head_ = tail_ = p.take();
    } else if (tail_at_ == N) {
      tail_->next = p.take();
      tail_ = tail_->next;
      tail_at_ = 0;
    }
    tail_->slots[tail_at_++] = std::move(value);
    ++size_;
  }

  // Moves the front element out; a block left behind goes back to the pool (the last one too:
  // an empty queue holds no block).
  T pop_front(pool& p) {
    T out = std::move(head_->slots[head_at_]);
    head_->slots[head_at_] = T{};  // releases what the moved-from value may still hold
    ++head_at_;
    --size_;
    if (size_ == 0) {
      p.give(head_);
      head_ = tail_ = nullptr;
      head_at_ = tail_at_ = 0;
    } else if (head_at_ == N) {
      p.give(std::exchange(head_, head_->next));
      head_at_ = 0;
    }
    return out;
  }

  // Asks the cache for the slot the next push_back writes (when its block is there already).
  void prefetch_back() const noexcept {
    if (tail_ != nullptr && tail_at_ < N) __builtin_prefetch(&tail_->slots[tail_at_], 1);
  }

  void clear(pool& p) {
    while (!empty()) (void)pop_front(p);
  }

  // Calls f(element) for each element, front to back.
  template <class F>
  void for_each(F f) const {
    const block* b = head_;
    std::size_t at = head_at_;
    for (std::size_t i = 0; i < size_; ++i) {
      f(b->slots[at]);
      if (++at == N) {
        b = b->next;
        at = 0;
      }
    }
  }

  // Removes and returns the element nearest the front for which pred(element) is true, keeping
  // the others in order (those before it move one slot back); nullopt if there is none.
  template <class Pred>
  std::optional<T> erase_first(pool& p, Pred pred) {
    block* b = head_;
    std::size_t at = head_at_;
    std::size_t i = 0;
    for (; i < size_ && !pred(b->slots[at]); ++i) advance(b, at);
    if (i == size_) return std::nullopt;
    std::optional<T> out(std::move(b->slots[at]));
    // Elements 0..i-1 move to positions 1..i (the found one's slot last), front to back with
    // one element carried; the front slot, left empty, is popped.
    b = head_;
    at = head_at_;
    T carry = std::move(b->slots[at]);
    for (std::size_t j = 1; j <= i; ++j) {
      advance(b, at);
      std::swap(carry, b->slots[at]);
    }
    (void)pop_front(p);
    return out;
  }

 private:
  static void advance(block*& b, std::size_t& at) noexcept {
    if (++at == N) {
      b = b->next;
      at = 0;
    }
  }

  block* head_ = nullptr;  // the front element is head_->slots[head_at_]
  block* tail_ = nullptr;  // the next element goes to tail_->slots[tail_at_] (a new block if N)
  std::uint32_t head_at_ = 0;
  std::uint32_t tail_at_ = 0;
  std::size_t size_ = 0;
};

}  // namespace amphora::messaging::detail
