// Subtopics (header DSSubtopic): hierarchical names such as "chat.rooms.lobby" whose tokens are
// split by the destination's separator ("." by default), as BlazeDS's Subtopic class defines them.
//
// Valid: non-empty, no empty token (no leading, trailing or doubled separator); a token that
// contains `*` is exactly `*`. A subscription may use `*` tokens; a published message may not.
//
// Matching a subscription pattern against a published subtopic (BlazeDS semantics):
//  - without `*`, the two must be equal;
//  - a `*` token in the middle matches exactly one token: "a.*.c" matches "a.b.c", not "a.b.x.c";
//  - a trailing `*` matches one or more trailing tokens: "a.*" matches "a.b" and "a.b.c", not "a";
//  - "*" alone matches every subtopic (but not a message without one).
#pragma once

#include <string_view>

namespace amphora::messaging {

// True if `subtopic` is a valid subtopic for `separator` (wildcards allowed when `allow_wildcard`).
bool valid_subtopic(std::string_view subtopic, std::string_view separator, bool allow_wildcard) noexcept;

// True if `subtopic` contains a `*` token.
bool has_wildcard(std::string_view subtopic, std::string_view separator) noexcept;

// True if the subscription `pattern` (valid, may hold `*`) covers the published `subtopic` (valid,
// no `*`).
bool subtopic_matches(std::string_view pattern, std::string_view subtopic,
                      std::string_view separator) noexcept;

}  // namespace amphora::messaging
