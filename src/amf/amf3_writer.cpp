// AMF3 encoding (Adobe, "AMF 3 Specification", January 2013, §3), in canonical form:
// integers that fit 29 bits as U29, strings deduplicated by content (the empty string never
// referenced), nodes by identity, traits by content (alias, flags, sealed names). The tables
// grow in the order the reader's do, so what one writes the other numbers the same way.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "amf3_format.hpp"
#include "amf3_internal.hpp"
#include "content_map.hpp"
#include "node_map.hpp"

namespace amphora::amf::detail {

namespace {

std::uint64_t hash_traits(const traits& t) noexcept {
  const std::uint64_t flags = (t.dynamic ? 1u : 0u) | (t.externalizable ? 2u : 0u);
  std::uint64_t h = hash_bytes(t.alias, flags);
  for (std::string_view name : t.sealed) h = hash_bytes(name, h);
  return h;
}

bool same_traits(const traits* a, const traits* b) noexcept {
  if (a->alias != b->alias || a->dynamic != b->dynamic || a->externalizable != b->externalizable ||
      a->sealed.size() != b->sealed.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a->sealed.size(); ++i) {
    if (a->sealed[i] != b->sealed[i]) return false;
  }
  return true;
}

std::uint8_t marker_of(kind k) noexcept {
  switch (k) {
    case kind::date:
      return amf3::date_marker;
    case kind::xml_document:
      return amf3::xml_document_marker;
    case kind::xml:
      return amf3::xml_marker;
    case kind::byte_array:
      return amf3::byte_array_marker;
    case kind::array:
      return amf3::array_marker;
    case kind::object:
      return amf3::object_marker;
    case kind::vector_int:
      return amf3::vector_int_marker;
    case kind::vector_uint:
      return amf3::vector_uint_marker;
    case kind::vector_double:
      return amf3::vector_double_marker;
    case kind::vector_object:
      return amf3::vector_object_marker;
    default:
      return amf3::dictionary_marker;
  }
}

}  // namespace

struct amf3_writer::impl {
  explicit impl(encode_context& c) noexcept : ctx(c) {}

  encode_context& ctx;
  // The string table: strings of up to 16 bytes by their words (short_key), longer ones by hash and
  // bytes; both number from string_count.
  content_map<short_key> short_strings;
  content_map<std::string_view> strings;
  std::uint32_t string_count = 0;
  node_map objects;                                       // node address -> object table index
  node_map traits_seen;                                   // traits address -> traits table index (fast path)
  content_map<const traits*> trait_table;                 // traits content -> traits table index
  std::vector<const externalizable_codec*> trait_codecs;  // by traits table index
  // The traits written last and their index: objects of one shape often come one after the other
  // with traits of their own (JSON, hand-built values), found here by one comparison of content
  // instead of two hash lookups.
  const traits* last_traits = nullptr;
  std::uint32_t last_traits_index = 0;
  // The last member name written at each position (mod 16) of a member list, with its string
  // table index: objects of one shape repeat their names in order, so most names are found here
  // by one compare, without hashing.
  struct recent_name {
    std::string_view name;
    std::uint32_t index = 0;
  };
  std::array<recent_name, 16> recent_names{};
  // Long strings by address: a string written many times from the same storage (a decoded string
  // and its references, say) is found without hashing or comparing its bytes again, so a
  // reference bomb of one long string costs no more to write than to read.
  static constexpr std::size_t long_string_bytes = 64;
  struct seen_string {
    const char* data = nullptr;
    std::size_t size = 0;
    std::uint32_t index = 0;
  };
  std::array<seen_string, 64> long_strings{};

  class external_output;

  void reset() noexcept {
    short_strings.clear();
    strings.clear();
    string_count = 0;
    objects.clear();
    traits_seen.clear();
    trait_table.clear();
    trait_codecs.clear();
    last_traits = nullptr;
    recent_names.fill({});
    long_strings.fill({});
  }

  // ---- primitives ----

  void u29(std::uint32_t v) { put_u29(ctx, v); }  // v <= amf3::u29_max

  // An inline length or count: (n << 1) | 1.
  bool length(std::size_t n) {
    if (n > amf3::max_length) return ctx.fail(errc::unencodable, "length does not fit AMF3's 28 bits");
    u29(static_cast<std::uint32_t>(n << 1 | 1));
    return true;
  }

