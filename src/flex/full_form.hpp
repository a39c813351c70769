// The full form of a message (a typed object with sealed members), shared by the message writer
// and the small-message readers, which build the same object from the small form's fields.
#pragma once

#include <string_view>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::flex::detail {

// Member names on the wire.
namespace names {
inline constexpr std::string_view body = "body";
inline constexpr std::string_view client_id = "clientId";
inline constexpr std::string_view correlation_id = "correlationId";
inline constexpr std::string_view destination = "destination";
inline constexpr std::string_view extended_data = "extendedData";
inline constexpr std::string_view fault_code = "faultCode";
inline constexpr std::string_view fault_detail = "faultDetail";
inline constexpr std::string_view fault_string = "faultString";
inline constexpr std::string_view headers = "headers";
inline constexpr std::string_view message_id = "messageId";
inline constexpr std::string_view operation = "operation";
inline constexpr std::string_view root_cause = "rootCause";
inline constexpr std::string_view source = "source";
inline constexpr std::string_view time_to_live = "timeToLive";
inline constexpr std::string_view timestamp = "timestamp";
}  // namespace names

enum class message_class { remoting, command, async, acknowledge, error };

// flex.messaging.messages.<Class>.
std::string_view full_alias(message_class c) noexcept;

// Every member any class has, as wire values. Each class writes the members it has.
struct wire_fields {
  amf::value body = amf::value::null();
  amf::value client_id = amf::value::null();
  amf::value correlation_id = amf::value::null();
  amf::value destination = amf::value::null();
  amf::value extended_data = amf::value::null();
  amf::value fault_code = amf::value::null();
  amf::value fault_detail = amf::value::null();
  amf::value fault_string = amf::value::null();
  amf::value headers = amf::value::null();
  amf::value message_id = amf::value::null();
  amf::value operation = amf::value::null();  // command: an int; remoting: a string
  amf::value root_cause = amf::value::null();
  amf::value source = amf::value::null();
  amf::value time_to_live = amf::value::integer(0);
  amf::value timestamp = amf::value::integer(0);
};

// The typed object of class `c`: sealed, not dynamic, members in alphabetical order (module
// comment of amphora/flex/messages.hpp). Undefined values are written as null. nullptr if the arena
// refuses memory.
amf::object_node* build_full_form(amf::arena& memory, message_class c, const wire_fields& f) noexcept;

}  // namespace amphora::flex::detail
