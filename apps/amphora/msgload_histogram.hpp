// amphora msgload's publish-to-deliver latencies: 1 us buckets up to 100 ms, then 1 ms buckets up
// to 10 minutes (a loaded server delivers seconds late); the max is kept exactly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace amphora::cli::msgload {

class histogram {
 public:
  static constexpr std::uint64_t fine = 100'000;    // 1 us buckets: 0 to 100 ms
  static constexpr std::uint64_t coarse = 600'000;  // 1 ms buckets: 100 ms to 600 s and over
  void add(std::uint64_t ns) {
    const std::uint64_t us = ns / 1000;
    const std::uint64_t at = us < fine ? us : fine + std::min((us - fine) / 1000, coarse - 1);
    ++counts_[static_cast<std::size_t>(at)];
    max_ns_ = std::max(max_ns_, ns);
    ++total_;
  }
  void merge(const histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    max_ns_ = std::max(max_ns_, other.max_ns_);
    total_ += other.total_;
  }
  // The latency (ms) below which a fraction p of the samples fall (a bucket's middle).
  double percentile_ms(double p) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen < rank) continue;
      const double ms = i < fine ? (static_cast<double>(i) + 0.5) / 1000
                                 : static_cast<double>(fine) / 1000 + static_cast<double>(i - fine) + 0.5;
      return std::min(ms, max_ms());
    }
    return max_ms();
  }
  double max_ms() const { return static_cast<double>(max_ns_) / 1e6; }

 private:
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(fine + coarse);
  std::uint64_t max_ns_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace amphora::cli::msgload
