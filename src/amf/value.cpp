#include "amphora/amf/value.hpp"

#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

namespace amphora::amf {

std::string_view kind_name(kind k) noexcept {
  switch (k) {
    case kind::undefined:
      return "undefined";
    case kind::null:
      return "null";
    case kind::boolean:
      return "boolean";
    case kind::integer:
      return "integer";
    case kind::number:
      return "number";
    case kind::string:
      return "string";
    case kind::date:
      return "date";
    case kind::xml_document:
      return "xml_document";
    case kind::xml:
      return "xml";
    case kind::byte_array:
      return "byte_array";
    case kind::array:
      return "array";
    case kind::object:
      return "object";
    case kind::vector_int:
      return "vector_int";
    case kind::vector_uint:
      return "vector_uint";
    case kind::vector_double:
      return "vector_double";
    case kind::vector_object:
      return "vector_object";
    case kind::dictionary:
      return "dictionary";
  }
  return "unknown";
}

value* object_node::find(std::string_view name) noexcept {
  if (type != nullptr) {
    for (std::size_t i = 0; i < type->sealed.size() && i < sealed.size(); ++i) {
      if (type->sealed[i] == name) return &sealed[i];
    }
  }
  for (member& m : dynamic) {
    if (m.name == name) return &m.val;
  }
  return nullptr;
}

const value* object_node::find(std::string_view name) const noexcept {
  return const_cast<object_node*>(this)->find(name);
}

value make_string(arena& a, std::string_view s) noexcept {
  if (s.empty()) return value::string({});
  std::string_view copy = a.copy(s);
  return copy.empty() ? value{} : value::string(copy);
}

date_node* new_date(arena& a, double millis, std::int16_t timezone) noexcept {
  return a.make<date_node>(millis, timezone);
}

text_node* new_text(arena& a, std::string_view text) noexcept {
  std::string_view copy = a.copy(text);
  if (copy.empty() && !text.empty()) return nullptr;
  return a.make<text_node>(copy);
}

bytes_node* new_bytes(arena& a, std::span<const std::uint8_t> bytes) noexcept {
  auto copy = a.copy(bytes);
  if (copy.empty() && !bytes.empty()) return nullptr;
  return a.make<bytes_node>(copy);
}

array_node* new_array(arena& a) noexcept { return a.make<array_node>(); }

object_node* new_object(arena& a, std::string_view alias, bool dynamic) noexcept {
  traits* t = a.make<traits>();
  object_node* o = a.make<object_node>();
  if (t == nullptr || o == nullptr) return nullptr;
  t->alias = alias;
  t->dynamic = dynamic;
  o->type = t;
  return o;
}

bool add_sealed(arena& a, object_node& o, std::string_view name, value v) noexcept {
  return o.type != nullptr && o.type->sealed.push_back(a, name) && o.sealed.push_back(a, v);
}

bool add_dynamic(arena& a, object_node& o, std::string_view name, value v) noexcept {
  return o.dynamic.push_back(a, member{name, v});
}

vector_object_node* new_vector_object(arena& a, std::string_view type_name) noexcept {
  vector_object_node* n = a.make<vector_object_node>();
  if (n != nullptr) n->type_name = type_name;
  return n;
}

dictionary_node* new_dictionary(arena& a, bool weak_keys) noexcept {
  dictionary_node* n = a.make<dictionary_node>();
  if (n != nullptr) n->weak_keys = weak_keys;
  return n;
}

namespace {

// Compares two graphs without recursion: a worklist of value pairs, and a bijection between the
// nodes of each side so that sharing and cycles must correspond.
class graph_comparer {
 public:
  explicit graph_comparer(bool compare_flags) : compare_flags_(compare_flags) {}

  bool run(const value& a, const value& b) {
    work_.emplace_back(a, b);
    while (!work_.empty()) {
      auto [x, y] = work_.back();
      work_.pop_back();
      if (!compare(x, y)) return false;
    }
    return true;
  }

 private:
  template <class T>
  static bool same_items(const list<T>& x, const list<T>& y) {
    if (x.size() != y.size()) return false;
    return x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
  }

  void push_values(const list<value>& x, const list<value>& y) {
    for (std::size_t i = 0; i < x.size(); ++i) work_.emplace_back(x[i], y[i]);
  }

