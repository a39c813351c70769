// AMF3 decoding (Adobe, "AMF 3 Specification", January 2013, §3).
//
// One recursive switch on the marker. Reference tables follow Flash Player: non-empty strings
// (values, keys, member and class names, Vector type names) in one table; every complex value
// in one object table, registered before its children are read (so a child may refer to an
// ancestor, and a mixed array takes its slot before its associative part); inline traits in a
// third table. Strings, XML and ByteArrays are views into the input.
#include <algorithm>
#include <string>
#include <vector>

#include "amf3_format.hpp"
#include "amf3_internal.hpp"
#include "trace_text.hpp"

namespace amphora::amf::detail {

namespace {

// What a string read means, for trace items only.
enum class role : std::uint8_t { none, value, assoc_key, dynamic_key, sealed_name, type_name };

}  // namespace

struct amf3_reader::impl {
  explicit impl(decode_context& c) noexcept : ctx(c) { cache_limits(); }

  decode_context& ctx;
  std::vector<std::string_view> strings;
  // The object table: objects[0, object_count) are live. `object_room` is how many entries fit
  // before remember_slow() must grow the storage or refuse (at most max_object_refs; 0 after
  // reset(), so the first entry of a decode reads the limit of its options).
  std::vector<value> objects;
  std::size_t object_count = 0;
  std::size_t object_room = 0;
  std::vector<traits*> trait_table;
  std::vector<const externalizable_codec*> trait_codecs;  // parallel to trait_table
  // Parallel to trait_table: how many dynamic members the last object of those traits had, the
  // guess for the next one (objects of one shape repeat their member count).
  std::vector<std::uint32_t> trait_members;
  // The options' limits as the inline fast paths test them, kept here by cache_limits() (at
  // reset() and construction): one load instead of two through ctx.options. When a fast path does
  // not apply, the general readers check the limits and report them.
  // ctx.depth below which plain arrays (at most 63 items) and objects are read inline:
  // max_depth, or 0 when max_elements is under 63.
  std::size_t plain_depth_limit = 0;
  std::size_t short_string_bytes = 0;  // max_string_bytes, at most 63 (a one-byte length)
  std::size_t string_refs_limit = 0;   // max_string_refs

  class external_input;

  void reset() noexcept {
    strings.clear();
    object_count = 0;
    object_room = 0;
    trait_table.clear();
    trait_codecs.clear();
    trait_members.clear();
    cache_limits();
  }

  // Also at construction: AMF0's reader makes its AMF3 reader in the middle of a decode, at the
  // first AVM+ marker.
  void cache_limits() noexcept {
    if (ctx.options == nullptr) return;
    const limits& l = lim();
    plain_depth_limit = l.max_elements >= 63 ? l.max_depth : 0;
    short_string_bytes = std::min<std::size_t>(l.max_string_bytes, 63);
    string_refs_limit = l.max_string_refs;
  }

  const limits& lim() const noexcept { return ctx.options->limits; }
  std::size_t offset_of(const std::uint8_t* p) const noexcept {
    return static_cast<std::size_t>(p - ctx.begin);
  }

  // ---- primitives ----

  bool u29(std::uint32_t& v) noexcept {
    if (ctx.cur != ctx.end && *ctx.cur < 0x80) [[likely]] {
      v = *ctx.cur++;
      return true;
    }
    return u29_long(v);
  }

  // Up to three bytes of 7 bits with a continuation bit, then a fourth byte of 8 bits.
  bool u29_long(std::uint32_t& v) noexcept {
    std::uint32_t r = 0;
    for (int i = 0; i < 3; ++i) {
      if (ctx.cur == ctx.end) return ctx.fail(errc::unexpected_end, "input ends inside a U29");
      const std::uint8_t b = *ctx.cur++;
      if (b < 0x80) {
        v = (r << 7) | b;
        return true;
      }
      r = (r << 7) | (b & 0x7Fu);
    }
    if (ctx.cur == ctx.end) return ctx.fail(errc::unexpected_end, "input ends inside a U29");
    v = (r << 8) | *ctx.cur++;
    return true;
  }

  bool read_double(double& d) noexcept {
    if (!ctx.need(8)) return false;
    d = load_be<double>(ctx.cur);
    ctx.cur += 8;
    return true;
  }

  bool enter(const std::uint8_t* start) noexcept {
    if (++ctx.depth > lim().max_depth) {
      return ctx.fail_at(errc::depth_exceeded, offset_of(start), "nesting deeper than max_depth");
    }
    return true;
  }
  void leave() noexcept { --ctx.depth; }

  bool remember(value v) {
    if (object_count == object_room) [[unlikely]]
      return remember_slow(v);
    objects[object_count++] = v;
    return true;
  }

  [[gnu::noinline]] bool remember_slow(value v) {
    if (object_count >= lim().max_object_refs) {
      return ctx.fail(errc::limit_exceeded, "object table larger than max_object_refs");
    }
    if (object_count == objects.size()) objects.resize(std::max<std::size_t>(64, objects.size() * 2));
    object_room = std::min(objects.size(), lim().max_object_refs);
    objects[object_count++] = v;
    return true;
  }

  // A declared number of entries, each at least `min_each` bytes long.
  bool check_count(std::uint32_t n, std::size_t min_each, const char* what) noexcept {
    if (n > lim().max_elements) return ctx.fail(errc::limit_exceeded, "more entries than max_elements");
    return ctx.need_declared(n, min_each, what);
  }

  template <class T>
  T* make() noexcept {
    T* p = ctx.memory->make<T>();
    if (p == nullptr) ctx.out_of_memory();
    return p;
  }

