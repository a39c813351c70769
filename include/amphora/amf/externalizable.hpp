// Externalizable classes (flash.utils.IExternalizable) write their own bytes, so only code that
// knows a class can read it. The application decides which aliases it understands by putting
// them in a registry; an alias that is not there is an error (errc::unknown_externalizable),
// never a guess. flex() holds flex.messaging.io.ArrayCollection, ArrayList and ObjectProxy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "amphora/amf/value.hpp"

namespace amphora::amf {

// Handed to a reader: reads the externalizable's bytes, like flash.utils.IDataInput. Every
// call returns false once the input is bad (the decoder has recorded where and why).
class external_reader {
 public:
  virtual ~external_reader() = default;
  virtual bool read_value(value& out) = 0;  // one AMF3 value, sharing the stream's tables
  virtual bool read_u8(std::uint8_t& out) = 0;
  virtual bool read_u16(std::uint16_t& out) = 0;  // big-endian
  virtual bool read_u32(std::uint32_t& out) = 0;
  virtual bool read_double(double& out) = 0;
  virtual bool read_bytes(std::size_t n, std::span<const std::uint8_t>& out) = 0;  // view
  virtual bool read_utf(std::string_view& out) = 0;  // u16 length + UTF-8 (readUTF)
  virtual arena& memory() = 0;
  // Reject the data: decoding fails with errc::externalizable_failed and this detail (static).
  virtual bool fail(const char* detail) = 0;
};

// Handed to a writer, like flash.utils.IDataOutput.
class external_writer {
 public:
  virtual ~external_writer() = default;
  virtual bool write_value(const value& v) = 0;  // one AMF3 value, sharing the stream's tables
  virtual void write_u8(std::uint8_t v) = 0;
  virtual void write_u16(std::uint16_t v) = 0;
  virtual void write_u32(std::uint32_t v) = 0;
  virtual void write_double(double v) = 0;
  virtual void write_bytes(std::span<const std::uint8_t> bytes) = 0;
  virtual bool write_utf(std::string_view s) = 0;  // false if longer than 65535 bytes
  virtual bool fail(const char* detail) = 0;
};

struct externalizable_codec {
  // Reads the class's bytes into `body` (object_node::external).
  std::function<bool(external_reader&, value& body)> read;
  // Writes `body` back in the class's format.
  std::function<bool(external_writer&, const value& body)> write;
};

class externalizable_registry {
 public:
  void add(std::string alias, externalizable_codec codec);
  const externalizable_codec* find(std::string_view alias) const noexcept;
  bool empty() const noexcept { return codecs_.empty(); }

  // A codec whose body is exactly one AMF3 value (ArrayCollection, ArrayList, ObjectProxy).
  static externalizable_codec single_value();
  // ArrayCollection, ArrayList, ObjectProxy (flex.messaging.io.*).
  static const externalizable_registry& flex();

 private:
  std::map<std::string, externalizable_codec, std::less<>> codecs_;
};

}  // namespace amphora::amf
