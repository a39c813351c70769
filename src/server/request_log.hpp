// The server's log: one line per request (at info) and the odd event line, each to a sink that
// takes whole lines (stderr by default). Safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "amphora/server/config.hpp"

namespace amphora::server::detail {

struct request_record {
  std::chrono::system_clock::time_point received;
  std::string remote;  // "127.0.0.1:53012"
  std::string method;
  std::string path;
  unsigned status = 0;
  std::size_t request_bytes = 0;   // header and body as read
  std::size_t response_bytes = 0;  // as written
  std::chrono::steady_clock::duration elapsed{};
};

// "2025-01-31T12:00:00.123Z 127.0.0.1:53012 POST /amf 200 312 245 0.41ms"
std::string format_request_line(const request_record& r);

class request_log {
 public:
  using sink = std::function<void(std::string_view line)>;

  request_log(log_level level, sink out);

  bool enabled(log_level level) const noexcept { return level != log_level::off && level <= level_; }
  void request(const request_record& r);
  void event(log_level level, std::string_view text);

 private:
  void write(std::string_view line);

  log_level level_;
  sink out_;
  std::mutex mutex_;  // guards the default sink (stderr) and user sinks alike: one line at a time
};

}  // namespace amphora::server::detail
