// Typed mapping, part 3: the byte-level side of the direct typed AMF3 reader and writer
// (typed/amf3_read.hpp, typed/amf3_write.hpp), implemented in src/amf/typed_amf3.cpp over the
// codec's own amf3_reader/amf3_writer, which stay the single owners of the string, traits and
// object tables. Values the typed code does not read or write itself (scalars, dates, amf::value
// fields, skipped members, Vectors, ArrayCollection...) go through the same reader/writer, so the
// tables always number entries as the value-model codec does.
//
// Object-table entries the typed reader fills itself are placeholders (C++ values cannot be
// shared): a reference to one asks for a restart of the whole decode through the value model
// (restart_requested()), which copies shared objects into each field and reports cycles.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/ascii.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf::detail {

struct typed_amf3_in_state;   // decode_context + amf3_reader + scratch arena (reused per thread)
struct typed_amf3_out_state;  // encode_context + amf3_writer + scratch arena (reused per thread)

inline constexpr std::uint8_t amf3_null_marker = 0x01;
inline constexpr std::uint8_t amf3_undefined_marker = 0x00;
inline constexpr std::uint8_t amf3_false_marker = 0x02;
inline constexpr std::uint8_t amf3_true_marker = 0x03;
inline constexpr std::uint8_t amf3_integer_marker = 0x04;
inline constexpr std::uint8_t amf3_double_marker = 0x05;
inline constexpr std::uint8_t amf3_string_marker = 0x06;
inline constexpr std::uint8_t amf3_array_marker = 0x09;
inline constexpr std::uint8_t amf3_object_marker = 0x0A;

// A string-table entry the typed reader took itself: trivially copyable, so that a class's
// names enter the table by one copy. They wait in the reader state's buffer and reach the codec's
// string table only when the codec's reader is next used (see amf3_typed_in), in order.
struct text_ref {
  const char* data;
  std::size_t size;
};

// A declared class's traits as written inline by the typed writer (and by Flex clients): the
// object header, then the alias and each name as an inline string. The typed reader recognises
// them by one comparison of these bytes, instead of reading and looking up each name.
// The typed writer writes these bytes as they are when none of the strings was written before in
// the message (then it enters them into its string table at once).
struct known_traits {
  traits* type = nullptr;                 // intern_traits' traits of the class; live as long as the program
  std::vector<std::uint8_t> bytes;        // from the object header on
  std::size_t longest = 0;                // the longest string, for limits::max_string_bytes
  std::vector<std::string_view> strings;  // the alias (unless empty) and the names, distinct
  std::vector<text_ref> entries;          // the same, as string-table entries
  std::array<std::uint64_t, 4> string_filter{};  // their bits in the writer's string filter
};

// One direct typed AMF3 decode.
class amf3_typed_in {
 public:
  // `memory` null: a scratch arena (reset per decode) holds what the reader allocates.
  amf3_typed_in(std::span<const std::uint8_t> in, arena* memory, const decode_options& options);
  ~amf3_typed_in();
  amf3_typed_in(const amf3_typed_in&) = delete;
  amf3_typed_in& operator=(const amf3_typed_in&) = delete;

  bool ok() const noexcept { return ok_; }  // false: the input was refused before reading (see finish())

  std::size_t offset() const noexcept { return static_cast<std::size_t>(*cur_ - begin_); }
  // The next byte (a marker), or -1 at the end of the input.
  int peek() const noexcept { return *cur_ != end_ ? **cur_ : -1; }
  void skip_byte() noexcept { ++*cur_; }  // after peek() != -1