  // A string or object reference: index << 1.
  bool reference(std::uint32_t index) {
    if (index > amf3::max_length)
      return ctx.fail(errc::unencodable, "reference table larger than AMF3 can index");
    u29(index << 1);
    return true;
  }

  bool enter() {
    if (++ctx.depth > ctx.options->max_depth)
      return ctx.fail(errc::depth_exceeded, "nesting deeper than max_depth");
    return true;
  }
  void leave() noexcept { --ctx.depth; }

  // ---- values ----

  bool write_value(const value& v) {
    if (put_scalar(ctx, v)) return true;
    if (v.type() != kind::string) return write_node(v);
    ctx.u8(amf3::string_marker);
    return write_string(v.as_string());
  }

  // The output window's write position and end, kept in locals (registers) by the member and
  // element loops: a store through std::uint8_t* may alias the context, so ctx.pos would be
  // reloaded after every byte. Out-of-line writers get ctx.pos back first (sync) and the cursor
  // is refreshed after them (the window may have grown).
  struct cursor {
    std::uint8_t* pos;
    std::uint8_t* limit;
  };
  cursor open_cursor() const noexcept { return {ctx.pos, ctx.limit}; }
  void sync(const cursor& c) noexcept { ctx.pos = c.pos; }
  template <class Write>
  [[gnu::always_inline]] bool out_of_line(cursor& c, Write write) {
    ctx.pos = c.pos;
    const bool ok = write();
    c = open_cursor();
    return ok;
  }

  // A member, element or item: scalars written inline at each call site, marker and payload
  // behind one room check; everything else (and any value when the window is short) by
  // write_value(). The same bytes either way.
  [[gnu::always_inline]] bool write_item(const value& v, cursor& c) {
    if (c.limit - c.pos >= 9) [[likely]] {
      std::uint8_t* p = c.pos;
      switch (v.type()) {
        case kind::null:
          *p = amf3::null_marker;
          c.pos = p + 1;
          return true;
        case kind::boolean:
          *p = v.as_bool() ? amf3::true_marker : amf3::false_marker;
          c.pos = p + 1;
          return true;
        case kind::integer: {
          const std::int64_t i = v.as_int();
          if (i < 0 || i >= 0x4000) break;
          p[0] = amf3::integer_marker;
          if (i < 0x80) {
            p[1] = static_cast<std::uint8_t>(i);
            c.pos = p + 2;
          } else {
            p[1] = static_cast<std::uint8_t>(0x80 | (i >> 7));
            p[2] = static_cast<std::uint8_t>(i & 0x7F);
            c.pos = p + 3;
          }
          return true;
        }
        case kind::number:
          p[0] = amf3::double_marker;
          encode_context::put(p + 1, v.as_double());
          c.pos = p + 9;
          return true;
        case kind::string:
          p[0] = amf3::string_marker;
          c.pos = p + 1;
          return out_of_line(c, [&] { return write_string(v.as_string()); });
        case kind::array:
        case kind::object:
          if (v.node() == nullptr) break;
          p[0] = v.type() == kind::array ? amf3::array_marker : amf3::object_marker;
          c.pos = p + 1;
          return out_of_line(c, [&] { return write_array_or_object(v); });
        case kind::date:
          if (v.node() == nullptr) break;
          p[0] = amf3::date_marker;
          c.pos = p + 1;
          return out_of_line(c, [&] {
            std::uint32_t index = 0;
            return new_node(v.node(), index) ? write_date(v.as_date()) : reference(index);
          });
        default:
          break;
      }
    }
    return out_of_line(c, [&] { return v.is_node() ? write_node(v) : write_value(v); });
  }

  // A string of 1-63 bytes (names, codes, most values) is looked up directly and written behind one
  // room check: a reference of one byte (index < 64) or a length of one byte and the bytes.
  bool write_string(std::string_view s) {
    const std::size_t n = s.size();
    if (n - 1 < long_string_bytes - 1) {
      bool inserted = false;
      const std::uint32_t index = find_or_add(s, inserted);
      std::uint8_t* p = ctx.room(n + 1);
      if (inserted) {
        if (p == nullptr) return write_blob(s);
        *p = static_cast<std::uint8_t>(n << 1 | 1);
        std::memcpy(p + 1, s.data(), n);
        ctx.pos = p + 1 + n;
        return true;
      }
      if (p == nullptr || index >= 0x40) return reference(index);
      *p = static_cast<std::uint8_t>(index << 1);
      ctx.pos = p + 1;
      return true;
    }
    if (n == 0) {
      ctx.u8(0x01);
      return true;
    }
    bool inserted = false;
    const std::uint32_t index = string_index(s, inserted);
    return inserted ? write_blob(s) : reference(index);
  }

