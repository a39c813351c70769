// amphora decode: AMF bytes in, the lossless JSON mapping out.
#include <string>

#include "command.hpp"
#include "formats.hpp"
#include "io.hpp"

namespace amphora::cli {
namespace {

constexpr option_spec own_options[] = {
    {"--pretty", "", "", "Indent the JSON by two spaces, one member per line."},
};

int run(const command& c, const parsed_args& args) {
  codec_settings settings;
  if (const int rc = read_settings(c, args, settings); rc != exit_ok) return rc;
  input in;
  if (const int rc = read_input(c, args, max_amf_input(settings), in); rc != exit_ok) return rc;

  amf::arena memory;
  document doc;
  if (const amf::status st = decode(settings, in.bytes, memory, nullptr, doc); !st) {
    return report_amf_error(c, st.error(), in.bytes, 0);
  }
  std::string json;
  if (const amf::status st = to_json(settings, doc, args.has("--pretty"), json); !st) {
    return data_error(c, st.error().message());
  }
  json += '\n';
  return write_output(c, stdout, json);
}

const command decode_command{
    .name = "decode",
    .summary = "AMF bytes to JSON (the lossless mapping of docs/json-mapping.md)",
    .synopsis = "[--amf0|--amf3|--packet] [--pretty] [--max-depth N] [--max-input BYTES] [FILE|-]",
    .description =
        "Reads one AMF value (or, with --packet, an AMF packet) from FILE, or from stdin when\n"
        "FILE is '-' or absent, and prints its lossless JSON form with a final newline.\n"
        "The input is AMF3 unless --amf0 or --packet says otherwise. 'amphora encode' turns\n"
        "the JSON back into the same bytes whenever our encoder wrote them.\n"
        "On bad data it prints the error and the bytes around it on stderr and exits 1.",
    .options = join_options({format_options, own_options, limit_options}),
    .max_positionals = 1,
    .examples =
        "amphora decode message.amf3\n"
        "amphora decode --packet --pretty request.amf\n"
        "amphora encode --amf0 value.json | amphora decode --amf0",
    .run = run,
};
const command_registration registered{decode_command};

}  // namespace
}  // namespace amphora::cli
