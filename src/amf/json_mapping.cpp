// JSON document (json_dom.hpp) -> value graph or packet, interpreting the annotations of
// docs/json-mapping.md. Plain JSON needs none: objects become anonymous dynamic objects, arrays
// dense arrays. Recursion follows the document, whose nesting the reader has already bounded.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <unordered_map>

#include "amphora/amf/base64.hpp"
#include "amphora/amf/json.hpp"
#include "input.hpp"
#include "json_dom.hpp"

namespace amphora::amf {
namespace {

using detail::json_member;
using detail::json_node;
using detail::json_type;

// The annotation keys, in the order of their bit numbers.
enum annotation : unsigned {
  a_id,
  a_ref,
  a_undefined,
  a_double,
  a_amf3,
  a_date,
  a_tz,
  a_xml,
  a_xmldoc,
  a_bytes,
  a_array,
  a_assoc,
  a_ecma,
  a_vector,
  a_type,
  a_fixed,
  a_items,
  a_dictionary,
  a_weak,
  a_class,
  a_traits,
  a_external,
  annotation_count
};

constexpr std::string_view annotation_names[annotation_count] = {
    "$id",     "$ref",        "$undefined", "$double", "$amf3",   "$date",    "$tz",   "$xml",
    "$xmldoc", "$bytes",      "$array",     "$assoc",  "$ecma",   "$vector",  "$type", "$fixed",
    "$items",  "$dictionary", "$weak",      "$class",  "$traits", "$external"};

constexpr std::uint32_t bit(annotation a) noexcept { return std::uint32_t{1} << a; }

// The forms an annotated object can take: the annotation that selects it, and every annotation
// allowed beside it. The first form whose selector is present wins; "object" is the default.
struct form {
  annotation selector;
  std::uint32_t allowed;
};
constexpr form forms[] = {
    {a_ref, bit(a_ref)},
    {a_undefined, bit(a_undefined)},
    {a_double, bit(a_double)},
    {a_amf3, bit(a_amf3)},
    {a_date, bit(a_id) | bit(a_date) | bit(a_tz)},
    {a_xml, bit(a_id) | bit(a_xml)},
    {a_xmldoc, bit(a_id) | bit(a_xmldoc)},
    {a_bytes, bit(a_id) | bit(a_bytes)},
    {a_ecma, bit(a_id) | bit(a_ecma) | bit(a_array)},
    {a_array, bit(a_id) | bit(a_array) | bit(a_assoc)},
    {a_vector, bit(a_id) | bit(a_vector) | bit(a_type) | bit(a_fixed) | bit(a_items)},
    {a_dictionary, bit(a_id) | bit(a_dictionary) | bit(a_weak)},
};
constexpr std::uint32_t object_allowed = bit(a_id) | bit(a_class) | bit(a_traits) | bit(a_external);

// One JSON object, sorted into its annotations and its data keys.
struct annotated_object {
  const json_member* at[annotation_count] = {};
  std::uint32_t present = 0;
  std::size_t data_keys = 0;
  const json_member* first_data = nullptr;

