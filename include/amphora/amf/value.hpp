// The in-memory value model for any AMF graph.
//
// A `value` is 16 bytes: a kind, flags, and either a scalar or a pointer to a node in an arena.
// Complex values (everything that takes a slot in AMF3's object table, plus AMF0 objects and
// arrays) are nodes; two values that point at the same node are the same AS3 object, so shared
// and cyclic references survive decode -> encode. Strings are views: into the arena copy of the
// input after decoding, or into memory the builder provides.
//
// Nothing here owns memory: an arena does. Every node type is trivially destructible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "amphora/amf/arena.hpp"

namespace amphora::amf {

enum class kind : std::uint8_t {
  undefined,
  null,
  boolean,
  integer,        // AMF3 int (29-bit on the wire); any int64 in memory, wider ones encode as double
  number,         // IEEE double
  string,         // UTF-8
  date,           // date_node
  xml_document,   // text_node: AMF0 0x0F, AMF3 0x07 (legacy flash.xml.XMLDocument)
  xml,            // text_node: AMF3 0x0B (E4X XML)
  byte_array,     // bytes_node
  array,          // array_node: AMF0 strict/ECMA array, AMF3 array (dense + associative)
  object,         // object_node: anonymous, typed, dynamic, sealed, externalizable
  vector_int,     // vector_node<std::int32_t>
  vector_uint,    // vector_node<std::uint32_t>
  vector_double,  // vector_node<double>
  vector_object,  // vector_object_node
  dictionary,     // dictionary_node
};

// "object", "vector_int", ...
std::string_view kind_name(kind k) noexcept;

// A growable array whose storage lives in an arena. Growth doubles and abandons the old storage
// to the arena (bounded waste, no frees). size() is at most 2^32-1.
template <class T>
class list {
 public:
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T& back() noexcept { return data_[size_ - 1]; }

  // false when the arena refuses memory (limit) or n does not fit 32 bits. New slots are zero.
  bool reserve(arena& a, std::size_t n) noexcept { return grow(a, n, true); }
  // As reserve(), but new slots are left uninitialized: for a caller that assigns every slot it
  // exposes with resize_within_capacity() before anything reads it (the decoders).
  bool reserve_for_overwrite(arena& a, std::size_t n) noexcept { return grow(a, n, false); }
  bool push_back(arena& a, const T& v) noexcept {
    if (size_ == capacity_ && !reserve(a, capacity_ ? std::size_t{capacity_} * 2 : 4)) return false;
    data_[size_++] = v;
    return true;
  }
  // Sets the size within the reserved capacity (elements keep their values).
  void resize_within_capacity(std::size_t n) noexcept {
    size_ = static_cast<std::uint32_t>(n <= capacity_ ? n : capacity_);
  }
  void clear() noexcept { size_ = 0; }
  // Takes arena storage for `capacity` elements at `data`, of which the first `size` are the
  // contents (a decoder that allocates a node and its elements at once, then fills them).
  void adopt(T* data, std::size_t size, std::size_t capacity) noexcept {
    data_ = data;
    size_ = static_cast<std::uint32_t>(size);
    capacity_ = static_cast<std::uint32_t>(capacity);
  }

 private:
  bool grow(arena& a, std::size_t n, bool zeroed) noexcept {
    if (n <= capacity_) return true;
    if (n > 0xFFFFFFFFu) return false;
    T* fresh = zeroed ? a.make_array<T>(n) : a.make_array_for_overwrite<T>(n);
    if (!fresh) return false;
    for (std::uint32_t i = 0; i < size_; ++i) fresh[i] = data_[i];
    data_ = fresh;
    capacity_ = static_cast<std::uint32_t>(n);
    return true;
  }

  T* data_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
};

struct date_node;
struct text_node;
struct bytes_node;
struct array_node;
struct object_node;
template <class T>
struct vector_node;
struct vector_object_node;
struct dictionary_node;

class value {
 public:
  // Flag: this value was read after an AVM+ marker (0x11) inside AMF0, and the AMF0 encoder
  // writes it the same way.
  static constexpr std::uint8_t flag_avmplus = 1;

  constexpr value() noexcept : p_(nullptr) {}  // undefined

