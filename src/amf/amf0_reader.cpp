// AMF0 decoding (Adobe "AMF 0 Specification", 2007, section 2): one value at a time, views into
// the input for strings, nodes in the arena, no heap allocation once the tables are warm.
#include <algorithm>

#include "amf0_internal.hpp"
#include "trace_text.hpp"

namespace amphora::amf::detail {

amf0_reader::amf0_reader(decode_context& ctx) noexcept : ctx_(ctx) {}
amf0_reader::~amf0_reader() = default;

void amf0_reader::reset() noexcept {
  refs_.clear();
  // ctx_.cur itself when there is no fast path: the cursor only moves forward.
  fast_end_ = ctx_.tracing() || ctx_.remaining() < fast_room ? ctx_.cur : ctx_.end - (fast_room - 1);
  pair_end_ = static_cast<std::size_t>(fast_end_ - ctx_.cur) < fast_room ? ctx_.cur : fast_end_ - fast_room;
  // Learned names stay from one value to the next (each match is checked byte for byte, so they
  // only save time), unless the limit they were read under changed.
  const std::size_t short_max = std::min<std::size_t>(16, ctx_.options->limits.max_string_bytes);
  if (short_max != short_max_) names_ = {};
  short_max_ = short_max;
  if (amf3_) amf3_->reset();
}

std::size_t amf0_reader::retained_bytes() const noexcept {
  return refs_.capacity() * sizeof(value) + text_.capacity() + (amf3_ ? amf3_->retained_bytes() : 0);
}

void amf0_reader::trace(std::size_t at, std::size_t length, std::string_view text) {
  ctx_.options->trace->item(at, length, ctx_.depth, text);
}

// " (#N)" when `self` took reference-table entry N (the last one).
void amf0_reader::append_index(const value& self) {
  if (refs_.empty() || refs_.back().node() != self.node()) return;
  text_ += " (#";
  append_uint(text_, refs_.size() - 1);
  text_ += ')';
}

bool amf0_reader::enter(std::size_t at) noexcept {
  if (ctx_.depth >= ctx_.options->limits.max_depth) {
    return ctx_.fail_at(errc::depth_exceeded, at, "nesting deeper than max_depth");
  }
  ++ctx_.depth;
  return true;
}

bool amf0_reader::read_value(value& out) {
  const std::size_t at = ctx_.offset();
  std::uint8_t marker = 0;
  if (!ctx_.u8(marker)) return false;
  switch (marker) {
    case amf0::number_marker: {
      double d = 0;
      if (!ctx_.f64(d)) return false;
      out = value::number(d);
      if (ctx_.tracing()) {
        text_ = "number ";
        append_double(text_, d);
        trace(at, 9, text_);
      }
      return true;
    }
    case amf0::boolean_marker: {
      std::uint8_t b = 0;
      if (!ctx_.u8(b)) return false;
      out = value::boolean(b != 0);
      if (ctx_.tracing()) trace(at, 2, b != 0 ? "boolean true" : "boolean false");
      return true;
    }
    case amf0::string_marker:
    case amf0::long_string_marker: {
      std::size_t n = 0;
      if (marker == amf0::string_marker) {
        std::uint16_t n16 = 0;
        if (!ctx_.u16(n16)) return false;
        n = n16;
      } else {
        std::uint32_t n32 = 0;
        if (!ctx_.u32(n32)) return false;
        n = n32;
      }
      std::string_view s;
      if (!ctx_.text(n, s, "string length")) return false;
      out = value::string(s);
      if (ctx_.tracing()) {
        text_ = marker == amf0::string_marker ? "string " : "long-string ";
        append_uint(text_, n);
        text_ += " bytes ";
        append_quoted(text_, s);
        trace(at, ctx_.offset() - at, text_);
      }
      return true;
    }
    case amf0::object_marker:
      return read_members(at, members_of::anonymous, {}, out);
    case amf0::typed_object_marker: {
      std::uint16_t n = 0;
      std::string_view alias;
      if (!ctx_.u16(n) || !ctx_.text(n, alias, "class name length")) return false;
      // A typed object without a class name is an anonymous object (written back as 0x03).
      return read_members(at, alias.empty() ? members_of::anonymous : members_of::typed, alias, out);
    }
    case amf0::ecma_array_marker:
      return read_members(at, members_of::ecma, {}, out);
    case amf0::strict_array_marker:
      if (const std::uint8_t* end = read_strict_array(ctx_.cur, at, out); end != nullptr) {
        ctx_.cur = end;
        return true;
      }
      return false;
    case amf0::null_marker:
    case amf0::undefined_marker:
      out = marker == amf0::null_marker ? value::null() : value::undefined();
      if (ctx_.tracing()) trace(at, 1, marker == amf0::null_marker ? "null" : "undefined");
      return true;
    case amf0::reference_marker:
      return read_reference(at, out);
    case amf0::date_marker:
      return read_date(at, out);
    case amf0::xml_document_marker:
      return read_xml_document(at, out);
    case amf0::avmplus_marker:
      return read_avmplus(at, out);
    case amf0::movieclip_marker:
      return ctx_.fail_at(errc::unsupported_marker, at, "AMF0 movieclip marker");
    case amf0::recordset_marker:
      return ctx_.fail_at(errc::unsupported_marker, at, "AMF0 recordset marker");
    case amf0::unsupported_marker:
      return ctx_.fail_at(errc::unsupported_marker, at, "AMF0 unsupported marker");
    case amf0::object_end_marker:
      return ctx_.fail_at(errc::unknown_marker, at, "object-end marker where a value is expected");
    default:
      return ctx_.fail_at(errc::unknown_marker, at, "not an AMF0 type marker");
  }
}

bool amf0_reader::read_reference(std::size_t at, value& out) {
  const std::size_t field = ctx_.offset();
  std::uint16_t index = 0;
  if (!ctx_.u16(index)) return false;
  if (index >= refs_.size())
    return ctx_.fail_at(errc::bad_reference, field, "reference to an object not yet read");
  out = refs_[index];
  if (ctx_.tracing()) {
    text_ = "reference #";
    append_uint(text_, index);
    if (out.is(kind::array)) {
      text_ += out.as_array().ecma ? " -> ecma-array" : " -> strict-array";
    } else {
      text_ += " -> object";
      if (!out.as_object().alias().empty()) {
        text_ += ' ';
        text_ += out.as_object().alias();
      }
    }
    trace(at, 3, text_);
  }
  return true;
}

// A member name, or the end of the members: the empty name followed by the object-end marker.
// An empty name followed by any other marker is a member named "".
bool amf0_reader::read_key(std::string_view& key, bool& end) {
  const std::size_t at = ctx_.offset();
  std::uint16_t n = 0;
  if (!ctx_.u16(n) || !ctx_.text(n, key, "member name length")) return false;
  end = n == 0 && ctx_.remaining() > 0 && *ctx_.cur == amf0::object_end_marker;
  if (end) ++ctx_.cur;
  if (ctx_.tracing()) {
    if (end) {
      trace(at, 3, "object-end");
    } else {
      text_ = "key ";
      append_quoted(text_, key);
      trace(at, ctx_.offset() - at, text_);
    }
  }
  return true;
}

// A node and arena storage for `n` items right after it, in one allocation (nullptr when the
// arena refuses). The items are raw storage for the caller to fill. The node is
// default-initialized: every member of array_node and object_with_traits has a default member
// initializer, so this is the same as `Node{}` but stored member by member (GCC zeroes a
// value-initialized 96-byte object_with_traits with `rep stos`, microcode that callgrind counts
// as a few instructions but that costs tens of cycles per object).
template <class Node, class Item>
Node* amf0_reader::make_node(std::size_t n, Item*& items) noexcept {
  static_assert(sizeof(Node) % alignof(Item) == 0 && alignof(Item) <= alignof(Node));
  void* p = ctx_.memory->allocate(sizeof(Node) + n * sizeof(Item), alignof(Node));
  if (p == nullptr) return nullptr;
  items = reinterpret_cast<Item*>(static_cast<std::byte*>(p) + sizeof(Node));
  return ::new (p) Node;
}

namespace {
// An AMF0 object owns its traits (no trait references in AMF0): both in one allocation.
struct object_with_traits {
  object_node object;
  traits type;
};
}  // namespace

// Objects (0x03), typed objects (0x10, alias already read) and ECMA arrays (0x08): name/value
// pairs up to the end marker. The ECMA array's count is only a hint (players send wrong ones), so
// nothing is allocated by it. The node comes with storage for as many members as the last object
// had (at most what the rest of the input can hold, 3 bytes a member).
bool amf0_reader::read_members(std::size_t at, members_of what, std::string_view alias, value& out) {
  std::uint32_t hint = 0;
  if (what == members_of::ecma && !ctx_.u32(hint)) return false;
  const std::size_t guess =
      std::min({std::size_t{last_members_}, ctx_.remaining() / 3, ctx_.options->limits.max_elements});
  member* storage = nullptr;
  list<member>* members = nullptr;
  object_node* object = nullptr;
  value self;
  if (what == members_of::ecma) {
    auto* array = make_node<array_node>(guess, storage);
    if (array == nullptr) return ctx_.out_of_memory();
    array->ecma = true;
    members = &array->assoc;
    self = value::of(array);
  } else {
    auto* both = make_node<object_with_traits>(guess, storage);
    if (both == nullptr) return ctx_.out_of_memory();
    object = &both->object;
    object->type = &both->type;
    both->type.alias = alias;
    both->type.dynamic = what == members_of::anonymous;  // typed objects become sealed below
    members = &object->dynamic;
    self = value::of(object);
  }
  if (!register_node(self)) return false;
  if (ctx_.tracing()) {
    if (what == members_of::ecma) {
      text_ = "ecma-array";
      append_index(self);
      text_ += " count ";
      append_uint(text_, hint);
      text_ += " (hint)";
    } else if (what == members_of::typed) {
      text_ = "typed-object ";
      append_quoted(text_, alias);
      append_index(self);
    } else {
      text_ = "object";
      append_index(self);
    }
    trace(at, ctx_.offset() - at, text_);
  }
  if (!enter(at) || !read_member_list(*members, storage, guess)) return false;
  leave();
  if (what == members_of::typed && !make_sealed(*object)) return ctx_.out_of_memory();
  put(out, self);
  return true;
}

// Name/value pairs up to the end marker, read into `slots` (arena storage for `capacity`
// members, doubled when too small), then handed to `into`.
bool amf0_reader::read_member_list(list<member>& into, member* slots, std::size_t capacity) {
  const std::size_t max = ctx_.options->limits.max_elements;
  std::size_t n = 0;
  const std::uint8_t* p = ctx_.cur;  // the read position; ctx_.cur is set around slower reads
  for (;; ++n) {
    std::string_view key;
    bool fast = p < pair_end_;  // room for a short name and its value's fast path
    wire_name* guess = n < guessed_names ? &names_[n] : nullptr;
    if (fast && guess != nullptr && guess->matches(p)) [[likely]] {
      key = {reinterpret_cast<const char*>(p + 2), guess->size - 2};
      p += guess->size;
    } else {
      const std::size_t length = fast ? load_be<std::uint16_t>(p) : short_max_ + 1;
      fast = length <= short_max_ && is_short_ascii(p + 2, length);
      if (fast) {
        // The empty name followed by the object-end marker ends the members (36 bytes are left).
        if (length == 0 && p[2] == amf0::object_end_marker) {
          p += 3;
          break;
        }
        if (guess != nullptr && length != 0 && length + 2 <= max_guessed_size) guess->learn(p, length + 2);
        key = {reinterpret_cast<const char*>(p + 2), length};
        p += 2 + length;  // below fast_end_: the value's fast path needs no check
      } else {
        ctx_.cur = p;
        std::string_view slow;
        bool end = false;
        if (!read_key(slow, end)) return false;
        p = ctx_.cur;
        if (end) break;
        key = slow;
      }
    }
    if (n == capacity) {
      ctx_.cur = p;
      if (n >= max) return ctx_.fail(errc::limit_exceeded, "more members than max_elements");
      capacity = std::min(std::max<std::size_t>(4, n * 2), max);
      auto* grown = static_cast<member*>(ctx_.memory->allocate(capacity * sizeof(member), alignof(member)));
      if (grown == nullptr) return ctx_.out_of_memory();
      if (n != 0) std::memcpy(static_cast<void*>(grown), slots, n * sizeof(member));
      slots = grown;  // the outgrown storage stays in the arena (at most as much again)
    }
    member& m = slots[n];  // nested values allocate elsewhere: `slots` does not move meanwhile
    m.name = key;
    if (fast) {
      p = read_fast_item(p, m.val);
      if (p == nullptr) return false;
    } else {
      if (!read_item(m.val)) return false;
      p = ctx_.cur;
    }
  }
  ctx_.cur = p;
  into.adopt(slots, n, capacity);
  last_members_ = static_cast<std::uint32_t>(n);
  return true;
}

// Typed objects make every member sealed: the members read as dynamic ones move to the traits
// (names) and the sealed values, both in one allocation.
bool amf0_reader::make_sealed(object_node& o) {
  const std::size_t n = o.dynamic.size();
  void* p = ctx_.memory->allocate(n * (sizeof(value) + sizeof(std::string_view)), alignof(value));
  if (p == nullptr) return false;
  auto* values = static_cast<value*>(p);
  auto* names = reinterpret_cast<std::string_view*>(values + n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = o.dynamic[i].val;
    names[i] = o.dynamic[i].name;
  }
  o.sealed.adopt(values, n, n);
  o.type->sealed.adopt(names, n, n);
  o.dynamic.clear();
  return true;
}

// The count at p (right after the marker at `at`), then the values: returns where the array ends,
// or nullptr after ctx_.fail(). The position stays in a register, as in read_fast_item(): ctx_.cur
// is written for the checks and errors but not read back, and is not updated at the end.
const std::uint8_t* amf0_reader::read_strict_array(const std::uint8_t* p, std::size_t at, value& out) {
  ctx_.cur = p;
  std::uint32_t count = 0;
  if (!ctx_.u32(count)) return nullptr;
  p += 4;
  if (count > ctx_.options->limits.max_elements) {
    ctx_.fail(errc::limit_exceeded, "array count exceeds max_elements");
    return nullptr;
  }
  if (!ctx_.need_declared(count, 1, "strict array count")) return nullptr;
  value* items = nullptr;
  auto* array = make_node<array_node>(count, items);
  if (array == nullptr) {
    ctx_.out_of_memory();
    return nullptr;
  }
  array->dense.adopt(items, count, count);
  if (!register_node(value::of(array))) return nullptr;
  if (ctx_.tracing()) {
    text_ = "strict-array";
    append_index(value::of(array));
    text_ += " count ";
    append_uint(text_, count);
    trace(at, 5, text_);
  }
  if (!enter(at)) return nullptr;
  for (value* item = items; item != items + count; ++item) {
    if (p < fast_end_) [[likely]] {
      p = read_fast_item(p, *item);
      if (p == nullptr) return nullptr;
    } else {
      ctx_.cur = p;
      if (!read_value(*item)) return nullptr;
      p = ctx_.cur;
    }
  }
  leave();
  out = value::of(array);
  return p;
}

// One item of an array at p, as read_strict_array() reads it: where it ends, or nullptr after
// ctx_.fail().
const std::uint8_t* amf0_reader::read_array_item(const std::uint8_t* p, value& out) {
  if (p < fast_end_) return read_fast_item(p, out);
  ctx_.cur = p;
  return read_value(out) ? ctx_.cur : nullptr;
}

bool amf0_reader::read_date(std::size_t at, value& out) {
  if (ctx_.remaining() < 10) {  // the checked reads report where the input ends
    double millis = 0;
    std::uint16_t zone = 0;
    return ctx_.f64(millis) && ctx_.u16(zone);
  }
  const double millis = load_be<double>(ctx_.cur);
  const auto zone = static_cast<std::int16_t>(load_be<std::uint16_t>(ctx_.cur + 8));
  if (!is_valid_date_millis(millis))
    return ctx_.fail_at(errc::invalid_date, at + 1, "date is NaN, infinite or beyond 8.64e15 ms");
  ctx_.cur += 10;
  date_node* d = ctx_.memory->make<date_node>(millis, zone);
  if (d == nullptr) return ctx_.out_of_memory();
  out = value::of(d);
  if (ctx_.tracing()) {
    text_ = "date ";
    append_double(text_, millis);
    text_ += " ms timezone ";
    append_int(text_, d->timezone);
    trace(at, 11, text_);
  }
  return true;
}

bool amf0_reader::read_xml_document(std::size_t at, value& out) {
  std::uint32_t n = 0;
  std::string_view text;
  if (!ctx_.u32(n) || !ctx_.text(n, text, "XML document length")) return false;
  text_node* node = ctx_.memory->make<text_node>(text);
  if (node == nullptr) return ctx_.out_of_memory();
  out = value::of(kind::xml_document, node);
  if (ctx_.tracing()) {
    text_ = "xml-document ";
    append_uint(text_, n);
    text_ += " bytes ";
    append_quoted(text_, text);
    trace(at, ctx_.offset() - at, text_);
  }
  return true;
}

// 0x11: the next value is AMF3. Its tables live as long as this reader's top-level value.
bool amf0_reader::read_avmplus(std::size_t at, value& out) {
  if (ctx_.tracing()) trace(at, 1, "avm+ (one AMF3 value follows)");
  if (!amf3_) amf3_.emplace(ctx_);
  value v;
  if (!amf3_->read_value(v)) return false;
  v.set_flags(static_cast<std::uint8_t>(v.flags() | value::flag_avmplus));
  out = v;
  return true;
}

}  // namespace amphora::amf::detail
