// A tiny command-line parser: long options (--name, --name=value, --name value), one-letter
// aliases (-o value), "-" as a positional (stdin), "--" ending the options. Every option a command
// accepts is declared as an option_spec, which also feeds the --help text.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amphora::cli {

struct option_spec {
  std::string_view name;        // "--max-depth"
  std::string_view alias;       // "-o", or empty
  std::string_view value_name;  // "N", "FILE"; empty for a flag that takes no value
  std::string_view help;        // one line
};

// Every command accepts it; parse_args knows it without being told.
inline constexpr option_spec help_option{"--help", "-h", "", "Show this help and exit."};

class parsed_args {
 public:
  bool has(std::string_view name) const noexcept;
  // The value of the last occurrence of the option, or nullopt if it was not given.
  std::optional<std::string_view> value(std::string_view name) const noexcept;
  const std::vector<std::string_view>& positionals() const noexcept { return positionals_; }

  void add_option(std::string_view name, std::string_view value) { given_.push_back({name, value}); }
  void add_positional(std::string_view arg) { positionals_.push_back(arg); }

 private:
  struct given {
    std::string_view name;
    std::string_view value;
  };
  std::vector<given> given_;
  std::vector<std::string_view> positionals_;
};

struct parse_result {
  parsed_args args;
  std::string error;  // empty on success: otherwise a usage error ("unknown option '--x'")
};

// Parses `args` (without the program and command names) against `specs`. The strings must outlive
// the result. "-h" and "--help" are accepted whatever the specs say.
parse_result parse_args(std::span<const std::string_view> args, std::span<const option_spec> specs);

// Option lists are put together from shared groups (formats, limits) and a command's own.
std::vector<option_spec> join_options(std::initializer_list<std::span<const option_spec>> groups);

// An unsigned count with an optional K, M or G suffix (powers of 1024): "64", "16K", "2M".
std::optional<std::size_t> parse_size(std::string_view text) noexcept;

// A number of seconds from 0 to `max` ("2", "0.5").
std::optional<double> parse_seconds(std::string_view text, double max) noexcept;

}  // namespace amphora::cli
