// read_message: a decoded value -> a message struct. Lenient about shape (member order, extra
// members, missing members, ints or doubles), strict about kinds: a member of the wrong kind is an
// error that names it.
#include <cmath>
#include <cstdint>
#include <limits>

#include "amphora/flex/messages.hpp"
#include "full_form.hpp"

namespace amphora::flex {
namespace {

using detail::message_class;
namespace names = detail::names;

amf::error_info failure(errc e, const char* detail) noexcept { return {make_error_code(e), 0, detail}; }

// Which class an object is, by alias; false if it is none.
bool class_of(const amf::object_node& o, message_class& c) noexcept {
  const std::string_view alias = o.alias();
  const bool small = o.type->externalizable;
  const struct {
    std::string_view alias;
    bool small;
    message_class c;
  } known[] = {
      {aliases::remoting_message, false, message_class::remoting},
      {aliases::command_message, false, message_class::command},
      {aliases::async_message, false, message_class::async},
      {aliases::acknowledge_message, false, message_class::acknowledge},
      {aliases::error_message, false, message_class::error},
      {aliases::acknowledge_small, true, message_class::acknowledge},
      {aliases::async_small, true, message_class::async},
      {aliases::command_small, true, message_class::command},
  };
  for (const auto& k : known) {
    if (k.alias == alias && k.small == small) {
      c = k.c;
      return true;
    }
  }
  return false;
}

// Reads members of one object into struct fields. Absent members (or null, undefined) leave the
// field as it is. The first failure is kept; later calls do nothing.
class field_reader {
 public:
  field_reader(const amf::object_node& o, amf::arena& memory) noexcept : o_(o), memory_(memory) {}

  const amf::error_info& error() const noexcept { return error_; }

  void any(std::string_view name, amf::value& out) noexcept {
    if (const amf::value* v = get(name)) out = *v;
  }

  void string(std::string_view name, const char* bad, std::string_view& out) noexcept {
    const amf::value* v = get(name);
    if (v == nullptr) return;
    if (!v->is(amf::kind::string)) return fail(errc::invalid_field, bad);
    out = v->as_string();
  }

  // A string, or 16 bytes (small messages' id form) turned into uppercase UUID text.
  void id(std::string_view name, const char* bad, std::string_view& out) noexcept {
    const amf::value* v = get(name);
    if (v == nullptr) return;
    if (!v->is(amf::kind::byte_array)) return string(name, bad, out);
    const auto bytes = v->as_bytes().bytes;
    if (bytes.size() != 16) return fail(errc::invalid_field, bad);
    const auto text = uuid_from_bytes(bytes.first<16>());
    out = memory_.copy(std::string_view{text.data(), text.size()});
    if (out.empty()) fail(errc::out_of_memory, "id text");
  }

  void number(std::string_view name, const char* bad, double& out) noexcept {
    const amf::value* v = get(name);
    if (v == nullptr) return;
    if (!v->is_number()) return fail(errc::invalid_field, bad);
    out = v->to_double();
  }

  // An object (headers).
  void object(std::string_view name, const char* bad, amf::value& out) noexcept {
    const amf::value* v = get(name);
    if (v == nullptr) return;
    if (!v->is(amf::kind::object)) return fail(errc::invalid_field, bad);
    out = *v;
  }

  // An int32: an integer, or a double holding one.
  void int32(std::string_view name, const char* bad, std::int32_t& out) noexcept {
    const amf::value* v = get(name);
    if (v == nullptr) return;
    const double d = v->to_double();
    if (!v->is_number() || !(d >= std::numeric_limits<std::int32_t>::min()) ||
        !(d <= std::numeric_limits<std::int32_t>::max()) || std::trunc(d) != d) {
      return fail(errc::invalid_field, bad);
    }
    out = static_cast<std::int32_t>(d);
  }

 private:
  // The member, or nullptr if it is absent, null or undefined, or an error was already seen.
  const amf::value* get(std::string_view name) const noexcept {
    if (error_.code) return nullptr;
    const amf::value* v = o_.find(name);
    return v == nullptr || v->is_null() || v->is_undefined() ? nullptr : v;
  }
  void fail(errc e, const char* detail) noexcept { error_ = failure(e, detail); }

  const amf::object_node& o_;
  amf::arena& memory_;
  amf::error_info error_;
};

void read_abstract(field_reader& r, abstract_message& m) noexcept {
  r.any(names::body, m.body);
  r.id(names::client_id, "clientId is not a string or 16-byte id", m.client_id);
  r.string(names::destination, "destination is not a string", m.destination);
  r.object(names::headers, "headers is not an object", m.headers);
  r.id(names::message_id, "messageId is not a string or 16-byte id", m.message_id);
  r.number(names::timestamp, "timestamp is not a number", m.timestamp);
  r.number(names::time_to_live, "timeToLive is not a number", m.time_to_live);
}

void read_async(field_reader& r, async_message& m) noexcept {
  read_abstract(r, m);
  r.id(names::correlation_id, "correlationId is not a string or 16-byte id", m.correlation_id);
}

template <class T>
amf::result<message> finish(const field_reader& r, const T& m) {
  if (r.error().code) return r.error();
  return message{m};
}

amf::result<message> read_class(message_class c, const amf::object_node& o, amf::arena& memory) {
  field_reader r{o, memory};
  switch (c) {
    case message_class::remoting: {
      remoting_message m;
      read_abstract(r, m);
      r.string(names::operation, "operation is not a string", m.operation);
      r.string(names::source, "source is not a string", m.source);
      return finish(r, m);
    }
    case message_class::command: {
      command_message m;
      read_async(r, m);
      auto op = static_cast<std::int32_t>(m.operation);
      r.int32(names::operation, "operation is not an int", op);
      m.operation = static_cast<command_operation>(op);
      return finish(r, m);
    }
    case message_class::async: {
      async_message m;
      read_async(r, m);
      return finish(r, m);
    }
    case message_class::acknowledge: {
      acknowledge_message m;
      read_async(r, m);
      return finish(r, m);
    }
    case message_class::error: {
      error_message m;
      read_async(r, m);
      r.string(names::fault_code, "faultCode is not a string", m.fault_code);
      r.string(names::fault_string, "faultString is not a string", m.fault_string);
      r.string(names::fault_detail, "faultDetail is not a string", m.fault_detail);
      r.any(names::root_cause, m.root_cause);
      r.any(names::extended_data, m.extended_data);
      return finish(r, m);
    }
  }
  return failure(errc::unknown_class, "message class");
}

}  // namespace

amf::result<message> read_message(const amf::value& v, amf::arena& memory) {
  const amf::value* m = &v;
  if (m->is(amf::kind::array) && m->as_array().dense.size() == 1 && m->as_array().assoc.empty()) {
    m = &m->as_array().dense[0];  // the Flex body form: [message]
  }
  if (!m->is(amf::kind::object) || m->as_object().type == nullptr) {
    return failure(errc::not_a_message, "not an object");
  }
  const amf::object_node* o = &m->as_object();
  message_class c{};
  if (!class_of(*o, c)) return failure(errc::unknown_class, "alias is not a Flex message class");
  if (o->type->externalizable) {
    if (!o->external.is(amf::kind::object) || o->external.as_object().type == nullptr) {
      return failure(errc::not_a_message, "small message without its fields");
    }
    o = &o->external.as_object();
  }
  return read_class(c, *o, memory);
}

}  // namespace amphora::flex
