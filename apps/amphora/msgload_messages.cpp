#include "msgload_messages.hpp"

#include <cstdint>
#include <span>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/json.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/flex/small_messages.hpp"
#include "load_client.hpp"

namespace amphora::cli::msgload {
namespace {

std::optional<flex::message> read_value(const amf::value& v, amf::arena& memory) {
  amf::result<flex::message> m = flex::read_message(v, memory);
  if (!m) return std::nullopt;
  return *m;
}

}  // namespace

std::optional<flex::message> read_flex(std::string_view bytes, bool packet, amf::arena& memory) {
  const std::span<const std::uint8_t> in{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  amf::decode_options options;
  options.registry = &flex::registry();
  if (packet) {
    const amf::result<amf::packet> p = amf::decode_packet(in, memory, options);
    if (!p || p->bodies.empty()) return std::nullopt;
    return read_value(p->bodies[0].val, memory);
  }
  const amf::result<amf::value> v = amf::decode_amf3(in, memory, options);
  if (!v) return std::nullopt;
  return read_value(*v, memory);
}

std::string message_json(std::string_view cls, std::string_view fields) {
  return R"({"$class":"flex.messaging.messages.)" + std::string(cls) + "\"," + std::string(fields) + "}";
}

std::string command_fields(int operation, std::string_view destination, std::string_view ds_id,
                           std::string_view message_id) {
  return R"("operation":)" + std::to_string(operation) + R"(,"body":{},"clientId":null,"correlationId":"",)" +
         R"("destination":")" + std::string(destination) + R"(","headers":{"DSId":")" + std::string(ds_id) +
         R"(","DSMessagingVersion":1},"messageId":")" + std::string(message_id) +
         R"(","timestamp":0,"timeToLive":0)";
}

std::string amf_post(std::string_view path, const std::string& message) {
  amf::arena memory;
  const std::string json =
      R"({"version":3,"headers":[],"bodies":[{"target":"null","response":"/1","value":[{"$amf3":)" + message +
      "}]}]}";
  const amf::result<amf::packet> p = amf::packet_from_json(json, memory);
  std::vector<std::uint8_t> body;
  if (!p || !amf::encode_packet(*p, body).ok()) return {};
  return amf_http_post(path, body);
}

}  // namespace amphora::cli::msgload
