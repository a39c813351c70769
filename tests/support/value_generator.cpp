#include "support/value_generator.hpp"

#include <array>
#include <cstring>
#include <limits>
#include <new>
#include <string>

namespace amphora::test {
namespace {

using amf::kind;
using amf::value;

// Strings that stress escaping and the JSON mapping: "$" keys, controls, NUL, non-ASCII.
constexpr std::array<std::string_view, 22> string_palette{"",
                                                          "a",
                                                          "name",
                                                          "x",
                                                          "y",
                                                          "\xC3\xA9" /* é */,
                                                          "\xE6\x97\xA5\xE6\x9C\xAC" /* 日本 */,
                                                          "\xF0\x9F\x98\x80" /* 😀 */,
                                                          "$ref",
                                                          "$id",
                                                          "$$x",
                                                          "$class",
                                                          "$",
                                                          "tab\there",
                                                          "quote\"",
                                                          "back\\slash",
                                                          std::string_view("nul\0in", 6),
                                                          "\x7F",
                                                          "\xE2\x80\xA8" /* U+2028 */,
                                                          "com.example.Point",
                                                          "0",
                                                          "1"};

struct class_shape {
  std::string_view alias;
  std::array<std::string_view, 3> sealed;
  std::size_t sealed_count;
  bool dynamic;
};

// AMF3 classes: typed and anonymous, sealed and dynamic, so trait references get exercised.
constexpr std::array<class_shape, 6> amf3_classes{{
    {"com.example.Point", {"x", "y", ""}, 2, false},
    {"com.example.Person", {"name", "age", "tags"}, 3, false},
    {"com.example.Bag", {"", "", ""}, 0, true},
    {"com.example.Mixed", {"id", "", ""}, 1, true},
    {"", {"a", "b", ""}, 2, false},
    {"", {"a", "", ""}, 1, true},
}};

// AMF0 typed objects: every member sealed, not dynamic.
constexpr std::array<class_shape, 3> amf0_classes{{
    {"com.example.Point", {"x", "y", ""}, 2, false},
    {"com.example.Person", {"name", "age", "tags"}, 3, false},
    {"com.example.Empty", {"", "", ""}, 0, false},
}};

constexpr std::array<std::string_view, 3> flex_externals{
    "flex.messaging.io.ArrayCollection", "flex.messaging.io.ArrayList", "flex.messaging.io.ObjectProxy"};

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

value_generator::value_generator(std::uint64_t seed, amf::arena& memory, graph_domain domain,
                                 graph_shape shape)
    : rng_(seed), memory_(memory), domain_(domain), shape_(shape) {}

// ---- randomness ----

std::size_t value_generator::below(std::size_t n) {
  return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n);
}

bool value_generator::chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }

