// Internal: the AMF0 reader and writer behind amf0_decoder/amf0_encoder and the packet codec.
//
// Reference table (both sides): anonymous objects, typed objects, ECMA arrays and strict arrays,
// each registered before its children (so a cycle back to it resolves). Dates and XML documents
// are never in it (BlazeDS's Amf0Input remembers neither; AmFast and Py3AMF count them on
// decode only, so their references point at the wrong object). Values behind the AVM+ marker
// 0x11 live in AMF3's tables, which one top-level AMF0 value shares across all its switches.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amf3_internal.hpp"
#include "amphora/amf/value.hpp"
#include "input.hpp"
#include "node_map.hpp"
#include "output.hpp"

namespace amphora::amf::detail {

// AMF0 wire constants (Adobe, "AMF 0 Specification", 2007, §2.1 type markers).
namespace amf0 {

enum marker : std::uint8_t {
  number_marker = 0x00,
  boolean_marker = 0x01,
  string_marker = 0x02,
  object_marker = 0x03,
  movieclip_marker = 0x04,  // reserved, not supported
  null_marker = 0x05,
  undefined_marker = 0x06,
  reference_marker = 0x07,
  ecma_array_marker = 0x08,
  object_end_marker = 0x09,
  strict_array_marker = 0x0A,
  date_marker = 0x0B,
  long_string_marker = 0x0C,
  unsupported_marker = 0x0D,
  recordset_marker = 0x0E,  // reserved, not supported
  xml_document_marker = 0x0F,
  typed_object_marker = 0x10,
  avmplus_marker = 0x11,
};

// A u16 reference reaches only the first 65536 table entries.
inline constexpr std::size_t max_reference = 0xFFFF;

}  // namespace amf0

// prefix_masks(b)[n]: the byte b in each of the first n of 16 bytes and 0 in the others, as two
// 8-byte loads (memcpy, native order) of those 16 bytes see them; n from 0 to 16.
constexpr std::array<std::array<std::uint64_t, 2>, 17> prefix_masks(std::uint8_t b) {
  std::array<std::array<std::uint64_t, 2>, 17> m{};
  for (std::size_t n = 0; n <= 16; ++n) {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < n; ++i) bytes[i] = b;
    m[n] = std::bit_cast<std::array<std::uint64_t, 2>>(bytes);
  }
  return m;
}

// Reads AMF0 values at ctx.cur. Containers raise ctx.depth for their children (bounded by
// limits.max_depth); trace items carry ctx.depth.
class amf0_reader {
 public:
  explicit amf0_reader(decode_context& ctx) noexcept;
  ~amf0_reader();
  amf0_reader(const amf0_reader&) = delete;
  amf0_reader& operator=(const amf0_reader&) = delete;

  // Empties the reference table and the AMF3 tables: call before each top-level value.
  void reset() noexcept;
  // One value; false after ctx.fail().
  bool read_value(value& out);
  // The heap storage its tables (and its AMF3 reader's) keep.
  std::size_t retained_bytes() const noexcept;

 private:
  enum class members_of { anonymous, typed, ecma };

  // The fast paths below run while ctx_.cur < fast_end_: no trace sink, and at least fast_room
  // bytes left, so they read a marker, a u16 length and up to 16 bytes of text with no further
  // bounds check. reset() sets fast_end_; past it (the last bytes, or when tracing) every read goes
  // through the checked readers. Both give the same values, errors and trace items. pair_end_ is
  // the same bound for a member: a short name and its value's fast path, after one check.
  static constexpr std::size_t fast_room = 19;  // marker + u16 length + 16 bytes of text

  // A member or element: numbers, booleans, null and short ASCII strings (most values) inline;
  // objects, strict arrays and dates straight to their readers; the rest through read_value().
  [[gnu::always_inline]] bool read_item(value& out) {
    const std::uint8_t* p = ctx_.cur;
    if (p < fast_end_) [[likely]] {
      p = read_fast_item(p, out);
      if (p == nullptr) return false;
      ctx_.cur = p;
      return true;
    }
    return read_value(out);
  }

