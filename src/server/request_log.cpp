#include "request_log.hpp"

#include <cstdio>
#include <ctime>
#include <utility>

namespace amphora::server::detail {
namespace {

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), text, static_cast<int>(ms % 1000));
  return out;
}

void write_stderr(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace

std::string format_request_line(const request_record& r) {
  const double ms = std::chrono::duration<double, std::milli>(r.elapsed).count();
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, " %u %zu %zu %.2fms", r.status, r.request_bytes, r.response_bytes,
                ms);
  std::string line = utc_timestamp(r.received);
  line += ' ';
  line += r.remote;
  line += ' ';
  line += r.method.empty() ? "-" : r.method;
  line += ' ';
  line += r.path.empty() ? "-" : r.path;
  line += numbers;
  return line;
}

request_log::request_log(log_level level, sink out)
    : level_(level), out_(out ? std::move(out) : sink(write_stderr)) {}

void request_log::request(const request_record& r) {
  if (enabled(log_level::info)) write(format_request_line(r));
}

void request_log::event(log_level level, std::string_view text) {
  if (!enabled(level)) return;
  std::string line = utc_timestamp(std::chrono::system_clock::now());
  line += ' ';
  line += text;
  write(line);
}

void request_log::write(std::string_view line) {
  const std::lock_guard lock(mutex_);
  out_(line);
}

}  // namespace amphora::server::detail
