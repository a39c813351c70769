// The push connections' flushes, in one server-wide sweep (docs/design.md, "server"). A push
// connection whose outbox (outbox.hpp) has new items becomes due: it joins the back of one queue,
// once (until its flush takes what it holds, later items join that flush). The queue is taken in
// turns of up to `turn` connections, each turn posting their flushes to their strands and then
// itself behind them, so that other work on the I/O threads (a publish, a wake batch, a request)
// runs between turns, never behind a whole fan-out. A connection flushed and made due again goes
// to the back, behind every connection that was due before it: while a fan-out of several messages
// runs, each connection is written once per pass over the queue, with what piled up meanwhile,
// instead of once per message (the bare coalescing server's sweep: docs/performance.md, "Frames
// per write"). With nothing else due, a flush is posted at once: no timer, no wait.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "net.hpp"

namespace amphora::server::detail {

// A connection's flush: posts it to the connection's strand.
class flush_target {
 public:
  virtual ~flush_target() = default;
  virtual void post_flush() = 0;
};

class flush_sweep {
 public:
  using executor = net::io_context::executor_type;

  explicit flush_sweep(std::size_t turn = 256) : turn_(turn > 0 ? turn : 1) {}

  // `target` is due (its outbox asked for a flush). The first due while no turn is under way posts
  // one on `ex` (the server's io_context). The queue holds targets weakly: a connection that has
  // gone by its turn is skipped.
  void due(std::weak_ptr<flush_target> target, const executor& ex) {
    {
      std::lock_guard lock(mutex_);
      due_.push_back(std::move(target));
      if (std::exchange(turn_posted_, true)) return;
    }
    post_turn(ex);
  }

 private:
  void post_turn(const executor& ex) {
    net::post(ex, [this, ex] { run_turn(ex); });
  }

  // One turn at a time (turn_posted_), so taking_ needs no lock.
  void run_turn(const executor& ex) {
    {
      std::lock_guard lock(mutex_);
      const std::size_t n = std::min(turn_, due_.size());
      for (std::size_t i = 0; i < n; ++i) {
        taking_.push_back(std::move(due_.front()));
        due_.pop_front();
      }
    }
    for (std::weak_ptr<flush_target>& t : taking_) {
      if (auto target = t.lock()) target->post_flush();
    }
    taking_.clear();
    {
      std::lock_guard lock(mutex_);
      if (due_.empty()) {
        turn_posted_ = false;
        return;
      }
    }
    post_turn(ex);  // behind the flushes just posted
  }

  const std::size_t turn_;
  std::mutex mutex_;
  std::deque<std::weak_ptr<flush_target>> due_;
  bool turn_posted_ = false;
  std::vector<std::weak_ptr<flush_target>> taking_;
};

}  // namespace amphora::server::detail
