// What the parts of amphora msgload share (cmd_msgload.cpp: the command; msgload_socket: one
// connection; msgload_subscribers: a subscriber per channel; msgload_publisher; msgload_report):
// the settings, the counters every thread adds to, a client thread (worker) and how a published
// message carries its sequence number and send time.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "load_client.hpp"
#include "msgload_histogram.hpp"
#include "msgload_spread.hpp"

namespace amphora::cli::msgload {

constexpr std::size_t max_response = 64 * 1024 * 1024;  // a poll answer may hold 1,000 messages
constexpr std::size_t read_buffer_bytes = 256 * 1024;   // per client thread, shared by its connections

// A published message's body: the marker, its sequence number and the steady clock (ns) when it
// was written. Subscribers find every marker in what they receive: one delivery each.
constexpr std::string_view marker = "amphora-msgload:";
constexpr std::size_t sequence_digits = 10;
constexpr std::size_t time_digits = 20;

// The clock of the send and receive times: CLOCK_MONOTONIC, read by the publisher and the
// subscribers of this one process.
inline std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

enum class channel_kind : std::size_t { longpoll, streaming, websocket };
constexpr std::array<std::string_view, 3> channel_names = {"longpoll", "streaming", "websocket"};
constexpr std::array<std::string_view, 3> default_paths = {
    "/messagebroker/amflongpolling", "/messagebroker/streamingamf", "/messagebroker/websocket"};

struct settings {
  std::vector<channel_kind> channels;  // the subscribers' channels, round robin
  std::array<std::string, 3> paths;    // by channel_kind
  tcp::endpoint server;
  std::string destination;
  std::vector<net::ip::address> sources;  // empty: the kernel's choice (127.0.0.1)
  std::size_t publishers = 1;             // publisher connections (msgload_order.hpp: their numbering)
};

struct run_totals {
  std::array<std::atomic<std::size_t>, 3> held{};  // subscribed and waiting now, by channel_kind
  std::atomic<std::size_t> setup_failed{0};        // never subscribed
  std::atomic<std::size_t> lost{0};                // held, then the connection ended
  std::atomic<std::size_t> faults{0};              // an error answer, an unreadable one, a non-200
  std::atomic<std::size_t> misordered{0};          // a message not after the previous one: duplicate or late
  std::atomic<bool> stopping{false};
  std::string first_error;  // the first setup failure's reason (written under error_mutex)
  std::mutex error_mutex;

  std::size_t held_now() const {
    std::size_t n = 0;
    for (const auto& h : held) n += h.load(std::memory_order_relaxed);
    return n;
  }
};

class subscriber;

// One client thread: its io_context, its read buffer, its subscribers and its share of the figures.
struct worker {
  net::io_context ioc{1};
  std::vector<char> read_buffer = std::vector<char>(read_buffer_bytes);
  std::vector<std::unique_ptr<subscriber>> clients;
  std::size_t next_to_start = 0;
  std::size_t setups_in_flight = 0;
  std::size_t max_setups = 1;
  std::atomic<std::uint64_t> deliveries{0};
  std::atomic<std::uint64_t> last_delivery_ns{0};
  std::atomic<std::uint64_t> delivered_bytes{0};  // of the frames, answers or chunks that held messages
  histogram latency;                              // read once the thread has stopped
  message_spread spread;  // sized to the messages before the thread starts, read once it has stopped
  // By publisher (msgload_order.hpp; sized to settings::publishers before the thread starts), read
  // once the thread has stopped.
  std::vector<std::uint64_t> deliveries_by_publisher;
  std::vector<std::uint64_t> misordered_by_publisher;

  void start_more();
  void setup_finished() {
    --setups_in_flight;
    start_more();
  }
};

}  // namespace amphora::cli::msgload
