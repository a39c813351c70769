#include "full_form.hpp"

#include <cstddef>

#include "amphora/flex/constants.hpp"

namespace amphora::flex::detail {
namespace {

// The classes that carry a member: one bit per message_class.
constexpr unsigned bit(message_class c) noexcept { return 1U << static_cast<unsigned>(c); }
constexpr unsigned every_class = bit(message_class::remoting) | bit(message_class::command) |
                                 bit(message_class::async) | bit(message_class::acknowledge) |
                                 bit(message_class::error);

struct member {
  std::string_view name;
  amf::value wire_fields::*field;
  unsigned classes;
};

// Every member of every class, in alphabetical order (the order on the wire).
constexpr member members[] = {
    {names::body, &wire_fields::body, every_class},
    {names::client_id, &wire_fields::client_id, every_class},
    {names::correlation_id, &wire_fields::correlation_id, every_class & ~bit(message_class::remoting)},
    {names::destination, &wire_fields::destination, every_class},
    {names::extended_data, &wire_fields::extended_data, bit(message_class::error)},
    {names::fault_code, &wire_fields::fault_code, bit(message_class::error)},
    {names::fault_detail, &wire_fields::fault_detail, bit(message_class::error)},
    {names::fault_string, &wire_fields::fault_string, bit(message_class::error)},
    {names::headers, &wire_fields::headers, every_class},
    {names::message_id, &wire_fields::message_id, every_class},
    {names::operation, &wire_fields::operation, bit(message_class::remoting) | bit(message_class::command)},
    {names::root_cause, &wire_fields::root_cause, bit(message_class::error)},
    {names::source, &wire_fields::source, bit(message_class::remoting)},
    {names::time_to_live, &wire_fields::time_to_live, every_class},
    {names::timestamp, &wire_fields::timestamp, every_class},
};

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
  std::size_t count = 0;
  for (const member& m : members) {
    if ((m.classes & bit(c)) != 0) ++count;
  }
  amf::object_node* o = amf::new_object(memory, full_alias(c), /*dynamic=*/false);
  if (o == nullptr || !o->type->sealed.reserve(memory, count) || !o->sealed.reserve(memory, count)) {
    return nullptr;
  }
  for (const member& m : members) {
    if ((m.classes & bit(c)) == 0) continue;
    const amf::value& v = f.*m.field;
    if (!amf::add_sealed(memory, *o, m.name, v.is_undefined() ? amf::value::null() : v)) return nullptr;
  }
  return o;
}

}  // namespace amphora::flex::detail
