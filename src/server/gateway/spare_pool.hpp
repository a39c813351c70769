// Things a finished request leaves behind (an exchange's arena, a reply's body), emptied and kept
// per thread, so that the next request on that thread starts with memory an earlier one warmed
// up instead of a fresh block from the heap (docs/performance.md, "Long-poll exchange" and
// "Long-poll delivery: the codec's tables and the reply's buffer"). A long-poll fan-out ends
// thousands of exchanges at once and then starts as many, so a thread keeps up to max_total
// bytes of each kind; one that grew past max_each goes back to the heap.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace amphora::server::detail {

// Traits: static std::size_t bytes(const T&) (the heap memory it holds), static void
// empty(T&) (ready for reuse, its memory kept).
template <class T, class Traits, std::size_t max_each, std::size_t max_total>
class spare_pool {
 public:
  // One of this thread's spares, or a new T when it has none.
  static T take() noexcept {
    if (gone()) return T{};
    return pool().take_one();
  }
  // Keeps `t`'s memory among this thread's spares (t is left moved from), unless it holds none,
  // is too large, or the spares are full.
  static void give_back(T& t) noexcept {
    if (!gone()) pool().keep(t);
  }

 private:
  spare_pool() = default;
  ~spare_pool() { gone() = true; }

  // This thread's pool was destroyed (thread exit): later calls keep nothing.
  static bool& gone() noexcept {
    thread_local bool g = false;
    return g;
  }
  static spare_pool& pool() noexcept {
    thread_local spare_pool p;
    return p;
  }

  T take_one() noexcept {
    if (spare_.empty()) return T{};
    T t = std::move(spare_.back());
    spare_.pop_back();
    kept_ -= Traits::bytes(t);
    return t;
  }

  void keep(T& t) noexcept {
    const std::size_t bytes = Traits::bytes(t);
    if (bytes == 0 || bytes > max_each || kept_ + bytes > max_total) return;
    Traits::empty(t);
    try {
      spare_.push_back(std::move(t));
    } catch (...) {  // no room to keep it: it goes back to the heap with its owner
      return;
    }
    kept_ += Traits::bytes(spare_.back());
  }

  std::vector<T> spare_;
  std::size_t kept_ = 0;  // bytes the spares hold
};

}  // namespace amphora::server::detail