  // Inline fast paths for the commonest scalars: true with the value read and consumed; false
  // (nothing consumed) for any other marker or too few bytes, and the caller takes the general
  // path (which reports the same errors as the value model).
  bool take_bool(bool& b) noexcept {
    const int marker = peek();
    if (marker != amf3_false_marker && marker != amf3_true_marker) return false;
    b = marker == amf3_true_marker;
    ++*cur_;
    return true;
  }
  bool take_integer(std::int32_t& v) noexcept {
    const std::uint8_t* p = *cur_;
    if (p == end_ || *p != amf3_integer_marker) return false;
    ++p;
    std::uint32_t u = 0;
    for (int i = 0;; ++i) {  // U29: up to three bytes of 7 bits, then one of 8
      if (p == end_) return false;
      const std::uint8_t b = *p++;
      if (i == 3) {
        u = (u << 8) | b;
        break;
      }
      u = (u << 7) | (b & 0x7Fu);
      if (b < 0x80) break;
    }
    v = static_cast<std::int32_t>(u << 3) >> 3;  // 29-bit two's complement
    *cur_ = p;
    return true;
  }
  bool take_double(double& d) noexcept {
    const std::uint8_t* p = *cur_;
    if (end_ - p < 9 || *p != amf3_double_marker) return false;
    std::uint64_t bits;
    std::memcpy(&bits, p + 1, 8);
    if constexpr (std::endian::native == std::endian::little) bits = __builtin_bswap64(bits);
    d = std::bit_cast<double>(bits);
    *cur_ = p + 9;
    return true;
  }
  // At a string marker (peek() == amf3_string_marker): the string, through the codec's string
  // table (a view of the input or arena, as the value model's); false after an error.
  bool read_string(std::string_view& s) {
    if (take_inline_string(*cur_ + 1, s)) return true;
    return read_string_slow(s);
  }

  // A value through the codec's reader. false also when it refers to an object the typed reader
  // read (restart_requested() is then set).
  bool read_value(value& out);
  bool skip_value();  // an unexpected member: read and dropped

  enum class start : std::uint8_t { failed, reference, fresh, other };
  // At an object marker: `reference` (ref is its object-table index), `fresh` (an inline,
  // non-externalizable object: marker, header and traits read, its table entry taken, depth
  // entered; its members are next) or `other` (externalizable: nothing read). When the traits
  // are `known`'s bytes, t is known->type.
  start begin_object(const traits*& t, std::uint32_t& ref, const known_traits* known = nullptr);
  // At an array marker: `reference` or `fresh` (dense count in `dense`, table entry taken, depth
  // entered; the associative part is next).
  start begin_array(std::uint32_t& dense, std::uint32_t& ref);
  void end() noexcept;  // leaves the depth a fresh begin_* entered

  // A member name or key; "" ends the list.
  bool read_key(std::string_view& name) {
    if (take_inline_string(*cur_, name)) return true;
    return read_key_slow(name);
  }

  // After the name of the k-th dynamic member (or associative entry) of one object or array: the
  // codec's bound on them (max_elements), with its error.
  bool count_member(std::size_t k) noexcept {
    return k <= max_elements_ || fail_at(errc::limit_exceeded, offset(), "more entries than max_elements");
  }

  // The object-table entry `index` as read by the value model, or nullptr after requesting a
  // restart (the entry is the typed reader's, or its value refers to one).
  const value* referenced(std::uint32_t index);

  bool fail(const error_info& e) noexcept;  // the first error is kept
  bool fail_at(errc e, std::size_t at, std::string_view detail) noexcept {
    return fail(error_info{make_error_code(e), at, detail});
  }
  bool request_restart() noexcept;
  bool restart_requested() const noexcept { return restart_; }

  // After the top-level value: trailing bytes, and the first error.
  status finish(bool read_ok);

 private:
  bool holds_placeholder(const value& v);
  // Before the codec's reader reads or looks up anything: its tables reset (once per decode, at
  // the first use) and the entries the typed reader took handed over. resync() after it was used.
  bool sync();
  void resync() noexcept;
  start read_header(std::uint32_t& h, std::uint32_t& ref);
  traits* take_known(const known_traits& k);

