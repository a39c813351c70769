// Timers for handlers that answer later (a long poll waits for a message or its wait interval).
// The server provides one on its event loop (server::timers()); gateway tests pass a fake that
// they advance by hand. No Asio type appears here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace amphora::server {

class timer_service {
 public:
  using timer_id = std::uint64_t;  // 0 is never a valid id

  virtual ~timer_service() = default;
  // Runs `fn` once, on some thread, after `delay`, unless cancel(id) came first. Returns 0 (and
  // never runs fn) once the service has stopped.
  virtual timer_id schedule(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Best effort: fn may already be running. Unknown or finished ids are ignored.
  virtual void cancel(timer_id id) = 0;
};

}  // namespace amphora::server
