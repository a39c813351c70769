// What the commands share about the codec: which wire format (--amf0, --amf3, --packet), which
// limits (--max-depth, --max-input), and the calls into the codec library for that format. The CLI
// has no protocol logic of its own: everything here forwards to amphora::amf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf.hpp"
#include "command.hpp"

namespace amphora::cli {

enum class wire_format { amf0, amf3, packet };

inline constexpr option_spec format_options[] = {
    {"--amf0", "", "", "AMF0: one value."},
    {"--amf3", "", "", "AMF3: one value (the default)."},
    {"--packet", "", "", "An AMF packet: the HTTP remoting envelope of headers and bodies."},
};

inline constexpr option_spec limit_options[] = {
    {"--max-depth", "", "N", "Refuse input nested deeper than N levels (default 512)."},
    {"--max-input", "", "BYTES",
     "Refuse input larger than BYTES; K, M, G suffixes allowed (default 64M AMF, 256M JSON)."},
};

struct codec_settings {
  wire_format format = wire_format::amf3;
  std::optional<std::size_t> max_depth;  // unset: the library's default
  std::optional<std::size_t> max_input;
};

// Reads the format and limit options. Returns exit_ok, or exit_usage after reporting a bad value or
// more than one format.
int read_settings(const command& c, const parsed_args& args, codec_settings& settings);

// A decoded input: `val` for --amf0/--amf3, `pkt` for --packet.
struct document {
  amf::value val;
  amf::packet pkt;
};

// AMF bytes -> document, optionally narrated item by item to `trace`. `bytes` must outlive `doc`.
std::size_t max_amf_input(const codec_settings& settings) noexcept;
amf::status decode(const codec_settings& settings, std::span<const std::uint8_t> bytes, amf::arena& memory,
                   amf::trace_sink* trace, document& doc);
amf::status to_json(const codec_settings& settings, const document& doc, bool pretty, std::string& out);

// JSON text (the lossless mapping, or plain JSON) -> document -> AMF bytes.
std::size_t max_json_input(const codec_settings& settings) noexcept;
amf::status from_json(const codec_settings& settings, std::string_view json, amf::arena& memory,
                      document& doc);
amf::status encode(const codec_settings& settings, const document& doc, std::vector<std::uint8_t>& out);

// Report a failure on stderr as "amphora <command>: <error message>" followed by where it happened:
// a hex dump around the failing byte of AMF input (`rows` rows before and after it), or the line
// and column of JSON input. They return exit_bad_data.
int report_amf_error(const command& c, const amf::error_info& error, std::span<const std::uint8_t> bytes,
                     std::size_t rows);
int report_json_error(const command& c, const amf::error_info& error, std::string_view json);

}  // namespace amphora::cli