  // read_item() at p (below fast_end_; ctx_.cur need not be p): returns where the value ends
  // (ctx_.cur is not updated), or nullptr after ctx_.fail(). Scalars and short strings leave the
  // position in a register (stores into `out` may alias ctx_.cur, which would make the next read
  // wait for a store and a reload).
  [[gnu::always_inline]] const std::uint8_t* read_fast_item(const std::uint8_t* p, value& out) {
    if (p[0] == amf0::number_marker) return read_fast_number(p, out);  // the commonest in large arrays
    switch (p[0]) {
      case amf0::boolean_marker:
        put(out, value::boolean(p[1] != 0));
        return p + 2;
      case amf0::null_marker:
        put(out, value::null());
        return p + 1;
      case amf0::string_marker:
        if (const std::uint8_t* end = read_fast_string(p, out); end != nullptr) return end;
        break;
      case amf0::object_marker:
        ctx_.cur = p + 1;
        if (!read_members(static_cast<std::size_t>(p - ctx_.begin), members_of::anonymous, {}, out))
          return nullptr;
        return ctx_.cur;
      case amf0::strict_array_marker:
        return read_small_array<true>(p, out);
      case amf0::date_marker: {  // 11 bytes: marker, f64 milliseconds, s16 time zone
        const double millis = load_be<double>(p + 1);
        if (!is_valid_date_millis(millis)) break;  // read_date() reports it
        date_node* d =
            ctx_.memory->make<date_node>(millis, static_cast<std::int16_t>(load_be<std::uint16_t>(p + 9)));
        if (d == nullptr) {
          ctx_.cur = p + 11;
          ctx_.out_of_memory();
          return nullptr;
        }
        out = value::of(d);
        return p + 11;
      }
      default:
        break;
    }
    ctx_.cur = p;
    if (!read_value(out)) return nullptr;
    return ctx_.cur;
  }

  // A number at p (below fast_end_): where it ends.
  [[gnu::always_inline]] static const std::uint8_t* read_fast_number(const std::uint8_t* p,
                                                                     value& out) noexcept {
    put(out, value::number(load_be<double>(p + 1)));
    return p + 9;
  }
  // A string at p (below fast_end_) of at most short_max_ ASCII bytes: where it ends; nullptr
  // (nothing read) for any other string.
  [[gnu::always_inline]] const std::uint8_t* read_fast_string(const std::uint8_t* p, value& out) noexcept {
    const std::size_t n = load_be<std::uint16_t>(p + 1);
    if (n > short_max_ || !is_short_ascii(p + 3, n)) return nullptr;
    put(out, value::string({reinterpret_cast<const char*>(p + 3), n}));
    return p + 3 + n;
  }

  // A strict array at p (its marker, below fast_end_) of at most small_array items, read here
  // without a call when every limit leaves room (else read_strict_array() reads it, and reports
  // what it exceeds): numbers and short strings inline, other items through read_array_item().
  // With `nested`, a small array inside it is read inline too (one level: arrays of pairs).
  static constexpr std::uint32_t small_array = 4;
  template <bool nested>
  [[gnu::always_inline]] const std::uint8_t* read_small_array(const std::uint8_t* p, value& out) {
    const std::size_t at = static_cast<std::size_t>(p - ctx_.begin);
    const std::uint32_t count = load_be<std::uint32_t>(p + 1);  // inside the fast room
    const std::uint8_t* q = p + 5;
    const limits& l = ctx_.options->limits;
    value* items = nullptr;
    array_node* array = nullptr;
    if (count > small_array || count > static_cast<std::size_t>(ctx_.end - q) || count > l.max_elements ||
        ctx_.depth >= l.max_depth ||
        (refs_.size() >= l.max_object_refs && refs_.size() <= amf0::max_reference) ||
        (array = make_node<array_node>(count, items)) == nullptr) [[unlikely]] {
      return read_strict_array(p + 1, at, out);
    }
    array->dense.adopt(items, count, count);
    register_node(value::of(array));  // cannot fail: checked above
    ++ctx_.depth;
    for (value* item = items; item != items + count; ++item) {
      if (q < fast_end_) [[likely]] {
        if (q[0] == amf0::number_marker) {
          q = read_fast_number(q, *item);
          continue;
        }
        if (q[0] == amf0::string_marker) {
          if (const std::uint8_t* end = read_fast_string(q, *item); end != nullptr) {
            q = end;
            continue;
          }
        }
        if constexpr (nested) {
          if (q[0] == amf0::strict_array_marker) {
            q = read_small_array<false>(q, *item);
            if (q == nullptr) return nullptr;
            continue;
          }
        }
      }
      q = read_array_item(q, *item);
      if (q == nullptr) return nullptr;
    }
    --ctx_.depth;
    put(out, value::of(array));
    return q;
  }

  // out = v as two 8-byte stores (kind, flags and length in one): assigning a value the compiler
  // has built from constants may store its fields one by one (four stores for a number).
  static void put(value& out, const value& v) noexcept {
    const auto words = std::bit_cast<std::array<std::uint64_t, 2>>(v);
    std::memcpy(static_cast<void*>(&out), words.data(), sizeof words);
  }

