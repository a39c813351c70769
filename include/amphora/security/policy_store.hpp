// The policy in force, reloadable without a restart: readers take a snapshot (a shared_ptr to an
// immutable policy) per request; reload() reads the file again and swaps the snapshot atomically.
// A reload that fails keeps the policy in force and returns the error.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "amphora/security/policy.hpp"

namespace amphora::security {

class policy_store {
 public:
  // Loads `path`; throws policy_error (a server must not start with a broken policy).
  explicit policy_store(std::string path);
  policy_store(const policy_store&) = delete;
  policy_store& operator=(const policy_store&) = delete;

  // The policy in force; any thread.
  std::shared_ptr<const policy> current() const noexcept { return current_.load(std::memory_order_acquire); }

  // Reads the file again. Returns "" once the new policy is in force, else the error
  // ("FILE:LINE: reason") and the old policy stays. Any thread; reloads run one at a time.
  std::string reload();

  const std::string& path() const noexcept { return path_; }

 private:
  const std::string path_;
  std::mutex reload_mutex_;
  std::atomic<std::shared_ptr<const policy>> current_;
};

}  // namespace amphora::security
