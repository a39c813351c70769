// A decoder can narrate what it reads, item by item: the `amphora inspect` command prints this.
// Tracing costs one predictable branch per item when no sink is set.
#pragma once

#include <cstddef>
#include <string_view>

namespace amphora::amf {

class trace_sink {
 public:
  virtual ~trace_sink() = default;
  // Bytes [offset, offset + length) of the input mean `text`; `depth` is the nesting level
  // (0 for a top-level value or packet field). Items arrive in input order; a container's item
  // (its marker and header) comes before its children's.
  virtual void item(std::size_t offset, std::size_t length, std::size_t depth, std::string_view text) = 0;
};

}  // namespace amphora::amf
