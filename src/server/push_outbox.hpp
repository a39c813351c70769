// What the two push connections' sinks share (websocket_session.cpp: WebSocket frames;
// stream_session.cpp: HTTP chunks): the outbox (outbox.hpp), the server's flush sweep
// (flush_sweep.hpp), the connection's strand and the channel's drain (pull mode). An added item
// makes the connection due in the sweep when nothing was waiting; a wake does the same and the
// drain runs on the strand just before the take. Each sink keeps what differs: the framing, the
// bound's unit, and what happens when the bound is passed (on_full). `Session` provides do_flush(),
// called on the strand when the connection's turn in the sweep comes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "flush_sweep.hpp"
#include "net.hpp"
#include "outbox.hpp"

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

  // On the strand, before a take: the channel's drain, if a wake asked for one.
  void drain_if_wanted() {
    if (outbox_.take_drain() && drain_) drain_();
  }

  // Nothing more is added; true if it was open until now.
  bool end_outbox() noexcept { return outbox_.end(); }

  // On the strand: the items added since the last take (outbox::take).
  outbox::taken take(std::vector<std::uint8_t>& out) { return outbox_.take(out); }

  // On the strand: taken items of `cost` were written (or dropped).
  void written(std::size_t cost) { outbox_.written(cost); }

 protected:
  // The bound refused an item: the outbox is ended; the sink applies its policy.
  virtual void on_full() = 0;

  // One item (outbox::add); false if refused.
  template <class Encode>
  bool add(std::size_t cost, Encode&& encode) {
    return settle(outbox_.add(cost, std::forward<Encode>(encode)));
  }

  // Several items under one lock (outbox::add_each); false if the outbox ended before the last.
  template <class Encode>
  bool add_each(std::size_t count, Encode&& encode) {
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