  bool has(annotation a) const noexcept { return (present & bit(a)) != 0; }
  const json_node& operator[](annotation a) const noexcept { return at[a]->value; }
};

bool is_annotation(std::string_view key) noexcept { return key.starts_with('$') && !key.starts_with("$$"); }

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "YYYY-MM-DDTHH:MM:SS.sssZ" (the fraction may have 1 to 3 digits, or be absent) -> ms.
bool parse_iso_date(std::string_view s, double& millis) noexcept {
  auto digits = [&s](std::size_t at, std::size_t n, unsigned& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
  };
  auto is = [&s](std::size_t at, char c) { return at < s.size() && s[at] == c; };
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, fraction = 0;
  if (!digits(0, 4, year) || !is(4, '-') || !digits(5, 2, month) || !is(7, '-') || !digits(8, 2, day) ||
      !is(10, 'T') || !digits(11, 2, hour) || !is(13, ':') || !digits(14, 2, minute) || !is(16, ':') ||
      !digits(17, 2, second)) {
    return false;
  }
  std::size_t at = 19;
  if (is(at, '.')) {
    std::size_t n = 0;
    while (n < 3 && at + 1 + n < s.size() && s[at + 1 + n] >= '0' && s[at + 1 + n] <= '9') ++n;
    if (n == 0 || !digits(at + 1, n, fraction)) return false;
    for (std::size_t i = n; i < 3; ++i) fraction *= 10;
    at += 1 + n;
  }
  if (at + 1 != s.size() || s[at] != 'Z') return false;
  static constexpr unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  if (day < 1 || day > month_days[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  std::int64_t ms = days_from_civil(year, month, day) * 86400000 + std::int64_t{hour} * 3600000 +
                    std::int64_t{minute} * 60000 + std::int64_t{second} * 1000 + fraction;
  millis = static_cast<double>(ms);
  return true;
}

// "NaN", "Infinity", "-Infinity", or "0x" and 16 hex digits (the IEEE bits).
bool parse_special_double(std::string_view s, double& d) noexcept {
  if (s == "NaN") {
    d = std::numeric_limits<double>::quiet_NaN();
  } else if (s == "Infinity") {
    d = std::numeric_limits<double>::infinity();
  } else if (s == "-Infinity") {
    d = -std::numeric_limits<double>::infinity();
  } else if (s.size() == 18 && s[0] == '0' && s[1] == 'x') {
    std::uint64_t bits = 0;
    for (std::size_t i = 2; i < 18; ++i) {
      int h = hex_digit(s[i]);
      if (h < 0) return false;
      bits = (bits << 4) | static_cast<std::uint64_t>(h);
    }
    std::memcpy(&d, &bits, sizeof d);
  } else {
    return false;
  }
  return true;
}

// Canonical RFC 4648 base64: padded, no whitespace, unused bits zero. `out` holds s.size()/4*3.
bool decode_base64(std::string_view s, std::uint8_t* out, std::size_t& size) noexcept {
  if (s.size() % 4 != 0) return false;
  size = 0;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    bool last = i + 4 == s.size();
    std::size_t pad = last ? (s[i + 3] == '=' ? (s[i + 2] == '=' ? 2 : 1) : 0) : 0;
    std::uint32_t n = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      int d = j < 4 - pad ? detail::base64_digit(s[i + j]) : 0;
      if (d < 0) return false;
      n = (n << 6) | static_cast<std::uint32_t>(d);
    }
    out[size++] = static_cast<std::uint8_t>(n >> 16);
    if (pad < 2) out[size++] = static_cast<std::uint8_t>(n >> 8);
    if (pad < 1) out[size++] = static_cast<std::uint8_t>(n);
    if ((pad == 1 && (n & 0xFF) != 0) || (pad == 2 && (n & 0xFFFF) != 0)) return false;
  }
  return true;
}

class mapper {
 public:
  mapper(arena& memory, const json_read_options& options) : memory_(memory), options_(options) {}

  const error_info& error() const noexcept { return error_; }

  bool map(const json_node& n, value& out) {
    switch (n.type) {
      case json_type::null:
        out = value::null();
        return true;
      case json_type::boolean:
        out = value::boolean(n.boolean);
        return true;
      case json_type::integer:
        out = value::integer(n.integer);
        return true;
      case json_type::number:
        out = value::number(n.number);
        return true;
      case json_type::string:
        return string(n, out);
      case json_type::array:
        return plain_array(n, out);
      case json_type::object:
        return annotated(n, out);
    }
    return fail(n, "unknown JSON node");
  }