  // n slots, each assigned by the caller before anything reads it.
  template <class T>
  bool make_slots(list<T>& items, std::size_t n) noexcept {
    if (!items.reserve_for_overwrite(*ctx.memory, n)) return ctx.out_of_memory();
    items.resize_within_capacity(n);
    return true;
  }

  // ---- strings ----

  bool read_string(std::string_view& out, role r) { return read_string_at(out, r, ctx.cur); }

  // `item` is where the trace item starts (the marker, for string values). Inlined into its
  // callers; everything but the one-byte reference is read_string_slow().
  [[gnu::always_inline]] bool read_string_at(std::string_view& out, role r, const std::uint8_t* item) {
    // Fast path: a reference in one byte (keys and member names after their first use).
    if (ctx.cur != ctx.end) {
      const std::uint8_t h = *ctx.cur;
      if ((h & 0x81) == 0 && (h >> 1) < strings.size() && !ctx.tracing()) [[likely]] {
        ++ctx.cur;
        out = strings[h >> 1];
        return true;
      }
    }
    return read_string_slow(out, r, item);
  }

  [[gnu::noinline]] bool read_string_slow(std::string_view& out, role r, const std::uint8_t* item) {
    const std::uint8_t* at = ctx.cur;
    std::uint32_t h;
    if (!u29(h)) return false;
    const std::uint32_t n = h >> 1;
    bool ref = false;
    if ((h & 1) == 0) {
      if (n >= strings.size()) return ctx.fail_at(errc::bad_reference, offset_of(at), "string reference");
      out = strings[n];
      ref = true;
    } else if (n == 0) {
      out = {};  // the empty string is never in the table
    } else {
      if (!ctx.text(n, out, "string length")) return false;
      if (strings.size() >= lim().max_string_refs) {
        return ctx.fail(errc::limit_exceeded, "string table larger than max_string_refs");
      }
      strings.push_back(out);
    }
    if (r != role::none && ctx.tracing()) [[unlikely]] {
      trace_string(item, r, ref ? n : strings.size() - 1, ref, out);
    }
    return true;
  }

  // ---- values ----

  bool read_value(value& out) {
    if (ctx.cur == ctx.end) return ctx.fail(errc::unexpected_end, "input ends before a value");
    const std::uint8_t* start = ctx.cur++;
    switch (*start) {
      case amf3::undefined_marker:
        out = value::undefined();
        break;
      case amf3::null_marker:
        out = value::null();
        break;
      case amf3::false_marker:
        out = value::boolean(false);
        break;
      case amf3::true_marker:
        out = value::boolean(true);
        break;
      case amf3::integer_marker: {
        std::uint32_t u;
        if (!u29(u)) return false;
        out = value::integer(amf3::sign_extend_u29(u));
        break;
      }
      case amf3::double_marker: {
        double d;
        if (!read_double(d)) return false;
        out = value::number(d);
        break;
      }
      case amf3::string_marker: {
        std::string_view s;
        if (!read_string_at(s, role::value, start)) return false;
        out = value::string(s);
        return true;
      }
      case amf3::xml_document_marker:
        return read_text(out, start, kind::xml_document);
      case amf3::date_marker:
        return read_date(out, start);
      case amf3::array_marker:
        return read_array(out, start);
      case amf3::object_marker:
        return read_object(out, start);
      case amf3::xml_marker:
        return read_text(out, start, kind::xml);
      case amf3::byte_array_marker:
        return read_byte_array(out, start);
      case amf3::vector_int_marker:
        return read_number_vector<std::int32_t>(out, start);
      case amf3::vector_uint_marker:
        return read_number_vector<std::uint32_t>(out, start);
      case amf3::vector_double_marker:
        return read_number_vector<double>(out, start);
      case amf3::vector_object_marker:
        return read_object_vector(out, start);
      case amf3::dictionary_marker:
        return read_dictionary(out, start);
      default:
        return ctx.fail_at(errc::unknown_marker, offset_of(start), "not an AMF3 type marker");
    }
    if (ctx.tracing()) [[unlikely]]
      trace_scalar(start, out);
    return true;
  }

  // The state the member, element and item loops keep in registers: the read position, how far
  // the inline fast paths may read, and the string table. The compiler must assume that the
  // stores filling values and members may alias ctx and the table (pointers), and would reload
  // them all after each; a loop copies them into a local cursor instead, writes the position back
  // before anything out of line runs (read_value, read_string_slow) and reloads after it (that
  // code moves the position and grows the table).
  struct cursor {
    const std::uint8_t* p;
    // The fast paths apply to an item or name that starts before fast_end: 16 bytes before the
    // end of the input, so a marker and a fixed-size value (a date: 10 bytes) or a name and a
    // value's first bytes are there without another test. The beginning of the input when a
    // trace sink is set (the fast paths emit no trace items) or the input is shorter: no fast
    // path then. What starts later goes to the general readers.
    const std::uint8_t* fast_end;
    const std::string_view* strings;
    // Twice the string table's size: a one-byte reference h (even, below 0x80) is in the table
    // when h < ref_end, and names strings[h / 2], h * 8 bytes into it (ref_string()).
    std::size_t ref_end;
  };

