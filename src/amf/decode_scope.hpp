// Internal: what every public decode entry point does around the actual reading: the input-size
// limit, the optional copy of the input into the arena, and the arena's memory limit for the
// duration of one decode (restored when the scope ends).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/options.hpp"
#include "input.hpp"

namespace amphora::amf::detail {

class decode_scope {
 public:
  // Prepares `ctx` to read `input`; check ok() before reading.
  decode_scope(decode_context& ctx, std::span<const std::uint8_t> input, arena& memory,
               const decode_options& options) noexcept
      : ctx_(ctx), memory_(memory), old_limit_(memory.limit()) {
    ctx = decode_context{};
    ctx.memory = &memory;
    ctx.options = &options;
    if (input.size() > options.limits.max_input_bytes) {
      ctx.fail_at(errc::limit_exceeded, 0, "input exceeds max_input_bytes");
      return;
    }
    if (options.copy_input && !input.empty()) {
      auto copy = memory.copy(input);
      if (copy.size() != input.size()) {
        ctx.out_of_memory();
        return;
      }
      input = copy;
    }
    const std::size_t used = memory.bytes_used();
    const std::size_t budget = options.limits.max_memory_bytes;
    const std::size_t limit = budget > std::numeric_limits<std::size_t>::max() - used
                                  ? std::numeric_limits<std::size_t>::max()
                                  : used + budget;
    memory.set_limit(std::min(old_limit_, limit));
    ctx.begin = ctx.cur = input.data();
    ctx.end = input.data() + input.size();
  }

  ~decode_scope() { memory_.set_limit(old_limit_); }
  decode_scope(const decode_scope&) = delete;
  decode_scope& operator=(const decode_scope&) = delete;

  bool ok() const noexcept { return !ctx_.error.code; }

  // After the top-level value or packet: bytes left over are an error unless allowed.
  bool finish() noexcept {
    if (ctx_.cur != ctx_.end && !ctx_.options->allow_trailing) {
      return ctx_.fail(errc::trailing_bytes, "bytes left after the value");
    }
    return true;
  }

 private:
  decode_context& ctx_;
  arena& memory_;
  std::size_t old_limit_;
};

}  // namespace amphora::amf::detail