  // True when the first n (<= 16) of the 16 readable bytes at p are ASCII: two word loads and one
  // mask per length, no branch on n.
  static bool is_short_ascii(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t lo = 0, hi = 0;
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + 8, 8);
    return ((lo & ascii_masks[n][0]) | (hi & ascii_masks[n][1])) == 0;
  }
  // ascii_masks[n]: the high bit of each of the first n bytes, as the two words load them.
  static constexpr auto ascii_masks = prefix_masks(0x80);

  // A member name as the wire has it (u16 length, then 1-14 bytes), learned from the last object
  // that had a name at this position: objects of one shape repeat their names. When the bytes
  // match, the cursor moves by the learned size, so the next read does not wait for the load of
  // the length (each read's position depends on the length before it: a chain of loads).
  struct wire_name {
    std::uint64_t lo = 0, hi = 0;  // the bytes, zero past size
    std::size_t size = 0;          // 0: nothing learned
    // At p (at least 16 readable bytes): the same bytes.
    bool matches(const std::uint8_t* p) const noexcept {
      std::uint64_t a = 0, b = 0;
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + 8, 8);
      return size != 0 && (((a & byte_masks[size][0]) ^ lo) | ((b & byte_masks[size][1]) ^ hi)) == 0;
    }
    // The n (<= 16) bytes at p, of 16 readable ones.
    void learn(const std::uint8_t* p, std::size_t n) noexcept {
      std::memcpy(&lo, p, 8);
      std::memcpy(&hi, p + 8, 8);
      lo &= byte_masks[n][0];
      hi &= byte_masks[n][1];
      size = n;
    }
  };
  static constexpr std::size_t guessed_names = 16;  // positions learned per object
  static constexpr std::size_t max_guessed_size = 16;
  // byte_masks[n]: every bit of the first n bytes, as two word loads see them.
  static constexpr auto byte_masks = prefix_masks(0xFF);

  bool read_reference(std::size_t at, value& out);
  bool read_members(std::size_t at, members_of what, std::string_view alias, value& out);
  const std::uint8_t* read_strict_array(const std::uint8_t* p, std::size_t at, value& out);
  const std::uint8_t* read_array_item(const std::uint8_t* p, value& out);
  bool read_date(std::size_t at, value& out);
  bool read_xml_document(std::size_t at, value& out);
  bool read_avmplus(std::size_t at, value& out);
  bool read_key(std::string_view& key, bool& end);
  bool read_member_list(list<member>& into, member* slots, std::size_t capacity);
  template <class Node, class Item>
  Node* make_node(std::size_t n, Item*& items) noexcept;
  bool make_sealed(object_node& o);
  // Enters a node into the reference table (before its children).
  bool register_node(value v) {
    if (refs_.size() > amf0::max_reference) return true;  // no u16 reference can reach it
    if (refs_.size() >= ctx_.options->limits.max_object_refs) {
      return ctx_.fail(errc::limit_exceeded, "more objects than max_object_refs");
    }
    refs_.push_back(v);
    return true;
  }
  bool enter(std::size_t at) noexcept;  // into the container whose marker is at `at`
  void leave() noexcept { --ctx_.depth; }
  void trace(std::size_t at, std::size_t length, std::string_view text);
  void append_index(const value& self);

  decode_context& ctx_;
  std::vector<value> refs_;                 // at most amf0::max_reference + 1 entries
  const std::uint8_t* fast_end_ = nullptr;  // see fast_room
  const std::uint8_t* pair_end_ = nullptr;  // fast_end_ less another fast_room
  std::size_t short_max_ = 0;               // longest text the fast paths read: 16, or max_string_bytes
  std::uint32_t last_members_ = 0;  // members of the last object or ECMA array read: the next one's guess
  std::array<wire_name, guessed_names> names_{};  // by member position
  std::optional<amf3_reader> amf3_;               // made at the first AVM+ marker
  std::string text_;                              // trace item text, reused
};

// Writes AMF0 values to *ctx.out. ctx.depth counts nested containers (bounded by
// options.max_depth).
class amf0_writer {
 public:
  explicit amf0_writer(encode_context& ctx) noexcept;
  ~amf0_writer();
  amf0_writer(const amf0_writer&) = delete;
  amf0_writer& operator=(const amf0_writer&) = delete;

  // Empties the reference table and the AMF3 tables: call before each top-level value.
  void reset() noexcept;
  // One value; false after ctx.fail().
  bool write_value(const value& v);
  // The heap storage its tables (and its AMF3 writer's) keep.
  std::size_t retained_bytes() const noexcept;

 private:
  bool write_string(std::string_view s);
  bool write_utf8(std::string_view s, const char* what);  // u16 length + bytes
  bool write_node(const value& v);
  bool write_array(const array_node& a);
  bool write_object(const object_node& o);
  bool write_date(const date_node& d);
  bool write_xml_document(const text_node& t);
  bool write_avmplus(const value& v);
  void write_object_end();

  encode_context& ctx_;
  node_map refs_;               // node -> the index the decoder gives it
  std::size_t next_index_ = 0;  // entries the decoder's table holds so far
  std::optional<amf3_writer> amf3_;
};

}  // namespace amphora::amf::detail