  // The name of the member at `position` of a member list (not empty). Inline: the name written
  // last at this position again, as a one-byte reference; the rest is write_new_member_name().
  [[gnu::always_inline]] bool write_member_name(std::string_view s, std::size_t position, cursor& c) {
    const recent_name& recent = recent_names[position % recent_names.size()];
    if (recent.index < 0x40 && c.pos != c.limit && same_bytes(recent.name, s)) [[likely]] {
      *c.pos++ = static_cast<std::uint8_t>(recent.index << 1);
      return true;
    }
    return out_of_line(c, [&] { return write_new_member_name(s, position); });
  }

  [[gnu::noinline]] bool write_new_member_name(std::string_view s, std::size_t position) {
    recent_name& recent = recent_names[position % recent_names.size()];
    if (same_bytes(recent.name, s)) return reference(recent.index);
    bool inserted = false;
    recent = {s, string_index(s, inserted)};
    return inserted ? write_blob(s) : reference(recent.index);
  }

  // The string table index of `s` (not empty): the one it has, or the next one (`inserted`).
  std::uint32_t string_index(std::string_view s, bool& inserted) {
    seen_string* seen = nullptr;
    if (s.size() >= long_string_bytes) {
      seen = &long_strings[(reinterpret_cast<std::uintptr_t>(s.data()) >> 4) % long_strings.size()];
      if (seen->data == s.data() && seen->size == s.size()) {
        inserted = false;
        return seen->index;
      }
    }
    const std::uint32_t index = find_or_add(s, inserted);
    if (seen != nullptr) *seen = {s.data(), s.size(), index};
    return index;
  }

  // The string table's lookup (s not empty): the index `s` has, or the next one (`inserted`).
  [[gnu::always_inline]] std::uint32_t find_or_add(std::string_view s, bool& inserted) {
    std::uint32_t index;
    if (s.size() <= short_key::max_size) {
      const short_key k = short_key::of(s);
      index = short_strings.find_or_insert(k, k.hash(), string_count, inserted, std::equal_to<>{});
    } else {
      index = strings.find_or_insert(s, hash_bytes(s), string_count, inserted, same_bytes);
    }
    if (inserted) ++string_count;
    return index;
  }

  // Length, then the bytes (strings, XML, ByteArrays).
  template <class Bytes>
  bool write_blob(const Bytes& bytes) {
    if (!length(bytes.size())) return false;
    ctx.bytes(bytes);
    return true;
  }

  // Enters a node in the object table: true when it is new (its body follows), else `index` is
  // the one it has.
  bool new_node(const void* node, std::uint32_t& index) {
    bool inserted = false;
    index = objects.insert(node, static_cast<std::uint32_t>(objects.size()), inserted)->index;
    return inserted;
  }

  // An array or object (its marker written), the most common nodes: met as a member, element or
  // item they come here directly (dates too), not through write_node's two dispatches.
  bool write_array_or_object(const value& v) {
    std::uint32_t index = 0;
    if (!new_node(v.node(), index)) return reference(index);
    return v.type() == kind::array ? write_array(v.as_array()) : write_object(v.as_object());
  }

  bool write_node(const value& v) {
    if (v.node() == nullptr) return ctx.fail(errc::unencodable, "node value without a node");
    ctx.u8(marker_of(v.type()));
    std::uint32_t index = 0;
    if (!new_node(v.node(), index)) return reference(index);
    switch (v.type()) {
      case kind::date:
        return write_date(v.as_date());
      case kind::xml_document:
      case kind::xml:
        return write_blob(v.as_text().text);
      case kind::byte_array:
        return write_blob(v.as_bytes().bytes);
      case kind::array:
        return write_array(v.as_array());
      case kind::object:
        return write_object(v.as_object());
      case kind::vector_int:
        return write_number_vector(v.as_vector_int());
      case kind::vector_uint:
        return write_number_vector(v.as_vector_uint());
      case kind::vector_double:
        return write_number_vector(v.as_vector_double());
      case kind::vector_object:
        return write_object_vector(v.as_vector_object());
      default:
        return write_dictionary(v.as_dictionary());
    }
  }

