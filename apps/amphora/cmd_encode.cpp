// amphora encode: JSON (the lossless mapping, or plain JSON) in, AMF bytes out.
#include <optional>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "formats.hpp"
#include "io.hpp"

namespace amphora::cli {
namespace {

constexpr option_spec own_options[] = {
    {"--output", "-o", "FILE", "Write the AMF bytes to FILE ('-': stdout, even a terminal)."},
};

int run(const command& c, const parsed_args& args) {
  codec_settings settings;
  if (const int rc = read_settings(c, args, settings); rc != exit_ok) return rc;
  const std::optional<std::string_view> output = args.value("--output");
  if (!output && is_terminal(stdout)) {
    return usage_error(c, "refusing to write binary AMF to a terminal: redirect stdout, or use -o FILE");
  }
  input in;
  if (const int rc = read_input(c, args, max_json_input(settings), in); rc != exit_ok) return rc;

  amf::arena memory;
  document doc;
  if (const amf::status st = from_json(settings, in.text(), memory, doc); !st) {
    return report_json_error(c, st.error(), in.text());
  }
  std::vector<std::uint8_t> bytes;
  if (const amf::status st = encode(settings, doc, bytes); !st) return data_error(c, st.error().message());
  if (output && *output != "-") return write_file(c, std::string(*output), bytes);
  return write_output(c, stdout, bytes);
}

const command encode_command{
    .name = "encode",
    .summary = "JSON to AMF bytes (lossless mapping or plain JSON)",
    .synopsis = "[--amf0|--amf3|--packet] [-o FILE] [--max-depth N] [--max-input BYTES] [FILE|-]",
    .description =
        "Reads JSON from FILE, or from stdin when FILE is '-' or absent, and writes its AMF\n"
        "encoding: one AMF3 value unless --amf0 or --packet says otherwise. The JSON is the\n"
        "lossless mapping that 'amphora decode' prints (docs/json-mapping.md) or plain JSON:\n"
        "objects, arrays, strings, numbers (1 is an integer, 1.0 a double), true, false, null.\n"
        "Nothing is written unless the whole input encodes. Binary output is not sent to a\n"
        "terminal: redirect stdout, pipe it, or name a file with -o (-o - forces stdout).\n"
        "On bad JSON it prints the error with its line and column on stderr and exits 1.",
    .options = join_options({format_options, own_options, limit_options}),
    .max_positionals = 1,
    .examples =
        "amphora encode value.json -o value.amf3\n"
        "echo '{\"a\": [1, 2.5, \"x\"]}' | amphora encode | xxd\n"
        "amphora encode --packet request.json | amphora inspect --packet",
    .run = run,
};
const command_registration registered{encode_command};

}  // namespace
}  // namespace amphora::cli
