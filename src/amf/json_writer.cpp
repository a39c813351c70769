// Value graphs and packets -> lossless JSON text (docs/json-mapping.md).
//
// Two passes: the first counts how often each node is referenced (without recursion), so that
// nodes referenced more than once get "$id" where they are first written and {"$ref":N} later;
// the second writes.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "amphora/amf/json.hpp"
#include "input.hpp"
#include "node_map.hpp"

namespace amphora::amf {
namespace {

constexpr std::uint32_t no_id = UINT32_MAX;  // a node written once has no "$id"
constexpr std::uint64_t canonical_nan_bits = 0x7FF8000000000000u;
// Dates written as ISO-8601 text: whole milliseconds in years 0000-9999.
constexpr double first_iso_millis = -62167219200000.0;  // 0000-01-01T00:00:00.000Z
constexpr double last_iso_millis = 253402300799999.0;   // 9999-12-31T23:59:59.999Z

std::uint64_t bits_of(double d) noexcept {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof d);
  return bits;
}

// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

class json_writer {
 public:
  json_writer(std::string& out, const json_write_options& options)
      : out_(out), options_(options), start_(out.size()) {}

  // First pass over one graph (call once per graph of a packet, before writing).
  void count(const value& root) {
    visit(root);
    while (!work_.empty()) {
      const value* v = work_.back();
      work_.pop_back();
      count_children(*v);
    }
  }

  void reserve() { out_.reserve(out_.size() + (options_.pretty ? 2 * estimate_ : estimate_)); }

  bool write(const value& v) {
    if (v.avmplus()) {
      value inner = v;
      inner.set_flags(static_cast<std::uint8_t>(v.flags() & ~value::flag_avmplus));
      open('{');
      tag("$amf3");
      if (!write(inner)) return false;
      close('}');
      return true;
    }
    switch (v.type()) {
      case kind::undefined:
        open('{');
        tag("$undefined");
        out_ += "true";
        close('}');
        return true;
      case kind::null:
        out_ += "null";
        return true;
      case kind::boolean:
        out_ += v.as_bool() ? "true" : "false";
        return true;
      case kind::integer:
        integer(v.as_int());
        return true;
      case kind::number:
        number(v.as_double());
        return true;
      case kind::string:
        return string(v.as_string());
      default:
        return write_node(v);
    }
  }

  bool write_packet(const packet& p) {
    open('{');
    tag("version");
    integer(p.version);
    tag("headers");
    open('[');
    for (const packet_header& h : p.headers) {
      next();
      open('{');
      tag("name");
      if (!string(h.name)) return false;
      tag("mustUnderstand");
      out_ += h.must_understand ? "true" : "false";
      tag("value");
      if (!write(h.val)) return false;
      close('}');
    }
    close(']');
    tag("bodies");
    open('[');
    for (const packet_body& b : p.bodies) {
      next();
      open('{');
      tag("target");
      if (!string(b.target)) return false;
      tag("response");
      if (!string(b.response)) return false;
      tag("value");
      if (!write(b.val)) return false;
      close('}');
    }
    close(']');
    close('}');
    return true;
  }

  const error_info& error() const noexcept { return error_; }

 private:
  // ---- first pass ----

  void visit(const value& v) {
    estimate_ += 8;
    if (v.is(kind::string)) {
      estimate_ += v.as_string().size();
    } else if (v.is_node()) {
      bool inserted = false;
      node_map::entry* e = nodes_.insert(v.node(), 1, inserted);
      if (inserted) {
        work_.push_back(&v);
      } else if (e->index != UINT32_MAX) {
        ++e->index;
      }
    }
  }

  void visit_members(const list<member>& members) {
    for (const member& m : members) {
      estimate_ += m.name.size() + 4;
      visit(m.val);
    }
  }

  // Children of a node seen for the first time.
  void count_children(const value& v) {
    switch (v.type()) {
      case kind::date:
        estimate_ += 40;
        break;
      case kind::xml_document:
      case kind::xml:
        estimate_ += v.as_text().text.size() + 16;
        break;
      case kind::byte_array:
        estimate_ += v.as_bytes().bytes.size() / 3 * 4 + 16;
        break;
      case kind::array:
        for (const value& item : v.as_array().dense) visit(item);
        visit_members(v.as_array().assoc);
        break;
      case kind::object: {
        const object_node& o = v.as_object();
        for (const value& item : o.sealed) visit(item);
        visit_members(o.dynamic);
        if (o.type != nullptr) {
          for (std::string_view name : o.type->sealed) estimate_ += name.size() + 4;
          if (o.type->externalizable) visit(o.external);
        }
        break;
      }
      case kind::vector_int:
        estimate_ += 12 * v.as_vector_int().items.size();
        break;
      case kind::vector_uint:
        estimate_ += 12 * v.as_vector_uint().items.size();
        break;
      case kind::vector_double:
        estimate_ += 20 * v.as_vector_double().items.size();
        break;
      case kind::vector_object:
        for (const value& item : v.as_vector_object().items) visit(item);
        break;
      case kind::dictionary:
        for (const dict_entry& e : v.as_dictionary().entries) {
          visit(e.key);
          visit(e.val);
        }
        break;
      default:
        break;
    }
  }