  // The string a one-byte reference h names (h even and below c.ref_end): strings[h / 2],
  // addressed as h * 8 bytes from the table's start, which spares the shifts of h / 2 * 16.
  static const std::string_view& ref_string(const cursor& c, std::uint8_t h) noexcept {
    static_assert(sizeof(std::string_view) == 16);
    return *reinterpret_cast<const std::string_view*>(reinterpret_cast<const char*>(c.strings) +
                                                      std::size_t{h} * 8);
  }
  // A one-byte string reference at *p that is in the table.
  static bool is_ref_byte(const cursor& c, std::uint8_t h) noexcept {
    return (h & 0x81) == 0 && h < c.ref_end;
  }

  cursor make_cursor(const std::uint8_t* p, const std::uint8_t* fast_at) const noexcept {
    return {p, fast_at, strings.data(), strings.size() * 2};
  }

  static constexpr std::size_t fast_room = 16;

  cursor load_cursor() const noexcept { return make_cursor(ctx.cur, fast_end()); }
  const std::uint8_t* fast_end() const noexcept {
    return ctx.tracing() || ctx.end - ctx.begin < static_cast<std::ptrdiff_t>(fast_room)
               ? ctx.begin
               : ctx.end - fast_room;
  }

  // After an out-of-line read that left ctx.cur after what it read (and may have grown the string
  // table); fast_end does not change.
  void reload_cursor(cursor& c) const noexcept {
    c.p = ctx.cur;
    c.strings = strings.data();
    c.ref_end = strings.size() * 2;
  }

  // A member name or key at c.p: a one-byte string reference and the empty name inline, the rest
  // by read_string_slow(). Same result, errors and trace items as read_string().
  [[gnu::always_inline]] bool read_name(cursor& c, std::string_view& out, role r) {
    if (c.p < c.fast_end) {
      const std::uint8_t h = *c.p;
      if (is_ref_byte(c, h)) [[likely]] {
        out = ref_string(c, h);
        ++c.p;
        return true;
      }
      if (h == 0x01) {  // the empty name: the end of the members
        out = {};
        ++c.p;
        return true;
      }
    }
    ctx.cur = c.p;
    std::string_view s;  // not `out`, which then stays in registers on the fast path
    const bool ok = read_string_slow(s, r, c.p);
    out = s;
    c = load_cursor();
    return ok;
  }

  // A member, element or item at c.p: the values that need no node (null, booleans, integers of
  // one or two U29 bytes, doubles, one-byte string references, new short ASCII strings; most
  // values in practice) inline, objects and arrays by their readers, everything else by
  // read_value(). Same result, errors and trace items. `in_fast_zone`: the caller knows that
  // c.p <= c.fast_end (it read a fast name just before), so the test is skipped.
  // `inline_levels`: how many levels of plain dense arrays are read inline (no call).
  template <int inline_levels = 0>
  [[gnu::always_inline]] bool read_item(cursor& c, value& out, bool in_fast_zone = false) {
    const std::uint8_t* p = c.p;
    if (in_fast_zone || p < c.fast_end) [[likely]] {  // p[0] to p[15] are input
      // The four most frequent markers are tested first (a compare each), the others take the
      // jump table.
      if (p[0] == amf3::string_marker) {
        if (is_ref_byte(c, p[1])) {
          out = value::string(ref_string(c, p[1]));
          c.p = p + 2;
          return true;
        }
        if (read_short_string(c, out)) return true;
      } else if (p[0] == amf3::array_marker) {
        if (is_plain_dense_array(c)) {
          if constexpr (inline_levels > 0) return read_plain_dense_array_at<inline_levels - 1>(c, out);
          const bool ok = read_plain_dense_array(p, c.fast_end, out);
          reload_cursor(c);
          return ok;
        }
      } else if (p[0] == amf3::integer_marker) {
        if (p[1] < 0x80) {
          out = value::integer(p[1]);
          c.p = p + 2;
          return true;
        }
        if (p[2] < 0x80) {
          out = value::integer((p[1] & 0x7F) << 7 | p[2]);
          c.p = p + 3;
          return true;
        }
      } else if (p[0] == amf3::double_marker) {
        out = value::number(load_be<double>(p + 1));
        c.p = p + 9;
        return true;
      } else {
        switch (p[0]) {
          case amf3::null_marker:
            out = value::null();
            c.p = p + 1;
            return true;
          case amf3::false_marker:
          case amf3::true_marker:
            out = value::boolean(p[0] == amf3::true_marker);
            c.p = p + 1;
            return true;
          case amf3::date_marker:
            if (p[1] == 0x01) {
              const double ms = load_be<double>(p + 2);
              if (is_valid_date_millis(ms)) {
                if (!read_plain_date(p, ms, out)) return false;
                c.p = p + 10;
                return true;
              }
            }
            break;
          case amf3::object_marker:
            if (is_plain_object(c)) {
              const bool ok = read_plain_object(p, c.fast_end, out);
              reload_cursor(c);
              return ok;
            }
            break;
          default:
            break;
        }
      }
    }
    bool ok;
    if (p != ctx.end && (p[0] == amf3::object_marker || p[0] == amf3::array_marker)) {
      ctx.cur = p + 1;  // what read_value() would do, without its switch
      ok = p[0] == amf3::object_marker ? read_object(out, p) : read_array(out, p);
    } else {
      ctx.cur = p;
      ok = read_value(out);
    }
    c = load_cursor();
    return ok;
  }