  bool map_packet(const json_node& n, packet& p) {
    const json_node* f[3] = {};
    if (!fields(n, {"version", "headers", "bodies"}, f)) return false;
    std::int64_t version = 0;
    if (!integer(*f[0], 0, 0xFFFF, version)) return false;
    p.version = static_cast<std::uint16_t>(version);
    if (f[1]->type != json_type::array) return fail(*f[1], "headers must be an array");
    if (f[2]->type != json_type::array) return fail(*f[2], "bodies must be an array");
    if (!p.headers.reserve(memory_, f[1]->size) || !p.bodies.reserve(memory_, f[2]->size)) {
      return out_of_memory(n);
    }
    for (std::uint32_t i = 0; i < f[1]->size; ++i) {
      const json_node* h[3] = {};
      packet_header header;
      if (!fields(f[1]->items[i], {"name", "mustUnderstand", "value"}, h) || !text(*h[0], header.name) ||
          !boolean(*h[1], header.must_understand) || !map(*h[2], header.val)) {
        return false;
      }
      p.headers.push_back(memory_, header);
    }
    for (std::uint32_t i = 0; i < f[2]->size; ++i) {
      const json_node* b[3] = {};
      packet_body body;
      if (!fields(f[2]->items[i], {"target", "response", "value"}, b) || !text(*b[0], body.target) ||
          !text(*b[1], body.response) || !map(*b[2], body.val)) {
        return false;
      }
      p.bodies.push_back(memory_, body);
    }
    return true;
  }

 private:
  // ---- errors ----

  bool fail_at(errc e, std::size_t offset, const char* detail) noexcept {
    if (!error_.code) error_ = error_info{make_error_code(e), offset, detail};
    return false;
  }
  bool fail(const json_node& n, const char* detail) noexcept {
    return fail_at(errc::invalid_json_mapping, n.offset, detail);
  }
  bool fail_key(const json_member& m, const char* detail) noexcept {
    return fail_at(errc::invalid_json_mapping, m.key_offset, detail);
  }
  bool out_of_memory(const json_node& n) noexcept {
    return fail_at(errc::limit_exceeded, n.offset, "graph exceeds max_memory_bytes");
  }

  // ---- small readers ----

  // Copies text into the caller's arena.
  bool copy(const json_node& at, std::string_view s, std::string_view& out) {
    out = memory_.copy(s);
    return !out.empty() || s.empty() || out_of_memory(at);
  }
  bool text(const json_node& n, std::string_view& out) {
    if (n.type != json_type::string) return fail(n, "expected a string");
    return copy(n, n.string(), out);
  }
  bool string(const json_node& n, value& out) {
    std::string_view s;
    if (!copy(n, n.string(), s)) return false;
    out = value::string(s);
    return true;
  }
  bool integer(const json_node& n, std::int64_t min, std::int64_t max, std::int64_t& out) {
    if (n.type != json_type::integer || n.integer < min || n.integer > max) {
      return fail(n, "expected an integer in range");
    }
    out = n.integer;
    return true;
  }
  bool boolean(const json_node& n, bool& out) {
    if (n.type != json_type::boolean) return fail(n, "expected true or false");
    out = n.boolean;
    return true;
  }
  // A number literal (integer or not), or {"$double": "NaN" | "Infinity" | "-Infinity" | "0x..."}.
  bool number(const json_node& n, double& out) {
    if (n.type == json_type::number) {
      out = n.number;
      return true;
    }
    if (n.type == json_type::integer) {
      out = static_cast<double>(n.integer);
      return true;
    }
    if (n.type == json_type::object && n.size == 1 && n.members[0].key == "$double") {
      return special_double(n.members[0].value, out);
    }
    return fail(n, "expected a number");
  }
  bool special_double(const json_node& n, double& out) {
    if (n.type != json_type::string || !parse_special_double(n.string(), out)) {
      return fail(n, "$double must be \"NaN\", \"Infinity\", \"-Infinity\" or \"0x\" and 16 hex digits");
    }
    return true;
  }

  // An object whose keys are exactly `names` (any order, each once): their values go to `out`.
  bool fields(const json_node& n, std::initializer_list<std::string_view> names, const json_node** out) {
    if (n.type != json_type::object) return fail(n, "expected an object");
    for (std::uint32_t i = 0; i < n.size; ++i) {
      const json_member& m = n.members[i];
      std::size_t k = 0;
      for (std::string_view name : names) {
        if (m.key == name) break;
        ++k;
      }
      if (k == names.size()) return fail_key(m, "unexpected key");
      if (out[k] != nullptr) return fail_key(m, "duplicate key");
      out[k] = &m.value;
    }
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (out[k] == nullptr) return fail(n, "missing key");
    }
    return true;
  }