template <class P>
P* value_generator::need(P* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

std::size_t value_generator::items(int depth) {
  const int room = shape_.max_items - depth;
  return below(static_cast<std::size_t>(room > 1 ? room : 1) + 1);
}

std::string_view value_generator::any_string() {
  if (chance(40)) return string_palette[below(string_palette.size())];
  std::string s;
  const std::size_t n = below(9);
  for (std::size_t i = 0; i < n; ++i) {
    switch (below(4)) {
      case 0:
        append_utf8(s, static_cast<std::uint32_t>(below(0x80)));
        break;
      case 1:
        append_utf8(s, static_cast<std::uint32_t>(0x80 + below(0x800 - 0x80)));
        break;
      case 2: {
        auto cp = static_cast<std::uint32_t>(0x800 + below(0x10000 - 0x800));
        if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x800;  // no surrogates
        append_utf8(s, cp);
        break;
      }
      default:
        append_utf8(s, static_cast<std::uint32_t>(0x10000 + below(0x110000 - 0x10000)));
        break;
    }
  }
  if (s.empty()) return {};
  std::string_view copy = memory_.copy(s);
  if (copy.empty()) throw std::bad_alloc();
  return copy;
}

std::string_view value_generator::unique_key(std::vector<std::string_view>& used) {
  std::string_view k;
  for (int attempt = 0; attempt < 8; ++attempt) {
    k = any_string();
    bool fresh = !k.empty();
    for (std::string_view u : used) fresh = fresh && u != k;
    if (fresh) {
      used.push_back(k);
      return k;
    }
  }
  // Unlucky draws: a name no palette entry or random draw of <= 8 code points can take.
  k = memory_.copy("key_number_" + std::to_string(used.size()));
  used.push_back(k);
  return k;
}

double value_generator::any_double() {
  static constexpr std::array<double, 12> palette{0.0,
                                                  -0.0,
                                                  1.5,
                                                  -2.25,
                                                  3.0,
                                                  0.1,
                                                  1e300,
                                                  5e-324,
                                                  9007199254740993.0,
                                                  std::numeric_limits<double>::infinity(),
                                                  -std::numeric_limits<double>::infinity(),
                                                  std::numeric_limits<double>::quiet_NaN()};
  if (chance(50)) return palette[below(palette.size())];
  std::uint64_t bits = rng_();
  if (chance(10)) bits |= 0x7FF0000000000001u;  // a NaN with a payload
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::int64_t value_generator::any_int29() {
  static constexpr std::array<std::int64_t, 12> palette{0,     1,       -1,      127,       128,        16383,
                                                        16384, 2097151, 2097152, 268435455, -268435456, -129};
  if (chance(50)) return palette[below(palette.size())];
  return static_cast<std::int64_t>(below(std::size_t{1} << 29)) - (std::int64_t{1} << 28);
}

std::int32_t value_generator::any_int32() {
  if (chance(20)) return chance(50) ? std::numeric_limits<std::int32_t>::min() : -1;
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(rng_()));
}

std::uint32_t value_generator::any_uint32() {
  if (chance(20)) return chance(50) ? 0xFFFFFFFFu : 0u;
  return static_cast<std::uint32_t>(rng_());
}

double value_generator::any_date_millis() {
  // -0.0, fractions and a year before 0000 take JSON's numeric form.
  static constexpr std::array<double, 9> palette{0.0, -0.0,        1111111111111.0,  -1.0, 8.64e15, -8.64e15,
                                                 1.5, 1e12 + 0.25, -62167219200001.0};
  if (chance(40)) return palette[below(palette.size())];
  if (chance(50)) {  // whole milliseconds between 1900 and 2100
    return static_cast<double>(below(std::size_t{6311433600000})) - 2208988800000.0;
  }
  return std::uniform_real_distribution<double>(-8.64e15, 8.64e15)(rng_);
}

// ---- graphs ----

void value_generator::start_graph() {
  amf0_nodes_.clear();
  amf3_nodes_.clear();
}

value value_generator::graph() {
  start_graph();
  if (domain_ == graph_domain::amf3) return chance(85) ? amf3_container(0) : amf3_value(0);
  return chance(85) ? amf0_container(0) : amf0_value(0);
}

amf::packet value_generator::packet() {
  amf::packet p;
  static constexpr std::array<std::uint16_t, 2> versions{0, 3};
  static constexpr std::array<std::string_view, 3> header_names{"Credentials", "DSId", "amf_server_debug"};
  static constexpr std::array<std::string_view, 3> targets{"null", "EchoService.echo", "/1/onResult"};
  static constexpr std::array<std::string_view, 3> responses{"/1", "/2", ""};
  p.version = versions[below(versions.size())];
  const std::size_t headers = below(3);
  for (std::size_t i = 0; i < headers; ++i) {
    start_graph();
    amf::packet_header h{header_names[below(header_names.size())], chance(50), amf0_value(1)};
    if (!p.headers.push_back(memory_, h)) throw std::bad_alloc();
  }
  const std::size_t bodies = below(4);
  for (std::size_t i = 0; i < bodies; ++i) {
    start_graph();
    amf::packet_body b{targets[below(targets.size())], responses[below(responses.size())], amf0_value(0)};
    if (!p.bodies.push_back(memory_, b)) throw std::bad_alloc();
  }
  return p;
}

// ---- AMF3 ----

value value_generator::amf3_value(int depth) {
  if (!amf3_nodes_.empty() && chance(shape_.share_percent)) return amf3_nodes_[below(amf3_nodes_.size())];
  if (depth < shape_.max_depth && chance(35)) return amf3_container(depth);
  return amf3_scalar();
}

value value_generator::amf3_scalar() {
  switch (below(12)) {
    case 0:
      return value::undefined();
    case 1:
      return value::null();
    case 2:
      return value::boolean(chance(50));
    case 3:
    case 4:
      return value::integer(any_int29());
    case 5:
      return value::number(any_double());
    case 6:
    case 7:
      return value::string(any_string());
    case 8:
      return date(false);
    case 9:
      return text(chance(50) ? kind::xml : kind::xml_document, false);
    case 10:
      return byte_array();
    default: {
      const std::size_t which = below(3);
      return which == 0 ? vector<std::int32_t>() : which == 1 ? vector<std::uint32_t>() : vector<double>();
    }
  }
}

value value_generator::amf3_container(int depth) {
  switch (below(6)) {
    case 0:
    case 1:
      return amf3_array(depth);
    case 2:
    case 3:
      return amf3_object(depth);
    case 4:
      return chance(50) ? vector_object(depth) : dictionary(depth);
    default:
      return externalizable(depth);
  }
}

value value_generator::date(bool amf0_part) {
  const auto tz = amf0_part && chance(50) ? static_cast<std::int16_t>(static_cast<int>(below(65536)) - 32768)
                                          : std::int16_t{0};
  value v = value::of(need(amf::new_date(memory_, any_date_millis(), tz)));
  if (!amf0_part) amf3_nodes_.push_back(v);  // AMF0 dates take no reference slot: never shared
  return v;
}

value value_generator::text(kind k, bool amf0_part) {
  std::string xml = "<a b=\"";
  xml += any_string();
  xml += "\"/>";
  value v = value::of(k, need(amf::new_text(memory_, xml)));
  if (!amf0_part) amf3_nodes_.push_back(v);  // AMF0 XML documents take no reference slot either
  return v;
}

value value_generator::byte_array() {
  std::array<std::uint8_t, 16> raw{};
  const std::size_t n = below(raw.size() + 1);
  for (std::size_t i = 0; i < n; ++i) raw[i] = static_cast<std::uint8_t>(rng_());
  value v = value::of(need(amf::new_bytes(memory_, std::span<const std::uint8_t>(raw.data(), n))));
  amf3_nodes_.push_back(v);
  return v;
}

template <class T>
value value_generator::vector() {
  auto* n = need(amf::new_vector<T>(memory_));
  n->fixed = chance(50);
  const std::size_t count = below(6);
  for (std::size_t i = 0; i < count; ++i) {
    T item;
    if constexpr (std::is_same_v<T, std::int32_t>) {
      item = any_int32();
    } else if constexpr (std::is_same_v<T, std::uint32_t>) {
      item = any_uint32();
    } else {
      item = any_double();
    }
    if (!n->items.push_back(memory_, item)) throw std::bad_alloc();
  }
  value v = value::of(n);
  amf3_nodes_.push_back(v);
  return v;
}

value value_generator::amf3_array(int depth) {
  auto* n = need(amf::new_array(memory_));
  value v = value::of(n);
  amf3_nodes_.push_back(v);
  const std::size_t dense = items(depth);
  for (std::size_t i = 0; i < dense; ++i) {
    if (!n->dense.push_back(memory_, amf3_value(depth + 1))) throw std::bad_alloc();
  }
  if (chance(40)) {
    std::vector<std::string_view> used;
    const std::size_t assoc = 1 + below(3);
    for (std::size_t i = 0; i < assoc; ++i) {
      const std::string_view key = unique_key(used);
      if (!n->assoc.push_back(memory_, amf::member{key, amf3_value(depth + 1)})) throw std::bad_alloc();
    }
  }
  return v;
}

value value_generator::amf3_object(int depth) {
  const bool anonymous_dynamic = chance(40);
  const class_shape& c = amf3_classes[below(amf3_classes.size())];
  auto* n = need(amf::new_object(memory_, anonymous_dynamic ? std::string_view{} : c.alias,
                                 anonymous_dynamic || c.dynamic));
  value v = value::of(n);
  amf3_nodes_.push_back(v);
  std::vector<std::string_view> used;
  if (!anonymous_dynamic) {
    for (std::size_t i = 0; i < c.sealed_count; ++i) {
      used.push_back(c.sealed[i]);
      if (!amf::add_sealed(memory_, *n, c.sealed[i], amf3_value(depth + 1))) throw std::bad_alloc();
    }
  }
  if (n->type->dynamic) {
    const std::size_t dynamic = items(depth);
    for (std::size_t i = 0; i < dynamic; ++i) {
      const std::string_view key = unique_key(used);
      if (!amf::add_dynamic(memory_, *n, key, amf3_value(depth + 1))) throw std::bad_alloc();
    }
  }
  return v;
}

value value_generator::externalizable(int depth) {
  const std::string_view alias = flex_externals[below(flex_externals.size())];
  auto* n = need(amf::new_object(memory_, alias, false));
  n->type->externalizable = true;
  value v = value::of(n);
  amf3_nodes_.push_back(v);
  if (alias == "flex.messaging.io.ObjectProxy") {
    auto* body = need(amf::new_object(memory_));
    n->external = value::of(body);
    amf3_nodes_.push_back(n->external);
    std::vector<std::string_view> used;
    const std::size_t count = items(depth);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string_view key = unique_key(used);
      if (!amf::add_dynamic(memory_, *body, key, amf3_value(depth + 1))) throw std::bad_alloc();
    }
  } else {
    n->external = amf3_array(depth);
  }
  return v;
}

