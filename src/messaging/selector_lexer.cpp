#include "selector_lexer.hpp"

#include <array>
#include <charconv>
#include <system_error>
#include <utility>

namespace amphora::messaging::detail {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// Java identifier characters; every non-ASCII byte counts as a letter (names are UTF-8).
bool is_identifier_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_identifier_part(char c) noexcept { return is_identifier_start(c) || is_digit(c); }
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

token_kind keyword_or_identifier(std::string_view word) noexcept {
  static constexpr std::array<std::pair<std::string_view, token_kind>, 11> keywords{{
      {"and", token_kind::kw_and},
      {"or", token_kind::kw_or},
      {"not", token_kind::kw_not},
      {"between", token_kind::kw_between},
      {"like", token_kind::kw_like},
      {"in", token_kind::kw_in},
      {"is", token_kind::kw_is},
      {"null", token_kind::kw_null},
      {"true", token_kind::kw_true},
      {"false", token_kind::kw_false},
      {"escape", token_kind::kw_escape},
  }};
  for (const auto& [name, kind] : keywords) {
    if (equal_ignoring_case(word, name)) return kind;
  }
  return token_kind::identifier;
}

class lexer {
 public:
  lexer(std::string_view text, std::vector<token>& out, selector_error& error)
      : text_(text), out_(out), error_(error) {}