  bool write_date(const date_node& d) {
    if (!is_valid_date_millis(d.millis))
      return ctx.fail(errc::unencodable, "date is NaN, infinite or out of range");
    ctx.u8(0x01);
    ctx.f64(d.millis);
    return true;
  }

  bool write_array(const array_node& a) {
    if (!enter() || !length(a.dense.size())) return false;
    cursor c = open_cursor();
    for (std::size_t i = 0; i < a.assoc.size(); ++i) {
      const member& m = a.assoc[i];
      if (m.name.empty()) {
        sync(c);
        return ctx.fail(errc::unencodable, "empty key in an array's associative part");
      }
      if (!write_member_name(m.name, i, c) || !write_item(m.val, c)) return false;
    }
    sync(c);
    ctx.u8(0x01);
    c = open_cursor();
    for (const value& item : a.dense) {
      if (!write_item(item, c)) return false;
    }
    sync(c);
    leave();
    return true;
  }

  bool write_object(const object_node& o) {
    const traits* t = o.type;
    if (t == nullptr) return ctx.fail(errc::unencodable, "object without traits");
    if (t->externalizable) {
      if (!t->sealed.empty() || !o.sealed.empty() || !o.dynamic.empty()) {
        return ctx.fail(errc::unencodable, "externalizable object with members");
      }
    } else if (o.sealed.size() != t->sealed.size() || (!t->dynamic && !o.dynamic.empty())) {
      return ctx.fail(errc::unencodable, "object members do not match its traits");
    }
    const externalizable_codec* codec = nullptr;
    if (!enter() || !write_traits(*t, codec)) return false;
    if (codec != nullptr) {
      if (!write_external(*codec, o.external)) return false;
      leave();
      return true;
    }
    cursor c = open_cursor();
    for (const value& v : o.sealed) {
      if (!write_item(v, c)) return false;
    }
    if (t->dynamic) {
      for (std::size_t i = 0; i < o.dynamic.size(); ++i) {
        const member& m = o.dynamic[i];
        if (m.name.empty()) {
          sync(c);
          return ctx.fail(errc::unencodable, "empty dynamic member name");
        }
        if (!write_member_name(m.name, i, c) || !write_item(m.val, c)) return false;
      }
    }
    sync(c);
    if (t->dynamic) ctx.u8(0x01);
    leave();
    return true;
  }

  // A traits reference when traits of the same content were written before, else inline
  // traits. `codec` is set for externalizable traits.
  bool write_traits(const traits& t, const externalizable_codec*& codec) {
    std::uint32_t index = last_traits_index;
    if (last_traits == nullptr || (last_traits != &t && !same_traits(last_traits, &t))) {
      const auto next = static_cast<std::uint32_t>(trait_codecs.size());
      bool inserted = false;
      node_map::entry* seen = traits_seen.insert(&t, next, inserted);
      if (inserted) {
        seen->index = trait_table.find_or_insert(&t, hash_traits(t), next, inserted, same_traits);
        if (inserted) {
          if (!write_inline_traits(t, codec)) return false;
          last_traits = &t;
          last_traits_index = next;
          return true;
        }
      }
      index = seen->index;
      last_traits = &t;
      last_traits_index = index;
    }
    if (index > amf3::max_trait_index)
      return ctx.fail(errc::unencodable, "traits table larger than AMF3 can index");
    codec = trait_codecs[index];
    u29(index << 2 | 1);
    return true;
  }

  bool write_inline_traits(const traits& t, const externalizable_codec*& codec) {
    codec = nullptr;
    if (t.externalizable) {
      const externalizable_registry* registry = ctx.options->registry;
      codec = registry != nullptr ? registry->find(t.alias) : nullptr;
      if (codec == nullptr)
        return ctx.fail(errc::unknown_externalizable, "externalizable alias not in the registry");
    }
    trait_codecs.push_back(codec);
    if (t.sealed.size() > amf3::max_sealed_count)
      return ctx.fail(errc::unencodable, "too many sealed members");
    std::uint32_t h = amf3::traits_inline_bit | 1;
    if (t.externalizable) h |= amf3::traits_externalizable_bit;
    if (t.dynamic) h |= amf3::traits_dynamic_bit;
    u29(h | static_cast<std::uint32_t>(t.sealed.size()) << amf3::traits_count_shift);
    if (!write_string(t.alias)) return false;
    for (std::string_view name : t.sealed) {
      if (!write_string(name)) return false;
    }
    return true;
  }

