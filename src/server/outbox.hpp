// What a push connection's sink and its session share (websocket_session.cpp: WebSocket frames;
// stream_session.cpp: HTTP chunks): the outbox. Any thread adds an item (a message) to it, encoded
// at once into one buffer; the connection is made due in the server's flush sweep (flush_sweep.hpp)
// only when nothing was waiting to be taken, so that items added in a burst (several publishes that
// ran ahead of the pushes, a backlog behind a slow reader) are taken together and go out in one
// write. In pull mode the owner only says it has items (want_drain); the take says a drain was
// wanted, and the strand then encodes the drain's items straight into the buffer it took, with no
// lock held, and counts them against the bound under one short lock (add_taken), so that they are
// encoded when they are written, not while they wait, and a wake never waits for an encoding. The queue is
// bounded (frames, or payload bytes): an item that would pass the bound ends the outbox (the documented
// slow-client policy: the session closes after what is queued, or at once). Also the server's count
// of push writes and of the items they carried (write_counts), logged when the server stops.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace amphora::server::detail {

class outbox {
 public:
  // The most add_each reserves ahead for a batch's items after its first (they may be smaller).
  static constexpr std::size_t max_batch_reserve = 256 * 1024;

  // Counted toward the bound: frames (WebSocket) or payload bytes (streaming).
  explicit outbox(std::size_t bound) : bound_(bound) {}

  std::size_t bound() const noexcept { return bound_; }

  enum class added {
    queued,  // after others still waiting: the strand was told already
    flush,   // the first waiting: the caller tells the strand (posts a flush)
    full,    // refused: it would pass the bound; the outbox is ended now (the caller says so)
    ended,   // refused: the outbox was ended before
  };

  // Adds an item of `cost` that `encode(buffer)` appends to the buffer. One item always fits an
  // empty queue, whatever its cost.
  template <class Encode>
  added add(std::size_t cost, Encode&& encode) {
    std::lock_guard lock(mutex_);
    if (ended_) return added::ended;
    if (queued_ > 0 && queued_ + cost > bound_) {
      ended_ = true;
      return added::full;
    }
    encode(pending_);
    queued_ += cost;
    pending_cost_ += cost;
    ++pending_items_;
    return std::exchange(flush_posted_, true) ? added::queued : added::flush;
  }

  // After a batch's first item, of `count`, was appended to `buffer` from `at` on (item `i`): grows
  // the buffer once for the rest at its size (at most max_batch_reserve more: one large message
  // ahead of many small ones must not reserve the large size for each), not doubled step by step.
  static void reserve_for_rest(std::vector<std::uint8_t>& buffer, std::size_t at, std::size_t i,
                               std::size_t count) {
    if (i + 1 >= count) [[likely]]
      return;
    const std::size_t size = buffer.size() - at;
    buffer.reserve(buffer.size() + std::min(size * (count - i - 1), max_batch_reserve));
  }

