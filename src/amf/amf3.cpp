// The public AMF3 entry points: a reusable decoder and encoder around amf3_reader/amf3_writer.
#include "amphora/amf/amf3.hpp"

#include <utility>

#include "amf3_internal.hpp"

namespace amphora::amf {

namespace detail {

struct amf3_decoder_state {
  explicit amf3_decoder_state(decode_options o) : options(std::move(o)) { ctx.options = &options; }
  decode_options options;
  decode_context ctx;
  amf3_reader reader{ctx};
};

struct amf3_encoder_state {
  explicit amf3_encoder_state(encode_options o) : options(std::move(o)) { ctx.options = &options; }
  encode_options options;
  encode_context ctx;
  amf3_writer writer{ctx};
};

namespace {

// Caps the arena at what one decode may use (limits::max_memory_bytes on top of what it already
// holds, never above the caller's own limit) and restores the caller's limit afterwards.
class arena_budget {
 public:
  arena_budget(arena& a, std::size_t budget) noexcept : arena_(a), saved_(a.limit()) {
    const std::size_t used = a.bytes_used();
    const std::size_t cap = budget > saved_ - used || used > saved_ ? saved_ : used + budget;
    a.set_limit(cap);
  }
  ~arena_budget() { arena_.set_limit(saved_); }
  arena_budget(const arena_budget&) = delete;
  arena_budget& operator=(const arena_budget&) = delete;

 private:
  arena& arena_;
  std::size_t saved_;
};

error_info error_at(errc e, std::size_t offset, const char* detail) {
  return error_info{make_error_code(e), offset, detail};
}

}  // namespace
}  // namespace detail

amf3_decoder::amf3_decoder(decode_options options)
    : state_(std::make_unique<detail::amf3_decoder_state>(std::move(options))) {}
amf3_decoder::~amf3_decoder() = default;
amf3_decoder::amf3_decoder(amf3_decoder&&) noexcept = default;
amf3_decoder& amf3_decoder::operator=(amf3_decoder&&) noexcept = default;

const decode_options& amf3_decoder::options() const noexcept { return state_->options; }

result<value> amf3_decoder::decode(std::span<const std::uint8_t> input, arena& memory) {
  detail::amf3_decoder_state& s = *state_;
  const limits& lim = s.options.limits;
  if (input.size() > lim.max_input_bytes) {
    return detail::error_at(errc::limit_exceeded, 0, "input larger than max_input_bytes");
  }
  detail::arena_budget budget(memory, lim.max_memory_bytes);
  if (s.options.copy_input && !input.empty()) {
    input = memory.copy(input);
    if (input.empty())
      return detail::error_at(errc::limit_exceeded, 0, "decoded graph exceeds max_memory_bytes");
  }
  detail::decode_context& ctx = s.ctx;
  ctx.begin = ctx.cur = input.data();
  ctx.end = input.data() + input.size();
  ctx.memory = &memory;
  ctx.depth = 0;
  ctx.error = {};
  s.reader.reset();
  value v;
  if (s.reader.read_value(v) && ctx.cur != ctx.end && !s.options.allow_trailing) {
    ctx.fail(errc::trailing_bytes, "bytes after the value");
  }
  if (ctx.error.code) return ctx.error;
  return v;
}

amf3_encoder::amf3_encoder(encode_options options)
    : state_(std::make_unique<detail::amf3_encoder_state>(std::move(options))) {}
amf3_encoder::~amf3_encoder() = default;
amf3_encoder::amf3_encoder(amf3_encoder&&) noexcept = default;
amf3_encoder& amf3_encoder::operator=(amf3_encoder&&) noexcept = default;

status amf3_encoder::encode(const value& v, std::vector<std::uint8_t>& out) {
  detail::amf3_encoder_state& s = *state_;
  detail::encode_context& ctx = s.ctx;
  ctx.out = &out;
  ctx.depth = 0;
  ctx.error = {};
  s.writer.reset();
  const std::size_t old_size = out.size();
  if (!s.writer.write_value(v)) {
    out.resize(old_size);  // nothing half-written stays behind
    return ctx.error;
  }
  return {};
}

result<value> decode_amf3(std::span<const std::uint8_t> input, arena& memory, const decode_options& options) {
  return amf3_decoder(options).decode(input, memory);
}

status encode_amf3(const value& v, std::vector<std::uint8_t>& out, const encode_options& options) {
  return amf3_encoder(options).encode(v, out);
}

}  // namespace amphora::amf
