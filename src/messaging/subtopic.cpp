#include "amphora/messaging/subtopic.hpp"

namespace amphora::messaging {
namespace {

constexpr std::string_view wildcard = "*";

// Splits off the first token of `rest` (advancing it); false when nothing is left. A view with a
// null data pointer marks the end; an empty non-null view is an empty last token ("a." ends in one).
bool next_token(std::string_view& rest, std::string_view separator, std::string_view& token) noexcept {
  if (rest.data() == nullptr) return false;
  const std::size_t at = separator.empty() ? std::string_view::npos : rest.find(separator);
  if (at == std::string_view::npos) {
    token = rest;
    rest = std::string_view{};
  } else {
    token = rest.substr(0, at);
    rest = rest.substr(at + separator.size());  // never null: an empty token may follow
  }
  return true;
}

}  // namespace

bool valid_subtopic(std::string_view subtopic, std::string_view separator, bool allow_wildcard) noexcept {
  if (subtopic.empty()) return false;
  std::string_view rest = subtopic;
  std::string_view token;
  while (next_token(rest, separator, token)) {
    if (token.empty()) return false;
    if (token.find('*') != std::string_view::npos && (token != wildcard || !allow_wildcard)) return false;
  }
  return true;
}

bool has_wildcard(std::string_view subtopic, std::string_view separator) noexcept {
  std::string_view rest = subtopic;
  std::string_view token;
  while (next_token(rest, separator, token)) {
    if (token == wildcard) return true;
  }
  return false;
}

bool subtopic_matches(std::string_view pattern, std::string_view subtopic,
                      std::string_view separator) noexcept {
  std::string_view p = pattern;
  std::string_view s = subtopic;
  std::string_view pt;
  std::string_view st;
  while (next_token(p, separator, pt)) {
    if (!next_token(s, separator, st)) return false;  // the pattern is longer
    if (pt == wildcard) {
      if (p.data() == nullptr) return true;  // a trailing `*` takes this token and any after it
      continue;
    }
    if (pt != st) return false;
  }
  return s.data() == nullptr;  // both ended together
}

}  // namespace amphora::messaging
