#include "full_form.hpp"

#include <initializer_list>

#include "amphora/flex/constants.hpp"

namespace amphora::flex::detail {
namespace {

struct named {
  std::string_view name;
  const amf::value& val;
};

amf::object_node* build(amf::arena& memory, message_class c, std::initializer_list<named> members) noexcept {
  amf::object_node* o = amf::new_object(memory, full_alias(c), /*dynamic=*/false);
  if (o == nullptr || !o->type->sealed.reserve(memory, members.size()) ||
      !o->sealed.reserve(memory, members.size())) {
    return nullptr;
  }
  for (const named& m : members) {
    if (!amf::add_sealed(memory, *o, m.name, m.val.is_undefined() ? amf::value::null() : m.val))
      return nullptr;
  }
  return o;
}

}  // namespace

std::string_view full_alias(message_class c) noexcept {
  switch (c) {
    case message_class::remoting:
      return aliases::remoting_message;
    case message_class::command:
      return aliases::command_message;
    case message_class::async:
      return aliases::async_message;
    case message_class::acknowledge:
      return aliases::acknowledge_message;
    case message_class::error:
      return aliases::error_message;
  }
  return {};
}

amf::object_node* build_full_form(amf::arena& memory, message_class c, const wire_fields& f) noexcept {
  using namespace names;
  switch (c) {
    case message_class::remoting:
      return build(memory, c,
                   {{body, f.body},
                    {client_id, f.client_id},
                    {destination, f.destination},
                    {headers, f.headers},
                    {message_id, f.message_id},
                    {operation, f.operation},
                    {source, f.source},
                    {time_to_live, f.time_to_live},
                    {timestamp, f.timestamp}});
    case message_class::command:
      return build(memory, c,
                   {{body, f.body},
                    {client_id, f.client_id},
                    {correlation_id, f.correlation_id},
                    {destination, f.destination},
                    {headers, f.headers},
                    {message_id, f.message_id},
                    {operation, f.operation},
                    {time_to_live, f.time_to_live},
                    {timestamp, f.timestamp}});
    case message_class::async:
    case message_class::acknowledge:
      return build(memory, c,
                   {{body, f.body},
                    {client_id, f.client_id},
                    {correlation_id, f.correlation_id},
                    {destination, f.destination},
                    {headers, f.headers},
                    {message_id, f.message_id},
                    {time_to_live, f.time_to_live},
                    {timestamp, f.timestamp}});
    case message_class::error:
      return build(memory, c,
                   {{body, f.body},
                    {client_id, f.client_id},
                    {correlation_id, f.correlation_id},
                    {destination, f.destination},
                    {extended_data, f.extended_data},
                    {fault_code, f.fault_code},
                    {fault_detail, f.fault_detail},
                    {fault_string, f.fault_string},
                    {headers, f.headers},
                    {message_id, f.message_id},
                    {root_cause, f.root_cause},
                    {time_to_live, f.time_to_live},
                    {timestamp, f.timestamp}});
  }
  return nullptr;
}

}  // namespace amphora::flex::detail
