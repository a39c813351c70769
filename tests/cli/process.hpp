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

// The amphora binary started in the background (a server), stdout and stderr to scratch files.
// The destructor stops it: SIGINT, then SIGKILL if it has not exited within 10 s.
class background_process {
 public:
  explicit background_process(const std::vector<std::string>& args);
  ~background_process();
  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  std::string out() const;  // what it printed so far
  std::string err() const;
  int pid() const { return pid_; }  // -1 once stopped
  // Stops it (as the destructor does) and returns its exit code (128 + signal number if killed).
  int stop();

 private:
  int pid_ = -1;
  int exit_code_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// Waits (at most 10 s) for a started `amphora serve` to print "listening on http://127.0.0.1:PORT";
// returns PORT, or 0 if the line did not come.
unsigned listening_port(const background_process& server);

// The number after "\"key\":" in a --json line (loadgen, msgload), or -1.
double json_number(const std::string& json, const std::string& key);

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
