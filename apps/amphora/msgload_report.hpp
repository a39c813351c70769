// amphora msgload's figures and how they are printed: text, or one JSON object (--json).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "msgload.hpp"

namespace amphora::cli::msgload {

struct report {
  std::string channel_label;  // "longpoll", "longpoll+streaming"
  std::string destination;
  std::vector<channel_kind> channels;
  std::size_t clients = 0;
  std::size_t sources = 0;
  std::size_t threads = 0;
  std::array<std::size_t, 3> held_by{};  // by channel_kind
  std::size_t held = 0;
  double setup_seconds = 0;
  std::size_t setup_failed = 0;
  bool server_measured = false;  // --server-pid
  double server_rss_before_mib = -1;
  double server_rss_held_mib = -1;
  double server_kib_per_client = -1;
  double client_rss_mib = -1;
  std::size_t published = 0;
  std::size_t publishers = 1;
  // By publisher (msgload_order.hpp): messages acknowledged, deliveries counted, misordered.
  std::vector<std::size_t> published_by_publisher;
  std::vector<std::uint64_t> deliveries_by_publisher;
  std::vector<std::uint64_t> misordered_by_publisher;
  double published_per_s = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t expected = 0;
  double deliveries_per_s = 0;
  double bytes_per_delivery = 0;  // the bytes of the frames (answers, chunks) holding messages, per message
  double publish_lag_ms = 0;      // the latest a publish went out after its due time (--rate)
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  message_spread::summary spread;  // by message: time to the first and to the last delivery
  double cpu_window_s = 0;
  double server_cpu_s = -1;
  double server_cpu_us_per_delivery = -1;
  double server_cores = -1;
  double client_cpu_s = 0;
  double client_cpu_us_per_delivery = -1;
  double client_cores = -1;
  std::size_t lost = 0;
  std::size_t faults = 0;
  std::size_t misordered = 0;
  std::size_t fd_limit = 0;
};

void print_json(const report& r);
void print_text(const report& r);

// VmRSS of a process in MiB, or -1.
double rss_mib(long pid);

}  // namespace amphora::cli::msgload