  // A new short ASCII string value at c.p (marker, one-byte length, 1 to 63 bytes), entered in
  // the string table; false, having read nothing, for anything else (read_value() reads it then).
  [[gnu::always_inline]] bool read_short_string(cursor& c, value& out) {
    const std::uint8_t* p = c.p;
    const std::size_t n = p[1] >> 1;
    if ((p[1] & 0x81) != 0x01 || n == 0 || n > static_cast<std::size_t>(c.fast_end + fast_room - p - 2) ||
        n > short_string_bytes || c.ref_end / 2 >= string_refs_limit || !is_ascii(p + 2, n)) {
      return false;
    }
    const std::string_view s{reinterpret_cast<const char*>(p + 2), n};
    strings.push_back(s);
    c.strings = strings.data();
    c.ref_end = strings.size() * 2;
    out = value::string(s);
    c.p = p + 2 + n;
    return true;
  }

  // An inline date at p (marker, U29D-value 1, valid `ms` read from the next 8 bytes), untraced:
  // read_date() without its checks and second dispatch.
  [[gnu::always_inline]] bool read_plain_date(const std::uint8_t* p, double ms, value& out) {
    ctx.cur = p + 10;
    date_node* node = make<date_node>();
    if (node == nullptr) return false;
    node->millis = ms;
    out = value::of(node);
    return remember(out);
  }

  // An array at c.p (untraced) that read_plain_dense_array() reads: a one-byte inline header
  // (at most 63 items, each at least a byte of what is left), no associative part, within
  // max_elements and max_depth. Anything else goes to read_array(), which reports the errors.
  bool is_plain_dense_array(const cursor& c) const noexcept {
    const std::uint8_t* p = c.p;
    const std::size_t n = p[1] >> 1;
    return (p[1] & 0x81) == 0x01 && p[2] == 0x01 && n <= static_cast<std::size_t>(c.fast_end - p) &&
           ctx.depth < plain_depth_limit;
  }

  // read_array() for such an array at c.p: the node and its slots in one allocation, the items
  // read with the caller's cursor, which is left after the array. `inline_levels`: how many
  // levels of nested plain arrays are read inline too (deeper ones: read_plain_dense_array()).
  template <int inline_levels>
  [[gnu::always_inline]] bool read_plain_dense_array_at(cursor& c, value& out) {
    const std::uint8_t* p = c.p;
    const std::size_t n = p[1] >> 1;
    ctx.cur = p + 2;  // where read_array() reports a memory or table limit
    void* mem = ctx.memory->allocate(sizeof(array_node) + n * sizeof(value), alignof(array_node));
    if (mem == nullptr) return ctx.out_of_memory();
    auto* node = ::new (mem) array_node{};
    static_assert(sizeof(array_node) % alignof(value) == 0);
    value* items = reinterpret_cast<value*>(node + 1);
    node->dense.adopt(items, n, n);
    out = value::of(node);
    if (!remember(out)) return false;
    ++ctx.depth;
    c.p = p + 3;
    for (value* v = items; v != items + n; ++v) {
      if (!read_item<inline_levels>(c, *v)) return false;
    }
    --ctx.depth;
    return true;
  }

  // The same out of line, with a cursor of its own (the caller's stays in registers). Leaves
  // ctx.cur after the array; the caller reloads its cursor (the string table may have grown).
  [[gnu::noinline]] bool read_plain_dense_array(const std::uint8_t* p, const std::uint8_t* fast_end,
                                                value& out) {
    cursor c = make_cursor(p, fast_end);
    if (!read_plain_dense_array_at<0>(c, out)) return false;
    ctx.cur = c.p;
    return true;
  }

  // An object at c.p (untraced) that read_plain_object() reads: a one-byte header naming known
  // traits that are not externalizable, with room for their sealed values, within max_depth.
  // Anything else goes to read_object(), which reports the errors.
  bool is_plain_object(const cursor& c) const noexcept {
    const std::uint8_t* p = c.p;
    const std::size_t index = p[1] >> 2;
    return (p[1] & 0x83) == 0x01 && index < trait_table.size() && trait_codecs[index] == nullptr &&
           trait_table[index]->sealed.size() <= static_cast<std::size_t>(c.fast_end - p) &&
           ctx.depth < plain_depth_limit;
  }

  // read_object() for such an object: the node, its sealed values and room for as many dynamic
  // members as the last object of its traits had (at most what the input left can hold, 2 bytes
  // a member) in one allocation. Leaves ctx.cur after the object; the caller reloads its cursor.
  [[gnu::noinline]] bool read_plain_object(const std::uint8_t* p, const std::uint8_t* fast_end, value& out) {
    cursor c = make_cursor(p, fast_end);
    const std::size_t index = p[1] >> 2;
    traits* t = trait_table[index];
    const std::size_t sealed = t->sealed.size();
    const std::size_t room =
        t->dynamic ? std::min({std::size_t{trait_members[index]},
                               static_cast<std::size_t>(c.fast_end - p) / 2, lim().max_elements})
                   : 0;
    ctx.cur = p + 2;  // where read_object() reports a memory or table limit
    static_assert(sizeof(object_node) % alignof(value) == 0 && sizeof(value) % alignof(member) == 0);
    void* mem = ctx.memory->allocate(sizeof(object_node) + sealed * sizeof(value) + room * sizeof(member),
                                     alignof(object_node));
    if (mem == nullptr) return ctx.out_of_memory();
    auto* node = ::new (mem) object_node{};
    node->type = t;
    value* values = reinterpret_cast<value*>(node + 1);
    member* members = reinterpret_cast<member*>(values + sealed);
    node->sealed.adopt(values, sealed, sealed);
    node->dynamic.adopt(members, 0, room);
    out = value::of(node);
    if (!remember(out)) return false;
    ++ctx.depth;
    c.p = p + 2;
    for (value* v = values; v != values + sealed; ++v) {
      if (!read_item(c, *v)) return false;
    }
    ctx.cur = c.p;
    if (t->dynamic) {
      if (!read_members_into(node->dynamic, role::dynamic_key, members, room, c.fast_end)) return false;
      trait_members[index] = static_cast<std::uint32_t>(node->dynamic.size());
    }
    --ctx.depth;
    return true;
  }

