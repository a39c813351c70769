#include "amphora/messaging/stored_message.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/flex/constants.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"

namespace amphora::messaging {
namespace {

amf::error_info fail(amf::errc code, std::string_view detail) {
  return amf::error_info{make_error_code(code), 0, detail};
}

bool dropped_header(std::string_view name) noexcept {
  return name == flex::headers::ds_id || name == flex::headers::endpoint;
}

// The headers object without DSId and DSEndpoint, as a new anonymous dynamic object in `memory`
// (null stays null). Values are shared, not copied.
amf::result<amf::value> strip_headers(amf::arena& memory, const amf::value& headers) {
  if (!headers.is(amf::kind::object)) return amf::value::null();
  const amf::object_node& in = headers.as_object();
  amf::object_node* out = amf::new_object(memory);
  if (out == nullptr) return fail(amf::errc::limit_exceeded, "out of memory");
  auto add = [&](std::string_view name, const amf::value& v) {
    return dropped_header(name) || amf::add_dynamic(memory, *out, name, v);
  };
  if (in.type != nullptr) {
    for (std::size_t i = 0; i < in.sealed.size() && i < in.type->sealed.size(); ++i) {
      if (!add(in.type->sealed[i], in.sealed[i])) return fail(amf::errc::limit_exceeded, "out of memory");
    }
  }
  for (const amf::member& m : in.dynamic) {
    if (!add(m.name, m.val)) return fail(amf::errc::limit_exceeded, "out of memory");
  }
  return amf::value::of(out);
}

// `m` in form `f` with clientId = `client_id`, AMF3-encoded onto `out`.
amf::status encode_form(const flex::async_message& m, flex::form f, std::string_view client_id,
                        std::vector<std::uint8_t>& out) {
  flex::async_message copy = m;
  copy.client_id = client_id;
  amf::arena memory(1024);
  amf::result<amf::value> v = flex::to_value(memory, copy, f);
  if (!v) return v.error();
  amf::encode_options encode;
  encode.registry = &flex::registry();
  return amf::encode_amf3(*v, out, encode);
}

// An inline AMF3 string's header: U29 (length << 1 | 1). Lengths up to 2^28 - 1.
constexpr std::size_t max_inline_length = (std::size_t{1} << 28) - 1;

// The header's bytes, in the first `size` of `bytes`.
struct string_header {
  std::array<std::uint8_t, 4> bytes{};
  std::size_t size = 0;

  explicit string_header(std::size_t length) noexcept {
    const auto v = static_cast<std::uint32_t>(length << 1 | 1);
    if (v < 0x80) {
      put(v);
    } else if (v < 0x4000) {
      put(v >> 7 | 0x80);
      put(v & 0x7f);
    } else if (v < 0x200000) {
      put(v >> 14 | 0x80);
      put((v >> 7 & 0x7f) | 0x80);
      put(v & 0x7f);
    } else {
      put(v >> 22 | 0x80);
      put((v >> 15 & 0x7f) | 0x80);
      put((v >> 8 & 0x7f) | 0x80);
      put(v & 0xff);
    }
  }
  std::span<const std::uint8_t> span() const noexcept { return {bytes.data(), size}; }

