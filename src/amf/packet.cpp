// The AMF packet envelope: u16 version, u16 header count, headers (u16 name, u8 must-understand,
// u32 length, AMF0 value), u16 body count, bodies (u16 target, u16 response, u32 length, AMF0
// value). Each value has fresh reference tables. Length fields are ignored on read (BlazeDS and
// Royale write 1, Flash writes -1) and written exactly. The readers and writers, with their
// tables' storage, are the thread's spares (thread_spare.hpp).
#include "amphora/amf/packet.hpp"

#include <new>

#include "amf0_internal.hpp"
#include "decode_scope.hpp"
#include "thread_spare.hpp"
#include "trace_text.hpp"

namespace amphora::amf {
namespace {

// Smallest possible header and body: empty strings and a one-byte value.
constexpr std::size_t min_header_bytes = 2 + 1 + 4 + 1;
constexpr std::size_t min_body_bytes = 2 + 2 + 4 + 1;

// Header and body values sit one level below the packet's fields (depth 1), so tracing shows
// them nested and max_depth counts the packet as one level.
constexpr std::size_t value_depth = 1;

bool known_version(std::uint16_t v) noexcept { return v == 0 || v == 1 || v == 3; }

// What decode_packet keeps per thread: the context and the reader of the header and body values.
struct packet_read_state {
  detail::decode_context ctx;
  detail::amf0_reader values{ctx};
  std::size_t retained_bytes() const noexcept { return values.retained_bytes(); }
};

// What encode_packet keeps per thread.
struct packet_write_state {
  detail::encode_context ctx;
  detail::amf0_writer values{ctx};
  std::size_t retained_bytes() const noexcept { return values.retained_bytes(); }
};

class packet_reader {
 public:
  packet_reader(packet_read_state& state, packet& out) noexcept
      : ctx_(state.ctx), values_(state.values), out_(out) {}

  bool read() {
    std::uint16_t version = 0;
    if (!ctx_.u16(version)) return false;
    if (!known_version(version))
      return ctx_.fail_at(errc::invalid_packet, 0, "AMF packet version is not 0, 1 or 3");
    out_.version = version;
    if (ctx_.tracing()) {
      text_ = "version ";
      detail::append_uint(text_, version);
      trace(0, 2, text_);
    }
    std::uint16_t count = 0;
    if (!read_count(true, count)) return false;
    if (!out_.headers.reserve(*ctx_.memory, count)) return ctx_.out_of_memory();
    for (std::uint16_t i = 0; i < count; ++i) {
      packet_header h;
      if (!read_header(i, count, h)) return false;
      out_.headers.push_back(*ctx_.memory, h);  // within the reserved capacity
    }
    if (!read_count(false, count)) return false;
    if (!out_.bodies.reserve(*ctx_.memory, count)) return ctx_.out_of_memory();
    for (std::uint16_t i = 0; i < count; ++i) {
      packet_body b;
      if (!read_body(i, count, b)) return false;
      out_.bodies.push_back(*ctx_.memory, b);
    }
    return true;
  }

 private:
  // The header count (headers == true) or the body count.
  bool read_count(bool headers, std::uint16_t& count) {
    const std::size_t at = ctx_.offset();
    if (!ctx_.u16(count)) return false;
    const limits& lim = ctx_.options->limits;
    if (count > (headers ? lim.max_headers : lim.max_bodies)) {
      return ctx_.fail_at(errc::limit_exceeded, at,
                          headers ? "more headers than max_headers" : "more bodies than max_bodies");
    }
    if (!ctx_.need_declared(count, headers ? min_header_bytes : min_body_bytes,
                            headers ? "header count" : "body count")) {
      return false;
    }
    if (ctx_.tracing()) {
      text_ = headers ? "header count " : "body count ";
      detail::append_uint(text_, count);
      trace(at, 2, text_);
    }
    return true;
  }

  bool read_header(std::uint16_t i, std::uint16_t count, packet_header& h) {
    const std::size_t at = ctx_.offset();
    std::uint8_t must = 0;
    std::uint32_t length = 0;
    if (!read_utf8(h.name, "header name length") || !ctx_.u8(must) || !ctx_.u32(length)) return false;
    h.must_understand = must != 0;
    if (ctx_.tracing()) {
      begin_item("header ", i, count);
      text_ += " name ";
      detail::append_quoted(text_, h.name);
      text_ += " must-understand ";
      detail::append_uint(text_, must);
      add_length(length);
      trace(at, ctx_.offset() - at, text_);
    }
    return read_value(h.val);
  }

