// Failed logins slow down the next ones, per remote address and per user name, without sleeping:
// after `free_failures` failures in a row a key is blocked for base_delay, and each further
// failure doubles the block (up to max_delay). A login attempt while its address or its user name
// is blocked is refused at once, without checking the password. A success clears the user name's
// record (not the address's: logging into one's own account must not reset a guessing address).
//
// Memory is bounded: at most max_entries keys; a key is forgotten forget_after its last failure,
// and when the table is full the key whose last failure is oldest goes first. User names are
// tracked whether they exist or not. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace amphora::security {

struct throttle_options {
  unsigned free_failures = 3;  // failures before the first block
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_delay{15 * 60 * 1000};
  std::chrono::milliseconds forget_after{60 * 60 * 1000};
  std::size_t max_entries = 100000;
};

class login_throttle {
 public:
  using clock = std::chrono::steady_clock;

  explicit login_throttle(throttle_options options = {});

  // Whether an attempt for this address and user may be checked now.
  bool allowed(std::string_view address, std::string_view user, clock::time_point now = clock::now());
  void failed(std::string_view address, std::string_view user, clock::time_point now = clock::now());
  void succeeded(std::string_view user);
  std::size_t size() const;

 private:
  struct entry {
    std::string key;
    unsigned failures = 0;
    clock::time_point last_failure;
    clock::time_point blocked_until;
  };
  using order = std::list<entry>;  // most recent failure first

  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  bool blocked_locked(const std::string& key, clock::time_point now);
  void fail_locked(std::string key, clock::time_point now);
  void expire_locked(clock::time_point now);

  throttle_options options_;
  mutable std::mutex mutex_;
  order order_;
  std::unordered_map<std::string, order::iterator, hash, std::equal_to<>> index_;
};

}  // namespace amphora::security