  // ---- layout: commas, keys, indentation ----

  void open(char bracket) {
    out_ += bracket;
    ++level_;
    first_ = true;
  }
  void close(char bracket) {
    --level_;
    if (!first_ && options_.pretty) newline();
    out_ += bracket;
    first_ = false;
  }
  // Before each item of an array or object.
  void next() {
    if (!first_) out_ += ',';
    if (options_.pretty) newline();
    first_ = false;
  }
  void newline() {
    out_ += '\n';
    out_.append(2 * level_, ' ');
  }
  void colon() { out_ += options_.pretty ? ": " : ":"; }
  // A key of the mapping itself ("$date", "sealed", "version"), written as is.
  void tag(std::string_view key) {
    next();
    out_ += '"';
    out_ += key;
    out_ += '"';
    colon();
  }
  // A member name of the data: a leading '$' is doubled.
  bool data_key(std::string_view name) {
    next();
    if (!string(name, !name.empty() && name.front() == '$')) return false;
    colon();
    return true;
  }
  // Opens the object form of a node, "$id" first when the node is referenced again later.
  void open_node(std::uint32_t id) {
    open('{');
    if (id != no_id) {
      tag("$id");
      integer(id);
    }
  }

  // ---- scalars ----

  bool fail(errc e, const char* detail) {
    if (!error_.code) error_ = error_info{make_error_code(e), out_.size() - start_, detail};
    return false;
  }

  void integer(std::int64_t i) {
    char buffer[24];
    auto r = std::to_chars(buffer, buffer + sizeof buffer, i);
    out_.append(buffer, r.ptr);
  }

  // Finite doubles as the shortest text that reads back to the same bits, always with '.' or an
  // exponent; the others as {"$double": "NaN" | "Infinity" | "-Infinity" | "0x<16 hex digits>"}.
  void number(double d) {
    if (std::isfinite(d)) {
      char buffer[32];
      auto r = std::to_chars(buffer, buffer + sizeof buffer, d);
      out_.append(buffer, r.ptr);
      if (std::find_if(buffer, r.ptr, [](char c) { return c == '.' || c == 'e'; }) == r.ptr) out_ += ".0";
      return;
    }
    open('{');
    tag("$double");
    if (std::isinf(d)) {
      out_ += d < 0 ? "\"-Infinity\"" : "\"Infinity\"";
    } else if (bits_of(d) == canonical_nan_bits) {
      out_ += "\"NaN\"";
    } else {
      char buffer[16];
      std::uint64_t bits = bits_of(d);
      for (int i = 15; i >= 0; --i, bits >>= 4) buffer[i] = "0123456789abcdef"[bits & 0xF];
      out_ += "\"0x";
      out_.append(buffer, sizeof buffer);
      out_ += '"';
    }
    close('}');
  }