  static constexpr value undefined() noexcept { return value{}; }
  static constexpr value null() noexcept { return value{kind::null}; }
  static constexpr value boolean(bool b) noexcept {
    value v{kind::boolean};
    v.b_ = b;
    return v;
  }
  static constexpr value integer(std::int64_t i) noexcept {
    value v{kind::integer};
    v.i_ = i;
    return v;
  }
  static constexpr value number(double d) noexcept {
    value v{kind::number};
    v.d_ = d;
    return v;
  }
  // The view must outlive the value (use arena::copy for temporaries). Strings longer than
  // 2^32-1 bytes are not representable; callers check.
  static value string(std::string_view s) noexcept {
    value v{kind::string};
    v.s_ = s.data();
    v.len_ = static_cast<std::uint32_t>(s.size());
    return v;
  }
  static value of(date_node* n) noexcept { return node_value(kind::date, n); }
  static value of(kind xml_kind, text_node* n) noexcept {
    return node_value(xml_kind, n);
  }  // xml or xml_document
  static value of(bytes_node* n) noexcept { return node_value(kind::byte_array, n); }
  static value of(array_node* n) noexcept { return node_value(kind::array, n); }
  static value of(object_node* n) noexcept { return node_value(kind::object, n); }
  static value of(vector_node<std::int32_t>* n) noexcept { return node_value(kind::vector_int, n); }
  static value of(vector_node<std::uint32_t>* n) noexcept { return node_value(kind::vector_uint, n); }
  static value of(vector_node<double>* n) noexcept { return node_value(kind::vector_double, n); }
  static value of(vector_object_node* n) noexcept { return node_value(kind::vector_object, n); }
  static value of(dictionary_node* n) noexcept { return node_value(kind::dictionary, n); }

  kind type() const noexcept { return kind_; }
  bool is(kind k) const noexcept { return kind_ == k; }
  bool is_undefined() const noexcept { return kind_ == kind::undefined; }
  bool is_null() const noexcept { return kind_ == kind::null; }
  bool is_number() const noexcept { return kind_ == kind::integer || kind_ == kind::number; }
  // True for kinds held as a node (identity matters: references, cycles).
  bool is_node() const noexcept { return kind_ >= kind::date; }

  std::uint8_t flags() const noexcept { return flags_; }
  void set_flags(std::uint8_t f) noexcept { flags_ = f; }
  bool avmplus() const noexcept { return (flags_ & flag_avmplus) != 0; }

  // Accessors: the caller checks type() first (debug builds assert nothing; a wrong kind reads
  // the wrong union member but never out of bounds for scalars).
  bool as_bool() const noexcept { return b_; }
  std::int64_t as_int() const noexcept { return i_; }
  double as_double() const noexcept { return d_; }
  // integer or number as double; 0 for other kinds.
  double to_double() const noexcept {
    return kind_ == kind::integer ? static_cast<double>(i_) : kind_ == kind::number ? d_ : 0.0;
  }
  std::string_view as_string() const noexcept { return {s_, len_}; }
  date_node& as_date() const noexcept { return *static_cast<date_node*>(p_); }
  text_node& as_text() const noexcept { return *static_cast<text_node*>(p_); }
  bytes_node& as_bytes() const noexcept { return *static_cast<bytes_node*>(p_); }
  array_node& as_array() const noexcept { return *static_cast<array_node*>(p_); }
  object_node& as_object() const noexcept { return *static_cast<object_node*>(p_); }
  vector_node<std::int32_t>& as_vector_int() const noexcept {
    return *static_cast<vector_node<std::int32_t>*>(p_);
  }
  vector_node<std::uint32_t>& as_vector_uint() const noexcept {
    return *static_cast<vector_node<std::uint32_t>*>(p_);
  }
  vector_node<double>& as_vector_double() const noexcept { return *static_cast<vector_node<double>*>(p_); }
  vector_object_node& as_vector_object() const noexcept { return *static_cast<vector_object_node*>(p_); }
  dictionary_node& as_dictionary() const noexcept { return *static_cast<dictionary_node*>(p_); }

  // The node's address (identity), or nullptr for scalars and strings.
  const void* node() const noexcept { return is_node() ? p_ : nullptr; }