  // n items into `items` (slots made for them).
  [[gnu::always_inline]] bool read_items(value* items, std::size_t n) {
    cursor c = load_cursor();
    for (value* v = items; v != items + n; ++v) {
      if (!read_item(c, *v)) return false;
    }
    ctx.cur = c.p;
    return true;
  }

  enum class header : std::uint8_t { failed, reference, fresh };

  // The U29 after the marker of an object-table type: a reference (`out` is set) or the header
  // `h` of an inline value (for most types, h >> 1 is its length or count).
  header read_header(const std::uint8_t* start, value& out, std::uint32_t& h) {
    const std::uint8_t* at = ctx.cur;
    if (!u29(h)) return header::failed;
    if ((h & 1) != 0) return header::fresh;
    const std::uint32_t index = h >> 1;
    if (index >= object_count) {
      ctx.fail_at(errc::bad_reference, offset_of(at), "object reference");
      return header::failed;
    }
    out = objects[index];
    if (ctx.tracing()) [[unlikely]]
      trace_reference(start, index, out);
    return header::reference;
  }

  bool read_text(value& out, const std::uint8_t* start, kind k) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    std::string_view s;
    if (!ctx.text(h >> 1, s, "XML length")) return false;
    text_node* node = make<text_node>();
    if (node == nullptr) return false;
    node->text = s;
    if (ctx.tracing()) [[unlikely]]
      trace_text(start, k, s);
    out = value::of(k, node);
    return remember(out);
  }

  bool read_date(value& out, const std::uint8_t* start) {
    std::uint32_t h;  // U29D-value: only its low bit means something
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    const std::uint8_t* at = ctx.cur;
    double ms;
    if (!read_double(ms)) return false;
    if (!is_valid_date_millis(ms)) {
      return ctx.fail_at(errc::invalid_date, offset_of(at), "date is NaN, infinite or out of range");
    }
    date_node* node = make<date_node>();
    if (node == nullptr) return false;
    node->millis = ms;
    if (ctx.tracing()) [[unlikely]]
      trace_date(start, ms);
    out = value::of(node);
    return remember(out);
  }

