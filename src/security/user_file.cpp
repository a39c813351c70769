#include "amphora/security/user_file.hpp"

#include <utility>

namespace amphora::security {

std::string user_file::open(const std::string& path, std::shared_ptr<user_file>& out) {
  std::shared_ptr<const file_user_store> users;
  if (std::string error = file_user_store::load(path, users); !error.empty()) return error;
  out = std::make_shared<user_file>(path, std::move(users));
  return {};
}

user_file::user_file(std::string path, std::shared_ptr<const file_user_store> users)
    : path_(std::move(path)), current_(std::move(users)) {}

std::optional<principal> user_file::check(std::string_view user, std::string_view password) const {
  return current_.load(std::memory_order_acquire)->check(user, password);
}

std::string user_file::reload() {
  const std::lock_guard lock(reload_mutex_);
  std::shared_ptr<const file_user_store> users;
  if (std::string error = file_user_store::load(path_, users); !error.empty()) return error;
  current_.store(std::move(users), std::memory_order_release);
  return {};
}

}  // namespace amphora::security
