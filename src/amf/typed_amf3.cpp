// The byte-level side of the direct typed AMF3 reader and writer (typed/amf3_direct.hpp): thin
// steps over the codec's amf3_reader/amf3_writer, which keep the reference tables. Each thread
// keeps one reader state and one writer state for reuse (a warmed-up decode or encode allocates
// nothing here); a nested use on the same thread gets a fresh one.
#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "amf3_format.hpp"
#include "amf3_internal.hpp"
#include "amphora/amf/typed/amf3_direct.hpp"
#include "decode_scope.hpp"
#include "node_map.hpp"
#include "typed_string_table.hpp"

namespace amphora::amf::detail {

namespace {

// The object-table entry of an object or array the typed reader read itself.
traits placeholder_traits{};
object_node placeholder_node{&placeholder_traits, {}, {}, {}};

value placeholder() noexcept { return value::of(&placeholder_node); }

bool has_children(kind k) noexcept {
  return k == kind::array || k == kind::object || k == kind::vector_object || k == kind::dictionary;
}

}  // namespace

// The typed reader's own object-table entries (placeholders), known traits and strings enter the
// codec reader's tables lazily: they are counted (and checked against the limits) when taken, and
// handed to the reader only before the reader itself is used (amf3_typed_in::sync()), so that a
// message the typed reader reads alone never touches the reader's tables (nor resets them).
struct typed_amf3_in_state {
  static constexpr std::size_t string_buffer = 256;  // pending strings; when full, handed over

  decode_context ctx;
  amf3_reader reader{ctx};
  arena scratch;
  std::optional<decode_scope> scope;
  bool reader_ready = false;     // reset for this decode (at its first use)
  std::size_t placeholders = 0;  // object-table entries the typed reader took
  // The reader's table sizes (kept up to date by flush() and recount()), and what is pending.
  std::size_t reader_objects = 0;
  std::size_t reader_traits = 0;
  std::size_t reader_strings = 0;
  std::size_t pending_objects = 0;
  std::size_t pending_trait_count = 0;
  std::array<traits*, 8> pending_traits{};
  std::array<text_ref, string_buffer> pending_strings;
  node_map seen;               // holds_placeholder's visited nodes
  std::vector<value> pending;  // holds_placeholder's nodes to visit
  bool busy = false;

  std::size_t object_count() const noexcept { return reader_objects + pending_objects; }
  std::size_t trait_count() const noexcept { return reader_traits + pending_trait_count; }