  // Adds up to `count` items under one lock: `encode(i, buffer)` appends item i to the buffer and
  // returns its cost, or nothing to skip it (what it appended is dropped). Each item meets the
  // bound as add's would: the first that would pass it is dropped and ends the outbox (full), the
  // items before it stay. The buffer is grown once after the first item (reserve_for_rest). The
  // result is the one add would give for the last item added (queued when none was, and the
  // outbox is open).
  template <class Encode>
  added add_each(std::size_t count, Encode&& encode) {
    std::lock_guard lock(mutex_);
    if (ended_) return added::ended;
    std::size_t added_items = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t at = pending_.size();
      const std::optional<std::size_t> cost = encode(i, pending_);
      if (!cost) {
        pending_.resize(at);
        continue;
      }
      if (queued_ > 0 && queued_ + *cost > bound_) {
        pending_.resize(at);
        ended_ = true;
        return added::full;
      }
      if (added_items == 0) reserve_for_rest(pending_, at, i, count);
      queued_ += *cost;
      pending_cost_ += *cost;
      ++pending_items_;
      ++added_items;
    }
    if (added_items == 0) return added::queued;
    return std::exchange(flush_posted_, true) ? added::queued : added::flush;
  }

  // Pull mode (message_sink::wake): the owner has items waiting elsewhere, to be encoded on the
  // strand just after the next take (which says so: taken::drain). Like the first add, the first
  // of these asks for a flush; until the take, more wants and adds join that flush. One that comes
  // after the take asks for a flush of its own, even while the drain runs.
  added want_drain() {
    std::lock_guard lock(mutex_);
    if (ended_) return added::ended;
    drain_wanted_ = true;
    return std::exchange(flush_posted_, true) ? added::queued : added::flush;
  }

  // Nothing more is added; true if it was open until now.
  bool end() noexcept {
    std::lock_guard lock(mutex_);
    return !std::exchange(ended_, true);
  }

  struct taken {
    std::size_t cost = 0;
    std::size_t items = 0;
    bool drain = false;  // a drain was wanted since the last take
  };

  // On the strand: what was added since the last take, swapped into `out` (empty; its capacity
  // comes back here for the next items), and whether a drain was wanted. Whatever is added or
  // wanted from now on asks for a flush of its own.
  taken take(std::vector<std::uint8_t>& out) {
    std::lock_guard lock(mutex_);
    pending_.swap(out);
    flush_posted_ = false;
    return {std::exchange(pending_cost_, 0), std::exchange(pending_items_, 0),
            std::exchange(drain_wanted_, false)};
  }

  // An item the strand encoded after a take, straight into the buffer it took: where it ends in
  // that buffer, and its cost.
  struct encoded {
    std::size_t end = 0;
    std::size_t cost = 0;
  };

  struct counted {
    added result = added::queued;  // queued, full, or ended (none counted: the outbox was ended)
    std::size_t items = 0;         // the first `items` are counted (now being written)
    std::size_t cost = 0;          // their cost
  };

  // On the strand, after a take: counts `items` (encoded with no lock held, behind what was taken)
  // against the bound, in order, as add_each would: the first that would pass it ends the outbox
  // (full) and neither it nor any after it is counted; the caller drops them.
  counted add_taken(std::span<const encoded> items) {
    std::size_t total = 0;
    for (const encoded& e : items) total += e.cost;
    std::lock_guard lock(mutex_);
    if (ended_) return {added::ended, 0, 0};
    if (queued_ + total <= bound_) {  // all fit: no need to look at them one by one
      queued_ += total;
      return {added::queued, items.size(), total};
    }
    counted c;
    for (const encoded& e : items) {
      if (queued_ > 0 && queued_ + e.cost > bound_) {
        ended_ = true;
        c.result = added::full;
        return c;
      }
      queued_ += e.cost;
      ++c.items;
      c.cost += e.cost;
    }
    return c;
  }

  // On the strand: taken items of `cost` were written (or dropped): they count no more.
  void written(std::size_t cost) {
    std::lock_guard lock(mutex_);
    queued_ -= cost;
  }

 private:
  const std::size_t bound_;
  std::mutex mutex_;
  std::vector<std::uint8_t> pending_;  // encoded, not yet taken
  std::size_t pending_cost_ = 0;       // of the items in pending_
  std::size_t pending_items_ = 0;
  std::size_t queued_ = 0;  // cost added and not yet written (pending or being written)
  bool flush_posted_ = false;
  bool drain_wanted_ = false;
  bool ended_ = false;
};

// A session's write buffer (the one it swaps with the outbox's on each take) with a larger capacity
// than this after a write is given back rather than kept for the next one. Kept, every connection
// would hold the size of its largest burst (10,000 subscribers x a few KiB, touched page by page
// while a fan-out runs: docs/performance.md, "Write buffers"); given back, a burst's buffer comes
// from, and returns to, the allocator's free memory, which the bursts of all connections share.
// A one-message write fits under it and allocates nothing.
inline constexpr std::size_t max_kept_write_buffer = 1024;

// How many push writes a kind of connection made and how many items (frames, chunks) they carried:
// one relaxed addition of each per write, read when the server stops. Also the flushes that found
// nothing to write (a wake whose messages an earlier drain took, a drain of an empty queue).
struct write_counts {
  std::atomic<std::uint64_t> writes{0};
  std::atomic<std::uint64_t> items{0};
  std::atomic<std::uint64_t> empty{0};

  void add(std::size_t carried) noexcept {
    writes.fetch_add(1, std::memory_order_relaxed);
    items.fetch_add(carried, std::memory_order_relaxed);
  }

  void add_empty() noexcept { empty.fetch_add(1, std::memory_order_relaxed); }

  // "N frames in M writes (x per write), E empty flushes", `what` naming the items.
  std::string summary(const char* what) const {
    const std::uint64_t w = writes.load(std::memory_order_relaxed);
    const std::uint64_t n = items.load(std::memory_order_relaxed);
    const double per = w > 0 ? static_cast<double>(n) / static_cast<double>(w) : 0;
    char per_text[32];
    std::snprintf(per_text, sizeof per_text, "%.2f", per);
    return std::to_string(n) + " " + what + " in " + std::to_string(w) + " writes (" + per_text +
           " per write), " + std::to_string(empty.load(std::memory_order_relaxed)) + " empty flushes";
  }
};

}  // namespace amphora::server::detail
