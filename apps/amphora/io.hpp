// Input and output of the commands: a file or stdin in, stdout or a file out. Failures are reported
// on stderr in the command's name and turned into its exit code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"

namespace amphora::cli {

// The command's input: the first positional argument, or stdin when there is none or it is "-".
struct input {
  std::string name;  // the path, or "<stdin>"
  std::vector<std::uint8_t> bytes;

  std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
};

// Reads the whole input, at most `max_bytes` of it. Returns exit_ok, or the exit code of the error
// it reported: a file that cannot be opened or read is a usage error, a longer input bad data.
int read_input(const command& c, const parsed_args& args, std::size_t max_bytes, input& in);

// Writes everything and flushes. Returns exit_ok, or exit_bad_data after reporting the failure.
int write_output(const command& c, std::FILE* out, std::string_view bytes);
int write_output(const command& c, std::FILE* out, std::span<const std::uint8_t> bytes);
// Creates or truncates `path` and writes everything to it.
int write_file(const command& c, const std::string& path, std::span<const std::uint8_t> bytes);

bool is_terminal(std::FILE* f) noexcept;

}  // namespace amphora::cli
