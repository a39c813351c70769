// Internal: a small read-only JSON document model, the output of the JSON reader and the input of
// the JSON -> value mapping (docs/json-mapping.md).
//
// Nodes and the child arrays of containers live in a scratch arena that dies after the mapping.
// Strings view the JSON text itself when they contain no escape, otherwise an unescaped copy in
// the scratch arena: the mapping copies what it keeps into the caller's arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/json.hpp"

namespace amphora::amf::detail {

enum class json_type : std::uint8_t { null, boolean, integer, number, string, array, object };

struct json_member;

struct json_node {
  json_type type = json_type::null;
  bool boolean = false;
  std::uint32_t size = 0;  // string: bytes; array: items; object: members
  std::size_t offset = 0;  // byte offset of the value's first character in the JSON text
  union {
    std::int64_t integer = 0;    // a literal without '.' or exponent that fits int64
    double number;               // any other number literal
    const char* chars;           // string (UTF-8, may contain NUL)
    const json_node* items;      // array
    const json_member* members;  // object, in text order (duplicate keys kept)
  };

  std::string_view string() const noexcept { return {chars, size}; }
};

struct json_member {
  std::string_view key;
  std::size_t key_offset = 0;  // byte offset of the key's opening quote
  json_node value;
};

// How many brackets the reader lets nest for a graph of `max_depth` nested containers: the JSON
// form of one container level takes at most 4 ({"$amf3":{"$dictionary":[[k, v]]}}), plus a
// packet's envelope and a leaf annotation.
constexpr std::size_t max_json_nesting(std::size_t max_depth) noexcept {
  return max_depth > (SIZE_MAX - 8) / 4 ? SIZE_MAX : 4 * max_depth + 8;
}

// Parses one JSON text (RFC 8259; surrounding whitespace allowed, nothing else after the value).
// Errors: invalid_json (syntax), invalid_utf8 (bad UTF-8 or a lone surrogate escape),
// depth_exceeded (brackets nested beyond max_json_nesting(options.max_depth)), limit_exceeded
// (input size, or scratch memory beyond options.max_memory_bytes). Never recurses.
result<const json_node*> parse_json(std::string_view text, arena& scratch, const json_read_options& options);

}  // namespace amphora::amf::detail
