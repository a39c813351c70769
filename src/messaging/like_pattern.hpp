// A compiled LIKE pattern: '%' matches any sequence of characters, '_' exactly one character (a
// UTF-8 code point), anything else itself; an ESCAPE character makes the next '%', '_' or escape
// character literal. Matching is iterative (one backtracking point, the last '%'), so it takes at
// most O(length of text x length of pattern) steps and no stack, whatever the pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amphora::messaging::detail {

// Bytes in the UTF-8 sequence that starts at text[at] (1 for a stray byte), never past the end.
std::size_t utf8_length_at(std::string_view text, std::size_t at) noexcept;

class like_pattern {
 public:
  // `escape` is empty (no ESCAPE clause) or one code point. On error, nullopt with *reason set
  // and *at the byte offset of the fault within `pattern`.
  static std::optional<like_pattern> compile(std::string_view pattern, std::string_view escape,
                                             std::string* reason, std::size_t* at);

  bool matches(std::string_view text) const noexcept;

 private:
  enum class piece_kind : std::uint8_t { literal, any_one, any_many };
  struct piece {
    piece_kind kind;
    std::uint32_t begin = 0;  // literal: its bytes in literals_
    std::uint32_t length = 0;
  };

  std::string literals_;
  std::vector<piece> pieces_;
};

}  // namespace amphora::messaging::detail
