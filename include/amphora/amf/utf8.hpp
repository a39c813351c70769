// The UTF-8 check the decoders apply to every string (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), for callers that read AMF strings by other means (e.g. a server peeking at an envelope).
#pragma once

#include <string_view>

namespace amphora::amf {

bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace amphora::amf
