// Envelope-level decisions that come before (or instead of) decoding a packet.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "amphora/amf/packet.hpp"

namespace amphora::server::detail {

// At least 6 bytes (version and two counts), starting with a version AMF defines (0, 1 or 3).
bool looks_like_packet(std::span<const std::uint8_t> body) noexcept;

struct first_body {
  std::uint16_t version = 0;
  std::string_view target;  // views into the input
  std::string_view response;
};

// The version and the first body's target and response URIs of a packet with no headers; nothing
// if the bytes do not reach that far or the packet has headers (reading past them means decoding
// values). Used to answer a packet that does not decode.
std::optional<first_body> peek_first_body(std::span<const std::uint8_t> body) noexcept;

// The request's version, except that Flex messages are always answered in a version 3 envelope
// (Royale reads the envelope version as the object encoding and cannot read version 0).
std::uint16_t response_version(const amf::packet& request) noexcept;

}  // namespace amphora::server::detail
