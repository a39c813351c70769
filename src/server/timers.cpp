#include "timers.hpp"

#include <utility>

namespace amphora::server::detail {

timer_service::timer_id asio_timers::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  if (ioc_ == nullptr) return 0;
  const timer_id id = ++next_;
  auto timer = std::make_shared<net::steady_timer>(*ioc_, delay);
  timers_.emplace(id, timer);
  timer->async_wait([this, id, timer, fn = std::move(fn)](error_code ec) {
    {
      std::lock_guard inner(mutex_);
      timers_.erase(id);
    }
    if (!ec) fn();
  });
  return id;
}

void asio_timers::cancel(timer_id id) {
  std::lock_guard lock(mutex_);
  auto it = timers_.find(id);
  if (it != timers_.end()) it->second->cancel();
}

void asio_timers::stop() {
  std::lock_guard lock(mutex_);
  ioc_ = nullptr;
  timers_.clear();
}

}  // namespace amphora::server::detail
