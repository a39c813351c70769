// amphora msgload's spread of one published message over its subscribers: for each message, the
// time from its send to its first delivery and to its last one (of any subscriber). The first
// tells how long the publish path takes before the server pushes anything; the last, how long
// pushing to every subscriber takes. Messages are known by their sequence number (at most
// `max_tracked` of them: the first ones); a client thread keeps its own and the threads' are merged.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace amphora::cli::msgload {

class message_spread {
 public:
  static constexpr std::size_t max_tracked = 100'000;

  message_spread() = default;
  explicit message_spread(std::size_t messages)
      : first_ns_(std::min(messages, max_tracked), none), last_ns_(first_ns_.size(), 0) {}

  // A delivery of message `sequence`, `latency_ns` after its send.
  void add(std::uint64_t sequence, std::uint64_t latency_ns) noexcept {
    if (sequence >= first_ns_.size()) return;
    const auto at = static_cast<std::size_t>(sequence);
    first_ns_[at] = std::min(first_ns_[at], latency_ns);
    last_ns_[at] = std::max(last_ns_[at], latency_ns);
  }

  // Another thread's deliveries of the same messages.
  void merge(const message_spread& other) {
    if (first_ns_.size() < other.first_ns_.size()) {
      first_ns_.resize(other.first_ns_.size(), none);
      last_ns_.resize(other.last_ns_.size(), 0);
    }
    for (std::size_t i = 0; i < other.first_ns_.size(); ++i) {
      first_ns_[i] = std::min(first_ns_[i], other.first_ns_[i]);
      last_ns_[i] = std::max(last_ns_[i], other.last_ns_[i]);
    }
  }

  // Over the messages delivered at least once: the median and the largest time to the first
  // delivery and to the last one (ms).
  struct summary {
    std::size_t messages = 0;
    double first_p50_ms = 0;
    double first_max_ms = 0;
    double last_p50_ms = 0;
    double last_max_ms = 0;
  };
  summary summarize() const {
    std::vector<std::uint64_t> first;
    std::vector<std::uint64_t> last;
    for (std::size_t i = 0; i < first_ns_.size(); ++i) {
      if (first_ns_[i] == none) continue;
      first.push_back(first_ns_[i]);
      last.push_back(last_ns_[i]);
    }
    summary s;
    s.messages = first.size();
    if (first.empty()) return s;
    s.first_p50_ms = median_ms(first);
    s.first_max_ms = ms(*std::max_element(first.begin(), first.end()));
    s.last_p50_ms = median_ms(last);
    s.last_max_ms = ms(*std::max_element(last.begin(), last.end()));
    return s;
  }

 private:
  static constexpr std::uint64_t none = std::numeric_limits<std::uint64_t>::max();
  static double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
  // The lower middle of an even count.
  static double median_ms(std::vector<std::uint64_t>& values) {
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>((values.size() - 1) / 2);
    std::nth_element(values.begin(), middle, values.end());
    return ms(*middle);
  }

  std::vector<std::uint64_t> first_ns_;  // by sequence number; `none`: not delivered
  std::vector<std::uint64_t> last_ns_;
};

}  // namespace amphora::cli::msgload