  // Pending entries into the reader's tables (the strings up to `strings_end`), before the reader
  // reads or looks up anything.
  bool flush(const text_ref* strings_end) {
    if (!reader_ready) {
      reader.reset();
      reader_ready = true;
    }
    std::vector<std::string_view>& table = reader.string_table();
    for (const text_ref* p = pending_strings.data(); p != strings_end; ++p) {
      table.emplace_back(p->data, p->size);
    }
    reader_strings = table.size();
    for (std::size_t i = 0; i < pending_trait_count; ++i) reader.add_traits_entry(pending_traits[i]);
    reader_traits += pending_trait_count;
    pending_trait_count = 0;
    for (; pending_objects > 0; --pending_objects, ++reader_objects) {
      if (!reader.remember(placeholder())) return false;  // within max_object_refs: checked when taken
    }
    return true;
  }
  // After the reader read something (which may have added entries).
  void recount() noexcept {
    reader_objects = reader.object_count();
    reader_traits = reader.trait_count();
    reader_strings = reader.string_table().size();
  }
  // The end of the room for pending strings (none pending): the buffer, or max_string_refs.
  text_ref* string_room_end() noexcept {
    const std::size_t max = ctx.options->limits.max_string_refs;
    const std::size_t room = reader_strings < max ? max - reader_strings : 0;
    return pending_strings.data() + std::min(room, string_buffer);
  }
  // The next object-table entry, a placeholder (the reader's limit and error).
  bool take_placeholder() {
    if (object_count() >= ctx.options->limits.max_object_refs) {
      return ctx.fail(errc::limit_exceeded, "object table larger than max_object_refs");
    }
    ++pending_objects;
    ++placeholders;
    return true;
  }
};

struct typed_amf3_out_state {
  encode_context ctx;
  arena scratch;
  typed_string_table strings;
  std::vector<const traits*> traits_written;  // the traits table, by index
  bool busy = false;
};

namespace {

template <class State>
State* acquire(std::unique_ptr<State>& owned) {
  thread_local State state;
  State* s = &state;
  if (s->busy) {
    owned = std::make_unique<State>();
    s = owned.get();
  }
  s->busy = true;
  return s;
}

}  // namespace

// ---- reading ----

amf3_typed_in::amf3_typed_in(std::span<const std::uint8_t> in, arena* memory, const decode_options& options)
    : s_(acquire(owned_)) {
  if (memory == nullptr) {
    s_->scratch.reset();
    memory = &s_->scratch;
  }
  s_->scope.emplace(s_->ctx, in, *memory, options);
  s_->reader_ready = false;  // the reader's tables are reset when it is first used
  s_->placeholders = 0;
  s_->reader_objects = 0;
  s_->reader_traits = 0;
  s_->reader_strings = 0;
  s_->pending_objects = 0;
  s_->pending_trait_count = 0;
  cur_ = &s_->ctx.cur;
  begin_ = s_->ctx.begin;
  end_ = s_->ctx.end;
  next_string_ = s_->pending_strings.data();
  string_room_end_ = s_->string_room_end();
  max_string_bytes_ = options.limits.max_string_bytes;
  max_elements_ = options.limits.max_elements;
  ok_ = !s_->ctx.error.code;
}

amf3_typed_in::~amf3_typed_in() {
  s_->scope.reset();
  s_->busy = false;
}

bool amf3_typed_in::sync() {
  const text_ref* strings_end = next_string_;
  next_string_ = s_->pending_strings.data();
  const bool ok = s_->flush(strings_end);
  string_room_end_ = s_->string_room_end();
  return ok;
}

void amf3_typed_in::resync() noexcept {
  s_->recount();
  string_room_end_ = s_->string_room_end();
}

bool amf3_typed_in::read_value(value& out) {
  if (!sync()) return false;
  const bool ok = s_->reader.read_value(out);
  resync();
  if (!ok) return false;
  return s_->placeholders == 0 || !holds_placeholder(out) || request_restart();
}

bool amf3_typed_in::read_string_slow(std::string_view& s) {
  ++s_->ctx.cur;  // the marker
  return read_key_slow(s);
}

bool amf3_typed_in::read_key_slow(std::string_view& s) {
  if (!sync()) return false;
  const bool ok = s_->reader.read_string(s);
  resync();
  return ok;
}

bool amf3_typed_in::skip_value() {
  value ignored;
  if (!sync()) return false;
  const bool ok = s_->reader.read_value(ignored);
  resync();
  return ok;
}

namespace {

bool enter(decode_context& ctx, const std::uint8_t* marker) noexcept {
  if (++ctx.depth > ctx.options->limits.max_depth) {
    return ctx.fail_at(errc::depth_exceeded, static_cast<std::size_t>(marker - ctx.begin),
                       "nesting deeper than max_depth");
  }
  return true;
}

}  // namespace

// The U29 after an object-table type's marker; a reference must name an existing entry.
amf3_typed_in::start amf3_typed_in::read_header(std::uint32_t& h, std::uint32_t& ref) {
  decode_context& ctx = s_->ctx;
  const std::uint8_t* at = ctx.cur;
  if (at != ctx.end && *at < 0x80) {  // one byte (short arrays, inline traits of few members)
    h = *ctx.cur++;
  } else if (!s_->reader.read_u29(h)) {
    return start::failed;
  }
  if ((h & 1) != 0) return start::fresh;
  ref = h >> 1;
  if (!sync()) return start::failed;
  if (s_->reader.object_at(ref) == nullptr) {
    ctx.fail_at(errc::bad_reference, static_cast<std::size_t>(at - ctx.begin), "object reference");
    return start::failed;
  }
  return start::reference;
}

namespace {

bool same_bytes(const std::uint8_t* p, const std::vector<std::uint8_t>& bytes) noexcept {
  const std::size_t n = bytes.size();
  if (n > 8) return std::memcmp(p, bytes.data(), n) == 0;
  for (std::size_t i = 0; i < n; ++i) {  // anonymous traits: two bytes, not worth a call
    if (p[i] != bytes[i]) return false;
  }
  return true;
}

}  // namespace

// The known traits at ctx.cur (after the object marker), entered into the tables (their strings
// and the traits pending) and skipped; nullptr (nothing read) when the bytes differ or a limit
// applies: read_traits then reads them, or reports the limit.
traits* amf3_typed_in::take_known(const known_traits& k) {
  decode_context& ctx = s_->ctx;
  const limits& lim = ctx.options->limits;
  if (ctx.remaining() < k.bytes.size() || !same_bytes(ctx.cur, k.bytes) ||
      k.type->sealed.size() > lim.max_elements || k.longest > lim.max_string_bytes ||
      s_->trait_count() >= lim.max_trait_refs) {
    return nullptr;
  }
  const std::size_t n = k.entries.size();
  if (s_->pending_trait_count == s_->pending_traits.size() ||
      static_cast<std::size_t>(string_room_end_ - next_string_) < n) {
    // Hand the pending entries over; no room then means max_string_refs (or a class with more
    // names than the buffer holds).
    if (!sync() || static_cast<std::size_t>(string_room_end_ - next_string_) < n) return nullptr;
  }
  if (n != 0) std::memcpy(next_string_, k.entries.data(), n * sizeof(text_ref));
  next_string_ += n;
  s_->pending_traits[s_->pending_trait_count++] = k.type;
  ctx.cur += k.bytes.size();
  return k.type;
}

amf3_typed_in::start amf3_typed_in::begin_object(const traits*& t, std::uint32_t& ref,
                                                 const known_traits* known) {
  decode_context& ctx = s_->ctx;
  const std::uint8_t* marker = ctx.cur++;
  traits* read = known != nullptr ? take_known(*known) : nullptr;
  if (read == nullptr) {
    if (!sync()) return start::failed;
    std::uint32_t h = 0;
    if (const start r = read_header(h, ref); r != start::fresh) return r;
    // Externalizable objects are left to the value model (their codec reads the body).
    bool external = false;
    if ((h & amf3::traits_inline_bit) != 0) {
      external = (h & amf3::traits_externalizable_bit) != 0;
    } else if (const traits* seen = s_->reader.traits_at(h >> 2); seen != nullptr) {
      external = seen->externalizable;
    }
    if (external) {
      ctx.cur = marker;
      return start::other;
    }
    const bool ok = s_->reader.read_traits(h, marker + 1, read);
    resync();
    if (!ok) return start::failed;
  }
  if (!enter(ctx, marker) || !ctx.need_declared(read->sealed.size(), 1, "sealed members") ||
      !s_->take_placeholder()) {
    return start::failed;
  }
  t = read;
  return start::fresh;
}

amf3_typed_in::start amf3_typed_in::begin_array(std::uint32_t& dense, std::uint32_t& ref) {
  decode_context& ctx = s_->ctx;
  const std::uint8_t* marker = ctx.cur++;
  std::uint32_t h = 0;
  if (const start r = read_header(h, ref); r != start::fresh) return r;
  dense = h >> 1;
  if (dense > ctx.options->limits.max_elements) {
    ctx.fail(errc::limit_exceeded, "more entries than max_elements");
    return start::failed;
  }
  if (!ctx.need_declared(dense, 1, "array length") || !enter(ctx, marker) || !s_->take_placeholder()) {
    return start::failed;
  }
  return start::fresh;
}

void amf3_typed_in::end() noexcept { --s_->ctx.depth; }

const value* amf3_typed_in::referenced(std::uint32_t index) {
  if (!sync()) return nullptr;
  const value* v = s_->reader.object_at(index);  // begin_* checked the index
  if (v->node() == &placeholder_node || holds_placeholder(*v)) {
    request_restart();
    return nullptr;
  }
  return v;
}

bool amf3_typed_in::fail(const error_info& e) noexcept {
  if (!s_->ctx.error.code) s_->ctx.error = e;
  return false;
}

bool amf3_typed_in::request_restart() noexcept {
  restart_ = true;
  return false;
}

status amf3_typed_in::finish(bool read_ok) {
  if (read_ok && s_->scope) s_->scope->finish();
  if (s_->ctx.error.code) return s_->ctx.error;
  return {};
}

// Whether a graph the value model read refers to an entry the typed reader took (each node
// visited once, so shared and cyclic graphs cost their size).
bool amf3_typed_in::holds_placeholder(const value& root) {
  if (!has_children(root.type())) return false;
  node_map& seen = s_->seen;
  std::vector<value>& pending = s_->pending;
  seen.clear();
  pending.clear();
  pending.push_back(root);
  while (!pending.empty()) {
    const value v = pending.back();
    pending.pop_back();
    if (!has_children(v.type())) continue;
    if (v.node() == &placeholder_node) return true;
    bool inserted = false;
    seen.insert(v.node(), 0, inserted);
    if (!inserted) continue;
    switch (v.type()) {
      case kind::array:
        for (const value& x : v.as_array().dense) pending.push_back(x);
        for (const member& m : v.as_array().assoc) pending.push_back(m.val);
        break;
      case kind::object:
        for (const value& x : v.as_object().sealed) pending.push_back(x);
        for (const member& m : v.as_object().dynamic) pending.push_back(m.val);
        pending.push_back(v.as_object().external);
        break;
      case kind::vector_object:
        for (const value& x : v.as_vector_object().items) pending.push_back(x);
        break;
      default:
        for (const dict_entry& e : v.as_dictionary().entries) {
          pending.push_back(e.key);
          pending.push_back(e.val);
        }
        break;
    }
  }
  return false;
}

// ---- writing ----

namespace {

// An inline length or count: (n << 1) | 1.
bool put_length(encode_context& ctx, std::size_t n) {
  if (n > amf3::max_length) return ctx.fail(errc::unencodable, "length does not fit AMF3's 28 bits");
  put_u29(ctx, static_cast<std::uint32_t>(n << 1 | 1));
  return true;
}

}  // namespace

amf3_typed_out::amf3_typed_out(std::vector<std::uint8_t>& out, const encode_options& options)
    : s_(acquire(owned_)), out_(out), old_size_(out.size()) {
  encode_context& ctx = s_->ctx;
  ctx.out = &out;
  ctx.options = &options;
  ctx.depth = 0;
  ctx.error = {};
  s_->strings.clear();
  s_->traits_written.clear();
  s_->scratch.reset();
  ctx.open_window();  // writes through a pointer; finish() trims
}

amf3_typed_out::~amf3_typed_out() {
  s_->ctx.close_window();  // finish() did unless an exception left early
  s_->busy = false;
}

arena& amf3_typed_out::scratch() noexcept { return s_->scratch; }

bool amf3_typed_out::write_value(const value& v) {
  if (put_scalar(s_->ctx, v)) return true;
  if (v.type() == kind::string) return write_string(v.as_string());
  restart_ = true;  // a node the value model may share: the whole encode goes through it
  return false;
}

bool amf3_typed_out::write_string(std::string_view s) {
  s_->ctx.u8(amf3::string_marker);
  return write_string_body(s);
}

bool amf3_typed_out::write_string_body(std::string_view s) {
  encode_context& ctx = s_->ctx;
  if (s.empty()) {
    ctx.u8(0x01);  // never referenced
    return true;
  }
  bool inserted = false;
  const std::uint32_t index = s_->strings.find_or_add(s, inserted);
  if (!inserted) {
    if (index > amf3::max_length)
      return ctx.fail(errc::unencodable, "reference table larger than AMF3 can index");
    put_u29(ctx, index << 1);
    return true;
  }
  if (!put_length(ctx, s.size())) return false;
  ctx.bytes(s);
  return true;
}

bool amf3_typed_out::write_date(double millis) {
  encode_context& ctx = s_->ctx;
  if (!is_valid_date_millis(millis))
    return ctx.fail(errc::unencodable, "date is NaN, infinite or out of range");
  ctx.u8(amf3::date_marker);
  ctx.u8(0x01);
  ctx.f64(millis);
  return true;
}

bool amf3_typed_out::write_bytes(std::span<const std::uint8_t> bytes) {
  encode_context& ctx = s_->ctx;
  ctx.u8(amf3::byte_array_marker);
  if (!put_length(ctx, bytes.size())) return false;
  ctx.bytes(bytes);
  return true;
}

namespace {

bool enter(encode_context& ctx) {
  if (++ctx.depth > ctx.options->max_depth)
    return ctx.fail(errc::depth_exceeded, "nesting deeper than max_depth");
  return true;
}

}  // namespace

bool amf3_typed_out::begin_object(const traits& t, const known_traits* known) {
  encode_context& ctx = s_->ctx;
  ctx.u8(amf3::object_marker);
  if (!enter(ctx)) return false;
  // Interned traits are equal exactly when they are the same object (intern_traits).
  std::vector<const traits*>& written = s_->traits_written;
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (written[i] != &t) continue;
    if (i > amf3::max_trait_index)
      return ctx.fail(errc::unencodable, "traits table larger than AMF3 can index");
    put_u29(ctx, static_cast<std::uint32_t>(i) << 2 | 1);
    return true;
  }
  written.push_back(&t);
  // The class's inline traits as bytes, when none of its strings was written before.
  if (known != nullptr && s_->strings.add_all(known->strings, known->string_filter)) {
    ctx.bytes(std::span<const std::uint8_t>(known->bytes));
    return true;
  }
  if (t.sealed.size() > amf3::max_sealed_count) return ctx.fail(errc::unencodable, "too many sealed members");
  std::uint32_t h = amf3::traits_inline_bit | 1;
  if (t.dynamic) h |= amf3::traits_dynamic_bit;
  put_u29(ctx, h | static_cast<std::uint32_t>(t.sealed.size()) << amf3::traits_count_shift);
  if (!write_string_body(t.alias)) return false;
  for (std::string_view name : t.sealed) {
    if (!write_string_body(name)) return false;
  }
  return true;
}

