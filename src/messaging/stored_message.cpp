#include "amphora/messaging/stored_message.hpp"

#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/flex/constants.hpp"
#include "amphora/flex/small_messages.hpp"

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
  return std::shared_ptr<const stored_message>(std::move(stored));
}

}  // namespace amphora::messaging
