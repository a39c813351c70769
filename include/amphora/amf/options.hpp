// Options shared by the AMF0, AMF3, packet and JSON entry points.
#pragma once

#include <cstddef>

#include "amphora/amf/externalizable.hpp"
#include "amphora/amf/limits.hpp"
#include "amphora/amf/trace.hpp"

namespace amphora::amf {

struct decode_options {
  amf::limits limits{};
  // Which externalizable aliases can be read. nullptr means none.
  const externalizable_registry* registry = &externalizable_registry::flex();
  // Receives one item per field read (amphora inspect). nullptr: no tracing.
  trace_sink* trace = nullptr;
  // true: copy the input into the arena first, so values never point into the caller's buffer.
  // false: strings, XML and ByteArrays view the caller's input, which must outlive them.
  bool copy_input = true;
  // false: bytes left after the value (or packet) are errc::trailing_bytes.
  bool allow_trailing = false;
};

struct encode_options {
  std::size_t max_depth = 512;  // deeper (non-shared) nesting is errc::depth_exceeded
  const externalizable_registry* registry = &externalizable_registry::flex();
};

}  // namespace amphora::amf