  // A data key: "$$x" means "x" with one '$' less; a single leading '$' is an annotation.
  bool data_name(const json_member& m, std::string_view& name) {
    if (is_annotation(m.key))
      return fail_key(m, "unknown annotation (data keys starting with '$' are written '$$')");
    name = m.key.starts_with("$$") ? m.key.substr(1) : m.key;
    return copy(m.value, name, name);
  }

  // ---- nesting and identity ----

  // Containers of values count against max_depth; call leave() after a successful enter().
  bool enter(const json_node& n) {
    if (depth_ >= options_.max_depth) {
      return fail_at(errc::depth_exceeded, n.offset, "nesting deeper than max_depth");
    }
    ++depth_;
    return true;
  }
  void leave() noexcept { --depth_; }

  // Registers a node under its "$id" (if it has one) before its children are read, so that a
  // child's {"$ref"} to it makes a cycle.
  bool define(const annotated_object& a, const value& v) {
    if (!a.has(a_id)) return true;
    const json_node& id = a[a_id];
    if (id.type != json_type::integer || id.integer < 0)
      return fail(id, "$id must be a non-negative integer");
    if (!ids_.emplace(id.integer, v).second) return fail(id, "$id defined twice");
    return true;
  }

  // ---- forms ----

  bool plain_array(const json_node& n, value& out) {
    array_node* a = new_array(memory_);
    if (!a) return out_of_memory(n);
    out = value::of(a);
    if (!enter(n) || !items(n, a->dense)) return false;
    leave();
    return true;
  }

  bool items(const json_node& n, list<value>& dense) {
    if (n.type != json_type::array) return fail(n, "expected an array");
    if (!dense.reserve(memory_, n.size)) return out_of_memory(n);
    for (std::uint32_t i = 0; i < n.size; ++i) {
      value v;
      if (!map(n.items[i], v)) return false;
      dense.push_back(memory_, v);
    }
    return true;
  }

  // Data members of an object ($assoc, $ecma).
  bool members(const json_node& n, list<member>& out) {
    if (n.type != json_type::object) return fail(n, "expected an object");
    if (!out.reserve(memory_, n.size)) return out_of_memory(n);
    for (std::uint32_t i = 0; i < n.size; ++i) {
      member m;
      if (!data_name(n.members[i], m.name) || !map(n.members[i].value, m.val)) return false;
      out.push_back(memory_, m);
    }
    return true;
  }