  bool push_members(const list<member>& x, const list<member>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i].name != y[i].name) return false;
      work_.emplace_back(x[i].val, y[i].val);
    }
    return true;
  }

  static bool same_traits(const traits* x, const traits* y) {
    if (x == nullptr || y == nullptr) return x == y;
    if (x->alias != y->alias || x->dynamic != y->dynamic || x->externalizable != y->externalizable)
      return false;
    if (x->sealed.size() != y->sealed.size()) return false;
    for (std::size_t i = 0; i < x->sealed.size(); ++i) {
      if (x->sealed[i] != y->sealed[i]) return false;
    }
    return true;
  }

  bool compare(const value& x, const value& y) {
    if (x.type() != y.type()) return false;
    if (compare_flags_ && x.flags() != y.flags()) return false;
    switch (x.type()) {
      case kind::undefined:
      case kind::null:
        return true;
      case kind::boolean:
        return x.as_bool() == y.as_bool();
      case kind::integer:
        return x.as_int() == y.as_int();
      case kind::number: {
        double dx = x.as_double(), dy = y.as_double();
        return std::memcmp(&dx, &dy, sizeof dx) == 0;
      }
      case kind::string:
        return x.as_string() == y.as_string();
      default:
        break;
    }
    // Nodes: identity must correspond on both sides.
    const void* nx = x.node();
    const void* ny = y.node();
    auto fx = forward_.find(nx);
    auto by = backward_.find(ny);
    if (fx != forward_.end() || by != backward_.end()) {
      return fx != forward_.end() && by != backward_.end() && fx->second == ny && by->second == nx;
    }
    forward_.emplace(nx, ny);
    backward_.emplace(ny, nx);
    switch (x.type()) {
      case kind::date: {
        const date_node& a = x.as_date();
        const date_node& b = y.as_date();
        return std::memcmp(&a.millis, &b.millis, sizeof a.millis) == 0 && a.timezone == b.timezone;
      }
      case kind::xml_document:
      case kind::xml:
        return x.as_text().text == y.as_text().text;
      case kind::byte_array: {
        auto a = x.as_bytes().bytes;
        auto b = y.as_bytes().bytes;
        return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
      }
      case kind::array: {
        const array_node& a = x.as_array();
        const array_node& b = y.as_array();
        if (a.ecma != b.ecma || a.dense.size() != b.dense.size()) return false;
        push_values(a.dense, b.dense);
        return push_members(a.assoc, b.assoc);
      }
      case kind::object: {
        const object_node& a = x.as_object();
        const object_node& b = y.as_object();
        if (!same_traits(a.type, b.type) || a.sealed.size() != b.sealed.size()) return false;
        push_values(a.sealed, b.sealed);
        work_.emplace_back(a.external, b.external);
        return push_members(a.dynamic, b.dynamic);
      }
      case kind::vector_int: {
        const auto& a = x.as_vector_int();
        const auto& b = y.as_vector_int();
        return a.fixed == b.fixed && same_items(a.items, b.items);
      }
      case kind::vector_uint: {
        const auto& a = x.as_vector_uint();
        const auto& b = y.as_vector_uint();
        return a.fixed == b.fixed && same_items(a.items, b.items);
      }
      case kind::vector_double: {
        const auto& a = x.as_vector_double();
        const auto& b = y.as_vector_double();
        return a.fixed == b.fixed && same_items(a.items, b.items);
      }
      case kind::vector_object: {
        const auto& a = x.as_vector_object();
        const auto& b = y.as_vector_object();
        if (a.fixed != b.fixed || a.type_name != b.type_name || a.items.size() != b.items.size())
          return false;
        push_values(a.items, b.items);
        return true;
      }
      case kind::dictionary: {
        const auto& a = x.as_dictionary();
        const auto& b = y.as_dictionary();
        if (a.weak_keys != b.weak_keys || a.entries.size() != b.entries.size()) return false;
        for (std::size_t i = 0; i < a.entries.size(); ++i) {
          work_.emplace_back(a.entries[i].key, b.entries[i].key);
          work_.emplace_back(a.entries[i].val, b.entries[i].val);
        }
        return true;
      }
      default:
        return false;
    }
  }

  bool compare_flags_;
  std::vector<std::pair<value, value>> work_;
  std::unordered_map<const void*, const void*> forward_;
  std::unordered_map<const void*, const void*> backward_;
};

}  // namespace

bool deep_equal(const value& a, const value& b, bool compare_flags) {
  return graph_comparer(compare_flags).run(a, b);
}

}  // namespace amphora::amf
