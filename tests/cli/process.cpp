#include "process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace amphora::cli::test {
namespace {

// A private directory for stdin/stdout/stderr files and test inputs, removed when the tests end.
class scratch_dir {
 public:
  scratch_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/amphora-cli-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string fresh(std::string_view name) {
    return path_ + "/" + std::to_string(++counter_) + "-" + std::string(name);
  }

 private:
  std::string path_;
  int counter_ = 0;
};

scratch_dir& scratch() {
  static scratch_dir dir;
  return dir;
}

void write_file(const std::string& path, std::string_view content) {
  std::ofstream f(path, std::ios::binary);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

int open_or_throw(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
  return fd;
}

// The slave side of a new pseudo-terminal; `master` keeps it alive.
int open_terminal(int& master) {
  master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    throw std::system_error(errno, std::generic_category(), "posix_openpt");
  }
  return open_or_throw(::ptsname(master), O_RDWR | O_NOCTTY);
}

}  // namespace

run_result run_process(const std::vector<std::string>& argv, const run_options& options) {
  const std::string in_path = scratch_file("stdin", options.stdin_data);
  const std::string out_path = scratch().fresh("stdout");
  const std::string err_path = scratch().fresh("stderr");
  const int in_fd = open_or_throw(in_path, O_RDONLY);
  int master = -1;
  const int out_fd = options.stdout_is_terminal ? open_terminal(master)
                                                : open_or_throw(out_path, O_WRONLY | O_CREAT | O_TRUNC);
  const int err_fd = open_or_throw(err_path, O_WRONLY | O_CREAT | O_TRUNC);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (spawn_error != 0)
    throw std::system_error(spawn_error, std::generic_category(), "posix_spawn " + argv[0]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  if (master >= 0) ::close(master);
  run_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (!options.stdout_is_terminal) r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

background_process::background_process(const std::vector<std::string>& args)
    : out_path_(scratch().fresh("stdout")), err_path_(scratch().fresh("stderr")) {
  const int in_fd = open_or_throw("/dev/null", O_RDONLY);
  const int out_fd = open_or_throw(out_path_, O_WRONLY | O_CREAT | O_TRUNC);
  const int err_fd = open_or_throw(err_path_, O_WRONLY | O_CREAT | O_TRUNC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<std::string> argv{amphora_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_args;
  for (std::string& a : argv) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, c_args[0], &actions, nullptr, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (spawn_error != 0) throw std::system_error(spawn_error, std::generic_category(), "posix_spawn");
  pid_ = pid;
}

background_process::~background_process() { stop(); }

std::string background_process::out() const { return read_file(out_path_); }
std::string background_process::err() const { return read_file(err_path_); }

int background_process::stop() {
  if (pid_ < 0) return exit_code_;
  ::kill(pid_, SIGINT);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pid_t done = 0;
  for (;;) {
    done = ::waitpid(pid_, &status, WNOHANG);
    if (done < 0 && errno == EINTR) continue;
    if (done != 0 || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == 0) {
    ::kill(pid_, SIGKILL);
    while ((done = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
  if (done < 0) return exit_code_;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

double json_number(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stod(json.substr(at + key.size() + 3));
}

unsigned listening_port(const background_process& server) {
  constexpr std::string_view prefix = "listening on http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    const std::string out = server.out();
    const std::size_t at = out.find(prefix);
    const std::size_t end = at == std::string::npos ? at : out.find('\n', at);
    if (end != std::string::npos) {
      unsigned port = 0;
      for (std::size_t i = at + prefix.size(); i < end && out[i] >= '0' && out[i] <= '9'; ++i) {
        port = port * 10 + static_cast<unsigned>(out[i] - '0');
      }
      return port;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return 0;
}

std::string amphora_path() { return AMPHORA_CLI; }

run_result amphora(const std::vector<std::string>& args, std::string_view stdin_data) {
  std::vector<std::string> argv{amphora_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {.stdin_data = std::string(stdin_data)});
}

run_result shell(const std::string& command_line, std::string_view stdin_data) {
  const std::string script = "AMPHORA='" + amphora_path() + "'\n" + command_line;
  return run_process({"/bin/sh", "-c", script}, {.stdin_data = std::string(stdin_data)});
}

std::string scratch_file(std::string_view name, std::string_view content) {
  std::string path = scratch().fresh(name);
  write_file(path, content);
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string from_hex(std::string_view hex) {
  std::string bytes;
  int high = -1;
  for (const char c : hex) {
    if (c == ' ') continue;
    const int digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (high < 0) {
      high = digit;
    } else {
      bytes += static_cast<char>(high * 16 + digit);
      high = -1;
    }
  }
  return bytes;
}

std::string to_hex(std::string_view bytes) {
  constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (!hex.empty()) hex += ' ';
    hex += digits[b >> 4];
    hex += digits[b & 0xF];
  }
  return hex;
}

}  // namespace amphora::cli::test
