#include "msgload_report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace amphora::cli::msgload {
namespace {

// `"name":[a,b,c]`
template <class T>
void print_list(const char* name, const std::vector<T>& values) {
  std::printf(",\"%s\":[", name);
  for (std::size_t i = 0; i < values.size(); ++i)
    std::printf("%s%llu", i == 0 ? "" : ",", static_cast<unsigned long long>(values[i]));
  std::printf("]");
}

}  // namespace

void print_json(const report& r) {
  std::printf(
      "{\"channel\":\"%s\",\"clients\":%zu,\"sources\":%zu,\"threads\":%zu,\"held\":%zu,"
      "\"held_longpoll\":%zu,\"held_streaming\":%zu,\"held_websocket\":%zu,\"setup_s\":%.3f,"
      "\"setup_failed\":%zu,\"server_rss_before_mib\":%.1f,\"server_rss_held_mib\":%.1f,"
      "\"server_kib_per_client\":%.2f,\"client_rss_mib\":%.1f,\"published\":%zu,\"published_per_s\":%.1f,"
      "\"deliveries\":%llu,\"expected\":%llu,\"deliveries_per_s\":%.1f,\"bytes_per_delivery\":%.1f,"
      "\"publish_lag_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"max_ms\":%.3f,\"cpu_window_s\":%.3f,\"server_cpu_s\":%.3f,\"server_cpu_us_per_delivery\":%.2f,"
      "\"server_cores\":%.2f,\"client_cpu_s\":%.3f,\"client_cpu_us_per_delivery\":%.2f,"
      "\"client_cores\":%.2f,\"lost\":%zu,\"faults\":%zu,\"misordered\":%zu,\"fd_limit\":%zu,"
      "\"publishers\":%zu",
      r.channel_label.c_str(), r.clients, r.sources, r.threads, r.held, r.held_by[0], r.held_by[1],
      r.held_by[2], r.setup_seconds, r.setup_failed, r.server_rss_before_mib, r.server_rss_held_mib,
      r.server_kib_per_client, r.client_rss_mib, r.published, r.published_per_s,
      static_cast<unsigned long long>(r.deliveries), static_cast<unsigned long long>(r.expected),
      r.deliveries_per_s, r.bytes_per_delivery, r.publish_lag_ms, r.p50_ms, r.p99_ms, r.max_ms,
      r.cpu_window_s, r.server_cpu_s, r.server_cpu_us_per_delivery, r.server_cores, r.client_cpu_s,
      r.client_cpu_us_per_delivery, r.client_cores, r.lost, r.faults, r.misordered, r.fd_limit, r.publishers);
  print_list("published_by_publisher", r.published_by_publisher);
  print_list("deliveries_by_publisher", r.deliveries_by_publisher);
  print_list("misordered_by_publisher", r.misordered_by_publisher);
  std::printf(
      ",\"p90_ms\":%.3f,\"spread_messages\":%zu,\"first_delivery_ms\":%.3f,\"first_delivery_max_ms\":%.3f,"
      "\"last_delivery_ms\":%.3f,\"last_delivery_max_ms\":%.3f}\n",
      r.p90_ms, r.spread.messages, r.spread.first_p50_ms, r.spread.first_max_ms, r.spread.last_p50_ms,
      r.spread.last_max_ms);
}

void print_text(const report& r) {
  std::printf("%s: %zu subscribers on '%s', %zu source address(es), %zu thread(s)\n", r.channel_label.c_str(),
              r.clients, r.destination.c_str(), std::max<std::size_t>(1, r.sources), r.threads);
  std::printf("held:        %zu (subscribed in %.2f s, %zu failed)", r.held, r.setup_seconds, r.setup_failed);
  for (std::size_t k = 0; k < r.held_by.size() && r.channels.size() > 1; ++k) {
    if (std::find(r.channels.begin(), r.channels.end(), static_cast<channel_kind>(k)) == r.channels.end())
      continue;
    std::printf("; %.*s %zu", static_cast<int>(channel_names[k].size()), channel_names[k].data(),
                r.held_by[k]);
  }
  std::printf("\n");
  if (r.server_measured) {
    std::printf("server RSS:  %.1f MiB before, %.1f MiB holding them (%.2f KiB per client)\n",
                r.server_rss_before_mib, r.server_rss_held_mib, r.server_kib_per_client);
  }
  std::printf("published:   %zu (%.0f/s)", r.published, r.published_per_s);
  if (r.publishers > 1) {
    std::printf(" by %zu publishers:", r.publishers);
    for (std::size_t i = 0; i < r.published_by_publisher.size(); ++i) {
      std::printf(" %zu (%llu delivered, %llu out of order)", r.published_by_publisher[i],
                  static_cast<unsigned long long>(r.deliveries_by_publisher[i]),
                  static_cast<unsigned long long>(r.misordered_by_publisher[i]));
    }
  }
  std::printf("\n");
  std::printf("deliveries:  %llu of %llu (%.0f/s, %.0f bytes each)\n",
              static_cast<unsigned long long>(r.deliveries), static_cast<unsigned long long>(r.expected),
              r.deliveries_per_s, r.bytes_per_delivery);
  std::printf("latency:     p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms (publish to deliver)\n",
              r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms);
  if (r.spread.messages > 0) {
    std::printf(
        "by message:  first delivery %.3f ms (max %.3f), last delivery %.3f ms (max %.3f) after the publish "
        "(medians over %zu messages)\n",
        r.spread.first_p50_ms, r.spread.first_max_ms, r.spread.last_p50_ms, r.spread.last_max_ms,
        r.spread.messages);
  }
  if (r.publish_lag_ms > 0)
    std::printf("publisher:   %.3f ms behind its --rate at worst\n", r.publish_lag_ms);
  if (r.server_measured) {
    std::printf("server CPU:  %.2f us per delivery, %.2f cores busy\n", r.server_cpu_us_per_delivery,
                r.server_cores);
  }
  std::printf("msgload CPU: %.2f us per delivery, %.2f cores busy\n", r.client_cpu_us_per_delivery,
              r.client_cores);
  std::printf("errors:      %zu lost connections, %zu faults, %zu out of order\n", r.lost, r.faults,
              r.misordered);
}

double rss_mib(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return -1;
}

}  // namespace amphora::cli::msgload
