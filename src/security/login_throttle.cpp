#include "amphora/security/login_throttle.hpp"

#include <algorithm>
#include <utility>

namespace amphora::security {
namespace {

constexpr std::size_t max_key_bytes = 300;  // longer names are tracked by their first bytes

std::string address_key(std::string_view address) {
  return "a:" + std::string(address.substr(0, max_key_bytes));
}
std::string user_key(std::string_view user) { return "u:" + std::string(user.substr(0, max_key_bytes)); }

}  // namespace

login_throttle::login_throttle(throttle_options options) : options_(options) {
  if (options_.max_entries == 0) options_.max_entries = 1;
}

bool login_throttle::allowed(std::string_view address, std::string_view user, clock::time_point now) {
  std::lock_guard lock(mutex_);
  expire_locked(now);
  return !blocked_locked(address_key(address), now) && !blocked_locked(user_key(user), now);
}

void login_throttle::failed(std::string_view address, std::string_view user, clock::time_point now) {
  std::lock_guard lock(mutex_);
  expire_locked(now);
  fail_locked(address_key(address), now);
  fail_locked(user_key(user), now);
}

void login_throttle::succeeded(std::string_view user) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(user_key(user));
  if (it == index_.end()) return;
  order_.erase(it->second);
  index_.erase(it);
}

std::size_t login_throttle::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

bool login_throttle::blocked_locked(const std::string& key, clock::time_point now) {
  const auto it = index_.find(key);
  return it != index_.end() && now < it->second->blocked_until;
}

void login_throttle::fail_locked(std::string key, clock::time_point now) {
  auto found = index_.find(key);
  if (found == index_.end()) {
    while (order_.size() >= options_.max_entries) {
      index_.erase(order_.back().key);
      order_.pop_back();
    }
    order_.push_front(entry{key, 0, now, now});
    found = index_.emplace(std::move(key), order_.begin()).first;
  } else {
    order_.splice(order_.begin(), order_, found->second);
  }
  entry& e = *found->second;
  ++e.failures;
  e.last_failure = now;
  if (e.failures > options_.free_failures) {
    const unsigned doublings = std::min(e.failures - options_.free_failures - 1, 30u);
    const auto delay = options_.base_delay * (1ll << doublings);
    e.blocked_until = now + std::min<std::chrono::milliseconds>(delay, options_.max_delay);
  }
}

// The oldest failures are at the back: drop them once forgotten and no longer blocking.
void login_throttle::expire_locked(clock::time_point now) {
  while (!order_.empty() && now - order_.back().last_failure > options_.forget_after &&
         now >= order_.back().blocked_until) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
}

}  // namespace amphora::security