  bool write_external(const externalizable_codec& codec, const value& body);

  template <class T>
  bool write_number_vector(const vector_node<T>& v) {
    if (!length(v.items.size())) return false;
    ctx.u8(v.fixed ? 1 : 0);
    for (T item : v.items) {
      if constexpr (sizeof(T) == 4) {
        ctx.u32(static_cast<std::uint32_t>(item));
      } else {
        ctx.f64(item);
      }
    }
    return true;
  }

  bool write_object_vector(const vector_object_node& v) {
    if (!enter() || !length(v.items.size())) return false;
    ctx.u8(v.fixed ? 1 : 0);
    if (!write_string(v.type_name)) return false;
    cursor c = open_cursor();
    for (const value& item : v.items) {
      if (!write_item(item, c)) return false;
    }
    sync(c);
    leave();
    return true;
  }

  bool write_dictionary(const dictionary_node& d) {
    if (!enter() || !length(d.entries.size())) return false;
    ctx.u8(d.weak_keys ? 1 : 0);
    for (const dict_entry& e : d.entries) {
      if (!write_value(e.key) || !write_value(e.val)) return false;
    }
    leave();
    return true;
  }
};

// An externalizable's view of the stream (flash.utils.IDataOutput over the same tables).
class amf3_writer::impl::external_output final : public external_writer {
 public:
  explicit external_output(impl& w) noexcept : w_(w), ctx_(w.ctx) {}

  bool write_value(const value& v) override { return w_.write_value(v); }
  void write_u8(std::uint8_t v) override { ctx_.u8(v); }
  void write_u16(std::uint16_t v) override { ctx_.u16(v); }
  void write_u32(std::uint32_t v) override { ctx_.u32(v); }
  void write_double(double v) override { ctx_.f64(v); }
  void write_bytes(std::span<const std::uint8_t> bytes) override { ctx_.bytes(bytes); }
  bool write_utf(std::string_view s) override {
    if (s.size() > 0xFFFF) return ctx_.fail(errc::unencodable, "writeUTF string longer than 65535 bytes");
    ctx_.u16(static_cast<std::uint16_t>(s.size()));
    ctx_.bytes(s);
    return true;
  }
  bool fail(const char* detail) override { return ctx_.fail(errc::externalizable_failed, detail); }

 private:
  impl& w_;
  encode_context& ctx_;
};

bool amf3_writer::impl::write_external(const externalizable_codec& codec, const value& body) {
  external_output out{*this};
  const bool ok = codec.write(out, body);
  if (ctx.error.code) return false;
  return ok || ctx.fail(errc::externalizable_failed, "externalizable writer refused the value");
}

amf3_writer::amf3_writer(encode_context& ctx) : impl_(std::make_unique<impl>(ctx)) {}
amf3_writer::~amf3_writer() = default;
void amf3_writer::reset() noexcept { impl_->reset(); }
std::size_t amf3_writer::retained_bytes() const noexcept {
  const impl& w = *impl_;
  return w.short_strings.retained_bytes() + w.strings.retained_bytes() + w.objects.retained_bytes() +
         w.traits_seen.retained_bytes() + w.trait_table.retained_bytes() +
         w.trait_codecs.capacity() * sizeof(const externalizable_codec*);
}
bool amf3_writer::write_value(const value& v) { return impl_->write_value(v); }
bool amf3_writer::write_string(std::string_view s) { return impl_->write_string(s); }
bool amf3_writer::write_length(std::size_t n) { return impl_->length(n); }
bool amf3_writer::write_traits(const traits& t) {
  const externalizable_codec* codec = nullptr;
  return impl_->write_traits(t, codec);
}
void amf3_writer::add_object(const void* key) {
  bool inserted = false;
  impl_->objects.insert(key, static_cast<std::uint32_t>(impl_->objects.size()), inserted);
}

}  // namespace amphora::amf::detail