  bool run() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (is_space(c)) {
        ++i_;
      } else if (is_identifier_start(c)) {
        word();
      } else if (is_digit(c) || (c == '.' && i_ + 1 < text_.size() && is_digit(text_[i_ + 1]))) {
        if (!number()) return false;
      } else if (c == '\'') {
        if (!string()) return false;
      } else if (!punctuation()) {
        return false;
      }
    }
    push(token_kind::end, text_.size(), text_.size());
    return true;
  }

 private:
  token& push(token_kind kind, std::size_t begin, std::size_t end) {
    token t;
    t.kind = kind;
    t.offset = begin;
    t.raw = text_.substr(begin, end - begin);
    out_.push_back(std::move(t));
    return out_.back();
  }

  bool fail(std::size_t offset, std::string message) {
    error_.offset = offset;
    error_.message = std::move(message);
    return false;
  }

  std::size_t skip_digits(std::size_t at) const noexcept {
    while (at < text_.size() && is_digit(text_[at])) ++at;
    return at;
  }

  bool at_char(std::size_t at, char a, char b = '\0') const noexcept {
    return at < text_.size() && (text_[at] == a || (b != '\0' && text_[at] == b));
  }

  void word() {
    const std::size_t begin = i_;
    while (i_ < text_.size() && is_identifier_part(text_[i_])) ++i_;
    push(keyword_or_identifier(text_.substr(begin, i_ - begin)), begin, i_);
  }

  bool string() {
    const std::size_t begin = i_++;
    std::string value;
    for (;;) {
      if (i_ >= text_.size()) return fail(begin, "unterminated string literal");
      const char c = text_[i_++];
      if (c != '\'') {
        value.push_back(c);
      } else if (at_char(i_, '\'')) {
        value.push_back('\'');
        ++i_;
      } else {
        break;
      }
    }
    push(token_kind::string, begin, i_).text = std::move(value);
    return true;
  }

  // Java literal syntax: 42, 42L, 0x2A, 052 (octal), 4.2, .42, 4.2e1, 42d, 4.2f.
  bool number() {
    const std::size_t begin = i_;
    std::uint64_t bits = 0;
    bool decimal = true;
    bool real = false;
    if (text_[i_] == '0' && at_char(i_ + 1, 'x', 'X')) {
      i_ += 2;
      const std::size_t digits = i_;
      while (i_ < text_.size() && is_hex_digit(text_[i_])) ++i_;
      if (i_ == digits) return fail(begin, "hexadecimal number without digits");
      if (!parse_integer(text_.substr(digits, i_ - digits), 16, bits)) {
        return fail(begin, "number out of range");
      }
      decimal = false;
      if (at_char(i_, 'l', 'L')) ++i_;
    } else {
      i_ = skip_digits(i_);
      if (at_char(i_, '.')) {
        real = true;
        i_ = skip_digits(i_ + 1);
      }
      if (at_char(i_, 'e', 'E')) {
        real = true;
        std::size_t at = i_ + 1;
        if (at_char(at, '+', '-')) ++at;
        if (!(at < text_.size() && is_digit(text_[at]))) {
          return fail(i_, "exponent without digits");
        }
        i_ = skip_digits(at);
      }
      const std::size_t digits_end = i_;
      if (at_char(i_, 'f', 'F') || at_char(i_, 'd', 'D')) {
        real = true;
        ++i_;
      } else if (!real && at_char(i_, 'l', 'L')) {
        ++i_;
      }
      const std::string_view digits = text_.substr(begin, digits_end - begin);
      if (real) {
        double value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc{} || end != digits.data() + digits.size()) {
          return fail(begin, "number out of range");
        }
        if (!glued(begin)) return false;
        push(token_kind::approximate, begin, i_).real = value;
        return true;
      }
      if (digits.size() > 1 && digits.front() == '0') {
        decimal = false;
        for (const char c : digits) {
          if (c > '7') return fail(begin, "digit 8 or 9 in an octal number");
        }
        if (!parse_integer(digits.substr(1), 8, bits)) return fail(begin, "number out of range");
      } else if (!parse_integer(digits, 10, bits) || bits > (std::uint64_t{1} << 63)) {
        return fail(begin, "number out of range");
      }
    }
    if (!glued(begin)) return false;
    token& t = push(token_kind::exact, begin, i_);
    t.bits = bits;
    t.decimal = decimal;
    return true;
  }

  // A number directly followed by a letter, digit or '.' is malformed ("12abc", "1.2.3").
  bool glued(std::size_t begin) {
    if (i_ < text_.size() && (is_identifier_part(text_[i_]) || text_[i_] == '.')) {
      return fail(begin, "malformed number");
    }
    return true;
  }

  static bool parse_integer(std::string_view digits, int base, std::uint64_t& out) noexcept {
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
    return ec == std::errc{} && end == digits.data() + digits.size();
  }

  bool punctuation() {
    const std::size_t begin = i_;
    const char c = text_[i_++];
    token_kind kind = token_kind::end;
    switch (c) {
      case '(':
        kind = token_kind::left_paren;
        break;
      case ')':
        kind = token_kind::right_paren;
        break;
      case ',':
        kind = token_kind::comma;
        break;
      case '=':
        kind = token_kind::equal;
        break;
      case '+':
        kind = token_kind::plus;
        break;
      case '-':
        kind = token_kind::minus;
        break;
      case '*':
        kind = token_kind::star;
        break;
      case '/':
        kind = token_kind::slash;
        break;
      case '<':
        kind = token_kind::less;
        if (at_char(i_, '=')) {
          kind = token_kind::less_equal;
          ++i_;
        } else if (at_char(i_, '>')) {
          kind = token_kind::not_equal;
          ++i_;
        }
        break;
      case '>':
        kind = token_kind::greater;
        if (at_char(i_, '=')) {
          kind = token_kind::greater_equal;
          ++i_;
        }
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '!' && at_char(i_, '=')) return fail(begin, "unexpected '!=' (use '<>')");
        if (c == '"') return fail(begin, "unexpected '\"' (strings use single quotes)");
        if (byte >= 0x21 && byte < 0x7F) return fail(begin, std::string("unexpected character '") + c + "'");
        return fail(begin, "unexpected character (byte " + std::to_string(byte) + ")");
      }
    }
    push(kind, begin, i_);
    return true;
  }

  std::string_view text_;
  std::vector<token>& out_;
  selector_error& error_;
  std::size_t i_ = 0;
};

}  // namespace

bool tokenize(std::string_view text, std::vector<token>& out, selector_error& error) {
  return lexer(text, out, error).run();
}

std::string describe(const token& t) {
  if (t.kind == token_kind::end) return "end of selector";
  constexpr std::size_t shown = 24;
  if (t.raw.size() > shown) return "'" + std::string(t.raw.substr(0, shown)) + "...'";
  return "'" + std::string(t.raw) + "'";
}

}  // namespace amphora::messaging::detail
