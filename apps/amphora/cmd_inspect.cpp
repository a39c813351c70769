// amphora inspect: an annotated dump of AMF bytes, one line per item the decoder reads.
#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "command.hpp"
#include "dump.hpp"
#include "formats.hpp"
#include "io.hpp"

namespace amphora::cli {
namespace {

constexpr std::size_t bytes_shown = 8;                         // per line; "…" marks longer items
constexpr std::size_t bytes_column = bytes_shown * 3 - 1 + 2;  // "xx xx … xx …" in display columns

std::size_t digits(std::size_t n, unsigned base) {
  std::size_t d = 1;
  while (n >= base) {
    n /= base;
    ++d;
  }
  return d;
}

// Control characters in the decoder's text (it may quote strings) are shown escaped, one line per item.
void append_printable(std::string& out, std::string_view text) {
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b != 0x7F) {
      out += ch;
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", b);
      out += esc;
    }
  }
}

// Prints each item as it arrives: offset in hex and decimal, the first bytes, the text indented by depth.
class dump_sink final : public amf::trace_sink {
 public:
  explicit dump_sink(std::span<const std::uint8_t> input)
      : input_(input),
        hex_width_(std::max<std::size_t>(4, digits(input.size(), 16))),
        dec_width_(std::max<std::size_t>(3, digits(input.size(), 10))) {
    std::printf("%-*s %*s  %-*s  %s\n", static_cast<int>(hex_width_), "hex", static_cast<int>(dec_width_),
                "dec", static_cast<int>(bytes_column), "bytes", "item");
  }

  void item(std::size_t offset, std::size_t length, std::size_t depth, std::string_view text) override {
    ++items_;
    line_.clear();
    offset = offset < input_.size() ? offset : input_.size();
    length = length < input_.size() - offset ? length : input_.size() - offset;
    const std::string hex = hex_bytes(input_.subspan(offset, length), bytes_shown);
    const std::size_t hex_columns = hex.size() - (length > bytes_shown ? 2 : 0);  // "…" is 3 bytes, 1 column
    line_ += hex;
    line_.append(bytes_column - hex_columns + 2 + 2 * depth, ' ');
    append_printable(line_, text);
    std::printf("%0*zx %*zu  %s\n", static_cast<int>(hex_width_), offset, static_cast<int>(dec_width_),
                offset, line_.c_str());
  }

  void end() const {
    std::printf("%0*zx %*zu  %-*s  end of input: %zu bytes, %zu items\n", static_cast<int>(hex_width_),
                input_.size(), static_cast<int>(dec_width_), input_.size(), static_cast<int>(bytes_column),
                "", input_.size(), items_);
  }

 private:
  std::span<const std::uint8_t> input_;
  std::size_t hex_width_;
  std::size_t dec_width_;
  std::size_t items_ = 0;
  std::string line_;
};

int run(const command& c, const parsed_args& args) {
  codec_settings settings;
  if (const int rc = read_settings(c, args, settings); rc != exit_ok) return rc;
  input in;
  if (const int rc = read_input(c, args, max_amf_input(settings), in); rc != exit_ok) return rc;

  dump_sink sink(in.bytes);
  amf::arena memory;
  document doc;
  if (const amf::status st = decode(settings, in.bytes, memory, &sink, doc); !st) {
    return report_amf_error(c, st.error(), in.bytes, 2);
  }
  sink.end();
  return write_output(c, stdout, std::string_view{});
}

const command inspect_command{
    .name = "inspect",
    .summary = "annotated dump of AMF bytes: what each byte means",
    .synopsis = "[--amf0|--amf3|--packet] [--max-depth N] [--max-input BYTES] [FILE|-]",
    .description =
        "Reads AMF from FILE, or from stdin when FILE is '-' or absent (AMF3 unless --amf0 or\n"
        "--packet says otherwise), and prints one line per item the decoder reads: its offset\n"
        "in hex and decimal, its first bytes (\"…\" when longer), and what it means (markers,\n"
        "lengths, values, reference indexes and what they resolve to), indented by depth.\n"
        "On bad data it prints the items read so far, then on stderr the error and a hex dump\n"
        "around the failing byte with a caret under it, and exits 1.",
    .options = join_options({format_options, limit_options}),
    .max_positionals = 1,
    .examples =
        "amphora inspect capture.amf3\n"
        "amphora inspect --packet request.amf | less\n"
        "amphora encode --amf0 value.json | amphora inspect --amf0",
    .run = run,
};
const command_registration registered{inspect_command};

}  // namespace
}  // namespace amphora::cli
