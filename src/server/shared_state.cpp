#include "shared_state.hpp"

#include <utility>

namespace amphora::server::detail {

shared_state::shared_state(config cfg, router routes, request_log::sink log_sink)
    : config_(std::move(cfg)),
      router_(std::move(routes)),
      cors_(config_),
      log_(config_.level, std::move(log_sink)),
      rates_(config_) {}

bool shared_state::full() const {
  const std::lock_guard lock(mutex_);
  return sessions_.size() >= config_.max_connections;
}

void shared_state::join(const std::shared_ptr<connection>& s) {
  const std::lock_guard lock(mutex_);
  sessions_.emplace(s.get(), s);
}

void shared_state::leave(const connection* s) noexcept {
  {
    const std::lock_guard lock(mutex_);
    sessions_.erase(s);
    if (!sessions_.empty()) return;
  }
  idle_.notify_all();
}

std::vector<std::weak_ptr<connection>> shared_state::sessions() const {
  std::vector<std::weak_ptr<connection>> out;
  const std::lock_guard lock(mutex_);
  out.reserve(sessions_.size());
  for (const auto& [key, weak] : sessions_) out.push_back(weak);
  return out;
}

bool shared_state::wait_idle_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return idle_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

}  // namespace amphora::server::detail