value value_generator::vector_object(int depth) {
  static constexpr std::array<std::string_view, 4> type_names{"", "*", "com.example.Point", "String"};
  auto* n = need(amf::new_vector_object(memory_, type_names[below(type_names.size())]));
  n->fixed = chance(50);
  value v = value::of(n);
  amf3_nodes_.push_back(v);
  const std::size_t count = items(depth);
  for (std::size_t i = 0; i < count; ++i) {
    if (!n->items.push_back(memory_, amf3_value(depth + 1))) throw std::bad_alloc();
  }
  return v;
}

value value_generator::dictionary(int depth) {
  auto* n = need(amf::new_dictionary(memory_, chance(50)));
  value v = value::of(n);
  amf3_nodes_.push_back(v);
  const std::size_t count = items(depth);
  for (std::size_t i = 0; i < count; ++i) {
    const value key = amf3_value(depth + 1);
    if (!n->entries.push_back(memory_, amf::dict_entry{key, amf3_value(depth + 1)})) throw std::bad_alloc();
  }
  return v;
}

// ---- AMF0 ----

value value_generator::amf0_value(int depth) {
  if (!amf0_nodes_.empty() && chance(shape_.share_percent)) return amf0_nodes_[below(amf0_nodes_.size())];
  if (depth < shape_.max_depth && chance(35)) return amf0_container(depth);
  switch (below(10)) {
    case 0:
      return value::undefined();
    case 1:
      return value::null();
    case 2:
      return value::boolean(chance(50));
    case 3:
    case 4:
      return value::number(chance(50) ? static_cast<double>(any_int29()) : any_double());
    case 5:
    case 6: {
      if (chance(2)) {  // a long string (0x0C): more than 65,535 UTF-8 bytes
        std::string s(65536 + below(64), 'L');
        s += "\xC3\xA9";
        return value::string(memory_.copy(s));
      }
      return value::string(any_string());
    }
    case 7:
      return date(true);
    case 8:
      return text(kind::xml_document, true);
    default:
      return avmplus(depth);
  }
}

