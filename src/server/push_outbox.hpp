// What the two push connections' sinks share (websocket_session.cpp: WebSocket frames;
// stream_session.cpp: HTTP chunks): the outbox (outbox.hpp), the server's flush sweep
// (flush_sweep.hpp), the connection's strand and the channel's drain (pull mode). An added item
// makes the connection due in the sweep when nothing was waiting; a wake does the same and the
// drain runs on the strand just after the take: what it adds is encoded straight into the buffer
// taken, with no lock held, and counted against the bound under one short lock (outbox::add_taken),
// so a publishing thread's wake never waits on the outbox's lock for an encoding. Each sink keeps
// what differs: the framing, the bound's unit, and what happens when the bound is passed
// (on_full). `Session` provides do_flush(), called on the strand when the connection's turn in the
// sweep comes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "flush_sweep.hpp"
#include "net.hpp"
#include "outbox.hpp"
#include "write_buffers.hpp"

namespace amphora::server::detail {

template <class Session>
class push_outbox : public flush_target, public std::enable_shared_from_this<push_outbox<Session>> {
 public:
  push_outbox(std::weak_ptr<Session> session, strand executor, std::size_t bound, flush_sweep& sweep)
      : session_(std::move(session)), strand_(std::move(executor)), outbox_(bound), sweep_(sweep) {}

  // The sweep's turn came.
  void post_flush() final {
    post([](Session& s) { s.do_flush(); });
  }

  // Nothing more is added; true if it was open until now.
  bool end_outbox() noexcept { return outbox_.end(); }

  // On the strand: the items added since the last take (outbox::take), then, if a wake asked for
  // one, the channel's drain, whose items (add, add_each on this thread) follow them in `out`:
  // encoded into one of this thread's spare write buffers (write_buffers.hpp), given back at once
  // if the drain found nothing, so that an idle connection holds none.
  outbox::taken take(std::vector<std::uint8_t>& out) {
    outbox::taken t = outbox_.take(out);
    if (t.drain && drain_) {
      use_spare_write_buffer(out);
      drain_batch batch{this, &out, &t};
      const drain_batch* outer = std::exchange(current_drain, &batch);
      struct restore {
        const drain_batch* outer;
        ~restore() { current_drain = outer; }
      } restored{outer};
      drain_();
    }
    if (out.empty()) give_back_write_buffer(out);
    return t;
  }

  // On the strand: taken items of `cost` were written (or dropped).
  void written(std::size_t cost) { outbox_.written(cost); }

 protected:
  // The bound refused an item: the outbox is ended; the sink applies its policy.
  virtual void on_full() = 0;

  // One item (outbox::add); false if refused.
  template <class Encode>
  bool add(std::size_t cost, Encode&& encode) {
    if (current_drain != nullptr && current_drain->owner == this) {
      return add_to_taken(*current_drain, 1, [&](std::size_t, std::vector<std::uint8_t>& out) {
        encode(out);
        return std::optional<std::size_t>(cost);
      });
    }
    return settle(outbox_.add(cost, std::forward<Encode>(encode)));
  }

  // Several items under one lock (outbox::add_each); false if the outbox ended before the last.
  template <class Encode>
  bool add_each(std::size_t count, Encode&& encode) {
    if (current_drain != nullptr && current_drain->owner == this) {
      return add_to_taken(*current_drain, count, std::forward<Encode>(encode));
    }
    return settle(outbox_.add_each(count, std::forward<Encode>(encode)));
  }

  // Pull mode: the drain runs on the strand when the connection's turn comes.
  void set_drain_function(std::function<void()> drain) { drain_ = std::move(drain); }
  void wake_drain() { settle(outbox_.want_drain()); }

  // Runs `f(session)` on the strand, if the session is still there.
  template <class F>
  void post(F f) {
    net::post(strand_, [weak = session_, f = std::move(f)]() mutable {
      if (auto s = weak.lock()) f(*s);
    });
  }

 private:
  // The drain under way on this thread (take): whose, the buffer taken and what it holds.
  struct drain_batch {
    const push_outbox* owner;
    std::vector<std::uint8_t>* out;
    outbox::taken* taken;
  };
  static inline thread_local const drain_batch* current_drain = nullptr;
  // add_to_taken's list of the items it encoded: one per I/O thread, not one per connection.
  static inline thread_local std::vector<outbox::encoded> drain_items;

  // In the drain, on the strand: the items are encoded behind what was taken, with no lock held
  // (outbox::add_each's encode, bound and growth), then counted under one lock (add_taken); those
  // the bound refuses are dropped from the buffer. The encoding stops at an item that passes the
  // bound with what was taken alone (queued at least): the count would refuse it anyway.
  template <class Encode>
  bool add_to_taken(const drain_batch& batch, std::size_t count, Encode&& encode) {
    std::vector<std::uint8_t>& out = *batch.out;
    const std::size_t start = out.size();
    std::vector<outbox::encoded>& encoded = drain_items;
    encoded.clear();
    std::size_t known = batch.taken->cost;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t at = out.size();
      const std::optional<std::size_t> cost = encode(i, out);
      if (!cost) {
        out.resize(at);
        continue;
      }
      if (encoded.empty()) outbox::reserve_for_rest(out, at, i, count);
      encoded.push_back({out.size(), *cost});
      if (known > 0 && known + *cost > outbox_.bound()) break;
      known += *cost;
    }
    const auto [result, counted, cost] = outbox_.add_taken(encoded);
    if (counted < encoded.size()) out.resize(counted > 0 ? encoded[counted - 1].end : start);
    batch.taken->cost += cost;
    batch.taken->items += counted;
    return settle(result);
  }

  bool settle(outbox::added result) {
    switch (result) {
      case outbox::added::queued:
        return true;
      case outbox::added::flush:
        sweep_.due(this->weak_from_this(), strand_.get_inner_executor());
        return true;
      case outbox::added::full:
        on_full();
        return false;
      case outbox::added::ended:
        break;
    }
    return false;
  }

  std::weak_ptr<Session> session_;
  strand strand_;
  outbox outbox_;
  flush_sweep& sweep_;  // the server's: it outlives every connection's handlers
  std::function<void()> drain_;
};

}  // namespace amphora::server::detail