  bool annotated(const json_node& n, value& out) {
    annotated_object a;
    for (std::uint32_t i = 0; i < n.size; ++i) {
      const json_member& m = n.members[i];
      if (!is_annotation(m.key)) {
        if (a.data_keys++ == 0) a.first_data = &m;
        continue;
      }
      std::size_t k = 0;
      while (k < annotation_count && annotation_names[k] != m.key) ++k;
      if (k == annotation_count)
        return fail_key(m, "unknown annotation (data keys starting with '$' are written '$$')");
      if (a.at[k] != nullptr) return fail_key(m, "duplicate annotation");
      a.at[k] = &m;
      a.present |= bit(static_cast<annotation>(k));
    }
    if (a.has(a_id) && a.at[a_id] != &n.members[0]) return fail_key(*a.at[a_id], "$id must be the first key");

    const form* f = nullptr;
    for (const form& candidate : forms) {
      if (a.has(candidate.selector)) {
        f = &candidate;
        break;
      }
    }
    std::uint32_t allowed = f ? f->allowed : object_allowed;
    if (std::uint32_t extra = a.present & ~allowed; extra != 0) {
      for (std::uint32_t i = 0; i < n.size; ++i) {
        for (unsigned k = 0; k < annotation_count; ++k) {
          if ((extra & bit(static_cast<annotation>(k))) && a.at[k] == &n.members[i]) {
            return fail_key(n.members[i], "annotation not allowed beside the others");
          }
        }
      }
    }
    if (f && a.first_data)
      return fail_key(*a.first_data, "data key beside an annotation that is not an object's");
    if (!f) return object(n, a, out);

    switch (f->selector) {
      case a_ref: {
        const json_node& r = a[a_ref];
        auto it = r.type == json_type::integer ? ids_.find(r.integer) : ids_.end();
        if (it == ids_.end()) return fail(r, "$ref to an $id not defined before");
        out = it->second;
        return true;
      }
      case a_undefined:
        if (a[a_undefined].type != json_type::boolean || !a[a_undefined].boolean) {
          return fail(a[a_undefined], "$undefined must be true");
        }
        out = value::undefined();
        return true;
      case a_double: {
        double d = 0;
        if (!special_double(a[a_double], d)) return false;
        out = value::number(d);
        return true;
      }
      case a_amf3: {
        if (!map(a[a_amf3], out)) return false;
        if (out.avmplus()) return fail(a[a_amf3], "$amf3 inside $amf3");
        out.set_flags(static_cast<std::uint8_t>(out.flags() | value::flag_avmplus));
        return true;
      }
      case a_date:
        return date(n, a, out);
      case a_xml:
        return text_node_form(n, a, kind::xml, a[a_xml], out);
      case a_xmldoc:
        return text_node_form(n, a, kind::xml_document, a[a_xmldoc], out);
      case a_bytes:
        return bytes(n, a, out);
      case a_ecma:
      case a_array:
        return array(n, a, out);
      case a_vector:
        return vector(n, a, out);
      case a_dictionary:
        return dictionary(n, a, out);
      default:
        return fail(n, "unknown form");
    }
  }

  bool date(const json_node& n, const annotated_object& a, value& out) {
    const json_node& d = a[a_date];
    double millis = 0;
    if (d.type == json_type::string) {
      if (!parse_iso_date(d.string(), millis)) {
        return fail(d, "$date must be \"YYYY-MM-DDTHH:MM:SS.sssZ\" or ms");
      }
    } else if (d.type == json_type::number || d.type == json_type::integer) {
      millis = d.type == json_type::number ? d.number : static_cast<double>(d.integer);
    } else {
      return fail(d, "$date must be \"YYYY-MM-DDTHH:MM:SS.sssZ\" or ms");
    }
    if (!detail::is_valid_date_millis(millis)) {
      return fail_at(errc::invalid_date, d.offset, "date is NaN, infinite or beyond 8.64e15 ms");
    }
    std::int64_t tz = 0;
    if (a.has(a_tz) && !integer(a[a_tz], INT16_MIN, INT16_MAX, tz)) return false;
    date_node* node = new_date(memory_, millis, static_cast<std::int16_t>(tz));
    if (!node) return out_of_memory(n);
    out = value::of(node);
    return define(a, out);
  }

  bool text_node_form(const json_node& n, const annotated_object& a, kind k, const json_node& t, value& out) {
    if (t.type != json_type::string) return fail(t, "expected a string");
    text_node* node = new_text(memory_, t.string());
    if (!node) return out_of_memory(n);
    out = value::of(k, node);
    return define(a, out);
  }

  bool bytes(const json_node& n, const annotated_object& a, value& out) {
    const json_node& b = a[a_bytes];
    if (b.type != json_type::string) return fail(b, "$bytes must be a base64 string");
    std::string_view s = b.string();
    auto* buffer =
        s.empty() ? nullptr : static_cast<std::uint8_t*>(memory_.allocate(s.size() / 4 * 3 + 3, 1));
    bytes_node* node = memory_.make<bytes_node>();
    if (!node || (!s.empty() && !buffer)) return out_of_memory(n);
    std::size_t size = 0;
    if (!decode_base64(s, buffer, size)) return fail(b, "$bytes must be canonical padded base64");
    node->bytes = {buffer, size};
    out = value::of(node);
    return define(a, out);
  }

