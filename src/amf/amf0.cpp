// Public AMF0 entry points: reusable decoder/encoder objects over amf0_reader/amf0_writer.
#include "amphora/amf/amf0.hpp"

#include <new>

#include "amf0_internal.hpp"
#include "decode_scope.hpp"

namespace amphora::amf {

namespace detail {

struct amf0_decoder_state {
  explicit amf0_decoder_state(decode_options o) : options(std::move(o)) {}
  decode_options options;
  decode_context ctx;
  amf0_reader reader{ctx};
};

struct amf0_encoder_state {
  explicit amf0_encoder_state(encode_options o) : options(std::move(o)) {}
  encode_options options;
  encode_context ctx;
  amf0_writer writer{ctx};
};

}  // namespace detail

amf0_decoder::amf0_decoder(decode_options options)
    : state_(std::make_unique<detail::amf0_decoder_state>(std::move(options))) {}
amf0_decoder::~amf0_decoder() = default;
amf0_decoder::amf0_decoder(amf0_decoder&&) noexcept = default;
amf0_decoder& amf0_decoder::operator=(amf0_decoder&&) noexcept = default;

const decode_options& amf0_decoder::options() const noexcept { return state_->options; }

result<value> amf0_decoder::decode(std::span<const std::uint8_t> input, arena& memory) {
  detail::amf0_decoder_state& s = *state_;
  detail::decode_scope scope(s.ctx, input, memory, s.options);
  if (!scope.ok()) return s.ctx.error;
  value v;
  try {
    s.reader.reset();
    if (!s.reader.read_value(v) || !scope.finish()) return s.ctx.error;
  } catch (const std::bad_alloc&) {  // a reference table outgrew the heap
    s.ctx.out_of_memory();
    return s.ctx.error;
  }
  return v;
}

amf0_encoder::amf0_encoder(encode_options options)
    : state_(std::make_unique<detail::amf0_encoder_state>(std::move(options))) {}
amf0_encoder::~amf0_encoder() = default;
amf0_encoder::amf0_encoder(amf0_encoder&&) noexcept = default;
amf0_encoder& amf0_encoder::operator=(amf0_encoder&&) noexcept = default;

status amf0_encoder::encode(const value& v, std::vector<std::uint8_t>& out) {
  detail::amf0_encoder_state& s = *state_;
  s.ctx = detail::encode_context{};
  s.ctx.out = &out;
  s.ctx.options = &s.options;
  const std::size_t start = out.size();
  s.writer.reset();
  s.ctx.open_window();
  const bool ok = s.writer.write_value(v);
  s.ctx.close_window();
  if (!ok) {
    out.resize(start);
    return s.ctx.error;
  }
  return {};
}

result<value> decode_amf0(std::span<const std::uint8_t> input, arena& memory, const decode_options& options) {
  return amf0_decoder(options).decode(input, memory);
}

status encode_amf0(const value& v, std::vector<std::uint8_t>& out, const encode_options& options) {
  return amf0_encoder(options).encode(v, out);
}

}  // namespace amphora::amf
