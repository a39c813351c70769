// Runs the amphora binary (or a shell pipeline of it) as a child process, the way a user would:
// stdin from given bytes, stdout and stderr captured, exit code returned.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amphora::cli::test {

struct run_result {
  int exit_code = -1;  // the child's exit status, or 128 + signal number
  std::string out;
  std::string err;
};

struct run_options {
  std::string stdin_data;
  bool stdout_is_terminal = false;  // stdout is a pseudo-terminal (whose output is not captured)
};

// Runs `argv` (argv[0] is a path) and waits for it.
run_result run_process(const std::vector<std::string>& argv, const run_options& options = {});
// Runs the amphora binary under test with these arguments.
run_result amphora(const std::vector<std::string>& args, std::string_view stdin_data = {});
// Runs a /bin/sh command line in which "$AMPHORA" is the binary under test.
run_result shell(const std::string& command_line, std::string_view stdin_data = {});

// The binary under test.
std::string amphora_path();
// A file in this process's scratch directory (removed at exit) holding `content`; returns its path.
std::string scratch_file(std::string_view name, std::string_view content);
std::string read_file(const std::string& path);

// "0a 0b 01" -> bytes (spaces ignored).
std::string from_hex(std::string_view hex);
// bytes -> "0a 0b 01"
std::string to_hex(std::string_view bytes);

}  // namespace amphora::cli::test