  bool array(const json_node& n, const annotated_object& a, value& out) {
    array_node* node = new_array(memory_);
    if (!node) return out_of_memory(n);
    node->ecma = a.has(a_ecma);
    out = value::of(node);
    if (!define(a, out) || !enter(n)) return false;
    if (a.has(a_array) && !items(a[a_array], node->dense)) return false;
    annotation assoc = node->ecma ? a_ecma : a_assoc;
    if (a.has(assoc) && !members(a[assoc], node->assoc)) return false;
    leave();
    return true;
  }

  bool vector(const json_node& n, const annotated_object& a, value& out) {
    const json_node& type = a[a_vector];
    std::string_view t = type.type == json_type::string ? type.string() : std::string_view{};
    if (t != "int" && t != "uint" && t != "double" && t != "object") {
      return fail(type, "$vector must be \"int\", \"uint\", \"double\" or \"object\"");
    }
    if (a.has(a_type) && t != "object") return fail_key(*a.at[a_type], "$type is only for object vectors");
    if (!a.has(a_items)) return fail(n, "$vector needs $items");
    const json_node& items_node = a[a_items];
    if (items_node.type != json_type::array) return fail(items_node, "$items must be an array");
    bool fixed = false;
    if (a.has(a_fixed) && !boolean(a[a_fixed], fixed)) return false;
    if (t == "int") return scalar_vector<std::int32_t>(n, a, fixed, out);
    if (t == "uint") return scalar_vector<std::uint32_t>(n, a, fixed, out);
    if (t == "double") return scalar_vector<double>(n, a, fixed, out);

    vector_object_node* node = new_vector_object(memory_);
    if (!node) return out_of_memory(n);
    node->fixed = fixed;
    if (a.has(a_type) && !text(a[a_type], node->type_name)) return false;
    out = value::of(node);
    if (!define(a, out) || !enter(n) || !items(items_node, node->items)) return false;
    leave();
    return true;
  }

  template <class T>
  bool scalar_vector(const json_node& n, const annotated_object& a, bool fixed, value& out) {
    const json_node& items_node = a[a_items];
    vector_node<T>* node = new_vector<T>(memory_);
    if (!node || !node->items.reserve(memory_, items_node.size)) return out_of_memory(n);
    node->fixed = fixed;
    for (std::uint32_t i = 0; i < items_node.size; ++i) {
      T item{};
      if constexpr (std::is_same_v<T, double>) {
        if (!number(items_node.items[i], item)) return false;
      } else {
        std::int64_t v = 0;
        if (!integer(items_node.items[i], std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), v)) {
          return false;
        }
        item = static_cast<T>(v);
      }
      node->items.push_back(memory_, item);
    }
    out = value::of(node);
    return define(a, out);
  }

  bool dictionary(const json_node& n, const annotated_object& a, value& out) {
    const json_node& entries = a[a_dictionary];
    if (entries.type != json_type::array)
      return fail(entries, "$dictionary must be an array of [key, value]");
    bool weak = false;
    if (a.has(a_weak) && !boolean(a[a_weak], weak)) return false;
    dictionary_node* node = new_dictionary(memory_, weak);
    if (!node || !node->entries.reserve(memory_, entries.size)) return out_of_memory(n);
    out = value::of(node);
    if (!define(a, out) || !enter(n)) return false;
    for (std::uint32_t i = 0; i < entries.size; ++i) {
      const json_node& pair = entries.items[i];
      if (pair.type != json_type::array || pair.size != 2)
        return fail(pair, "dictionary entry must be [key, value]");
      dict_entry e;
      if (!map(pair.items[0], e.key) || !map(pair.items[1], e.val)) return false;
      node->entries.push_back(memory_, e);
    }
    leave();
    return true;
  }

