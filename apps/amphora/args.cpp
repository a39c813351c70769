#include "args.hpp"

#include <charconv>
#include <limits>

namespace amphora::cli {
namespace {

const option_spec* find_spec(std::span<const option_spec> specs, std::string_view arg) noexcept {
  if (arg == help_option.name || arg == help_option.alias) return &help_option;
  for (const option_spec& s : specs) {
    if (arg == s.name || (!s.alias.empty() && arg == s.alias)) return &s;
  }
  return nullptr;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

bool parsed_args::has(std::string_view name) const noexcept { return value(name).has_value(); }

std::optional<std::string_view> parsed_args::value(std::string_view name) const noexcept {
  std::optional<std::string_view> last;
  for (const given& g : given_) {
    if (g.name == name) last = g.value;
  }
  return last;
}

parse_result parse_args(std::span<const std::string_view> args, std::span<const option_spec> specs) {
  parse_result r;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_ended || arg == "-" || arg.empty() || arg[0] != '-') {
      r.args.add_positional(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    // "--name=value" splits at the first '='; one-letter aliases take their value from the next argument.
    const std::size_t eq = arg.starts_with("--") ? arg.find('=') : std::string_view::npos;
    const std::string_view name = arg.substr(0, eq);
    const option_spec* spec = find_spec(specs, name);
    if (spec == nullptr) {
      r.error = "unknown option " + quoted(name);
      return r;
    }
    if (spec->value_name.empty()) {
      if (eq != std::string_view::npos) {
        r.error = "option " + quoted(spec->name) + " takes no value";
        return r;
      }
      r.args.add_option(spec->name, {});
      continue;
    }
    if (eq != std::string_view::npos) {
      r.args.add_option(spec->name, arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      r.args.add_option(spec->name, args[++i]);
    } else {
      r.error = "option " + quoted(spec->name) + " needs a value (" + std::string(spec->value_name) + ")";
      return r;
    }
  }
  return r;
}

std::vector<option_spec> join_options(std::initializer_list<std::span<const option_spec>> groups) {
  std::vector<option_spec> all;
  for (std::span<const option_spec> g : groups) all.insert(all.end(), g.begin(), g.end());
  return all;
}

std::optional<std::size_t> parse_size(std::string_view text) noexcept {
  std::size_t n = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, n);
  if (ec != std::errc{} || end == first) return std::nullopt;
  const std::string_view suffix(end, static_cast<std::size_t>(last - end));
  unsigned shift = 0;
  if (suffix == "K" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M" || suffix == "m") {
    shift = 20;
  } else if (suffix == "G" || suffix == "g") {
    shift = 30;
  } else if (!suffix.empty()) {
    return std::nullopt;
  }
  if (n > (std::numeric_limits<std::size_t>::max() >> shift)) return std::nullopt;
  return n << shift;
}

std::optional<double> parse_seconds(std::string_view text, double max) noexcept {
  double v = 0;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, v);
  if (ec != std::errc{} || end != last || !(v >= 0) || v > max) return std::nullopt;
  return v;
}

}  // namespace amphora::cli
