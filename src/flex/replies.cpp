// Small helpers around the message structs: reply construction, headers, remoting arguments.
#include <chrono>

#include "amphora/flex/messages.hpp"

namespace amphora::flex {
namespace {

bool is_array_collection(const amf::value& v) noexcept {
  if (!v.is(amf::kind::object) || v.as_object().type == nullptr || !v.as_object().type->externalizable) {
    return false;
  }
  const std::string_view alias = v.as_object().alias();
  return alias == aliases::array_collection || alias == aliases::array_list;
}

// A reply to `request`: fresh messageId, correlationId = request.messageId, clientId = the
// request's or a fresh one, timestamp now.
void init_reply(async_message& reply, const abstract_message& request, amf::arena& memory) {
  reply.correlation_id = request.message_id;
  reply.client_id = request.client_id.empty() ? new_uuid(memory) : request.client_id;
  reply.message_id = new_uuid(memory);
  reply.timestamp = now_ms();
}

}  // namespace

const amf::value* abstract_message::header(std::string_view name) const noexcept {
  if (!headers.is(amf::kind::object) || headers.as_object().type == nullptr) return nullptr;
  return headers.as_object().find(name);
}

std::span<const amf::value> remoting_message::arguments() const noexcept {
  const amf::value& list = is_array_collection(body) ? body.as_object().external : body;
  if (list.is(amf::kind::array)) return {list.as_array().dense.data(), list.as_array().dense.size()};
  if (list.is_null() || list.is_undefined()) return {};
  return {&body, 1};
}

double now_ms() noexcept {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

acknowledge_message make_acknowledge(const abstract_message& request, amf::arena& memory) {
  acknowledge_message ack;
  init_reply(ack, request, memory);
  return ack;
}

error_message make_error(const abstract_message& request, amf::arena& memory, std::string_view fault_code,
                         std::string_view fault_string, std::string_view fault_detail) {
  error_message error;
  init_reply(error, request, memory);
  error.destination = request.destination;
  error.fault_code = fault_code;
  error.fault_string = fault_string;
  error.fault_detail = fault_detail;
  return error;
}

command_message make_command(command_operation op, amf::arena& memory) {
  command_message command;
  command.operation = op;
  command.message_id = new_uuid(memory);
  command.timestamp = now_ms();
  return command;
}

bool set_header(amf::arena& memory, abstract_message& m, std::string_view name, amf::value v) noexcept {
  const bool has_object = m.headers.is(amf::kind::object) && m.headers.as_object().type != nullptr;
  if (has_object && m.headers.as_object().type->dynamic && !m.headers.as_object().type->externalizable) {
    amf::object_node& o = m.headers.as_object();
    if (amf::value* existing = o.find(name)) {
      *existing = v;
      return true;
    }
    return amf::add_dynamic(memory, o, name, v);
  }
  // No headers yet, or an object we may not extend (sealed members only, e.g. BlazeDS's HashMap
  // form): a fresh anonymous dynamic object with the old members and the new one.
  amf::object_node* fresh = amf::new_object(memory);
  if (fresh == nullptr) return false;
  if (has_object && !m.headers.as_object().type->externalizable) {
    const amf::object_node& old = m.headers.as_object();
    for (std::size_t i = 0; i < old.type->sealed.size() && i < old.sealed.size(); ++i) {
      if (old.type->sealed[i] != name &&
          !amf::add_dynamic(memory, *fresh, old.type->sealed[i], old.sealed[i])) {
        return false;
      }
    }
    for (const amf::member& member : old.dynamic) {
      if (member.name != name && !amf::add_dynamic(memory, *fresh, member.name, member.val)) return false;
    }
  }
  if (!amf::add_dynamic(memory, *fresh, name, v)) return false;
  m.headers = amf::value::of(fresh);
  return true;
}

}  // namespace amphora::flex
