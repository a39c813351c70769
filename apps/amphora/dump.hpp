// Text renderings of bytes for people: short hex runs, and the context of an error (a hex dump of
// AMF bytes, or the line of JSON text) with a caret under the offending byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace amphora::cli {

// "0a 0b 01": the first `max` bytes in hex, followed by " …" when there are more.
std::string hex_bytes(std::span<const std::uint8_t> bytes, std::size_t max);

// Rows of a hex dump (offset, 16 bytes, ASCII), from `rows_before` rows before the one holding
// `offset` to `rows_after` rows after it, each line indented by two spaces and ended by '\n'; under
// the row holding `offset` a line with "^^" under that byte. An offset at the end of the input puts
// the caret just past the last byte, labelled "end of input".
std::string hex_context(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t rows_before,
                        std::size_t rows_after);

// "  line L, column C:" then the line of `text` holding byte `offset` (cut to a window around it when
// long) and a line with "^" under that character; each line ends with '\n'.
std::string text_context(std::string_view text, std::size_t offset);

}  // namespace amphora::cli
