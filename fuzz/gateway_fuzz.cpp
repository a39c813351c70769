// libFuzzer target: the AMF gateway end to end, without sockets. The input is the body of a POST
// handed to gateway::handle, as the HTTP server would hand it, with the EchoService, a broker with
// the messaging destination "chat" (SUBSCRIBE, MULTI_SUBSCRIBE, POLL, publish), a polling channel
// and a login store (LOGIN, the Credentials header, the failed-login throttle).
//
// So that messaging paths past the DSId check are reachable, every occurrence of the 36 bytes of
// `placeholder` in the input is replaced by a DSId the gateway issued (to a ping sent first): the
// same length, so AMF string lengths stay right.
//
// Each input gets a fresh gateway (no state carries from one input to the next: deterministic) with
// an inline blocking runner and no timers (no poll parks), so the answer must come before handle()
// returns, exactly once. Checked: no crash, leak or unbounded memory (sanitizers, libFuzzer's RSS
// limit); one answer; a 200 is an AMF packet that decodes; anything else is a 4xx.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amphora/flex/constants.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/security/authenticator.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/service.hpp"
#include "fuzz_support.hpp"

namespace {

namespace server = amphora::server;
namespace flex = amphora::flex;
using amphora::fuzz::check;
namespace amf = amphora::fuzz::amf;

constexpr std::string_view placeholder = "DSID0000-FUZZ-4000-8000-PLACEHOLDER0";
constexpr std::string_view polling_path = "/messagebroker/amfpolling";

std::shared_ptr<server::gateway> make_gateway() {
  server::service_registry services;
  server::add_echo_service(services);
  server::gateway_options options;
  options.limits.max_memory_bytes = amphora::fuzz::max_memory_bytes;
  amphora::messaging::broker_config messaging;
  messaging.destinations.emplace_back().name = "chat";
  options.broker = std::make_shared<amphora::messaging::broker>(std::move(messaging));
  server::polling_channel polling;
  polling.path = polling_path;
  options.channels.push_back(polling);
  options.authentication.authenticator = amphora::security::make_authenticator(
      [](std::string_view user, std::string_view password) -> std::optional<amphora::security::principal> {
        if (user == "alice" && password == "secret") return amphora::security::principal{"alice", {"user"}};
        return std::nullopt;
      });
  // An empty runner runs blocking operations inline; no timers: polls never park.
  return server::make_amf_gateway(std::move(services), std::move(options));
}

// The one reply to `body` on `path`, which must come before handle() returns.
server::reply call(server::gateway& gw, std::span<const std::uint8_t> body, std::string_view path) {
  server::request_view req;
  req.method = "POST";
  req.target = req.path = path;
  req.content_type = "application/x-amf";
  req.remote_address = "192.0.2.1";
  req.body = body;
  std::optional<server::reply> out;
  unsigned answers = 0;
  gw.handle(req, [&](server::reply r) {
    ++answers;
    out = std::move(r);
  });
  check(answers == 1, "the gateway did not answer exactly once before handle() returned");
  return std::move(*out);
}

// A Flex CLIENT_PING with DSId "nil" as a version 3 packet.
std::vector<std::uint8_t> ping_request() {
  amf::arena memory;
  flex::command_message ping = flex::make_command(flex::command_operation::client_ping, memory);
  check(flex::set_header(memory, ping, flex::headers::ds_id, amf::value::string("nil")), "set_header");
  amf::result<amf::value> v = flex::to_value(memory, ping);
  check(v.has_value(), "to_value of a ping");
  amf::value message = *v;
  message.set_flags(static_cast<std::uint8_t>(message.flags() | amf::value::flag_avmplus));
  amf::array_node* args = amf::new_array(memory);
  check(args != nullptr && args->dense.push_back(memory, message), "arguments of a ping");
  amf::packet p;
  p.version = 3;
  check(p.bodies.push_back(memory, {"null", "/1", amf::value::of(args)}), "body of a ping");
  std::vector<std::uint8_t> out;
  amf::encode_options options;
  options.registry = &flex::registry();
  check(amf::encode_packet(p, out, options).ok(), "encoding a ping");
  return out;
}

// The DSId the gateway issued in its answer to a ping.
std::string issued_ds_id(const server::reply& r) {
  check(r.status == 200, "a ping was not answered 200");
  amf::arena memory;
  amf::decode_options options;
  options.registry = &flex::registry();
  amf::result<amf::packet> p = amf::decode_packet(r.body, memory, options);
  check(p.has_value() && p->bodies.size() == 1, "the answer to a ping is not one body");
  amf::result<flex::message> m = flex::read_message(p->bodies[0].val, memory);
  check(m.has_value(), "the answer to a ping is not a Flex message");
  const auto* ack = std::get_if<flex::acknowledge_message>(&*m);
  check(ack != nullptr, "a ping was not acknowledged");
  const amf::value* id = ack->header(flex::headers::ds_id);
  check(id != nullptr && id->is(amf::kind::string), "the acknowledgement of a ping has no DSId");
  return std::string(id->as_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::shared_ptr<server::gateway> gw = make_gateway();

  std::vector<std::uint8_t> body(data, data + size);
  const std::string ds_id = issued_ds_id(call(*gw, ping_request(), "/amf"));
  if (ds_id.size() == placeholder.size()) {
    auto at = body.begin();
    while ((at = std::search(at, body.end(), placeholder.begin(), placeholder.end())) != body.end()) {
      at = std::copy(ds_id.begin(), ds_id.end(), at);
    }
  }

  // The last input byte picks the endpoint, so that both the plain and the polling one are reached.
  const std::string_view path = size > 0 && (data[size - 1] & 1) != 0 ? polling_path : "/amf";
  const server::reply r = call(*gw, body, path);
  if (r.status == 200) {
    check(r.content_type == "application/x-amf", "a 200 answer that is not AMF");
    amf::arena memory;
    amf::decode_options options;
    options.registry = &flex::registry();
    options.limits.max_memory_bytes = amphora::fuzz::max_memory_bytes;
    // Every string of an answer, the echoed response URIs included, must be well-formed UTF-8.
    check(amf::decode_packet(r.body, memory, options).has_value(), "a 200 answer that does not decode");
  } else {
    check(r.status >= 400 && r.status < 500, "an answer that is neither 200 nor 4xx");
  }
  gw->shutdown();
  return 0;
}
