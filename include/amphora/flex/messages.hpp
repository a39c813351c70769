// The Flex message classes (flex.messaging.messages.*) as plain C++ structs, read from and written
// to amf::value graphs. No I/O: bytes <-> values is the codec's job (amphora/amf).
//
// Usage (a gateway answering one Flex request body):
//
//   amf::decode_options in;                 // decode the packet with the small-message codecs,
//   in.registry = &flex::registry();        // or DSK/DSA/DSC bodies are unknown externalizables
//   auto packet = amf::decode_packet(bytes, arena, in);
//   ...
//   auto msg = flex::read_message(body.val, arena);   // body.val: [message] or message
//   if (!msg) -> fault flex::faults::client_message_encoding (msg.error().detail says why)
//   if (auto* ping = std::get_if<flex::command_message>(&*msg);
//       ping && ping->operation == flex::command_operation::client_ping) {
//     flex::acknowledge_message ack = flex::make_acknowledge(*ping, arena);
//     flex::set_header(arena, ack, flex::headers::ds_id, amf::value::string(flex::new_uuid(arena)));
//     flex::set_header(arena, ack, flex::headers::messaging_version, amf::value::number(1.0));
//     auto reply = flex::to_value(arena, ack, small ? flex::form::small : flex::form::full);
//   }
//   if (auto* call = std::get_if<flex::remoting_message>(&*msg)) {
//     // call->destination, call->operation, call->arguments()
//     flex::acknowledge_message ack = flex::make_acknowledge(*call, arena);
//     ack.body = result;  // or: flex::make_error(*call, arena, flex::faults::server_processing, "...")
//   }
//   // encode the reply with encode options whose registry is &flex::registry() as well.
//
// Lifetimes: like amf::value, the structs hold views (strings, values) into an arena or into
// static storage; nothing here owns memory. Strings: null and "" are the same (empty view) and
// are written as null.
//
// Full form (a typed AMF3 object, sealed members, not dynamic): members in alphabetical order, as
// Flash Player, Royale and Py3AMF write them (BlazeDS's own order is bean introspection, not
// stable). For example CommandMessage: body, clientId, correlationId, destination, headers,
// messageId, operation, timeToLive, timestamp; ErrorMessage has 13 members.
// Small form (blazeds.md §2.5): acknowledge -> DSK, async -> DSA, command with operation poll ->
// DSC; an externalizable object whose `external` is the full-form object (ids that are UUIDs as
// 16-byte ByteArrays). Every other message is written in full form even when `small` is asked.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/value.hpp"
#include "amphora/flex/constants.hpp"
#include "amphora/flex/error.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"

namespace amphora::flex {

struct abstract_message {
  amf::value body = amf::value::null();
  std::string_view client_id;               // "" = null
  std::string_view destination;             // "" = null
  amf::value headers = amf::value::null();  // an object (name -> value), or null
  std::string_view message_id;
  double timestamp = 0;     // ms since 1970 (the wire may carry an int or a double)
  double time_to_live = 0;  // ms; 0 = forever

  // The header's value, or nullptr if absent (or headers is not an object).
  const amf::value* header(std::string_view name) const noexcept;
};

struct async_message : abstract_message {
  std::string_view correlation_id;
};

struct command_message : async_message {
  command_operation operation = command_operation::unknown;
};

struct acknowledge_message : async_message {};

struct error_message : acknowledge_message {
  std::string_view fault_code;  // faults::*
  std::string_view fault_string;
  std::string_view fault_detail;
  amf::value root_cause = amf::value::null();  // BlazeDS leaks a Java Throwable here; we send null
  amf::value extended_data = amf::value::null();
};

struct remoting_message : abstract_message {
  std::string_view operation;  // method name
  std::string_view source;     // usually null

  // The call's arguments, as BlazeDS's getParameters(): an array body (its dense part), an
  // ArrayCollection/ArrayList of an array, nothing for a null body, else the body itself as the
  // only argument. Views into the body's nodes (or into this struct for a single argument).
  std::span<const amf::value> arguments() const noexcept;
};

using message =
    std::variant<remoting_message, command_message, async_message, acknowledge_message, error_message>;

// ---- Reading ----

// Reads a message from a decoded value: a typed object with one of the five full aliases, or a
// DSK/DSA/DSC small message, or a one-element array holding either (the Flex body form). Members
// may come in any order; unknown members are ignored; missing ones keep the struct's defaults;
// timestamps and TTLs may be ints or doubles. Ids sent as 16-byte ByteArrays become uppercase
// UUID text in `memory`. Errors (flex::errc) carry a static detail; nothing throws.
amf::result<message> read_message(const amf::value& v, amf::arena& memory);

// ---- Writing ----

enum class form { full, small };

// True if `m` has a small form: an acknowledge (not error) message, an async message, or a
// command with operation poll.
bool has_small_form(const message& m) noexcept;

// The message as a value whose nodes live in `memory` (errc::out_of_memory if it refuses). With
// form::small, messages that have a small form are written as DSK/DSA/DSC (encode them with a
// registry that holds flex::registry()'s codecs), the others in full form.
amf::result<amf::value> to_value(amf::arena& memory, const message& m, form f = form::full);

// ---- Helpers for replies ----

// Now, in ms since 1970 (system clock).
double now_ms() noexcept;

// An acknowledgement of `request`: correlationId = request.messageId, clientId = request.clientId
// or a fresh id, a fresh messageId, timestamp now, body null, no headers.
acknowledge_message make_acknowledge(const abstract_message& request, amf::arena& memory);

// An error reply to `request`: as make_acknowledge, plus destination copied from the request and
// the fault fields. The strings are not copied: they must outlive the reply's encoding.
error_message make_error(const abstract_message& request, amf::arena& memory, std::string_view fault_code,
                         std::string_view fault_string, std::string_view fault_detail = {});

// A command message (e.g. CLIENT_SYNC for a poll result) with a fresh messageId and timestamp now.
command_message make_command(command_operation op, amf::arena& memory);

// Sets headers[name] = v (replacing an existing entry). Creates an anonymous dynamic object if the
// message has none; a dynamic headers object is changed in place (so do not share a request's
// headers object with a reply you add headers to); a sealed-only one (BlazeDS's HashMap form) is
// copied into a dynamic one first. The name is not copied. False if the arena refuses memory.
bool set_header(amf::arena& memory, abstract_message& m, std::string_view name, amf::value v) noexcept;

}  // namespace amphora::flex
