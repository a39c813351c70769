// to_value: a message struct -> its full-form typed object, or its small form (an externalizable
// DSK/DSA/DSC object wrapping the full form with UUID ids as 16-byte ByteArrays).
#include <cmath>
#include <variant>

#include "amphora/flex/messages.hpp"
#include "full_form.hpp"

namespace amphora::flex {
namespace {

using detail::message_class;
using detail::wire_fields;

// Builds wire values from struct fields; `ids_as_bytes` selects the small form's id encoding.
class field_writer {
 public:
  field_writer(amf::arena& memory, bool ids_as_bytes) noexcept
      : memory_(memory), ids_as_bytes_(ids_as_bytes) {}

  bool failed() const noexcept { return failed_; }

  static amf::value string(std::string_view s) noexcept {
    return s.empty() ? amf::value::null() : amf::value::string(s);
  }

  amf::value id(std::string_view s) noexcept {
    const auto bytes = ids_as_bytes_ ? uuid_to_bytes(s) : std::nullopt;
    if (!bytes) return string(s);
    amf::bytes_node* node = amf::new_bytes(memory_, *bytes);
    failed_ |= node == nullptr;
    return node ? amf::value::of(node) : amf::value::null();
  }

  // Whole numbers as integers (the encoder writes them as AMF3 ints when they fit 29 bits, as
  // Flash Player does, else as doubles); others as doubles.
  static amf::value number(double d) noexcept {
    constexpr double max_exact = 9007199254740992.0;  // 2^53
    if (std::trunc(d) == d && std::fabs(d) <= max_exact && !(d == 0 && std::signbit(d))) {
      return amf::value::integer(static_cast<std::int64_t>(d));
    }
    return amf::value::number(d);
  }

  wire_fields abstract(const abstract_message& m) noexcept {
    wire_fields f;
    f.body = m.body;
    f.client_id = id(m.client_id);
    f.destination = string(m.destination);
    f.headers = m.headers;
    f.message_id = id(m.message_id);
    f.time_to_live = number(m.time_to_live);
    f.timestamp = number(m.timestamp);
    return f;
  }

  wire_fields async(const async_message& m) noexcept {
    wire_fields f = abstract(m);
    f.correlation_id = id(m.correlation_id);
    return f;
  }

  wire_fields fields(const message& m, message_class& c) noexcept {
    if (const auto* r = std::get_if<remoting_message>(&m)) {
      c = message_class::remoting;
      wire_fields f = abstract(*r);
      f.operation = string(r->operation);
      f.source = string(r->source);
      return f;
    }
    if (const auto* cmd = std::get_if<command_message>(&m)) {
      c = message_class::command;
      wire_fields f = async(*cmd);
      f.operation = amf::value::integer(static_cast<std::int32_t>(cmd->operation));
      return f;
    }
    if (const auto* a = std::get_if<async_message>(&m)) {
      c = message_class::async;
      return async(*a);
    }
    if (const auto* ack = std::get_if<acknowledge_message>(&m)) {
      c = message_class::acknowledge;
      return async(*ack);
    }
    const auto& e = std::get<error_message>(m);
    c = message_class::error;
    wire_fields f = async(e);
    f.fault_code = string(e.fault_code);
    f.fault_string = string(e.fault_string);
    f.fault_detail = string(e.fault_detail);
    f.root_cause = e.root_cause;
    f.extended_data = e.extended_data;
    return f;
  }

 private:
  amf::arena& memory_;
  bool ids_as_bytes_;
  bool failed_ = false;
};

std::string_view small_alias(const message& m) noexcept {
  if (std::holds_alternative<acknowledge_message>(m)) return aliases::acknowledge_small;
  if (std::holds_alternative<async_message>(m)) return aliases::async_small;
  return aliases::command_small;
}

amf::error_info out_of_memory() noexcept {
  return {make_error_code(errc::out_of_memory), 0, "message value"};
}

}  // namespace

bool has_small_form(const message& m) noexcept {
  if (const auto* c = std::get_if<command_message>(&m)) return c->operation == command_operation::poll;
  return std::holds_alternative<acknowledge_message>(m) || std::holds_alternative<async_message>(m);
}

amf::result<amf::value> to_value(amf::arena& memory, const message& m, form f) {
  const bool small = f == form::small && has_small_form(m);
  field_writer w{memory, small};
  message_class c{};
  const wire_fields fields = w.fields(m, c);
  amf::object_node* full = w.failed() ? nullptr : detail::build_full_form(memory, c, fields);
  if (full == nullptr) return out_of_memory();
  if (!small) return amf::value::of(full);

  amf::object_node* ext = amf::new_object(memory, small_alias(m), /*dynamic=*/false);
  if (ext == nullptr) return out_of_memory();
  ext->type->externalizable = true;
  ext->external = amf::value::of(full);
  return amf::value::of(ext);
}

}  // namespace amphora::flex
