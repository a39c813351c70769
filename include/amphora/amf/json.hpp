// Lossless JSON mapping of AMF values and packets (docs/json-mapping.md). Every AMF kind has a
// JSON form, so AMF -> JSON -> AMF gives the same graph; plain JSON (objects, arrays, numbers,
// strings, booleans, null) needs no annotations.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "amphora/amf/error.hpp"
#include "amphora/amf/limits.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf {

struct json_write_options {
  bool pretty = false;          // two-space indentation, one member per line
  std::size_t max_depth = 512;  // containers nested deeper (not via $ref) are errc::depth_exceeded
};

struct json_read_options {
  std::size_t max_input_bytes = 256u << 20;
  // Containers nested in the resulting graph (as limits::max_depth); the reader refuses JSON
  // nested deeper than 4 * max_depth + 8 brackets before mapping anything.
  std::size_t max_depth = 512;
  std::size_t max_memory_bytes = 1024u << 20;  // arena bytes one read may use
};

// Appends JSON text. Fails with errc::unencodable on a string that is not UTF-8 (or an object
// whose sealed values do not match its traits), errc::invalid_date on a date the encoders refuse
// too, errc::depth_exceeded beyond options.max_depth; `out` is then left as it was.
status to_json(const value& v, std::string& out, const json_write_options& options = {});
status to_json(const packet& p, std::string& out, const json_write_options& options = {});

// Error offsets count bytes of the JSON text.
result<value> value_from_json(std::string_view json, arena& memory, const json_read_options& options = {});
result<packet> packet_from_json(std::string_view json, arena& memory, const json_read_options& options = {});

}  // namespace amphora::amf