  // A JSON string: '"', '\\' and control characters escaped, other UTF-8 as is.
  bool string(std::string_view s, bool double_dollar = false) {
    if (!detail::is_valid_utf8(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())) {
      return fail(errc::unencodable, "string is not UTF-8");
    }
    out_ += '"';
    if (double_dollar) out_ += '$';
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      out_ += '\\';
      switch (c) {
        case '"':
          out_ += '"';
          break;
        case '\\':
          out_ += '\\';
          break;
        case '\b':
          out_ += 'b';
          break;
        case '\f':
          out_ += 'f';
          break;
        case '\n':
          out_ += 'n';
          break;
        case '\r':
          out_ += 'r';
          break;
        case '\t':
          out_ += 't';
          break;
        default:
          out_ += "u00";
          out_ += "0123456789abcdef"[c >> 4];
          out_ += "0123456789abcdef"[c & 0xF];
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
    return true;
  }

  // ---- nodes ----

  bool write_node(const value& v) {
    node_map::entry* e = nodes_.find(v.node());
    if (e == nullptr) return fail(errc::unencodable, "node not counted");  // cannot happen
    if (e->active) {
      open('{');
      tag("$ref");
      integer(e->index);
      close('}');
      return true;
    }
    e->active = true;
    std::uint32_t id = no_id;
    if (e->index > 1) {
      id = next_id_++;
      e->index = id;
    }
    switch (v.type()) {
      case kind::date:
        return date(v.as_date(), id);
      case kind::xml_document:
        return text("$xmldoc", v.as_text().text, id);
      case kind::xml:
        return text("$xml", v.as_text().text, id);
      case kind::byte_array:
        bytes(v.as_bytes().bytes, id);
        return true;
      case kind::vector_int:
        return vector("\"int\"", v.as_vector_int(), id);
      case kind::vector_uint:
        return vector("\"uint\"", v.as_vector_uint(), id);
      case kind::vector_double:
        return vector("\"double\"", v.as_vector_double(), id);
      default:
        break;
    }
    // Containers of values.
    if (depth_ >= options_.max_depth) return fail(errc::depth_exceeded, "nesting deeper than max_depth");
    ++depth_;
    bool ok = false;
    switch (v.type()) {
      case kind::array:
        ok = array(v.as_array(), id);
        break;
      case kind::object:
        ok = object(v.as_object(), id);
        break;
      case kind::vector_object:
        ok = vector_object(v.as_vector_object(), id);
        break;
      case kind::dictionary:
        ok = dictionary(v.as_dictionary(), id);
        break;
      default:
        ok = fail(errc::unencodable, "unknown value kind");
        break;
    }
    --depth_;
    return ok;
  }

  // Like the encoders, refuses time values ECMAScript does not have (NaN, beyond 8.64e15 ms).
  bool date(const date_node& d, std::uint32_t id) {
    double ms = d.millis;
    if (!detail::is_valid_date_millis(ms))
      return fail(errc::invalid_date, "date is NaN, infinite or beyond 8.64e15 ms");
    open_node(id);
    tag("$date");
    if (ms >= first_iso_millis && ms <= last_iso_millis && ms == std::floor(ms) &&
        !(ms == 0 && std::signbit(ms))) {
      auto whole = static_cast<std::int64_t>(ms);
      std::int64_t days = whole / 86400000;
      std::int64_t rest = whole % 86400000;
      if (rest < 0) {
        rest += 86400000;
        --days;
      }
      std::int64_t y = 0;
      unsigned m = 0, dd = 0;
      civil_from_days(days, y, m, dd);
      char buffer[24];
      auto put = [&buffer](int at, std::int64_t n, int width) {
        for (int i = at + width - 1; i >= at; --i, n /= 10) buffer[i] = static_cast<char>('0' + n % 10);
      };
      put(0, y, 4);
      buffer[4] = '-';
      put(5, m, 2);
      buffer[7] = '-';
      put(8, dd, 2);
      buffer[10] = 'T';
      put(11, rest / 3600000, 2);
      buffer[13] = ':';
      put(14, rest / 60000 % 60, 2);
      buffer[16] = ':';
      put(17, rest / 1000 % 60, 2);
      buffer[19] = '.';
      put(20, rest % 1000, 3);
      buffer[23] = 'Z';
      out_ += '"';
      out_.append(buffer, sizeof buffer);
      out_ += '"';
    } else {
      number(ms);
    }
    if (d.timezone != 0) {
      tag("$tz");
      integer(d.timezone);
    }
    close('}');
    return true;
  }

  bool text(std::string_view tag_name, std::string_view s, std::uint32_t id) {
    open_node(id);
    tag(tag_name);
    if (!string(s)) return false;
    close('}');
    return true;
  }

  // RFC 4648 base64 with padding.
  void bytes(std::span<const std::uint8_t> b, std::uint32_t id) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    open_node(id);
    tag("$bytes");
    out_ += '"';
    std::size_t i = 0;
    for (; i + 3 <= b.size(); i += 3) {
      std::uint32_t n = (std::uint32_t{b[i]} << 16) | (std::uint32_t{b[i + 1]} << 8) | b[i + 2];
      char quad[4] = {alphabet[n >> 18], alphabet[(n >> 12) & 63], alphabet[(n >> 6) & 63], alphabet[n & 63]};
      out_.append(quad, 4);
    }
    if (std::size_t left = b.size() - i; left != 0) {
      std::uint32_t n = std::uint32_t{b[i]} << 16;
      if (left == 2) n |= std::uint32_t{b[i + 1]} << 8;
      char quad[4] = {alphabet[n >> 18], alphabet[(n >> 12) & 63], left == 2 ? alphabet[(n >> 6) & 63] : '=',
                      '='};
      out_.append(quad, 4);
    }
    out_ += '"';
    close('}');
  }

  bool items(const list<value>& values) {
    open('[');
    for (const value& item : values) {
      next();
      if (!write(item)) return false;
    }
    close(']');
    return true;
  }

  bool members(const list<member>& values) {
    open('{');
    for (const member& m : values) {
      if (!data_key(m.name) || !write(m.val)) return false;
    }
    close('}');
    return true;
  }

