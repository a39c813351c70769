// What every session shares, built once by the server: settings, routes, CORS, the log, the
// per-client request rates, the worker pool, and the registry of live sessions (for
// max_connections and the graceful stop).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "amphora/server/config.hpp"
#include "cors.hpp"
#include "flush_sweep.hpp"
#include "outbox.hpp"
#include "rate_limiter.hpp"
#include "request_log.hpp"
#include "router.hpp"

namespace amphora::server::detail {

// A live connection (an HTTP session, a WebSocket connection): counted for max_connections and
// told when the server stops.
class connection {
 public:
  virtual ~connection() = default;
  virtual void shutdown() = 0;  // graceful stop, from any thread
};

class shared_state {
 public:
  shared_state(config cfg, router routes, request_log::sink log_sink);

  const config& settings() const noexcept { return config_; }
  const router& routes() const noexcept { return router_; }
  const cors_policy& cors() const noexcept { return cors_; }
  request_log& log() noexcept { return log_; }
  rate_limiter& rates() noexcept { return rates_; }

  // Whether max_connections sessions are live. Only the listener adds sessions, so its answer
  // holds until the listener's next join.
  bool full() const;
  void join(const std::shared_ptr<connection>& s);
  void leave(const connection* s) noexcept;  // from the connection's destructor
  std::vector<std::weak_ptr<connection>> sessions() const;

  // Graceful stop: set once; sessions consult it when they decide on keep-alive.
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  void set_stopping() noexcept { stopping_.store(true, std::memory_order_release); }
  // False once the I/O threads are gone: late replies are then dropped, not posted.
  bool io_running() const noexcept { return io_running_.load(std::memory_order_acquire); }
  void set_io_stopped() noexcept { io_running_.store(false, std::memory_order_release); }
  // Waits until no session is left or the deadline passes; true if none is left.
  bool wait_idle_until(std::chrono::steady_clock::time_point deadline);

  // The push connections' writes and the frames or chunks they carried (logged at the stop).
  write_counts& websocket_writes() noexcept { return websocket_writes_; }
  write_counts& stream_writes() noexcept { return stream_writes_; }
  // The push connections' flushes, in one sweep (flush_sweep.hpp).
  flush_sweep& flushes() noexcept { return flushes_; }

 private:
  config config_;
  router router_;
  cors_policy cors_;
  request_log log_;
  rate_limiter rates_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> io_running_{true};
  write_counts websocket_writes_;
  write_counts stream_writes_;
  flush_sweep flushes_;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::unordered_map<const connection*, std::weak_ptr<connection>> sessions_;
};

}  // namespace amphora::server::detail
