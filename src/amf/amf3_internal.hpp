// Internal: the AMF3 reader and writer that AMF0's AVM+ switch (0x11) and the packet codec
// drive on a shared context. One instance's tables live until reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "amf3_format.hpp"
#include "amphora/amf/value.hpp"
#include "input.hpp"
#include "output.hpp"

namespace amphora::amf::detail {

class amf3_reader {
 public:
  explicit amf3_reader(decode_context& ctx);
  ~amf3_reader();
  void reset() noexcept;        // empty the string, object and traits tables
  bool read_value(value& out);  // at ctx.cur; false after ctx.fail()
  // The heap storage its tables keep (thread_spare.hpp).
  std::size_t retained_bytes() const noexcept;

  // For the typed mapping's direct reader (typed_amf3.cpp), over the same tables:
  bool read_u29(std::uint32_t& v);          // at ctx.cur
  bool read_string(std::string_view& out);  // a string after its marker (table-aware)
  // Traits from an object header `h` read at `at` (inline: registered; else a reference).
  bool read_traits(std::uint32_t h, const std::uint8_t* at, traits*& t);
  const traits* traits_at(std::uint32_t index) const noexcept;  // nullptr when out of range
  const value* object_at(std::uint32_t index) const noexcept;   // nullptr when out of range
  bool remember(value v);                                       // the next object-table entry
  std::size_t object_count() const noexcept;                    // entries in the object table
  std::size_t trait_count() const noexcept;                     // entries in the traits table
  // Non-externalizable traits that the caller read itself (and whose strings it entered): the
  // next traits-table entry, as read_traits makes it. The caller checked max_trait_refs.
  void add_traits_entry(traits* t);
  // The string table, by index: a caller that reads an inline string itself appends it here
  // (within limits::max_string_refs; past it, read_string reports the limit).
  std::vector<std::string_view>& string_table() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

class amf3_writer {
 public:
  explicit amf3_writer(encode_context& ctx);
  ~amf3_writer();
  void reset() noexcept;
  bool write_value(const value& v);  // appends to *ctx.out; false after ctx.fail()
  // The heap storage its tables keep (thread_spare.hpp).
  std::size_t retained_bytes() const noexcept;

  // For the typed mapping's direct writer (typed_amf3.cpp), over the same tables:
  bool write_string(std::string_view s);  // a string after its marker (table)
  bool write_length(std::size_t n);       // an inline length or count: (n << 1) | 1
  bool write_traits(const traits& t);     // non-externalizable traits: reference or inline
  void add_object(const void* key);       // an object-table entry that is never referenced

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// ---- writing, shared by the value-model encoder (amf3_writer.cpp) and the typed one ----

// A U29 (v <= amf3::u29_max), 1 to 4 bytes.
inline void put_u29(encode_context& ctx, std::uint32_t v) {
  if (v < 0x80) {
    ctx.u8(static_cast<std::uint8_t>(v));
    return;
  }
  std::uint8_t b[4];
  std::size_t n = 0;
  if (v >= 0x200000) {
    b[n++] = static_cast<std::uint8_t>(0x80 | (v >> 22));
    b[n++] = static_cast<std::uint8_t>(0x80 | ((v >> 15) & 0x7F));
    b[n++] = static_cast<std::uint8_t>(0x80 | ((v >> 8) & 0x7F));
    b[n++] = static_cast<std::uint8_t>(v & 0xFF);
  } else {
    if (v >= 0x4000) b[n++] = static_cast<std::uint8_t>(0x80 | (v >> 14));
    b[n++] = static_cast<std::uint8_t>(0x80 | ((v >> 7) & 0x7F));
    b[n++] = static_cast<std::uint8_t>(v & 0x7F);
  }
  ctx.append(b, n);
}

// Writes v if it is undefined, null, a boolean, an integer (a double past 29 bits) or a number,
// and says so; strings and nodes (which need the encoder's tables) are left to the caller.
inline bool put_scalar(encode_context& ctx, const value& v) {
  switch (v.type()) {
    case kind::undefined:
      ctx.u8(amf3::undefined_marker);
      return true;
    case kind::null:
      ctx.u8(amf3::null_marker);
      return true;
    case kind::boolean:
      ctx.u8(v.as_bool() ? amf3::true_marker : amf3::false_marker);
      return true;
    case kind::integer: {
      const std::int64_t i = v.as_int();
      if (i >= amf3::int_min && i <= amf3::int_max) {
        ctx.u8(amf3::integer_marker);
        put_u29(ctx, static_cast<std::uint32_t>(i) & amf3::u29_max);
      } else {
        ctx.u8(amf3::double_marker);
        ctx.f64(static_cast<double>(i));
      }
      return true;
    }
    case kind::number:
      ctx.u8(amf3::double_marker);
      ctx.f64(v.as_double());
      return true;
    default:
      return false;
  }
}

}  // namespace amphora::amf::detail
