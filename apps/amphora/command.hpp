// A command of the `amphora` tool. Each command lives in its own cmd_<name>.cpp, which defines one
// `command` and registers it with a static command_registration; main.cpp finds it by name. Adding a
// command is adding one file: CMake compiles every cmd_*.cpp straight into the executable (never
// through a static library, whose linker would drop the unreferenced registrations).
#pragma once

#include <cstddef>
#include <cstdio>
#include <span>
#include <string_view>
#include <vector>

#include "args.hpp"

namespace amphora::cli {

// The exit codes of every command.
enum exit_code : int {
  exit_ok = 0,
  exit_bad_data = 1,  // the input could not be decoded or encoded, or the output not written
  exit_usage = 2,     // unknown command or option, bad option value, missing file, too many arguments
};

struct command {
  std::string_view name;
  std::string_view summary;      // one line for `amphora --help`
  std::string_view synopsis;     // what follows "amphora <name> " in the usage line
  std::string_view description;  // what it does, defaults, caveats (may span lines)
  std::vector<option_spec> options;
  std::size_t max_positionals = 1;
  std::string_view examples;         // one example per line, without indentation
  std::string_view exit_codes = {};  // the command's own codes after the common ones ("3  no: ..."), or empty
  int (*run)(const command& self, const parsed_args& args) = nullptr;
};

class command_registration {
 public:
  explicit command_registration(const command& c);
};

// Every registered command, sorted by name.
std::span<const command* const> all_commands();
const command* find_command(std::string_view name);

// Parses the arguments after the command name and runs the command (or prints its help).
int run_command(const command& c, std::span<const std::string_view> args);

void print_help(const command& c, std::FILE* out);

// Prints "amphora <name>: <message>" and a hint to --help on stderr; returns exit_usage.
int usage_error(const command& c, std::string_view message);
// Prints "amphora <name>: <message>" on stderr; returns exit_bad_data.
int data_error(const command& c, std::string_view message);

}  // namespace amphora::cli
