// The public AMF3 entry points: a reusable decoder and encoder around amf3_reader/amf3_writer;
// the one-shot decode_amf3 and encode_amf3 use the thread's spare reader or writer
// (thread_spare.hpp).
#include "amphora/amf/amf3.hpp"

#include "amf3_internal.hpp"
#include "decode_scope.hpp"
#include "thread_spare.hpp"

namespace amphora::amf {

namespace detail {

// A context and its reader, for one decode at a time under the options given.
struct amf3_read_state {
  decode_context ctx;
  amf3_reader reader{ctx};

  result<value> decode(std::span<const std::uint8_t> input, arena& memory, const decode_options& options) {
    decode_scope scope(ctx, input, memory, options);
    value v;
    if (scope.ok()) {
      reader.reset();
      if (reader.read_value(v)) scope.finish();
    }
    if (ctx.error.code) return ctx.error;
    return v;
  }
  std::size_t retained_bytes() const noexcept { return reader.retained_bytes(); }
};

// A context and its writer, for one encode at a time. The context's output window (its guess of
// the size from the last encode) carries over from one encode to the next.
struct amf3_write_state {
  encode_context ctx;
  amf3_writer writer{ctx};

  status encode(const value& v, std::vector<std::uint8_t>& out, const encode_options& options) {
    ctx.out = &out;
    ctx.options = &options;
    ctx.depth = 0;
    ctx.error = {};
    writer.reset();
    const std::size_t old_size = out.size();
    ctx.open_window();
    const bool ok = writer.write_value(v);
    ctx.close_window();
    if (!ok) {
      out.resize(old_size);  // nothing half-written stays behind
      return ctx.error;
    }
    return {};
  }
  std::size_t retained_bytes() const noexcept { return writer.retained_bytes(); }
};

struct amf3_decoder_state {
  explicit amf3_decoder_state(decode_options o) : options(o) {}
  decode_options options;
  amf3_read_state read;
};

struct amf3_encoder_state {
  explicit amf3_encoder_state(encode_options o) : options(o) {}
  encode_options options;
  amf3_write_state write;
};

}  // namespace detail

amf3_decoder::amf3_decoder(decode_options options)
    : state_(std::make_unique<detail::amf3_decoder_state>(options)) {}
amf3_decoder::~amf3_decoder() = default;
amf3_decoder::amf3_decoder(amf3_decoder&&) noexcept = default;
amf3_decoder& amf3_decoder::operator=(amf3_decoder&&) noexcept = default;

const decode_options& amf3_decoder::options() const noexcept { return state_->options; }

result<value> amf3_decoder::decode(std::span<const std::uint8_t> input, arena& memory) {
  return state_->read.decode(input, memory, state_->options);
}

amf3_encoder::amf3_encoder(encode_options options)
    : state_(std::make_unique<detail::amf3_encoder_state>(options)) {}
amf3_encoder::~amf3_encoder() = default;
amf3_encoder::amf3_encoder(amf3_encoder&&) noexcept = default;
amf3_encoder& amf3_encoder::operator=(amf3_encoder&&) noexcept = default;

status amf3_encoder::encode(const value& v, std::vector<std::uint8_t>& out) {
  return state_->write.encode(v, out, state_->options);
}

result<value> decode_amf3(std::span<const std::uint8_t> input, arena& memory, const decode_options& options) {
  return detail::thread_spare<detail::amf3_read_state>()->decode(input, memory, options);
}

status encode_amf3(const value& v, std::vector<std::uint8_t>& out, const encode_options& options) {
  return detail::thread_spare<detail::amf3_write_state>()->encode(v, out, options);
}

}  // namespace amphora::amf
