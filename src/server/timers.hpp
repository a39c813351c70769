// server::timers(): timer_service on the server's io_contexts, one steady_timer per scheduled call,
// on the io_context of the I/O thread that schedules it (a call from any other thread: the
// first's), so that a connection's timers fire on its own thread. stop() (after the I/O threads
// are joined) drops every timer; later calls schedule nothing, so a handler that outlives the
// server never touches a dead io_context.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "amphora/server/timer.hpp"
#include "net.hpp"

namespace amphora::server::detail {

class asio_timers final : public timer_service {
 public:
  explicit asio_timers(std::vector<net::io_context*> contexts) : contexts_(std::move(contexts)) {}
  timer_id schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(timer_id id) override;
  void stop();

 private:
  net::io_context& context_here() const;

  std::mutex mutex_;
  std::vector<net::io_context*> contexts_;  // empty once stopped
  timer_id next_ = 0;
  std::unordered_map<timer_id, std::shared_ptr<net::steady_timer>> timers_;
};

}  // namespace amphora::server::detail