  bool read_body(std::uint16_t i, std::uint16_t count, packet_body& b) {
    const std::size_t at = ctx_.offset();
    std::uint32_t length = 0;
    if (!read_utf8(b.target, "body target length") || !read_utf8(b.response, "body response length") ||
        !ctx_.u32(length)) {
      return false;
    }
    if (ctx_.tracing()) {
      begin_item("body ", i, count);
      text_ += " target ";
      detail::append_quoted(text_, b.target);
      text_ += " response ";
      detail::append_quoted(text_, b.response);
      add_length(length);
      trace(at, ctx_.offset() - at, text_);
    }
    return read_value(b.val);
  }

  bool read_value(value& v) {
    values_.reset();
    ctx_.depth = value_depth;
    if (!values_.read_value(v)) return false;
    ctx_.depth = 0;
    return true;
  }

  bool read_utf8(std::string_view& s, const char* what) {
    std::uint16_t n = 0;
    return ctx_.u16(n) && ctx_.text(n, s, what);
  }

  void begin_item(const char* what, std::uint16_t i, std::uint16_t count) {
    text_ = what;
    detail::append_uint(text_, i + 1u);
    text_ += '/';
    detail::append_uint(text_, count);
  }

  // The length is never used; say so when it cannot be right.
  void add_length(std::uint32_t length) {
    text_ += " length ";
    detail::append_uint(text_, length);
    if (length > ctx_.remaining()) text_ += " (ignored)";
  }

  void trace(std::size_t at, std::size_t length, std::string_view text) {
    ctx_.options->trace->item(at, length, 0, text);
  }

  detail::decode_context& ctx_;
  detail::amf0_reader& values_;
  packet& out_;
  std::string text_;
};

bool put_utf8(detail::encode_context& ctx, std::string_view s, const char* what) {
  if (s.size() > 0xFFFF) return ctx.fail(errc::unencodable, what);
  ctx.u16(static_cast<std::uint16_t>(s.size()));
  ctx.bytes(s);
  return true;
}

// u32 exact length, then the value with fresh tables.
bool put_value(detail::encode_context& ctx, detail::amf0_writer& writer, const value& v) {
  const std::size_t at = ctx.size();
  ctx.u32(0);
  writer.reset();
  ctx.depth = value_depth;
  if (!writer.write_value(v)) return false;
  ctx.depth = 0;
  const std::size_t n = ctx.size() - at - 4;
  if (n > 0xFFFFFFFF) return ctx.fail(errc::unencodable, "header or body value longer than 4 GiB");
  std::uint8_t* p = ctx.at(at);
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  return true;
}

bool put_packet(detail::encode_context& ctx, detail::amf0_writer& writer, const packet& p) {
  if (!known_version(p.version)) return ctx.fail(errc::invalid_packet, "AMF packet version is not 0, 1 or 3");
  if (p.headers.size() > 0xFFFF || p.bodies.size() > 0xFFFF) {
    return ctx.fail(errc::unencodable, "more than 65535 headers or bodies");
  }
  ctx.u16(p.version);
  ctx.u16(static_cast<std::uint16_t>(p.headers.size()));
  for (const packet_header& h : p.headers) {
    if (!put_utf8(ctx, h.name, "header name longer than 65535 bytes")) return false;
    ctx.u8(h.must_understand ? 1 : 0);
    if (!put_value(ctx, writer, h.val)) return false;
  }
  ctx.u16(static_cast<std::uint16_t>(p.bodies.size()));
  for (const packet_body& b : p.bodies) {
    if (!put_utf8(ctx, b.target, "body target longer than 65535 bytes") ||
        !put_utf8(ctx, b.response, "body response longer than 65535 bytes") ||
        !put_value(ctx, writer, b.val)) {
      return false;
    }
  }
  return true;
}

}  // namespace

result<packet> decode_packet(std::span<const std::uint8_t> input, arena& memory,
                             const decode_options& options) {
  detail::thread_spare<packet_read_state> state;
  detail::decode_context& ctx = state->ctx;
  detail::decode_scope scope(ctx, input, memory, options);
  if (!scope.ok()) return ctx.error;
  packet p;
  try {
    packet_reader reader(*state, p);
    if (!reader.read() || !scope.finish()) return ctx.error;
  } catch (const std::bad_alloc&) {  // a reference table outgrew the heap
    ctx.out_of_memory();
    return ctx.error;
  }
  return p;
}

status encode_packet(const packet& p, std::vector<std::uint8_t>& out, const encode_options& options) {
  detail::thread_spare<packet_write_state> state;
  detail::encode_context& ctx = state->ctx;
  ctx = detail::encode_context{};
  ctx.out = &out;
  ctx.options = &options;
  const std::size_t start = out.size();
  ctx.open_window();
  const bool ok = put_packet(ctx, state->values, p);
  ctx.close_window();
  if (!ok) {
    out.resize(start);
    return ctx.error;
  }
  return {};
}

}  // namespace amphora::amf