  bool array(const array_node& a, std::uint32_t id) {
    if (id == no_id && !a.ecma && a.assoc.empty()) return items(a.dense);
    open_node(id);
    if (!a.ecma || !a.dense.empty()) {
      tag("$array");
      if (!items(a.dense)) return false;
    }
    if (a.ecma || !a.assoc.empty()) {
      tag(a.ecma ? "$ecma" : "$assoc");
      if (!members(a.assoc)) return false;
    }
    close('}');
    return true;
  }

  bool object(const object_node& o, std::uint32_t id) {
    const traits* t = o.type;
    if (t == nullptr) return fail(errc::unencodable, "object without traits");
    if (t->sealed.size() != o.sealed.size())
      return fail(errc::unencodable, "sealed values do not match traits");
    open_node(id);
    bool typed = !t->alias.empty();
    if (typed) {
      tag("$class");
      if (!string(t->alias)) return false;
    }
    // Defaults: typed objects have every member sealed and are not dynamic; anonymous objects
    // are dynamic without sealed members.
    bool default_traits = typed ? !t->dynamic && o.dynamic.empty() : t->dynamic && t->sealed.empty();
    if (!default_traits) {
      tag("$traits");
      open('{');
      tag("sealed");
      open('[');
      for (std::string_view name : t->sealed) {
        next();
        if (!string(name)) return false;
      }
      close(']');
      tag("dynamic");
      out_ += t->dynamic ? "true" : "false";
      close('}');
    }
    if (t->externalizable) {
      tag("$external");
      if (!write(o.external)) return false;
    }
    for (std::size_t i = 0; i < o.sealed.size(); ++i) {
      if (!data_key(t->sealed[i]) || !write(o.sealed[i])) return false;
    }
    for (const member& m : o.dynamic) {
      if (!data_key(m.name) || !write(m.val)) return false;
    }
    close('}');
    return true;
  }

  // Vector.<int>, Vector.<uint>, Vector.<Number>.
  template <class T>
  bool vector(std::string_view type, const vector_node<T>& v, std::uint32_t id) {
    open_node(id);
    tag("$vector");
    out_ += type;
    if (v.fixed) {
      tag("$fixed");
      out_ += "true";
    }
    tag("$items");
    open('[');
    for (T item : v.items) {
      next();
      if constexpr (std::is_same_v<T, double>) {
        number(item);
      } else {
        integer(item);
      }
    }
    close(']');
    close('}');
    return true;
  }

  bool vector_object(const vector_object_node& v, std::uint32_t id) {
    open_node(id);
    tag("$vector");
    out_ += "\"object\"";
    if (!v.type_name.empty()) {
      tag("$type");
      if (!string(v.type_name)) return false;
    }
    if (v.fixed) {
      tag("$fixed");
      out_ += "true";
    }
    tag("$items");
    if (!items(v.items)) return false;
    close('}');
    return true;
  }

  bool dictionary(const dictionary_node& d, std::uint32_t id) {
    open_node(id);
    tag("$dictionary");
    open('[');
    for (const dict_entry& e : d.entries) {
      next();
      open('[');
      next();
      if (!write(e.key)) return false;
      next();
      if (!write(e.val)) return false;
      close(']');
    }
    close(']');
    if (d.weak_keys) {
      tag("$weak");
      out_ += "true";
    }
    close('}');
    return true;
  }

  using node_map = detail::node_map;

  std::string& out_;
  const json_write_options& options_;
  std::size_t start_;  // out_'s size before this text: error offsets count from here
  node_map nodes_;     // index: reference count after the first pass, then the "$id" once written
  std::vector<const value*> work_;
  std::size_t estimate_ = 0;
  std::uint32_t next_id_ = 0;  // ids count from 0 in writing order
  std::size_t level_ = 0;      // open brackets (indentation)
  bool first_ = true;          // no item yet in the innermost open bracket
  std::size_t depth_ = 0;      // containers of values being written
  error_info error_{};
};

}  // namespace

// On failure `out` is cut back to its size before the call.
status to_json(const value& v, std::string& out, const json_write_options& options) {
  const std::size_t start = out.size();
  json_writer writer(out, options);
  writer.count(v);
  writer.reserve();
  if (!writer.write(v)) {
    out.resize(start);
    return writer.error();
  }
  return status{};
}

status to_json(const packet& p, std::string& out, const json_write_options& options) {
  const std::size_t start = out.size();
  json_writer writer(out, options);
  for (const packet_header& h : p.headers) writer.count(h.val);
  for (const packet_body& b : p.bodies) writer.count(b.val);
  writer.reserve();
  if (!writer.write_packet(p)) {
    out.resize(start);
    return writer.error();
  }
  return status{};
}

}  // namespace amphora::amf