  // {"$class"?, "$traits"?, "$external"?, data keys...}.
  bool object(const json_node& n, const annotated_object& a, value& out) {
    traits* t = memory_.make<traits>();
    object_node* o = memory_.make<object_node>();
    if (!t || !o) return out_of_memory(n);
    o->type = t;
    if (a.has(a_class) && !text(a[a_class], t->alias)) return false;
    t->externalizable = a.has(a_external);
    bool typed = !t->alias.empty();

    // Sealed members: the first `sealed` data keys.
    std::size_t sealed = typed ? a.data_keys : 0;
    t->dynamic = !typed;
    const json_node* names = nullptr;
    if (a.has(a_traits)) {
      const json_node* f[2] = {};
      if (!fields(a[a_traits], {"sealed", "dynamic"}, f) || !boolean(*f[1], t->dynamic)) return false;
      names = f[0];
      if (names->type != json_type::array) return fail(*names, "sealed must be an array of names");
      if (names->size > a.data_keys) return fail(*names, "more sealed names than keys");
      sealed = names->size;
    }
    if (!t->sealed.reserve(memory_, sealed) || !o->sealed.reserve(memory_, sealed) ||
        !o->dynamic.reserve(memory_, a.data_keys - sealed)) {
      return out_of_memory(n);
    }
    out = value::of(o);
    if (!define(a, out) || !enter(n)) return false;
    if (t->externalizable && !map(a[a_external], o->external)) return false;
    std::size_t index = 0;
    for (std::uint32_t i = 0; i < n.size; ++i) {
      const json_member& m = n.members[i];
      if (is_annotation(m.key)) continue;
      std::string_view name;
      value v;
      if (!data_name(m, name)) return false;
      if (index < sealed && names) {
        const json_node& expected = names->items[index];
        if (expected.type != json_type::string || expected.string() != name) {
          return fail(expected, "sealed names must match the first keys, in order");
        }
      }
      if (!map(m.value, v)) return false;
      if (index++ < sealed) {
        t->sealed.push_back(memory_, name);
        o->sealed.push_back(memory_, v);
      } else {
        o->dynamic.push_back(memory_, member{name, v});
      }
    }
    leave();
    return true;
  }

  arena& memory_;
  const json_read_options& options_;
  std::unordered_map<std::int64_t, value> ids_;
  std::size_t depth_ = 0;
  error_info error_{};
};

// Limits the caller's arena to max_memory_bytes more for one read; restores its limit after.
class memory_budget {
 public:
  memory_budget(arena& memory, std::size_t budget) noexcept : memory_(memory), old_limit_(memory.limit()) {
    std::size_t used = memory.bytes_used();
    std::size_t limit = budget > SIZE_MAX - used ? SIZE_MAX : used + budget;
    memory.set_limit(std::min(old_limit_, limit));
  }
  ~memory_budget() { memory_.set_limit(old_limit_); }
  memory_budget(const memory_budget&) = delete;
  memory_budget& operator=(const memory_budget&) = delete;

 private:
  arena& memory_;
  std::size_t old_limit_;
};

// Parses `json` into a scratch document, then maps it with `map(mapper&, root)`.
template <class T, class Map>
result<T> read_json(std::string_view json, arena& memory, const json_read_options& options, Map map) {
  arena scratch(std::max<std::size_t>(4096, std::min<std::size_t>(json.size() * 2, 64u << 20)));
  scratch.set_limit(options.max_memory_bytes);
  auto root = detail::parse_json(json, scratch, options);
  if (!root) return root.error();
  memory_budget budget(memory, options.max_memory_bytes);
  mapper m(memory, options);
  T out{};
  if (!map(m, **root, out)) return m.error();
  return out;
}

}  // namespace

result<value> value_from_json(std::string_view json, arena& memory, const json_read_options& options) {
  return read_json<value>(json, memory, options,
                          [](mapper& m, const json_node& root, value& out) { return m.map(root, out); });
}

result<packet> packet_from_json(std::string_view json, arena& memory, const json_read_options& options) {
  return read_json<packet>(json, memory, options, [](mapper& m, const json_node& root, packet& out) {
    return m.map_packet(root, out);
  });
}

}  // namespace amphora::amf