value value_generator::amf0_container(int depth) {
  switch (below(5)) {
    case 0:
      return amf0_strict_array(depth);
    case 1:
      return amf0_ecma_array(depth);
    case 2:
    case 3:
      return amf0_object(depth);
    default:
      return avmplus(depth);
  }
}

value value_generator::amf0_strict_array(int depth) {
  auto* n = need(amf::new_array(memory_));
  value v = value::of(n);
  amf0_nodes_.push_back(v);
  const std::size_t count = items(depth);
  for (std::size_t i = 0; i < count; ++i) {
    if (!n->dense.push_back(memory_, amf0_value(depth + 1))) throw std::bad_alloc();
  }
  return v;
}

value value_generator::amf0_ecma_array(int depth) {
  auto* n = need(amf::new_array(memory_));
  n->ecma = true;
  value v = value::of(n);
  amf0_nodes_.push_back(v);
  std::vector<std::string_view> used;
  const std::size_t count = items(depth);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view key = unique_key(used);
    if (!n->assoc.push_back(memory_, amf::member{key, amf0_value(depth + 1)})) throw std::bad_alloc();
  }
  return v;
}

value value_generator::amf0_object(int depth) {
  const bool typed = chance(40);
  const class_shape& c = amf0_classes[below(amf0_classes.size())];
  auto* n = need(amf::new_object(memory_, typed ? c.alias : std::string_view{}, !typed));
  value v = value::of(n);
  amf0_nodes_.push_back(v);
  if (typed) {
    for (std::size_t i = 0; i < c.sealed_count; ++i) {
      if (!amf::add_sealed(memory_, *n, c.sealed[i], amf0_value(depth + 1))) throw std::bad_alloc();
    }
    return v;
  }
  std::vector<std::string_view> used;
  const std::size_t count = items(depth);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view key = unique_key(used);
    if (!amf::add_dynamic(memory_, *n, key, amf0_value(depth + 1))) throw std::bad_alloc();
  }
  return v;
}

value value_generator::avmplus(int depth) {
  value v = depth < shape_.max_depth && chance(60) ? amf3_container(depth) : amf3_value(depth);
  v.set_flags(value::flag_avmplus);
  return v;
}

}  // namespace amphora::test
