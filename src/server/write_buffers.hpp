// Push write buffers kept per I/O thread (spare_pool.hpp). A session gives its write buffer back
// after a write when it holds more than max_kept_write_buffer (outbox.hpp), so that no idle
// connection holds its largest burst; given back here, it waits among this thread's spares for
// the next drain on the thread (push_outbox::take), which encodes into it instead of growing a
// fresh buffer from the heap: no allocation, heap growth or first-touch page fault per burst
// (docs/performance.md, "Write buffers: kept per thread"). A thread keeps at most
// max_spare_write_bytes of them, none larger than max_spare_write_buffer; the rest is freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "gateway/spare_pool.hpp"
#include "outbox.hpp"

namespace amphora::server::detail {

// The largest buffer kept (the outbox's own reserve ahead, outbox::max_batch_reserve), and the
// most a thread keeps in all. The sweep writes one connection after another on a thread, most
// writes done at once, so a few buffers in use at a time serve a whole fan-out.
inline constexpr std::size_t max_spare_write_buffer = outbox::max_batch_reserve;
inline constexpr std::size_t max_spare_write_bytes = 4 * 1024 * 1024;

struct write_buffer_traits {
  static std::size_t bytes(const std::vector<std::uint8_t>& b) noexcept { return b.capacity(); }
  static void empty(std::vector<std::uint8_t>& b) noexcept { b.clear(); }
};
using spare_write_buffers =
    spare_pool<std::vector<std::uint8_t>, write_buffer_traits, max_spare_write_buffer, max_spare_write_bytes>;

// After a write: `buffer` is emptied; if it holds more than max_kept_write_buffer, its memory goes
// to this thread's spares (or back to the heap if they are full) and `buffer` holds none.
inline void give_back_write_buffer(std::vector<std::uint8_t>& buffer) noexcept {
  buffer.clear();
  if (buffer.capacity() <= max_kept_write_buffer) return;
  spare_write_buffers::give_back(buffer);
  std::vector<std::uint8_t>().swap(buffer);  // not kept: freed
}

// Before a drain encodes behind what `buffer` holds: a spare larger than the buffer replaces it,
// with its bytes copied (a buffer of at most max_kept_write_buffer: at most that many bytes).
inline void use_spare_write_buffer(std::vector<std::uint8_t>& buffer) {
  if (buffer.capacity() > max_kept_write_buffer) return;
  std::vector<std::uint8_t> spare = spare_write_buffers::take();
  if (spare.capacity() <= buffer.capacity()) {
    spare_write_buffers::give_back(spare);
    return;
  }
  spare.assign(buffer.begin(), buffer.end());
  buffer.swap(spare);
}

}  // namespace amphora::server::detail
