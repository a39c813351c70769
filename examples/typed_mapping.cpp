// Typed mapping: a Flex RemotingMessage as a C++ struct, declared once, encoded to AMF3 and
// decoded back; then a message whose field has the wrong wire kind, and one of another class.
// Built and run by ctest (label: example).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "amphora/amf/typed.hpp"

namespace amf = amphora::amf;

namespace app {

struct remoting_message {
  std::string destination;
  std::string operation;
  std::optional<std::string> source;
  std::string message_id;
  std::optional<std::string> client_id;
  std::int64_t timestamp = 0;
  std::int64_t time_to_live = 0;
  std::map<std::string, std::string> headers;
  std::vector<std::variant<std::monostate, bool, double, std::string>> body;
};

// The one declaration: alias, then AS3 member names and the C++ members they map to.
constexpr auto amf_class(amf::type_tag<remoting_message>) {
  using m = remoting_message;
  return amf::define_class<m>(
      "flex.messaging.messages.RemotingMessage", amf::field<"destination">(&m::destination),
      amf::field<"operation">(&m::operation), amf::field<"source">(&m::source),
      amf::field<"messageId">(&m::message_id), amf::field<"clientId">(&m::client_id),
      amf::field<"timestamp">(&m::timestamp), amf::field<"timeToLive">(&m::time_to_live),
      amf::field<"headers">(&m::headers), amf::field<"body">(&m::body));
}

}  // namespace app

namespace {

int run() {
  app::remoting_message msg;
  msg.destination = "EchoService";
  msg.operation = "echo";
  msg.message_id = "7F3C1B2A-9D4E-4F60-8A1B-2C3D4E5F6071";
  msg.headers = {{"DSId", "1E2D3C4B-5A69-4788-97A6-B5C4D3E2F100"}, {"DSEndpoint", "my-amf"}};
  msg.body = {std::string("hello"), 42.0, 2.5, true, std::monostate{}};

  std::vector<std::uint8_t> bytes;
  if (amf::status st = amf::encode_typed_amf3(msg, bytes); !st) {
    std::fprintf(stderr, "encode: %s\n", st.error().message().c_str());
    return 1;
  }
  std::printf("AMF3: %zu bytes\n", bytes.size());

  app::remoting_message back;
  if (amf::status st = amf::decode_typed_amf3(bytes, back); !st) {
    std::fprintf(stderr, "decode: %s\n", st.error().message().c_str());
    return 1;
  }
  const bool same = back.destination == msg.destination && back.headers == msg.headers &&
                    back.body == msg.body && !back.source && back.message_id == msg.message_id;
  std::printf("round trip: %s, body[0] = %s\n", same ? "same" : "DIFFERENT",
              std::get<std::string>(back.body[0]).c_str());

  // "timestamp" sent as a string: the error names the field.
  amf::arena memory;
  amf::result<amf::value> v = amf::to_value(msg, memory);
  if (!v) return 1;
  *v->as_object().find("timestamp") = amf::make_string(memory, "yesterday");
  const amf::status wrong = amf::from_value(*v, back);
  std::printf("wrong kind: %s\n", wrong.error().message().c_str());

  // An object of another class never becomes a remoting_message.
  amf::object_node* other = amf::new_object(memory, "com.evil.Payload", false);
  if (other == nullptr) return 1;
  const amf::status alias = amf::from_value(amf::value::of(other), back);
  std::printf("other class: %s\n", alias.error().message().c_str());

  return same && wrong.error().code == amf::errc::type_mismatch &&
                 alias.error().code == amf::errc::type_mismatch
             ? 0
             : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {  // std::bad_alloc from the C++ containers
    std::fprintf(stderr, "typed_mapping: %s\n", e.what());
    return 1;
  }
}
