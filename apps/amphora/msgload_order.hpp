// amphora msgload's check of the order in which a subscriber receives the published messages.
// With P publishers (--publishers) message number s is publisher s % P's (s / P)-th message:
// publisher p sends p, p + P, p + 2P, ..., so one publisher's numbering is the one of today's
// single publisher (P = 1) and each message's number stays unique. Order is checked per publisher
// (messages of different publishers may interleave in any order): a message not after its
// publisher's previous one is a duplicate or late.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace amphora::cli::msgload {

class order_check {
 public:
  explicit order_check(std::size_t publishers) : next_(publishers == 0 ? 1 : publishers, 0) {}

  std::size_t publisher_of(std::uint64_t sequence) const noexcept { return sequence % next_.size(); }

  // Whether `sequence` comes after every message of its publisher seen so far (then it is the
  // newest one seen).
  bool accept(std::uint64_t sequence) noexcept {
    std::uint64_t& next = next_[publisher_of(sequence)];
    const std::uint64_t index = sequence / next_.size();
    if (index < next) return false;
    next = index + 1;
    return true;
  }

 private:
  std::vector<std::uint64_t> next_;  // by publisher: every message numbered lower came already
};

}  // namespace amphora::cli::msgload
