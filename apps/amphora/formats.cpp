#include "formats.hpp"

#include <cstdio>

#include "dump.hpp"

namespace amphora::cli {
namespace {

// "--max-depth 0", "--max-input 12Q": usage errors. Returns exit_ok when the option is absent.
int read_positive(const command& c, const parsed_args& args, std::string_view name,
                  std::optional<std::size_t>& out) {
  const std::optional<std::string_view> text = args.value(name);
  if (!text) return exit_ok;
  const std::optional<std::size_t> n = parse_size(*text);
  if (!n || *n == 0) {
    return usage_error(c, std::string(name) + " needs a positive number, not '" + std::string(*text) + "'");
  }
  out = n;
  return exit_ok;
}

}  // namespace

int read_settings(const command& c, const parsed_args& args, codec_settings& settings) {
  int formats_given = 0;
  for (const auto& [name, format] :
       {std::pair{"--amf0", wire_format::amf0}, std::pair{"--amf3", wire_format::amf3},
        std::pair{"--packet", wire_format::packet}}) {
    if (args.has(name)) {
      settings.format = format;
      ++formats_given;
    }
  }
  if (formats_given > 1) return usage_error(c, "choose one of --amf0, --amf3 and --packet");
  if (const int rc = read_positive(c, args, "--max-depth", settings.max_depth); rc != exit_ok) return rc;
  return read_positive(c, args, "--max-input", settings.max_input);
}

std::size_t max_amf_input(const codec_settings& settings) noexcept {
  return settings.max_input.value_or(amf::limits{}.max_input_bytes);
}

amf::status decode(const codec_settings& settings, std::span<const std::uint8_t> bytes, amf::arena& memory,
                   amf::trace_sink* trace, document& doc) {
  amf::decode_options options;
  options.limits.max_input_bytes = max_amf_input(settings);
  if (settings.max_depth) options.limits.max_depth = *settings.max_depth;
  options.trace = trace;
  options.copy_input = false;  // the command keeps the input alive
  switch (settings.format) {
    case wire_format::amf0: {
      amf::result<amf::value> r = amf::decode_amf0(bytes, memory, options);
      if (!r) return r.error();
      doc.val = *r;
      return {};
    }
    case wire_format::amf3: {
      amf::result<amf::value> r = amf::decode_amf3(bytes, memory, options);
      if (!r) return r.error();
      doc.val = *r;
      return {};
    }
    case wire_format::packet: {
      amf::result<amf::packet> r = amf::decode_packet(bytes, memory, options);
      if (!r) return r.error();
      doc.pkt = *r;
      return {};
    }
  }
  return {};
}

amf::status to_json(const codec_settings& settings, const document& doc, bool pretty, std::string& out) {
  amf::json_write_options options;
  options.pretty = pretty;
  if (settings.max_depth) options.max_depth = *settings.max_depth;
  return settings.format == wire_format::packet ? amf::to_json(doc.pkt, out, options)
                                                : amf::to_json(doc.val, out, options);
}

std::size_t max_json_input(const codec_settings& settings) noexcept {
  return settings.max_input.value_or(amf::json_read_options{}.max_input_bytes);
}

amf::status from_json(const codec_settings& settings, std::string_view json, amf::arena& memory,
                      document& doc) {
  amf::json_read_options options;
  options.max_input_bytes = max_json_input(settings);
  if (settings.max_depth) options.max_depth = *settings.max_depth;
  if (settings.format == wire_format::packet) {
    amf::result<amf::packet> r = amf::packet_from_json(json, memory, options);
    if (!r) return r.error();
    doc.pkt = *r;
    return {};
  }
  amf::result<amf::value> r = amf::value_from_json(json, memory, options);
  if (!r) return r.error();
  doc.val = *r;
  return {};
}

amf::status encode(const codec_settings& settings, const document& doc, std::vector<std::uint8_t>& out) {
  amf::encode_options options;
  if (settings.max_depth) options.max_depth = *settings.max_depth;
  switch (settings.format) {
    case wire_format::amf0:
      return amf::encode_amf0(doc.val, out, options);
    case wire_format::amf3:
      return amf::encode_amf3(doc.val, out, options);
    case wire_format::packet:
      return amf::encode_packet(doc.pkt, out, options);
  }
  return {};
}

int report_amf_error(const command& c, const amf::error_info& error, std::span<const std::uint8_t> bytes,
                     std::size_t rows) {
  std::fflush(stdout);  // what was printed so far comes first on a shared terminal
  const int rc = data_error(c, error.message());
  std::fputs(hex_context(bytes, error.offset, rows, rows).c_str(), stderr);
  return rc;
}

int report_json_error(const command& c, const amf::error_info& error, std::string_view json) {
  const int rc = data_error(c, error.message());
  std::fputs(text_context(json, error.offset).c_str(), stderr);
  return rc;
}

}  // namespace amphora::cli
