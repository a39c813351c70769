// Internal: one reusable reader or writer state per thread for the one-shot entry points
// (decode_packet, encode_packet, decode_amf3, encode_amf3). Each call used to build its reader or
// writer and grow its reference tables from empty (for a Flex packet a dozen heap allocations,
// one of them the AMF3 writer's 2 KiB state); the thread's spare keeps that storage from one call
// to the next, so once the thread has read or written a value like it, a call allocates none of
// it. A call made while the thread's state is in use (an externalizable codec that decodes a packet
// of its own, say) gets a fresh state of its own. A state whose tables grew past max_spare_bytes
// is dropped when its call ends: one large value does not keep its tables for the thread's life.
#pragma once

#include <cstddef>
#include <optional>

namespace amphora::amf::detail {

// The most table storage (State::retained_bytes()) a thread keeps per kind of state between calls.
inline constexpr std::size_t max_spare_bytes = 64 * 1024;

// State: default-constructible, neither copied nor moved (its reader or writer refers to its
// context), with retained_bytes(): the heap storage its tables keep.
template <class State>
class thread_spare {
 public:
  thread_spare() : slot_(slot_of()) {
    if (slot_.busy) {
      own_.emplace();
      state_ = &*own_;
      return;
    }
    if (!slot_.state) slot_.state.emplace();
    slot_.busy = true;
    state_ = &*slot_.state;
  }
  ~thread_spare() {
    if (own_) return;
    slot_.busy = false;
    if (slot_.state->retained_bytes() > max_spare_bytes) slot_.state.reset();
  }
  thread_spare(const thread_spare&) = delete;
  thread_spare& operator=(const thread_spare&) = delete;

  State& operator*() const noexcept { return *state_; }
  State* operator->() const noexcept { return state_; }

 private:
  struct slot {
    std::optional<State> state;
    bool busy = false;  // a call on this thread is using `state`
  };
  static slot& slot_of() noexcept {
    thread_local slot s;
    return s;
  }

  slot& slot_;
  std::optional<State> own_;  // this call's state when the thread's was in use
  State* state_ = nullptr;
};

}  // namespace amphora::amf::detail