  // The commonest strings inline: at p (a string's length byte), the empty string or an inline
  // ASCII one under 64 bytes (a one-byte length) that fits the input, max_string_bytes and the
  // string table (which it enters, as a pending entry). Else false, nothing read: the *_slow
  // readers read the rest through the codec's reader, with its errors.
  bool take_inline_string(const std::uint8_t* p, std::string_view& s) {
    if (p == end_ || (*p & 0x81) != 0x01) return false;
    const std::size_t n = *p >> 1;
    if (n == 0) {
      s = {};
      *cur_ = p + 1;
      return true;
    }
    if (n >= static_cast<std::size_t>(end_ - p) || n > max_string_bytes_ ||
        next_string_ == string_room_end_ || !is_ascii(p + 1, n)) {
      return false;
    }
    s = {reinterpret_cast<const char*>(p + 1), n};
    *next_string_++ = text_ref{s.data(), n};
    *cur_ = p + 1 + n;
    return true;
  }
  bool read_string_slow(std::string_view& s);
  bool read_key_slow(std::string_view& name);

  std::unique_ptr<typed_amf3_in_state> owned_;  // when the thread's state is busy (re-entry)
  typed_amf3_in_state* s_ = nullptr;
  const std::uint8_t** cur_ = nullptr;
  const std::uint8_t* begin_ = nullptr;
  const std::uint8_t* end_ = nullptr;
  // Pending string-table entries: the next free one, and the end of the room (the buffer's end,
  // or earlier where the table would reach max_string_refs: the codec then reports the limit).
  text_ref* next_string_ = nullptr;
  text_ref* string_room_end_ = nullptr;
  std::size_t max_string_bytes_ = 0;
  std::size_t max_elements_ = 0;
  bool restart_ = false;
  bool ok_ = false;
};

// One direct typed AMF3 encode, appending to `out`; on failure `out` gets its old size back. It keeps
// its own string and traits tables and numbers them as the value model's encoder does; it writes no
// object references (C++ values are not shared), so an amf::value node (which the value model may
// share) asks for a restart through the value model instead (finish() returns nullopt).
class amf3_typed_out {
 public:
  amf3_typed_out(std::vector<std::uint8_t>& out, const encode_options& options);
  ~amf3_typed_out();
  amf3_typed_out(const amf3_typed_out&) = delete;
  amf3_typed_out& operator=(const amf3_typed_out&) = delete;

  arena& scratch() noexcept;  // for values built on the way
  // Scalars and strings; false with a restart request for a node (array, object, date...).
  bool write_value(const value& v);
  bool write_string(std::string_view s);  // marker and string (a reference when written before)
  bool write_date(double millis);
  bool write_bytes(std::span<const std::uint8_t> bytes);  // a ByteArray
  // Marker, traits (a reference after the first time; t must come from intern_traits), depth entered.
  // `known`: t's known_traits, if any (its bytes are then written when they can be).
  bool begin_object(const traits& t, const known_traits* known = nullptr);
  // Marker, dense length, empty associative part, depth entered.
  bool begin_array(std::size_t n);
  bool write_key(std::string_view name);  // a dynamic member name (not empty)
  void end_members();                     // the empty name closing dynamic members
  void end() noexcept;                    // leaves the depth a begin_* entered
  bool fail(error_info e) noexcept;       // at the current output size; the first error is kept
  bool fail(errc e, std::string_view detail) noexcept {
    return fail(error_info{make_error_code(e), 0, detail});
  }
  // The result; nullopt when the encode must be redone through the value model.
  std::optional<status> finish(bool write_ok);

 private:
  bool write_string_body(std::string_view s);

  std::unique_ptr<typed_amf3_out_state> owned_;
  typed_amf3_out_state* s_ = nullptr;
  std::vector<std::uint8_t>& out_;
  std::size_t old_size_;
  bool restart_ = false;
};

// Traits built once per declared class and kept for the program's life (thread-safe); equal
// content gives the same traits object, so the typed writer compares traits by address.
const traits* intern_traits(std::string_view alias, std::span<const std::string_view> sealed, bool dynamic);
// The known_traits of a declared class (sealed, not dynamic; or anonymous and dynamic, as string maps
// are written), kept for the program's life; nullptr
// when its strings cannot be recognised by their bytes alone (not ASCII, or the alias is also a name).
const known_traits* intern_known_traits(std::string_view alias, std::span<const std::string_view> sealed,
                                        bool dynamic = false);

}  // namespace amphora::amf::detail
