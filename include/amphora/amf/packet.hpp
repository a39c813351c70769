// The AMF packet envelope (the body of an HTTP POST to an AMF gateway): a version, headers and
// bodies. Always AMF0 framing; a header or body value may switch to AMF3 with 0x11 (the value
// then carries value::flag_avmplus). Each header and body value has its own reference tables.
// Length fields are ignored on read (clients write 1, -1 or wrong values) and written exactly.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf {

struct packet_header {
  std::string_view name;
  bool must_understand = false;
  value val;
};

struct packet_body {
  std::string_view target;    // "Service.method", "null" (Flex), "/1/onResult"
  std::string_view response;  // "/1", or "" in responses
  value val;
};

struct packet {
  std::uint16_t version = 3;  // 0 (AMF0 clients), 3 (AMF3-capable clients); 1 = FlashCom
  list<packet_header> headers;
  list<packet_body> bodies;
};

result<packet> decode_packet(std::span<const std::uint8_t> input, arena& memory,
                             const decode_options& options = {});
status encode_packet(const packet& p, std::vector<std::uint8_t>& out, const encode_options& options = {});

}  // namespace amphora::amf
