// Per-client request rates: a token bucket per client address (config::rate_limit, rate_burst,
// rate_exempt, rate_clients). The session asks before routing each request; a refused request is
// answered 429 with Retry-After at once, so a flood costs one table lookup per request and never
// blocks the I/O thread. Time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amphora/server/config.hpp"

namespace amphora::server::detail {

// The address of a session's "ADDRESS:PORT" peer text ("::1:5000" -> "::1").
inline std::string_view address_of(std::string_view peer) noexcept { return peer.substr(0, peer.rfind(':')); }

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(const config& cfg);

  // Whether a request from `address` (no port; an IPv4-mapped IPv6 address counts as its IPv4
  // address) may go on at `now`. If not, `retry_after` is how
  // many whole seconds (at least 1) until the client has a token again.
  bool admit(std::string_view address, clock::time_point now, std::chrono::seconds& retry_after);

  // Addresses with a bucket now (at most config::rate_clients).
  std::size_t tracked() const;

 private:
  struct bucket {
    double tokens = 0;
    clock::time_point updated;
  };

  void make_room(clock::time_point now);

  double rate_;   // tokens per second; 0: no limit
  double burst_;  // bucket size
  std::vector<std::string> exempt_;
  std::size_t max_clients_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
  clock::time_point last_sweep_{};
};

}  // namespace amphora::server::detail
