// JSON text -> json_node tree (json_dom.hpp). Explicit stacks replace recursion: containers being
// read are frames, and finished array items and object members wait on work stacks until their
// container closes, when they move into the scratch arena in one exact-size block.

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>
#include <vector>

#include "input.hpp"
#include "json_dom.hpp"

namespace amphora::amf::detail {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the UTF-8 encoding of a code point (at most U+10FFFF, not a surrogate).
char* put_utf8(char* out, std::uint32_t cp) noexcept {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

class parser {
 public:
  parser(std::string_view text, arena& scratch, const json_read_options& options) noexcept
      : begin_(text.data()),
        cur_(text.data()),
        end_(text.data() + text.size()),
        scratch_(scratch),
        options_(options),
        max_brackets_(max_json_nesting(options.max_depth)) {}

  result<const json_node*> run() {
    json_node root;
    if (!parse(root)) return error_;
    skip_ws();
    if (cur_ != end_) return fail_result("unexpected text after the JSON value");
    auto* node = scratch_.make<json_node>(root);
    if (!node) return out_of_memory_result();
    return static_cast<const json_node*>(node);
  }

 private:
  struct frame {
    bool object;
    std::size_t first;   // index of the container's first entry on items_ or members_
    std::size_t offset;  // of the opening bracket
  };

  std::size_t offset() const noexcept { return static_cast<std::size_t>(cur_ - begin_); }

  bool fail_at(errc e, std::size_t at, const char* detail) noexcept {
    if (!error_.code) error_ = error_info{make_error_code(e), at, detail};
    return false;
  }
  bool fail(const char* detail) noexcept { return fail_at(errc::invalid_json, offset(), detail); }
  bool out_of_memory() noexcept {
    return fail_at(errc::limit_exceeded, offset(), "JSON needs more than max_memory_bytes");
  }
  error_info fail_result(const char* detail) noexcept {
    fail(detail);
    return error_;
  }
  error_info out_of_memory_result() noexcept {
    out_of_memory();
    return error_;
  }

  void skip_ws() noexcept {
    while (cur_ != end_ && is_ws(*cur_)) ++cur_;
  }

  // The work stacks live outside the arena: their growth is charged against the same limit.
  template <class T>
  bool push(std::vector<T>& stack, const T& entry) {
    if (stack.size() == stack.capacity()) {
      std::size_t grown = stack.capacity() < 64 ? 64 : stack.capacity() * 2;
      std::size_t other = items_.capacity() * sizeof(json_node) + members_.capacity() * sizeof(json_member) -
                          stack.capacity() * sizeof(T);
      if (grown * sizeof(T) + other + scratch_.bytes_used() > options_.max_memory_bytes)
        return out_of_memory();
      stack.reserve(grown);
    }
    stack.push_back(entry);
    return true;
  }

  // Reads one complete value into `out`.
  bool parse(json_node& out) {
    for (;;) {
      // A value starts here (top level, array item, or after an object key's ':').
      skip_ws();
      if (cur_ == end_) return fail("unexpected end of JSON text");
      json_node v;
      v.offset = offset();
      char c = *cur_;
      if (c == '{' || c == '[') {
        if (frames_.size() >= max_brackets_) {
          return fail_at(errc::depth_exceeded, offset(), "JSON brackets nested deeper than max_depth allows");
        }
        ++cur_;
        frames_.push_back(frame{c == '{', c == '{' ? members_.size() : items_.size(), v.offset});
        skip_ws();
        char close = c == '{' ? '}' : ']';
        if (cur_ != end_ && *cur_ == close) {
          ++cur_;
          if (!close_container(v)) return false;
        } else {
          if (c == '{' && !begin_member()) return false;
          continue;  // parse the first item
        }
      } else if (!parse_scalar(v)) {
        return false;
      }

      // `v` is complete: hand it to its container, closing containers as far as the text does.
      for (;;) {
        if (frames_.empty()) {
          out = v;
          return true;
        }
        if (frames_.back().object) {
          members_.back().value = v;
        } else if (!push(items_, v)) {
          return false;
        }
        skip_ws();
        if (cur_ == end_) return fail("unexpected end of JSON text");
        bool object = frames_.back().object;
        if (*cur_ == ',') {
          ++cur_;
          if (object) {
            skip_ws();
            if (!begin_member()) return false;
          }
          break;  // parse the next item
        }
        if (*cur_ != (object ? '}' : ']'))
          return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
        ++cur_;
        v = json_node{};
        v.offset = frames_.back().offset;
        if (!close_container(v)) return false;
      }
    }
  }

  // Reads `"key" :` and pushes a member whose value the caller fills in.
  bool begin_member() {
    if (cur_ == end_ || *cur_ != '"') return fail("expected a string key");
    std::size_t key_offset = offset();
    std::string_view key;
    if (!parse_string(key)) return false;
    skip_ws();
    if (cur_ == end_ || *cur_ != ':') return fail("expected ':'");
    ++cur_;
    return push(members_, json_member{key, key_offset, json_node{}});
  }

  // Pops the innermost frame; `v` (offset already set) becomes the container.
  bool close_container(json_node& v) {
    frame f = frames_.back();
    frames_.pop_back();
    if (f.object) {
      v.type = json_type::object;
      return take(members_, f.first, v, v.members);
    }
    v.type = json_type::array;
    return take(items_, f.first, v, v.items);
  }

  // Moves the entries from `first` on off the stack into one exact-size block of the arena.
  template <class T>
  bool take(std::vector<T>& stack, std::size_t first, json_node& v, const T*& out) {
    std::size_t n = stack.size() - first;
    if (n > 0xFFFFFFFFu) return fail_at(errc::limit_exceeded, v.offset, "JSON container too large");
    v.size = static_cast<std::uint32_t>(n);
    out = nullptr;
    if (n != 0) {
      auto* block = static_cast<T*>(scratch_.allocate(n * sizeof(T), alignof(T)));
      if (!block) return out_of_memory();
      std::uninitialized_copy(stack.begin() + static_cast<std::ptrdiff_t>(first), stack.end(), block);
      out = block;
    }
    stack.resize(first);
    return true;
  }

  bool parse_scalar(json_node& v) {
    switch (*cur_) {
      case '"': {
        std::string_view s;
        if (!parse_string(s)) return false;
        v.type = json_type::string;
        v.chars = s.data();
        v.size = static_cast<std::uint32_t>(s.size());
        return true;
      }
      case 't':
        v.type = json_type::boolean;
        v.boolean = true;
        return literal("true");
      case 'f':
        v.type = json_type::boolean;
        return literal("false");
      case 'n':
        v.type = json_type::null;
        return literal("null");
      default:
        if (*cur_ == '-' || is_digit(*cur_)) return parse_number(v);
        return fail("expected a JSON value");
    }
  }

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - cur_) < word.size() ||
        std::memcmp(cur_, word.data(), word.size()) != 0) {
      return fail("invalid literal");
    }
    cur_ += word.size();
    return true;
  }

  // RFC 8259 number grammar. Integers that fit int64 stay integers; the rest are doubles, and
  // like JSON.parse, magnitudes beyond double range give +-Infinity and tiny ones +-0.
  bool parse_number(json_node& v) {
    const char* start = cur_;
    bool negative = *cur_ == '-';
    if (negative) ++cur_;
    if (cur_ == end_ || !is_digit(*cur_)) return fail("expected a digit");
    const char* int_begin = cur_;
    if (*cur_ == '0') {
      ++cur_;
    } else {
      while (cur_ != end_ && is_digit(*cur_)) ++cur_;
    }
    const char* int_end = cur_;
    const char* frac_begin = nullptr;
    if (cur_ != end_ && *cur_ == '.') {
      ++cur_;
      frac_begin = cur_;
      if (cur_ == end_ || !is_digit(*cur_)) return fail("expected a digit after '.'");
      while (cur_ != end_ && is_digit(*cur_)) ++cur_;
    }
    bool has_exp = false;
    long exponent = 0;  // clamped: only its sign and rough size matter
    if (cur_ != end_ && (*cur_ == 'e' || *cur_ == 'E')) {
      has_exp = true;
      ++cur_;
      bool exp_negative = false;
      if (cur_ != end_ && (*cur_ == '+' || *cur_ == '-')) exp_negative = *cur_++ == '-';
      if (cur_ == end_ || !is_digit(*cur_)) return fail("expected a digit in the exponent");
      for (; cur_ != end_ && is_digit(*cur_); ++cur_) {
        if (exponent < 1000000) exponent = exponent * 10 + (*cur_ - '0');
      }
      if (exp_negative) exponent = -exponent;
    }
    if (!frac_begin && !has_exp) {
      std::int64_t i = 0;
      auto r = std::from_chars(start, cur_, i);
      if (r.ec == std::errc{} && r.ptr == cur_) {
        v.type = json_type::integer;
        v.integer = i;
        return true;
      }
    }
    v.type = json_type::number;
    auto r = std::from_chars(start, cur_, v.number);
    if (r.ec == std::errc::result_out_of_range) {
      // The value lies in [10^(m-1), 10^m) with m the decimal magnitude below: tiny or huge?
      long magnitude = 0;
      if (*int_begin != '0') {
        magnitude = static_cast<long>(std::min<std::ptrdiff_t>(int_end - int_begin, 1000000));
      } else if (frac_begin) {
        for (const char* p = frac_begin; p != cur_ && *p == '0' && magnitude > -1000000; ++p) --magnitude;
      }
      magnitude += exponent;
      double result = magnitude <= 0 ? 0.0 : std::numeric_limits<double>::infinity();
      v.number = negative ? -result : result;
    } else if (r.ec != std::errc{} || r.ptr != cur_) {
      return fail("invalid number");
    }
    return true;
  }

  // Reads a string starting at its opening quote. Without escapes the result views the text;
  // with escapes it is unescaped into the scratch arena (never longer than the raw text).
  bool parse_string(std::string_view& out) {
    ++cur_;  // opening quote
    const char* start = cur_;
    bool escaped = false;
    for (;;) {
      if (cur_ == end_) return fail("unterminated string");
      auto c = static_cast<unsigned char>(*cur_);
      if (c == '"') break;
      if (c == '\\') {
        escaped = true;
        if (end_ - cur_ < 2) {
          cur_ = end_;
          return fail("unterminated string");
        }
        cur_ += 2;  // skips the escaped character; escapes are checked when unescaping
        continue;
      }
      if (c < 0x20) return fail("control character in string");
      if (c < 0x80) {
        ++cur_;
        continue;
      }
      // A run of non-ASCII bytes holds whole UTF-8 sequences (continuation bytes are >= 0x80).
      const char* run = cur_;
      while (cur_ != end_ && static_cast<unsigned char>(*cur_) >= 0x80) ++cur_;
      if (!is_valid_utf8(reinterpret_cast<const std::uint8_t*>(run), static_cast<std::size_t>(cur_ - run))) {
        return fail_at(errc::invalid_utf8, static_cast<std::size_t>(run - begin_), "string is not UTF-8");
      }
    }
    const char* stop = cur_;
    ++cur_;  // closing quote
    std::size_t raw = static_cast<std::size_t>(stop - start);
    if (raw > 0xFFFFFFFFu) return fail_at(errc::limit_exceeded, offset(), "string longer than 4 GiB");
    if (!escaped) {
      out = std::string_view(start, raw);
      return true;
    }
    auto* buffer = static_cast<char*>(scratch_.allocate(raw, 1));
    if (!buffer) return out_of_memory();
    char* w = buffer;
    for (const char* p = start; p != stop;) {
      if (*p != '\\') {
        *w++ = *p++;
        continue;
      }
      const char* escape = p;
      ++p;
      switch (*p++) {
        case '"':
          *w++ = '"';
          break;
        case '\\':
          *w++ = '\\';
          break;
        case '/':
          *w++ = '/';
          break;
        case 'b':
          *w++ = '\b';
          break;
        case 'f':
          *w++ = '\f';
          break;
        case 'n':
          *w++ = '\n';
          break;
        case 'r':
          *w++ = '\r';
          break;
        case 't':
          *w++ = '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(p, stop, cp)) return fail_at(errc::invalid_json, pos(escape), "invalid \\u escape");
          if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail_at(errc::invalid_utf8, pos(escape), "lone low surrogate escape");
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            bool paired = stop - p >= 2 && p[0] == '\\' && p[1] == 'u';
            if (paired) {
              p += 2;
              paired = hex4(p, stop, low) && low >= 0xDC00 && low <= 0xDFFF;
            }
            if (!paired) return fail_at(errc::invalid_utf8, pos(escape), "lone high surrogate escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          w = put_utf8(w, cp);
          break;
        }
        default:
          return fail_at(errc::invalid_json, pos(escape), "invalid escape");
      }
    }
    out = std::string_view(buffer, static_cast<std::size_t>(w - buffer));
    return true;
  }

  std::size_t pos(const char* p) const noexcept { return static_cast<std::size_t>(p - begin_); }

  static bool hex4(const char*& p, const char* stop, std::uint32_t& cp) noexcept {
    if (stop - p < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      int d = hex_digit(p[i]);
      if (d < 0) return false;
      cp = (cp << 4) | static_cast<std::uint32_t>(d);
    }
    p += 4;
    return true;
  }

  const char* begin_;
  const char* cur_;
  const char* end_;
  arena& scratch_;
  const json_read_options& options_;
  std::size_t max_brackets_;
  std::vector<json_node> items_;      // finished items of the open arrays
  std::vector<json_member> members_;  // members of the open objects (value set once read)
  std::vector<frame> frames_;         // open containers, innermost last
  error_info error_{};
};

}  // namespace

result<const json_node*> parse_json(std::string_view text, arena& scratch, const json_read_options& options) {
  if (text.size() > options.max_input_bytes) {
    return error_info{make_error_code(errc::limit_exceeded), 0, "JSON text exceeds max_input_bytes"};
  }
  return parser(text, scratch, options).run();
}

}  // namespace amphora::amf::detail