 private:
  constexpr explicit value(kind k) noexcept : kind_(k), p_(nullptr) {}
  static value node_value(kind k, void* n) noexcept {
    value v{k};
    v.p_ = n;
    return v;
  }

  kind kind_ = kind::undefined;
  std::uint8_t flags_ = 0;
  // Named padding, always 0: kind, flags and length are then one 8-byte store.
  [[maybe_unused]] std::uint16_t reserved_ = 0;
  std::uint32_t len_ = 0;
  union {
    bool b_;
    std::int64_t i_;
    double d_;
    const char* s_;
    void* p_;
  };
};
static_assert(sizeof(value) == 16);

struct date_node {
  double millis = 0;          // ms since 1970-01-01T00:00:00Z (may hold fractions)
  std::int16_t timezone = 0;  // AMF0's timezone field, minutes (AMF3 has none: 0)
};

struct text_node {
  std::string_view text;
};

struct bytes_node {
  std::span<const std::uint8_t> bytes;
};

struct member {
  std::string_view name;
  value val;
};

struct array_node {
  list<value> dense;   // indexes 0..n-1
  list<member> assoc;  // other keys, in wire order
  bool ecma = false;   // AMF0: read from / written as an ECMA array (0x08) even when empty
};

// Class description shared by objects of one AMF3 trait (decoded objects that used a trait
// reference point at the same traits).
struct traits {
  std::string_view alias;         // "" for anonymous objects
  list<std::string_view> sealed;  // sealed member names, in wire order
  bool dynamic = false;
  bool externalizable = false;
};

struct object_node {
  traits* type = nullptr;  // never null in a valid graph
  list<value> sealed;      // one per type->sealed name, same order
  list<member> dynamic;    // dynamic members, wire order
  value external;          // externalizable objects: what the registry's reader produced

  std::string_view alias() const noexcept { return type ? type->alias : std::string_view{}; }
  // First member with this name: sealed ones, then dynamic ones. nullptr if none.
  value* find(std::string_view name) noexcept;
  const value* find(std::string_view name) const noexcept;
};

template <class T>
struct vector_node {
  list<T> items;
  bool fixed = false;
};

struct vector_object_node {
  std::string_view type_name;  // AS3 class name of the elements; "" or "*" for untyped
  list<value> items;
  bool fixed = false;
};

struct dict_entry {
  value key;
  value val;
};

struct dictionary_node {
  list<dict_entry> entries;
  bool weak_keys = false;
};

// ---- Builders: each returns nullptr (or an undefined value) when the arena refuses memory. ----

// A string copied into the arena.
value make_string(arena& a, std::string_view s) noexcept;
date_node* new_date(arena& a, double millis, std::int16_t timezone = 0) noexcept;
text_node* new_text(arena& a, std::string_view text) noexcept;                  // copies
bytes_node* new_bytes(arena& a, std::span<const std::uint8_t> bytes) noexcept;  // copies
array_node* new_array(arena& a) noexcept;
// An object with its own traits: alias "" is anonymous. Typed objects default to sealed.
object_node* new_object(arena& a, std::string_view alias = {}, bool dynamic = true) noexcept;
// Appends a sealed member (name goes to the object's traits, so do not share those traits
// while building). Names and strings are not copied.
bool add_sealed(arena& a, object_node& o, std::string_view name, value v) noexcept;
bool add_dynamic(arena& a, object_node& o, std::string_view name, value v) noexcept;
template <class T>
vector_node<T>* new_vector(arena& a) noexcept {
  return a.make<vector_node<T>>();
}
vector_object_node* new_vector_object(arena& a, std::string_view type_name = {}) noexcept;
dictionary_node* new_dictionary(arena& a, bool weak_keys = false) noexcept;

// Structural equality of two graphs that also respects identity: shared nodes must be shared in
// the same places, cycles must match. Doubles compare bit for bit (NaN equals NaN, -0 != 0).
// Integer 3 and number 3.0 differ. The avmplus flag is ignored unless compare_flags.
bool deep_equal(const value& a, const value& b, bool compare_flags = false);

}  // namespace amphora::amf
