// The Flex messages amphora msgload writes (CLIENT_PING, SUBSCRIBE, POLL, AsyncMessage: built as
// amphora's lossless JSON and encoded) and the few setup answers it decodes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "amphora/amf/value.hpp"
#include "amphora/flex/messages.hpp"

namespace amphora::cli::msgload {

// A Flex message decoded from AMF bytes, or nothing: the first body of an AMF packet (an HTTP
// answer, `packet`) or one AMF3 value (a WebSocket or streaming frame). Answers to a client that
// announced DSMessagingVersion 1 come in small form (DSK).
std::optional<flex::message> read_flex(std::string_view bytes, bool packet, amf::arena& memory);

// A Flex message as lossless JSON (amphora's typed-object form); `fields` are its members.
std::string message_json(std::string_view cls, std::string_view fields);

// A CommandMessage's members: `operation`, with the DSId header and DSMessagingVersion 1.
std::string command_fields(int operation, std::string_view destination, std::string_view ds_id,
                           std::string_view message_id);

// An HTTP POST of an AMF packet whose one body is `message` (message_json); empty if it cannot be
// encoded.
std::string amf_post(std::string_view path, const std::string& message);

}  // namespace amphora::cli::msgload
