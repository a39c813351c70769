// AMF0 encoding (Adobe "AMF 0 Specification", 2007, section 2). Kinds AMF0 cannot express
// (ByteArray, Vector, Dictionary, E4X XML, externalizable objects) and values flagged avmplus go
// out as the AVM+ marker 0x11 followed by one AMF3 value.
#include <charconv>

#include "amf0_internal.hpp"

namespace amphora::amf::detail {

amf0_writer::amf0_writer(encode_context& ctx) noexcept : ctx_(ctx) {}
amf0_writer::~amf0_writer() = default;

void amf0_writer::reset() noexcept {
  refs_.clear();
  next_index_ = 0;
  if (amf3_) amf3_->reset();
}

std::size_t amf0_writer::retained_bytes() const noexcept {
  return refs_.retained_bytes() + (amf3_ ? amf3_->retained_bytes() : 0);
}

bool amf0_writer::write_value(const value& v) {
  if (v.avmplus()) return write_avmplus(v);
  if (v.is_node() && v.node() == nullptr) return ctx_.fail(errc::unencodable, "value without its node");
  switch (v.type()) {
    case kind::undefined:
      ctx_.u8(amf0::undefined_marker);
      return true;
    case kind::null:
      ctx_.u8(amf0::null_marker);
      return true;
    case kind::boolean:
      ctx_.u8(amf0::boolean_marker);
      ctx_.u8(v.as_bool() ? 1 : 0);
      return true;
    case kind::integer:
    case kind::number:
      ctx_.u8(amf0::number_marker);
      ctx_.f64(v.to_double());
      return true;
    case kind::string:
      return write_string(v.as_string());
    case kind::date:
      return write_date(v.as_date());
    case kind::xml_document:
      return write_xml_document(v.as_text());
    case kind::array:
      return write_node(v);
    case kind::object:
      if (v.as_object().type != nullptr && v.as_object().type->externalizable) return write_avmplus(v);
      return write_node(v);
    case kind::xml:
    case kind::byte_array:
    case kind::vector_int:
    case kind::vector_uint:
    case kind::vector_double:
    case kind::vector_object:
    case kind::dictionary:
      return write_avmplus(v);
  }
  return ctx_.fail(errc::unencodable, "unknown value kind");
}

// The limit is 65535 UTF-8 bytes (not UTF-16 units, AmFast's mistake).
bool amf0_writer::write_string(std::string_view s) {
  if (s.size() <= 0xFFFF) {
    ctx_.u8(amf0::string_marker);
    ctx_.u16(static_cast<std::uint16_t>(s.size()));
  } else {
    if (s.size() > 0xFFFFFFFF) return ctx_.fail(errc::unencodable, "string longer than 4 GiB");
    ctx_.u8(amf0::long_string_marker);
    ctx_.u32(static_cast<std::uint32_t>(s.size()));
  }
  ctx_.bytes(s);
  return true;
}

bool amf0_writer::write_utf8(std::string_view s, const char* what) {
  if (s.size() > 0xFFFF) return ctx_.fail(errc::unencodable, what);
  ctx_.u16(static_cast<std::uint16_t>(s.size()));
  ctx_.bytes(s);
  return true;
}

void amf0_writer::write_object_end() {
  ctx_.u16(0);
  ctx_.u8(amf0::object_end_marker);
}

// Arrays and objects: a reference when the decoder can reach the first copy (index <= 65535),
// otherwise written out again. A cycle through an unreachable node would never end.
bool amf0_writer::write_node(const value& v) {
  const void* node = v.node();
  const auto stored = static_cast<std::uint32_t>(next_index_ < 0x10000 ? next_index_ : 0x10000);
  bool inserted = false;
  node_map::entry* e = refs_.insert(node, stored, inserted);
  if (!inserted) {
    if (e->index <= amf0::max_reference) {
      ctx_.u8(amf0::reference_marker);
      ctx_.u16(static_cast<std::uint16_t>(e->index));
      return true;
    }
    if (e->active)
      return ctx_.fail(errc::unencodable, "cycle through an object past AMF0 reference index 65535");
  }
  const bool unreachable = next_index_++ > amf0::max_reference;
  if (unreachable) e->active = true;
  if (ctx_.depth >= ctx_.options->max_depth)
    return ctx_.fail(errc::depth_exceeded, "nesting deeper than max_depth");
  ++ctx_.depth;
  const bool ok = v.is(kind::array) ? write_array(v.as_array()) : write_object(v.as_object());
  --ctx_.depth;
  if (unreachable) {
    if (node_map::entry* again = refs_.find(node)) again->active = false;
  }
  return ok;
}

// ECMA array (0x08) when the array has named entries or came from one: dense entries first, named
// "0", "1", ..., then the associative ones. Otherwise a strict array (0x0A).
bool amf0_writer::write_array(const array_node& a) {
  if (!a.ecma && a.assoc.empty()) {
    ctx_.u8(amf0::strict_array_marker);
    ctx_.u32(static_cast<std::uint32_t>(a.dense.size()));
    for (const value& item : a.dense) {
      if (!write_value(item)) return false;
    }
    return true;
  }
  const std::size_t count = a.dense.size() + a.assoc.size();
  if (count > 0xFFFFFFFF) return ctx_.fail(errc::unencodable, "ECMA array with more than 2^32-1 entries");
  ctx_.u8(amf0::ecma_array_marker);
  ctx_.u32(static_cast<std::uint32_t>(count));
  for (std::size_t i = 0; i < a.dense.size(); ++i) {
    char key[16];
    auto r = std::to_chars(key, key + sizeof key, i);
    if (!write_utf8({key, static_cast<std::size_t>(r.ptr - key)}, "") || !write_value(a.dense[i]))
      return false;
  }
  for (const member& entry : a.assoc) {
    if (!write_utf8(entry.name, "ECMA array key longer than 65535 bytes") || !write_value(entry.val))
      return false;
  }
  write_object_end();
  return true;
}

// Typed object (0x10) when the traits have an alias, else anonymous (0x03); sealed members
// first, then dynamic ones.
bool amf0_writer::write_object(const object_node& o) {
  const traits* t = o.type;
  if (t == nullptr) return ctx_.fail(errc::invalid_traits, "object without traits");
  if (t->sealed.size() != o.sealed.size())
    return ctx_.fail(errc::invalid_traits, "sealed values do not match the traits' names");
  if (t->alias.empty()) {
    ctx_.u8(amf0::object_marker);
  } else {
    ctx_.u8(amf0::typed_object_marker);
    if (!write_utf8(t->alias, "class name longer than 65535 bytes")) return false;
  }
  for (std::size_t i = 0; i < o.sealed.size(); ++i) {
    if (!write_utf8(t->sealed[i], "member name longer than 65535 bytes") || !write_value(o.sealed[i]))
      return false;
  }
  for (const member& entry : o.dynamic) {
    if (!write_utf8(entry.name, "member name longer than 65535 bytes") || !write_value(entry.val))
      return false;
  }
  write_object_end();
  return true;
}

// Dates are not in the reference table: every occurrence is written in full.
bool amf0_writer::write_date(const date_node& d) {
  if (!is_valid_date_millis(d.millis))
    return ctx_.fail(errc::invalid_date, "date is NaN, infinite or beyond 8.64e15 ms");
  ctx_.u8(amf0::date_marker);
  ctx_.f64(d.millis);
  ctx_.u16(static_cast<std::uint16_t>(d.timezone));
  return true;
}

bool amf0_writer::write_xml_document(const text_node& t) {
  if (t.text.size() > 0xFFFFFFFF) return ctx_.fail(errc::unencodable, "XML document longer than 4 GiB");
  ctx_.u8(amf0::xml_document_marker);
  ctx_.u32(static_cast<std::uint32_t>(t.text.size()));
  ctx_.bytes(t.text);
  return true;
}

// 0x11 + one AMF3 value; the AMF3 tables are shared by every switch in this top-level value.
bool amf0_writer::write_avmplus(const value& v) {
  ctx_.u8(amf0::avmplus_marker);
  if (!amf3_) amf3_.emplace(ctx_);
  value plain = v;
  plain.set_flags(static_cast<std::uint8_t>(v.flags() & ~value::flag_avmplus));
  return amf3_->write_value(plain);
}

}  // namespace amphora::amf::detail