bool amf3_typed_out::begin_array(std::size_t n) {
  encode_context& ctx = s_->ctx;
  ctx.u8(amf3::array_marker);
  if (!enter(ctx) || !put_length(ctx, n)) return false;
  ctx.u8(0x01);  // no associative part
  return true;
}

bool amf3_typed_out::write_key(std::string_view name) {
  if (name.empty()) return s_->ctx.fail(errc::unencodable, "empty dynamic member name");
  return write_string_body(name);
}

void amf3_typed_out::end_members() { s_->ctx.u8(0x01); }

void amf3_typed_out::end() noexcept { --s_->ctx.depth; }

bool amf3_typed_out::fail(error_info e) noexcept {
  e.offset = s_->ctx.size();
  if (!s_->ctx.error.code) s_->ctx.error = e;
  return false;
}

std::optional<status> amf3_typed_out::finish(bool write_ok) {
  s_->ctx.close_window();
  if (write_ok) return status{};
  out_.resize(old_size_);  // nothing half-written stays behind
  if (restart_) return std::nullopt;
  return status{s_->ctx.error};
}

// ---- class traits ----

namespace {

traits* make_traits(std::string_view alias, std::span<const std::string_view> sealed, bool dynamic) {
  static std::mutex lock;
  static arena* const memory = new arena;  // lives as long as the program: the traits are shared
  const std::lock_guard<std::mutex> hold(lock);
  traits* t = memory->make<traits>();
  if (t == nullptr || !t->sealed.reserve(*memory, sealed.size())) return nullptr;
  t->alias = alias;
  t->dynamic = dynamic;
  for (std::string_view name : sealed) t->sealed.push_back(*memory, name);
  return t;
}

bool is_ascii_text(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

namespace {

traits* intern(std::string_view alias, std::span<const std::string_view> sealed, bool dynamic) {
  static std::mutex lock;
  static std::vector<traits*>* const interned = new std::vector<traits*>;  // never freed
  const std::lock_guard<std::mutex> hold(lock);
  for (traits* t : *interned) {
    if (t->alias == alias && t->dynamic == dynamic &&
        std::equal(t->sealed.begin(), t->sealed.end(), sealed.begin(), sealed.end())) {
      return t;
    }
  }
  traits* t = make_traits(alias, sealed, dynamic);  // its own lock
  if (t != nullptr) interned->push_back(t);
  return t;
}

}  // namespace

const traits* intern_traits(std::string_view alias, std::span<const std::string_view> sealed, bool dynamic) {
  return intern(alias, sealed, dynamic);
}

const known_traits* intern_known_traits(std::string_view alias, std::span<const std::string_view> sealed,
                                        bool dynamic) {
  // ASCII needs no UTF-8 validation, and distinct strings are all written inline.
  if (!is_ascii_text(alias) || std::find(sealed.begin(), sealed.end(), alias) != sealed.end() ||
      !std::all_of(sealed.begin(), sealed.end(), is_ascii_text)) {
    return nullptr;
  }
  traits* t = intern(alias, sealed, dynamic);
  if (t == nullptr) return nullptr;
  auto* k = new known_traits;  // lives as long as the program, like the traits
  k->type = t;
  // The bytes are the writer's own: a fresh writer writes the traits inline.
  const encode_options options;
  encode_context ctx;
  ctx.out = &k->bytes;
  ctx.options = &options;
  amf3_writer writer{ctx};
  if (!writer.write_traits(*k->type)) return nullptr;
  k->longest = alias.size();
  for (std::string_view name : sealed) k->longest = std::max(k->longest, name.size());
  if (!alias.empty()) k->strings.push_back(alias);
  k->strings.insert(k->strings.end(), sealed.begin(), sealed.end());
  for (std::string_view str : k->strings) k->entries.push_back(text_ref{str.data(), str.size()});
  for (std::string_view str : k->strings) {
    const unsigned key = typed_string_table::signature(str);
    k->string_filter[key >> 6] |= std::uint64_t{1} << (key & 63);
  }
  return k;
}

}  // namespace amphora::amf::detail
