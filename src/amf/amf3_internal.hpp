// Internal: the AMF3 reader and writer that AMF0's AVM+ switch (0x11) and the packet codec
// drive on a shared context. One instance's tables live until reset().
#pragma once

#include <memory>

#include "amphora/amf/value.hpp"
#include "input.hpp"
#include "output.hpp"

namespace amphora::amf::detail {

class amf3_reader {
 public:
  explicit amf3_reader(decode_context& ctx);
  ~amf3_reader();
  void reset() noexcept;              // empty the string, object and traits tables
  bool read_value(value& out);        // at ctx.cur; false after ctx.fail()

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

class amf3_writer {
 public:
  explicit amf3_writer(encode_context& ctx);
  ~amf3_writer();
  void reset() noexcept;
  bool write_value(const value& v);   // appends to *ctx.out; false after ctx.fail()

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace amphora::amf::detail