  bool read_byte_array(value& out, const std::uint8_t* start) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    const std::uint32_t n = h >> 1;
    if (n > lim().max_string_bytes)
      return ctx.fail(errc::limit_exceeded, "ByteArray longer than max_string_bytes");
    std::span<const std::uint8_t> bytes;
    if (!ctx.bytes(n, bytes, "ByteArray length")) return false;
    bytes_node* node = make<bytes_node>();
    if (node == nullptr) return false;
    node->bytes = bytes;
    if (ctx.tracing()) [[unlikely]]
      trace_header(start, kind::byte_array, n, " bytes");
    out = value::of(node);
    return remember(out);
  }

  bool read_array(value& out, const std::uint8_t* start) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    const std::uint32_t n = h >> 1;
    if (!check_count(n, 1, "array length")) return false;
    if (ctx.tracing()) [[unlikely]]
      trace_header(start, kind::array, n, " dense");
    if (!enter(start)) return false;
    array_node* node = make<array_node>();
    if (node == nullptr || !make_slots(node->dense, n)) return false;
    out = value::of(node);
    if (!remember(out)) return false;
    // Most arrays have no associative part: the empty name at once.
    if (ctx.cur != ctx.end && *ctx.cur == 0x01 && !ctx.tracing()) {
      ++ctx.cur;
    } else if (!read_members(node->assoc, role::assoc_key)) {
      return false;
    }
    if (!read_items(node->dense.data(), n)) return false;
    leave();
    return true;
  }

  // Inline traits or a traits reference, from the object header `h` read at `at`. `codec` is
  // set for externalizable traits.
  // `index` is the traits' index in the table.
  bool read_traits(std::uint32_t h, const std::uint8_t* at, traits*& t, const externalizable_codec*& codec,
                   std::size_t& index) {
    if ((h & amf3::traits_inline_bit) == 0) {
      index = h >> 2;
      if (index >= trait_table.size())
        return ctx.fail_at(errc::bad_reference, offset_of(at), "traits reference");
      t = trait_table[index];
      codec = trait_codecs[index];
      if (ctx.tracing()) [[unlikely]]
        trace_traits(at, index, true, *t);
      return true;
    }
    const bool externalizable = (h & amf3::traits_externalizable_bit) != 0;
    const bool dynamic = (h & amf3::traits_dynamic_bit) != 0;
    const std::uint32_t count = h >> amf3::traits_count_shift;
    if (externalizable && (dynamic || count != 0)) {
      return ctx.fail_at(errc::invalid_traits, offset_of(at), "externalizable traits with members");
    }
    if (!check_count(count, 2, "sealed member count")) return false;
    if (trait_table.size() >= lim().max_trait_refs) {
      return ctx.fail(errc::limit_exceeded, "traits table larger than max_trait_refs");
    }
    std::string_view alias;
    if (!read_string(alias, role::none)) return false;
    codec = nullptr;
    if (externalizable) {
      const externalizable_registry* registry = ctx.options->registry;
      codec = registry != nullptr ? registry->find(alias) : nullptr;
      if (codec == nullptr)
        return ctx.fail(errc::unknown_externalizable, "externalizable alias not in the registry");
    }
    t = make<traits>();
    if (t == nullptr) return false;
    t->alias = alias;
    t->dynamic = dynamic;
    t->externalizable = externalizable;
    if (!t->sealed.reserve(*ctx.memory, count)) return ctx.out_of_memory();
    if (ctx.tracing()) [[unlikely]]
      trace_traits(at, trait_table.size(), false, *t, count);
    for (std::uint32_t i = 0; i < count; ++i) {
      std::string_view name;
      if (!read_string(name, role::sealed_name)) return false;
      t->sealed.push_back(*ctx.memory, name);  // within the reserved capacity
    }
    index = trait_table.size();
    add_traits(t, codec);
    return true;
  }

  void add_traits(traits* t, const externalizable_codec* codec) {
    trait_table.push_back(t);
    trait_codecs.push_back(codec);
    trait_members.push_back(0);
  }

  bool read_object(value& out, const std::uint8_t* start) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    if (ctx.tracing()) [[unlikely]]
      trace_object(start);
    traits* t = nullptr;
    const externalizable_codec* codec = nullptr;
    std::size_t index = 0;
    if (!read_traits(h, start + 1, t, codec, index) || !enter(start)) return false;
    object_node* node = make<object_node>();
    if (node == nullptr) return false;
    node->type = t;
    out = value::of(node);
    if (!remember(out)) return false;
    if (codec != nullptr) {
      if (!read_external(*codec, node->external)) return false;
      leave();
      return true;
    }
    if (!ctx.need_declared(t->sealed.size(), 1, "sealed members") ||
        !make_slots(node->sealed, t->sealed.size())) {
      return false;
    }
    if (!read_items(node->sealed.data(), node->sealed.size())) return false;
    if (t->dynamic) {
      if (!read_members(node->dynamic, role::dynamic_key, trait_members[index])) return false;
      trait_members[index] = static_cast<std::uint32_t>(node->dynamic.size());
    }
    leave();
    return true;
  }

  // Name/value pairs up to the empty name (an array's associative part, dynamic members), read
  // straight into `into`. Its storage is first reserved for `expect` members (the count seen last
  // for this shape; at most what the rest of the input can hold, 2 bytes a member) and doubles
  // when that is too few; outgrown storage stays in the arena (at most as much again).
  bool read_members(list<member>& into, role r, std::size_t expect = 0) {
    const std::size_t capacity = std::min({expect, ctx.remaining() / 2, lim().max_elements});
    if (!into.reserve_for_overwrite(*ctx.memory, capacity)) return ctx.out_of_memory();
    return read_members_into(into, r, into.data(), capacity, fast_end());
  }

  // The loop of read_members(): `into` has storage for `capacity` members at `slots`; `fast_at`
  // is fast_end() (the caller has it at hand).
  bool read_members_into(list<member>& into, role r, member* slots, std::size_t capacity,
                         const std::uint8_t* fast_at) {
    const std::size_t max = lim().max_elements;
    // The next slot and the end of the storage in locals; `into` learns its size when done or
    // growing. Nested values allocate elsewhere: the storage does not move while they are read.
    member* next = slots + into.size();
    member* room_end = slots + capacity;
    cursor c = make_cursor(ctx.cur, fast_at);
    for (;;) {
      std::string_view name;
      const std::uint8_t* p = c.p;
      // A one-byte name reference before fast_end: its value starts at most at fast_end, so
      // read_item() needs no bound of its own (one test per member).
      const bool fast = p < c.fast_end && is_ref_byte(c, *p);
      if (fast) [[likely]] {
        name = ref_string(c, *p);
        c.p = p + 1;
      } else {
        if (!read_name(c, name, r)) return false;
        if (name.empty()) break;
      }
      if (next == room_end) {
        ctx.cur = c.p;
        const auto n = static_cast<std::size_t>(next - slots);
        if (n >= max) return ctx.fail(errc::limit_exceeded, "more entries than max_elements");
        capacity = std::min(std::max<std::size_t>(4, n * 2), max);
        into.resize_within_capacity(n);
        if (!into.reserve_for_overwrite(*ctx.memory, capacity)) return ctx.out_of_memory();
        slots = into.data();
        next = slots + n;
        room_end = slots + capacity;
      }
      next->name = name;
      if (!read_item<2>(c, (next++)->val, fast)) return false;
    }
    into.resize_within_capacity(static_cast<std::size_t>(next - slots));
    ctx.cur = c.p;
    return true;
  }

  bool read_external(const externalizable_codec& codec, value& body);

  template <class T>
  bool read_number_vector(value& out, const std::uint8_t* start) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    const std::uint32_t n = h >> 1;
    std::uint8_t fixed;
    if (!ctx.u8(fixed) || !check_count(n, sizeof(T), "vector length")) return false;
    auto* node = make<vector_node<T>>();
    if (node == nullptr || !make_slots(node->items, n)) return false;
    node->fixed = fixed != 0;
    const std::uint8_t* p = ctx.cur;  // n * sizeof(T) bytes are there (check_count)
    for (T& item : node->items) {
      item = load_be<T>(p);
      p += sizeof(T);
    }
    ctx.cur = p;
    out = value::of(node);
    if (ctx.tracing()) [[unlikely]]
      trace_vector(start, out.type(), n, node->fixed);
    return remember(out);
  }

  bool read_object_vector(value& out, const std::uint8_t* start) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    const std::uint32_t n = h >> 1;
    std::uint8_t fixed;
    if (!ctx.u8(fixed) || !check_count(n, 1, "vector length")) return false;
    if (ctx.tracing()) [[unlikely]]
      trace_vector(start, kind::vector_object, n, fixed != 0);
    if (!enter(start)) return false;
    auto* node = make<vector_object_node>();
    if (node == nullptr) return false;
    node->fixed = fixed != 0;
    out = value::of(node);
    if (!remember(out) || !read_string(node->type_name, role::type_name) || !make_slots(node->items, n)) {
      return false;
    }
    if (!read_items(node->items.data(), n)) return false;
    leave();
    return true;
  }

  bool read_dictionary(value& out, const std::uint8_t* start) {
    std::uint32_t h;
    if (header r = read_header(start, out, h); r != header::fresh) return r == header::reference;
    const std::uint32_t n = h >> 1;
    std::uint8_t weak;
    if (!ctx.u8(weak) || !check_count(n, 2, "dictionary length")) return false;
    if (ctx.tracing()) [[unlikely]]
      trace_header(start, kind::dictionary, n, weak ? " entries, weak keys" : " entries");
    if (!enter(start)) return false;
    auto* node = make<dictionary_node>();
    if (node == nullptr || !make_slots(node->entries, n)) return false;
    node->weak_keys = weak != 0;
    out = value::of(node);
    if (!remember(out)) return false;
    for (dict_entry& e : node->entries) {
      if (!read_value(e.key) || !read_value(e.val)) return false;
    }
    leave();
    return true;
  }

  // ---- trace items: built only when a sink is set ----

  void emit(const std::uint8_t* from, std::size_t length, std::string_view text) {
    ctx.options->trace->item(offset_of(from), length, ctx.depth, text);
  }
  void emit(const std::uint8_t* from, std::string_view text) {
    emit(from, static_cast<std::size_t>(ctx.cur - from), text);
  }

  // " (#n)": the object-table index the value being read is about to get.
  void append_object_index(std::string& s) const {
    s += " (#";
    append_uint(s, object_count);
    s += ')';
  }

  [[gnu::cold]] void trace_scalar(const std::uint8_t* start, const value& v) {
    std::string s;
    if (v.is(kind::integer)) {
      s = "integer ";
      append_int(s, v.as_int());
    } else if (v.is(kind::number)) {
      s = "double ";
      append_double(s, v.as_double());
    } else if (v.is(kind::boolean)) {
      s = v.as_bool() ? "true" : "false";
    } else {
      s = kind_name(v.type());
    }
    emit(start, s);
  }

  [[gnu::cold]] void trace_string(const std::uint8_t* from, role r, std::size_t index, bool ref,
                                  std::string_view str) {
    std::string s;
    if (str.empty() && r == role::assoc_key) {
      s = "end of associative part";
    } else if (str.empty() && r == role::dynamic_key) {
      s = "end of dynamic members";
    } else {
      s = r == role::assoc_key     ? "key "
          : r == role::dynamic_key ? "dynamic member "
          : r == role::sealed_name ? "sealed member "
          : r == role::type_name   ? "type name "
                                   : "string ";
      if (ref) {
        s += "ref #";
        append_uint(s, index);
        s += " -> ";
      }
      append_quoted(s, str);
      if (!ref && !str.empty()) {
        s += " (#";
        append_uint(s, index);
        s += ')';
      }
    }
    emit(from, s);
  }

  [[gnu::cold]] void trace_reference(const std::uint8_t* start, std::size_t index, const value& target) {
    std::string s{marker_kind_name(*start)};
    s += " ref #";
    append_uint(s, index);
    s += " -> ";
    s += kind_name(target.type());
    if (target.is(kind::object) && !target.as_object().alias().empty()) {
      s += ' ';
      s += target.as_object().alias();
    }
    emit(start, s);
  }

  [[gnu::cold]] void trace_header(const std::uint8_t* start, kind k, std::size_t n, std::string_view unit) {
    std::string s{kind_name(k)};
    append_object_index(s);
    s += ": ";
    append_uint(s, n);
    s += unit;
    emit(start, s);
  }

  [[gnu::cold]] void trace_vector(const std::uint8_t* start, kind k, std::size_t n, bool fixed) {
    trace_header(start, k, n, fixed ? " items, fixed" : " items");
  }

  [[gnu::cold]] void trace_text(const std::uint8_t* start, kind k, std::string_view text) {
    std::string s{kind_name(k)};
    s += ' ';
    append_quoted(s, text);
    append_object_index(s);
    emit(start, s);
  }

  [[gnu::cold]] void trace_date(const std::uint8_t* start, double ms) {
    std::string s = "date ";
    append_double(s, ms);
    s += " ms";
    append_object_index(s);
    emit(start, s);
  }

  // The marker alone; the header and class name make the traits item that follows.
  [[gnu::cold]] void trace_object(const std::uint8_t* start) {
    std::string s = "object";
    append_object_index(s);
    emit(start, 1, s);
  }

  [[gnu::cold]] void trace_traits(const std::uint8_t* at, std::size_t index, bool ref, const traits& t,
                                  std::size_t count = 0) {
    std::string s;
    if (ref) {
      s = "traits ref #";
      append_uint(s, index);
      s += " -> ";
      append_quoted(s, t.alias);
    } else {
      s = "traits: inline";
      if (t.externalizable) s += ", externalizable";
      if (t.dynamic) s += ", dynamic";
      if (!t.externalizable) {
        s += ", ";
        append_uint(s, count);
        s += " sealed";
      }
      s += ", alias ";
      append_quoted(s, t.alias);
      s += " (#";
      append_uint(s, index);
      s += ')';
    }
    emit(at, s);
  }

  [[gnu::cold]] void trace_raw(const std::uint8_t* from, std::string_view what, std::uint64_t v) {
    std::string s{what};
    s += ' ';
    append_uint(s, v);
    emit(from, s);
  }

  static std::string_view marker_kind_name(std::uint8_t m) noexcept {
    switch (m) {
      case amf3::xml_document_marker:
        return kind_name(kind::xml_document);
      case amf3::date_marker:
        return kind_name(kind::date);
      case amf3::array_marker:
        return kind_name(kind::array);
      case amf3::object_marker:
        return kind_name(kind::object);
      case amf3::xml_marker:
        return kind_name(kind::xml);
      case amf3::byte_array_marker:
        return kind_name(kind::byte_array);
      case amf3::vector_int_marker:
        return kind_name(kind::vector_int);
      case amf3::vector_uint_marker:
        return kind_name(kind::vector_uint);
      case amf3::vector_double_marker:
        return kind_name(kind::vector_double);
      case amf3::vector_object_marker:
        return kind_name(kind::vector_object);
      default:
        return kind_name(kind::dictionary);
    }
  }
};

