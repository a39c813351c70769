// The DSIds this gateway issued (FlexClient ids), each with the messaging version its client
// announced and who logged in on it; the gateway's login sessions (cookie ids) are a second
// registry of the same kind. Bounded: at most max_clients entries, each forgotten after idle_timeout without
// a request; when full, the least recently seen id is forgotten. Thread-safe.
//
// An id counts as known only if this gateway issued it: a client-chosen id is never adopted.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "amphora/security/principal.hpp"

namespace amphora::server::detail {

class client_registry {
 public:
  using clock = std::chrono::steady_clock;

  struct client {
    int messaging_version = 0;  // DSMessagingVersion announced on ping (0: none)
  };

  client_registry(std::size_t max_clients, clock::duration idle_timeout, std::function<std::string()> new_id);

  // A fresh id, remembered with this messaging version.
  std::string issue(int messaging_version);
  // The client of a known id (refreshing its idle time), or nothing.
  std::optional<client> touch(std::string_view id);
  // Records a newer messaging version for a known id; false if unknown.
  bool update(std::string_view id, int messaging_version);
  // Binds a principal to a known id (null: logs it out); false if unknown.
  bool set_user(std::string_view id, std::shared_ptr<const security::principal> user);
  // Who logged in on a known id (null: nobody, or an unknown id).
  std::shared_ptr<const security::principal> user(std::string_view id) const;
  void forget(std::string_view id);
  std::size_t size() const;

 private:
  struct entry {
    std::string id;
    client info;
    clock::time_point last_seen;
    std::shared_ptr<const security::principal> user;
  };
  using order = std::list<entry>;  // most recently seen first

  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  order::iterator find_locked(std::string_view id);
  order::const_iterator find_locked(std::string_view id) const;
  void expire_locked(clock::time_point now);

  mutable std::mutex mutex_;
  order order_;
  std::unordered_map<std::string, order::iterator, hash, std::equal_to<>> index_;
  std::size_t max_clients_;
  clock::duration idle_timeout_;
  std::function<std::string()> new_id_;
};

}  // namespace amphora::server::detail
