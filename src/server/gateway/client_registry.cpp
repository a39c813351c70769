#include "client_registry.hpp"

#include <utility>

namespace amphora::server::detail {

client_registry::client_registry(std::size_t max_clients, clock::duration idle_timeout,
                                 std::function<std::string()> new_id)
    : max_clients_(max_clients == 0 ? 1 : max_clients),
      idle_timeout_(idle_timeout),
      new_id_(std::move(new_id)) {}

std::string client_registry::issue(int messaging_version) {
  std::string id = new_id_();
  const clock::time_point now = clock::now();
  std::lock_guard lock(mutex_);
  expire_locked(now);
  while (order_.size() >= max_clients_) {
    index_.erase(order_.back().id);
    order_.pop_back();
  }
  order_.push_front(entry{id, client{messaging_version}, now, nullptr});
  index_.insert_or_assign(id, order_.begin());
  return id;
}

std::optional<client_registry::client> client_registry::touch(std::string_view id) {
  const clock::time_point now = clock::now();
  std::lock_guard lock(mutex_);
  expire_locked(now);
  auto it = find_locked(id);
  if (it == order_.end()) return std::nullopt;
  it->last_seen = now;
  order_.splice(order_.begin(), order_, it);
  return it->info;
}

bool client_registry::update(std::string_view id, int messaging_version) {
  std::lock_guard lock(mutex_);
  auto it = find_locked(id);
  if (it == order_.end()) return false;
  it->info.messaging_version = messaging_version;
  return true;
}

bool client_registry::set_user(std::string_view id, std::shared_ptr<const security::principal> user) {
  std::lock_guard lock(mutex_);
  auto it = find_locked(id);
  if (it == order_.end()) return false;
  it->user = std::move(user);
  return true;
}

std::shared_ptr<const security::principal> client_registry::user(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = find_locked(id);
  return it == order_.end() ? nullptr : it->user;
}

void client_registry::forget(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = find_locked(id);
  if (it == order_.end()) return;
  index_.erase(it->id);
  order_.erase(it);
}

std::size_t client_registry::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

client_registry::order::iterator client_registry::find_locked(std::string_view id) {
  auto found = index_.find(id);
  return found == index_.end() ? order_.end() : found->second;
}

client_registry::order::const_iterator client_registry::find_locked(std::string_view id) const {
  auto found = index_.find(id);
  return found == index_.end() ? order_.cend() : order::const_iterator(found->second);
}

// The least recently seen entries are at the back: drop them while they are idle too long.
void client_registry::expire_locked(clock::time_point now) {
  while (!order_.empty() && now - order_.back().last_seen > idle_timeout_) {
    index_.erase(order_.back().id);
    order_.pop_back();
  }
}

}  // namespace amphora::server::detail