// An externalizable's view of the stream (flash.utils.IDataInput over the same tables).
class amf3_reader::impl::external_input final : public external_reader {
 public:
  explicit external_input(impl& r) noexcept : r_(r), ctx_(r.ctx) {}

  bool read_value(value& out) override { return r_.read_value(out); }
  bool read_u8(std::uint8_t& out) override {
    const std::uint8_t* at = ctx_.cur;
    return ctx_.u8(out) && traced(at, "u8", out);
  }
  bool read_u16(std::uint16_t& out) override {
    const std::uint8_t* at = ctx_.cur;
    return ctx_.u16(out) && traced(at, "u16", out);
  }
  bool read_u32(std::uint32_t& out) override {
    const std::uint8_t* at = ctx_.cur;
    return ctx_.u32(out) && traced(at, "u32", out);
  }
  bool read_double(double& out) override {
    const std::uint8_t* at = ctx_.cur;
    if (!ctx_.f64(out)) return false;
    if (ctx_.tracing()) [[unlikely]] {
      std::string s = "double ";
      append_double(s, out);
      r_.emit(at, s);
    }
    return true;
  }
  bool read_bytes(std::size_t n, std::span<const std::uint8_t>& out) override {
    const std::uint8_t* at = ctx_.cur;
    return ctx_.bytes(n, out, "externalizable byte count") && traced(at, "bytes", n);
  }
  bool read_utf(std::string_view& out) override {
    const std::uint8_t* at = ctx_.cur;
    std::uint16_t n;
    if (!ctx_.u16(n) || !ctx_.text(n, out, "readUTF length")) return false;
    if (ctx_.tracing()) [[unlikely]] {
      std::string s = "utf ";
      append_quoted(s, out);
      r_.emit(at, s);
    }
    return true;
  }
  arena& memory() override { return *ctx_.memory; }
  bool fail(const char* detail) override { return ctx_.fail(errc::externalizable_failed, detail); }

