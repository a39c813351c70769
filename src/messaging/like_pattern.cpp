#include "like_pattern.hpp"

namespace amphora::messaging::detail {

std::size_t utf8_length_at(std::string_view text, std::size_t at) noexcept {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 1;
  if (lead >= 0xF0 && lead <= 0xF7) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = lead <= 0xEF ? 3 : 1;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  const std::size_t left = text.size() - at;
  return length < left ? length : left;
}

std::optional<like_pattern> like_pattern::compile(std::string_view pattern, std::string_view escape,
                                                  std::string* reason, std::size_t* at) {
  like_pattern out;
  auto add_literal = [&out](std::string_view bytes) {
    if (out.pieces_.empty() || out.pieces_.back().kind != piece_kind::literal) {
      out.pieces_.push_back({piece_kind::literal, static_cast<std::uint32_t>(out.literals_.size()), 0});
    }
    out.literals_.append(bytes);
    out.pieces_.back().length += static_cast<std::uint32_t>(bytes.size());
  };
  std::size_t i = 0;
  while (i < pattern.size()) {
    const std::size_t n = utf8_length_at(pattern, i);
    const std::string_view c = pattern.substr(i, n);
    if (!escape.empty() && c == escape) {
      if (i + n >= pattern.size()) {
        *reason = "the escape character ends the LIKE pattern";
        *at = i;
        return std::nullopt;
      }
      const std::size_t m = utf8_length_at(pattern, i + n);
      const std::string_view next = pattern.substr(i + n, m);
      if (next != "%" && next != "_" && next != escape) {
        *reason = "the escape character must be followed by '%', '_' or itself";
        *at = i;
        return std::nullopt;
      }
      add_literal(next);
      i += n + m;
      continue;
    }
    if (c == "%") {
      // Consecutive '%' mean one.
      if (out.pieces_.empty() || out.pieces_.back().kind != piece_kind::any_many) {
        out.pieces_.push_back({piece_kind::any_many});
      }
    } else if (c == "_") {
      out.pieces_.push_back({piece_kind::any_one});
    } else {
      add_literal(c);
    }
    i += n;
  }
  return out;
}

bool like_pattern::matches(std::string_view text) const noexcept {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t t = 0;          // position in text
  std::size_t p = 0;          // position in pieces_
  std::size_t star = none;    // the last '%' met
  std::size_t star_text = 0;  // where the text after that '%' starts now
  for (;;) {
    if (p < pieces_.size()) {
      const piece& x = pieces_[p];
      if (x.kind == piece_kind::any_many) {
        star = p++;
        star_text = t;
        if (p == pieces_.size()) return true;  // a final '%' takes the rest
        continue;
      }
      if (x.kind == piece_kind::any_one && t < text.size()) {
        t += utf8_length_at(text, t);
        ++p;
        continue;
      }
      if (x.kind == piece_kind::literal &&
          text.substr(t).starts_with(std::string_view(literals_).substr(x.begin, x.length))) {
        t += x.length;
        ++p;
        continue;
      }
    } else if (t == text.size()) {
      return true;
    }
    // Mismatch: let the last '%' swallow one more character, and retry what follows it.
    if (star == none || star_text >= text.size()) return false;
    star_text += utf8_length_at(text, star_text);
    t = star_text;
    p = star + 1;
  }
}

}  // namespace amphora::messaging::detail
