// Limits that bound what decoding may cost. Every decoder takes them; defaults are safe for a
// server facing hostile clients. Every declared length or count is also checked against the bytes
// left in the input before anything is allocated, whatever these limits say.
#pragma once

#include <cstddef>

namespace amphora::amf {

struct limits {
  std::size_t max_input_bytes = 64u << 20;    // whole input (packet or value)
  std::size_t max_depth = 512;                // nesting of containers (BlazeDS uses 512)
  std::size_t max_string_bytes = 16u << 20;   // one string, XML text or ByteArray
  std::size_t max_elements = 8u << 20;        // entries of one array, object, vector, dictionary
  std::size_t max_string_refs = 8u << 20;     // AMF3 string table entries
  std::size_t max_object_refs = 8u << 20;     // AMF0/AMF3 object table entries
  std::size_t max_trait_refs = 1u << 20;      // AMF3 traits table entries
  std::size_t max_memory_bytes = 512u << 20;  // arena bytes one decode may use; separately, bytes a
                                              // typed decode copies into C++ storage (strings,
                                              // byte vectors, map keys, vector/map elements)
  std::size_t max_headers = 1024;             // packet headers
  std::size_t max_bodies = 1024;              // packet bodies
  bool validate_utf8 = true;                  // reject strings that are not UTF-8
};

}  // namespace amphora::amf