 private:
  bool traced(const std::uint8_t* at, std::string_view what, std::uint64_t v) {
    if (ctx_.tracing()) [[unlikely]]
      r_.trace_raw(at, what, v);
    return true;
  }

  impl& r_;
  decode_context& ctx_;
};

bool amf3_reader::impl::read_external(const externalizable_codec& codec, value& body) {
  external_input in{*this};
  const bool ok = codec.read(in, body);
  if (ctx.error.code) return false;
  return ok || ctx.fail(errc::externalizable_failed, "externalizable reader refused the data");
}

amf3_reader::amf3_reader(decode_context& ctx) : impl_(std::make_unique<impl>(ctx)) {}
amf3_reader::~amf3_reader() = default;
void amf3_reader::reset() noexcept { impl_->reset(); }
std::size_t amf3_reader::retained_bytes() const noexcept {
  const impl& r = *impl_;
  return r.strings.capacity() * sizeof(std::string_view) + r.objects.capacity() * sizeof(value) +
         r.trait_table.capacity() * sizeof(traits*) +
         r.trait_codecs.capacity() * sizeof(const externalizable_codec*) +
         r.trait_members.capacity() * sizeof(std::uint32_t);
}
bool amf3_reader::read_value(value& out) { return impl_->read_value(out); }
bool amf3_reader::read_u29(std::uint32_t& v) { return impl_->u29(v); }
bool amf3_reader::read_string(std::string_view& out) { return impl_->read_string(out, role::none); }
bool amf3_reader::read_traits(std::uint32_t h, const std::uint8_t* at, traits*& t) {
  const externalizable_codec* codec = nullptr;
  std::size_t index = 0;
  return impl_->read_traits(h, at, t, codec, index);
}
const traits* amf3_reader::traits_at(std::uint32_t index) const noexcept {
  return index < impl_->trait_table.size() ? impl_->trait_table[index] : nullptr;
}
const value* amf3_reader::object_at(std::uint32_t index) const noexcept {
  return index < impl_->object_count ? &impl_->objects[index] : nullptr;
}
bool amf3_reader::remember(value v) { return impl_->remember(v); }
std::size_t amf3_reader::object_count() const noexcept { return impl_->object_count; }
std::size_t amf3_reader::trait_count() const noexcept { return impl_->trait_table.size(); }
void amf3_reader::add_traits_entry(traits* t) { impl_->add_traits(t, nullptr); }

std::vector<std::string_view>& amf3_reader::string_table() noexcept { return impl_->strings; }

}  // namespace amphora::amf::detail
