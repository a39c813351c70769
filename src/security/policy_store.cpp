#include "amphora/security/policy_store.hpp"

#include <utility>

namespace amphora::security {

policy_store::policy_store(std::string path)
    : path_(std::move(path)), current_(std::make_shared<const policy>(policy::load(path_))) {}

std::string policy_store::reload() {
  const std::lock_guard lock(reload_mutex_);
  try {
    current_.store(std::make_shared<const policy>(policy::load(path_)), std::memory_order_release);
    return {};
  } catch (const policy_error& e) {
    return e.what();
  }
}

}  // namespace amphora::security
