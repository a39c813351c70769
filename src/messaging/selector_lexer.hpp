// Splits a selector text into tokens: header names, keywords (any case), string and number
// literals in Java syntax, operators and punctuation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/messaging/selector.hpp"

namespace amphora::messaging::detail {

enum class token_kind : std::uint8_t {
  end,
  identifier,
  string,
  exact,        // integer literal
  approximate,  // floating-point literal
  left_paren,
  right_paren,
  comma,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  plus,
  minus,
  star,
  slash,
  kw_and,
  kw_or,
  kw_not,
  kw_between,
  kw_like,
  kw_in,
  kw_is,
  kw_null,
  kw_true,
  kw_false,
  kw_escape,
};

struct token {
  token_kind kind = token_kind::end;
  std::size_t offset = 0;
  std::string_view raw;  // as written
  std::string text;      // string literal: its value ('' undone)
  std::uint64_t bits = 0;
  // Exact literal written in decimal: `bits` is its magnitude (up to 2^63, which only a leading
  // '-' makes valid). Hex and octal literals are 64-bit two's complement, as in Java.
  bool decimal = true;
  double real = 0;  // approximate literal
};

// Appends the tokens of `text` to `out`, ending with an `end` token. False with `error` set on a
// character or literal that cannot start or form a token.
bool tokenize(std::string_view text, std::vector<token>& out, selector_error& error);

// "'('", "end of selector", "'foo'" (shortened): for error messages.
std::string describe(const token& t);

}  // namespace amphora::messaging::detail
