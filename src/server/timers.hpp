// server::timers(): timer_service on the server's io_context, one steady_timer per scheduled call.
// stop() (after the I/O threads are joined) drops every timer; later calls schedule nothing, so
// a handler that outlives the server never touches a dead io_context.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "amphora/server/timer.hpp"
#include "net.hpp"

namespace amphora::server::detail {

class asio_timers final : public timer_service {
 public:
  explicit asio_timers(net::io_context& ioc) : ioc_(&ioc) {}
  timer_id schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(timer_id id) override;
  void stop();

 private:
  std::mutex mutex_;
  net::io_context* ioc_;  // null once stopped
  timer_id next_ = 0;
  std::unordered_map<timer_id, std::shared_ptr<net::steady_timer>> timers_;
};

}  // namespace amphora::server::detail
