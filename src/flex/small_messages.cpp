// DSK, DSA and DSC: the ISmallMessage forms (blazeds.md §2.5). Each class level writes flag bytes
// (bit 0x80: another byte follows) and then, per set bit in bit order, one AMF3 value.
//
//   AbstractMessage  byte 1: body, clientId, destination, headers, messageId, timestamp, timeToLive
//                    byte 2: clientId as 16 bytes, messageId as 16 bytes
//   AsyncMessage     byte 1: correlationId, correlationId as 16 bytes
//   AcknowledgeMessage       (no fields: always 00)
//   CommandMessage   byte 1: operation
#include "amphora/flex/small_messages.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "amphora/flex/constants.hpp"
#include "full_form.hpp"

namespace amphora::flex {
namespace {

using detail::message_class;
using detail::wire_fields;

constexpr std::uint8_t has_next = 0x80;
constexpr std::size_t bits_per_byte = 7;  // bit 7 is has_next
constexpr std::size_t max_flag_bytes = 16;

// Where one level puts the value of each flag bit: slots[byte][bit], nullptr = unknown bit (its
// value is read and dropped, for forward compatibility).
using level_slots = std::array<amf::value*, bits_per_byte>;

bool read_level(amf::external_reader& in, std::span<const level_slots> slots) {
  std::array<std::uint8_t, max_flag_bytes> flags{};
  std::size_t count = 0;
  for (std::uint8_t b = has_next; (b & has_next) != 0;) {
    if (count == flags.size()) return in.fail("too many small-message flag bytes");
    if (!in.read_u8(b)) return false;
    flags[count++] = b;
  }
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t bit = 0; bit < bits_per_byte; ++bit) {
      if ((flags[i] & (1u << bit)) == 0) continue;
      amf::value* slot = i < slots.size() ? slots[i][bit] : nullptr;
      amf::value dropped;
      if (!in.read_value(slot ? *slot : dropped)) return false;
    }
  }
  return true;
}

bool read_abstract(amf::external_reader& in, wire_fields& f) {
  const level_slots levels[] = {
      {&f.body, &f.client_id, &f.destination, &f.headers, &f.message_id, &f.timestamp, &f.time_to_live},
      {&f.client_id, &f.message_id},  // the 16-byte forms
  };
  return read_level(in, levels);
}

bool read_async(amf::external_reader& in, wire_fields& f) {
  const level_slots levels[] = {{&f.correlation_id, &f.correlation_id}};
  return read_abstract(in, f) && read_level(in, levels);
}

// The reader of one class: the small form's fields become the full-form object in `body`.
// DSA has the two levels above; DSK adds AcknowledgeMessage's (no known bits), DSC CommandMessage's.
bool read_small(amf::external_reader& in, amf::value& body, message_class c) {
  wire_fields f;
  f.operation = amf::value::integer(0);  // DSC: the writer leaves out operation 0
  const level_slots command_level[] = {{&f.operation}};
  if (!read_async(in, f)) return false;
  if (c == message_class::acknowledge && !read_level(in, {})) return false;
  if (c == message_class::command && !read_level(in, command_level)) return false;
  amf::object_node* o = detail::build_full_form(in.memory(), c, f);
  if (o == nullptr) return in.fail("out of memory");
  body = amf::value::of(o);
  return true;
}

// ---- writing ----

bool is_set(const amf::value* v) noexcept { return v != nullptr && !v->is_null() && !v->is_undefined(); }
bool is_set_number(const amf::value* v) noexcept {
  return is_set(v) && !(v->is_number() && v->to_double() == 0);
}

// One level of a small message being written: the flag bytes, then the values in bit order.
class level_writer {
 public:
  // The value of flag `bit` of byte `byte` (0 or 1), written if `set`.
  void field(std::size_t byte, std::size_t bit, const amf::value* v, bool set) noexcept {
    if (!set) return;
    flags_[byte] = static_cast<std::uint8_t>(flags_[byte] | (1u << bit));
    values_[byte][bit] = v;
  }

  bool write(amf::external_writer& out) const {
    const std::size_t bytes = flags_[1] != 0 ? 2 : 1;
    for (std::size_t i = 0; i < bytes; ++i) {
      out.write_u8(static_cast<std::uint8_t>(flags_[i] | (i + 1 < bytes ? has_next : 0)));
    }
    for (std::size_t i = 0; i < bytes; ++i) {
      for (const amf::value* v : values_[i]) {
        if (v != nullptr && !out.write_value(*v)) return false;
      }
    }
    return true;
  }

 private:
  std::array<std::uint8_t, 2> flags_{};
  std::array<std::array<const amf::value*, bits_per_byte>, 2> values_{};
};

// An id goes in the byte form (second slot) when it is a ByteArray, else in the string form.
void id_field(level_writer& w, std::size_t text_byte, std::size_t text_bit, std::size_t bytes_byte,
              std::size_t bytes_bit, const amf::value* v) noexcept {
  const bool as_bytes = is_set(v) && v->is(amf::kind::byte_array);
  w.field(text_byte, text_bit, v, is_set(v) && !as_bytes);
  w.field(bytes_byte, bytes_bit, v, as_bytes);
}

bool write_small(amf::external_writer& out, const amf::value& body, message_class c) {
  if (!body.is(amf::kind::object) || body.as_object().type == nullptr) {
    return out.fail("small message body is not a message object");
  }
  const amf::object_node& o = body.as_object();
  namespace names = detail::names;

  level_writer abstract;
  const amf::value* v = o.find(names::body);
  abstract.field(0, 0, v, is_set(v));
  id_field(abstract, 0, 1, 1, 0, o.find(names::client_id));
  v = o.find(names::destination);
  abstract.field(0, 2, v, is_set(v));
  v = o.find(names::headers);
  abstract.field(0, 3, v, is_set(v));
  id_field(abstract, 0, 4, 1, 1, o.find(names::message_id));
  v = o.find(names::timestamp);
  abstract.field(0, 5, v, is_set_number(v));
  v = o.find(names::time_to_live);
  abstract.field(0, 6, v, is_set_number(v));

  level_writer async;
  id_field(async, 0, 0, 0, 1, o.find(names::correlation_id));

  level_writer last;  // AcknowledgeMessage: no fields; CommandMessage: operation
  if (c == message_class::command) {
    v = o.find(names::operation);
    last.field(0, 0, v, is_set_number(v));
  }
  return abstract.write(out) && async.write(out) && (c == message_class::async || last.write(out));
}

amf::externalizable_codec small_codec(message_class c) {
  return {
      [c](amf::external_reader& in, amf::value& body) { return read_small(in, body, c); },
      [c](amf::external_writer& out, const amf::value& body) { return write_small(out, body, c); },
  };
}

}  // namespace

const amf::externalizable_registry& registry() {
  static const amf::externalizable_registry r = [] {
    amf::externalizable_registry flex = amf::externalizable_registry::flex();
    flex.add(std::string(aliases::acknowledge_small), small_codec(message_class::acknowledge));
    flex.add(std::string(aliases::async_small), small_codec(message_class::async));
    flex.add(std::string(aliases::command_small), small_codec(message_class::command));
    return flex;
  }();
  return r;
}

}  // namespace amphora::flex
