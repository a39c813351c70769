// The user file in force, reloadable without a restart (`amphora serve --users`, SIGHUP and the
// admin reload): an authenticator whose checks use a snapshot of the file (a shared_ptr to an
// immutable file_user_store); reload() reads the file again and swaps the snapshot atomically.
// A reload that fails keeps the users in force and returns the error.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "amphora/security/user_store.hpp"

namespace amphora::security {

class user_file final : public authenticator {
 public:
  // Reads `path`; returns "" and sets `out`, or the error ("FILE:LINE: reason").
  static std::string open(const std::string& path, std::shared_ptr<user_file>& out);

  explicit user_file(std::string path, std::shared_ptr<const file_user_store> users);
  user_file(const user_file&) = delete;
  user_file& operator=(const user_file&) = delete;

  std::optional<principal> check(std::string_view user, std::string_view password) const override;
  // Reads the file again. Returns "" once the new users are in force, else the error and the old
  // users stay. Any thread; reloads run one at a time.
  std::string reload();
  std::size_t size() const noexcept { return current_.load(std::memory_order_acquire)->size(); }
  const std::string& path() const noexcept { return path_; }

 private:
  const std::string path_;
  std::mutex reload_mutex_;
  std::atomic<std::shared_ptr<const file_user_store>> current_;
};

}  // namespace amphora::security
