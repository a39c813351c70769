#include "io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace amphora::cli {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::string describe(std::string_view what, std::string_view name, int error) {
  return std::string(what) + " '" + std::string(name) + "': " + std::strerror(error);
}

// Reads `f` to its end, stopping once more than `max_bytes` arrived. false on a read error (errno set).
bool read_all(std::FILE* f, std::size_t max_bytes, std::vector<std::uint8_t>& out) {
  constexpr std::size_t chunk = std::size_t{64} * 1024;
  while (out.size() <= max_bytes) {
    const std::size_t old_size = out.size();
    out.resize(old_size + chunk);
    const std::size_t n = std::fread(out.data() + old_size, 1, chunk, f);
    out.resize(old_size + n);
    if (n < chunk) return std::ferror(f) == 0;
  }
  return true;
}

}  // namespace

int read_input(const command& c, const parsed_args& args, std::size_t max_bytes, input& in) {
  const std::string_view path = args.positionals().empty() ? "-" : args.positionals()[0];
  const bool from_stdin = path == "-";
  in.name = from_stdin ? "<stdin>" : std::string(path);
  file_ptr owned;
  if (!from_stdin) {
    owned.reset(std::fopen(in.name.c_str(), "rb"));
    if (!owned) return usage_error(c, describe("cannot open", in.name, errno));
  }
  std::FILE* f = from_stdin ? stdin : owned.get();
  if (!read_all(f, max_bytes, in.bytes)) return usage_error(c, describe("cannot read", in.name, errno));
  if (in.bytes.size() > max_bytes) {
    return data_error(c, in.name + " is larger than the input limit of " + std::to_string(max_bytes) +
                             " bytes (--max-input)");
  }
  return exit_ok;
}

int write_output(const command& c, std::FILE* out, std::string_view bytes) {
  const std::size_t n = std::fwrite(bytes.data(), 1, bytes.size(), out);
  if (n != bytes.size() || std::fflush(out) != 0) {
    return data_error(c, std::string("cannot write the output: ") + std::strerror(errno));
  }
  return exit_ok;
}

int write_output(const command& c, std::FILE* out, std::span<const std::uint8_t> bytes) {
  return write_output(c, out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

int write_file(const command& c, const std::string& path, std::span<const std::uint8_t> bytes) {
  file_ptr f(std::fopen(path.c_str(), "wb"));
  if (!f) return usage_error(c, describe("cannot create", path, errno));
  const int rc = write_output(c, f.get(), bytes);
  if (rc != exit_ok) return rc;
  if (std::fclose(f.release()) != 0) return data_error(c, describe("cannot write", path, errno));
  return exit_ok;
}

bool is_terminal(std::FILE* f) noexcept { return ::isatty(::fileno(f)) != 0; }

}  // namespace amphora::cli
