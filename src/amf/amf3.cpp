// The public AMF3 entry points: a reusable decoder and encoder around amf3_reader/amf3_writer.
#include "amphora/amf/amf3.hpp"

#include "amf3_internal.hpp"
#include "decode_scope.hpp"

namespace amphora::amf {

namespace detail {

struct amf3_decoder_state {
  explicit amf3_decoder_state(decode_options o) : options(o) { ctx.options = &options; }
  decode_options options;
  decode_context ctx;
  amf3_reader reader{ctx};
};

struct amf3_encoder_state {
  explicit amf3_encoder_state(encode_options o) : options(o) { ctx.options = &options; }
  encode_options options;
  encode_context ctx;
  amf3_writer writer{ctx};
};

}  // namespace detail

amf3_decoder::amf3_decoder(decode_options options)
    : state_(std::make_unique<detail::amf3_decoder_state>(options)) {}
amf3_decoder::~amf3_decoder() = default;
amf3_decoder::amf3_decoder(amf3_decoder&&) noexcept = default;
amf3_decoder& amf3_decoder::operator=(amf3_decoder&&) noexcept = default;

const decode_options& amf3_decoder::options() const noexcept { return state_->options; }

result<value> amf3_decoder::decode(std::span<const std::uint8_t> input, arena& memory) {
  detail::amf3_decoder_state& s = *state_;
  detail::decode_scope scope(s.ctx, input, memory, s.options);
  value v;
  if (scope.ok()) {
    s.reader.reset();
    if (s.reader.read_value(v)) scope.finish();
  }
  if (s.ctx.error.code) return s.ctx.error;
  return v;
}

amf3_encoder::amf3_encoder(encode_options options)
    : state_(std::make_unique<detail::amf3_encoder_state>(options)) {}
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
  ctx.open_window();
  const bool ok = s.writer.write_value(v);
  ctx.close_window();
  if (!ok) {
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
