// NetConnection remoting (Flash's NetConnection.call, AMF0 or AMF3 object encoding):
// target "Service.method" (split at the last '.'), response URI "/N", value = the argument array.
// Results go to "/N/onResult", faults to "/N/onStatus" as a status object (docs/remoting.md).
#include <string>

#include "amphora/amf/value.hpp"
#include "processors.hpp"

namespace amphora::server::detail {
namespace {

// AMF3 clients (objectEncoding 3: a version 3 envelope, or arguments behind 0x11) get AMF3 back.
bool answer_in_amf3(const amf::packet& request, const amf::packet_body& body) noexcept {
  return request.version == 3 || body.val.avmplus();
}

amf::value in_kind(amf::value v, bool amf3) noexcept {
  if (amf3) v.set_flags(static_cast<std::uint8_t>(v.flags() | amf::value::flag_avmplus));
  return v;
}

amf::packet_body result_body(exchange& ex, std::size_t index, amf::value result) {
  const amf::packet_body& body = ex.request().bodies[index];
  return {ex.concat(body.response, "/onResult"), "", in_kind(result, answer_in_amf3(ex.request(), body))};
}

}  // namespace

amf::packet_body netconnection_fault(exchange& ex, std::size_t index, const fault& f) {
  const amf::packet_body& body = ex.request().bodies[index];
  amf::arena& memory = ex.memory();
  amf::object_node* status = amf::new_object(memory);
  amf::packet_body out{ex.concat(body.response, "/onStatus"), "", {}};
  if (status == nullptr || out.target.empty()) return out;
  const amf::value description = amf::make_string(memory, f.message);
  const bool ok = amf::add_dynamic(memory, *status, "level", amf::value::string("error")) &&
                  amf::add_dynamic(memory, *status, "code", amf::make_string(memory, f.code)) &&
                  amf::add_dynamic(memory, *status, "description", description) &&
                  amf::add_dynamic(memory, *status, "details", amf::make_string(memory, f.detail)) &&
                  amf::add_dynamic(memory, *status, "message", description);
  if (ok) out.val = in_kind(amf::value::of(status), answer_in_amf3(ex.request(), body));
  return out;
}

void run_netconnection_body(exchange& ex, std::size_t index) {
  const amf::packet_body& body = ex.request().bodies[index];
  auto fail = [&](const char* code, std::string message) {
    ex.answer(index, netconnection_fault(ex, index, fault{code, std::move(message), {}}));
  };

  const std::size_t dot = body.target.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == body.target.size()) {
    return fail(fault_unavailable, "The target '" + std::string(body.target) + "' is not 'Service.method'");
  }
  const std::string_view service = body.target.substr(0, dot);
  const std::string_view operation = body.target.substr(dot + 1);

  std::span<const amf::value> args;
  if (body.val.is(amf::kind::array)) {
    const amf::array_node& a = body.val.as_array();
    args = std::span<const amf::value>(a.dense.data(), a.dense.size());
  } else if (!body.val.is_null() && !body.val.is_undefined()) {
    return fail(fault_encoding, "The arguments are not an array");
  }

  const destination* d = ex.gateway().services.find(service);
  if (d == nullptr) return fail(fault_unavailable, "No destination '" + std::string(service) + "'");
  const destination::entry* op = d->find(operation);
  if (op == nullptr) {
    return fail(fault_unavailable, "No operation '" + std::string(operation) + "' on destination '" +
                                       std::string(service) + "'");
  }

  call_context& ctx = ex.context();
  ctx.destination = service;
  ctx.operation = operation;
  ctx.style = client_style::netconnection;
  ex.call(*op, args, [&ex, index](outcome o) {
    ex.answer(index, o.ok ? result_body(ex, index, o.result) : netconnection_fault(ex, index, o.error));
  });
}

}  // namespace amphora::server::detail