 private:
  void put(std::uint32_t b) noexcept { bytes[size++] = static_cast<std::uint8_t>(b); }
};

std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <class Bytes>
bool contains(std::span<const std::uint8_t> bytes, const Bytes& s) noexcept {
  return ::memmem(bytes.data(), bytes.size(), s.data(), s.size()) != nullptr;
}

// Where `marker` followed by `placeholder` is in `bytes`, when the placeholder's bytes are
// nowhere after it: the offset of the placeholder.
template <class Placeholder>
std::optional<std::size_t> find_placeholder(std::span<const std::uint8_t> bytes,
                                            std::span<const std::uint8_t> marker,
                                            const Placeholder& placeholder) {
  std::vector<std::uint8_t> needle(marker.begin(), marker.end());
  needle.insert(needle.end(), placeholder.begin(), placeholder.end());
  const auto* found =
      static_cast<const std::uint8_t*>(::memmem(bytes.data(), bytes.size(), needle.data(), needle.size()));
  if (found == nullptr) return std::nullopt;
  const auto at = static_cast<std::size_t>(found - bytes.data()) + marker.size();
  if (contains(bytes.subspan(at + placeholder.size()), placeholder)) return std::nullopt;
  return at;
}

// `bytes` with [at, end) replaced by `first` then `second`, appended to `out`. Grown like
// push_back (a drain appends many messages to one buffer), not to the exact size.
void append_spliced(std::span<const std::uint8_t> bytes, std::size_t at, std::size_t end,
                    std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                    std::vector<std::uint8_t>& out) {
  const std::size_t need = out.size() + bytes.size() - (end - at) + first.size() + second.size();
  if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
  out.insert(out.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
  out.insert(out.end(), first.begin(), first.end());
  out.insert(out.end(), second.begin(), second.end());
  out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(end), bytes.end());
}

// The four-byte windows filter (stored_message::windows_): which of its 1024 bits a window sets.
constexpr std::size_t window_bytes = 4;
std::size_t window_bit(const void* at) noexcept {
  std::uint32_t w = 0;
  std::memcpy(&w, at, window_bytes);
  return (w * 2654435761u) >> 22;  // Fibonacci hashing: the top 10 bits
}

}  // namespace

// The body and headers graphs travel through AMF3 as one array [body, headers]: the codec copies
// them with their shared references and cycles intact, and refuses what the wire could not carry
// anyway.
amf::result<std::shared_ptr<const stored_message>> stored_message::make(const flex::async_message& m,
                                                                        std::size_t max_bytes) {
  amf::encode_options encode;
  encode.registry = &flex::registry();
  std::vector<std::uint8_t> bytes;
  {
    amf::arena scratch(256);
    amf::array_node* pair = amf::new_array(scratch);
    if (pair == nullptr || !pair->dense.push_back(scratch, m.body) ||
        !pair->dense.push_back(scratch, m.headers)) {
      return fail(amf::errc::limit_exceeded, "out of memory");
    }
    amf::status s = amf::encode_amf3(amf::value::of(pair), bytes, encode);
    if (!s) return s.error();
  }
  if (bytes.size() > max_bytes) return fail(amf::errc::limit_exceeded, "message size");

  auto stored = std::make_shared<stored_message>();
  amf::decode_options decode;
  decode.registry = &flex::registry();
  decode.limits.max_input_bytes = max_bytes;
  amf::result<amf::value> copy = amf::decode_amf3(bytes, stored->memory_, decode);
  if (!copy) return copy.error();
  const amf::array_node& pair = copy->as_array();

  flex::async_message& out = stored->message_;
  amf::arena& memory = stored->memory_;
  out.body = pair.dense[0];
  amf::result<amf::value> headers = strip_headers(memory, pair.dense[1]);
  if (!headers) return headers.error();
  out.headers = *headers;
  out.client_id = memory.copy(m.client_id);
  out.destination = memory.copy(m.destination);
  out.message_id = memory.copy(m.message_id);
  out.correlation_id = memory.copy(m.correlation_id);
  out.timestamp = m.timestamp;
  out.time_to_live = m.time_to_live;
  stored->encoded_bytes_ = bytes.size();

  // The template: the full form with a placeholder clientId that nothing in the message can
  // contain (fresh from the CSPRNG), found once in the bytes.
  const std::string placeholder = flex::new_uuid();
  form_template& full = stored->full_form_;
  if (encode_form(out, flex::form::full, placeholder, full.bytes)) {
    const string_header header(placeholder.size());
    const std::span<const std::uint8_t> all(full.bytes);
    if (const std::optional<std::size_t> at = find_placeholder(all, header.span(), placeholder)) {
      full.id_at = *at - header.size;
      full.id_end = *at + placeholder.size();
      for (const std::span<const std::uint8_t> part : {all.first(full.id_at), all.subspan(full.id_end)}) {
        for (std::size_t i = 0; i + window_bytes <= part.size(); ++i) {
          const std::size_t bit = window_bit(part.data() + i);
          stored->windows_[bit / 64] |= std::uint64_t{1} << (bit % 64);
        }
      }
    }
  }
  return std::shared_ptr<const stored_message>(std::move(stored));
}

bool stored_message::may_contain(std::string_view s) const noexcept {
  if (s.size() < window_bytes) return true;
  for (const char* at : {s.data(), s.data() + s.size() - window_bytes}) {
    const std::size_t bit = window_bit(at);
    if ((windows_[bit / 64] >> (bit % 64) & 1) == 0) return false;
  }
  return true;
}

amf::status stored_message::append(flex::form f, std::string_view client_id,
                                   std::vector<std::uint8_t>& out) const {
  return f == flex::form::full ? append_full_form(client_id, out)
                               : append_small_form(client_id, flex::uuid_to_bytes(client_id), out);
}

amf::status stored_message::append(flex::form f, const subscriber_id& client_id,
                                   std::vector<std::uint8_t>& out) const {
  return f == flex::form::full ? append_full_form(client_id.text(), out)
                               : append_small_form(client_id.text(), client_id.bytes(), out);
}

amf::status stored_message::append_full_form(std::string_view client_id,
                                             std::vector<std::uint8_t>& out) const {
  const form_template& full = full_form_;
  const std::span<const std::uint8_t> all(full.bytes);
  // An empty clientId is written as null, and one equal to another string of the message would
  // be written (or referred to) differently: those are encoded afresh.
  if (full.id_at == full.id_end || client_id.empty() || client_id.size() > max_inline_length ||
      (may_contain(client_id) &&
       (contains(all.first(full.id_at), client_id) || contains(all.subspan(full.id_end), client_id)))) {
    return encode_form(message_, flex::form::full, client_id, out);
  }
  append_spliced(all, full.id_at, full.id_end, string_header(client_id.size()).span(), as_bytes(client_id),
                 out);
  return {};
}

// The small form writes a UUID clientId as a 16-byte ByteArray: a new object (the writer tells
// objects apart by node, not by content) whose bytes no table holds, so any UUID fits the
// template's place. Other ids (strings in the small form too, or none) are encoded afresh.
amf::status stored_message::append_small_form(std::string_view client_id,
                                              const std::optional<flex::uuid_bytes>& id_bytes,
                                              std::vector<std::uint8_t>& out) const {
  std::call_once(small_form_once_, [this] {
    form_template& small = small_form_;
    const std::string placeholder = flex::new_uuid();
    const std::optional<flex::uuid_bytes> id = flex::uuid_to_bytes(placeholder);
    if (!id || !encode_form(message_, flex::form::small, placeholder, small.bytes)) return;
    const std::array<std::uint8_t, 2> byte_array = {0x0C, 16 << 1 | 1};  // marker, inline length 16
    if (const std::optional<std::size_t> at = find_placeholder(small.bytes, byte_array, *id)) {
      small.id_at = *at;
      small.id_end = *at + id->size();
    }
  });
  const form_template& small = small_form_;
  if (small.id_at == small.id_end || !id_bytes)
    return encode_form(message_, flex::form::small, client_id, out);
  append_spliced(small.bytes, small.id_at, small.id_end, *id_bytes, {}, out);
  return {};
}

}  // namespace amphora::messaging
