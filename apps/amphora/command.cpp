#include "command.hpp"

#include <algorithm>
#include <string>

namespace amphora::cli {
namespace {

std::vector<const command*>& registry() {
  static std::vector<const command*> commands;
  return commands;
}

// Prints each line of `text` with `indent` in front (empty lines stay empty).
void print_indented(std::FILE* out, std::string_view text, std::string_view indent) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (!line.empty()) std::fprintf(out, "%.*s", static_cast<int>(indent.size()), indent.data());
    std::fprintf(out, "%.*s\n", static_cast<int>(line.size()), line.data());
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::string option_label(const option_spec& o) {
  std::string label = o.alias.empty() ? "    " : std::string(o.alias) + ", ";
  label += o.name;
  if (!o.value_name.empty()) label += " " + std::string(o.value_name);
  return label;
}

void print_message(const command& c, std::string_view message) {
  std::fprintf(stderr, "amphora %.*s: %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace

command_registration::command_registration(const command& c) {
  auto& commands = registry();
  const auto at = std::lower_bound(commands.begin(), commands.end(), c.name,
                                   [](const command* a, std::string_view name) { return a->name < name; });
  commands.insert(at, &c);
}

std::span<const command* const> all_commands() { return registry(); }

const command* find_command(std::string_view name) {
  for (const command* c : registry()) {
    if (c->name == name) return c;
  }
  return nullptr;
}

int run_command(const command& c, std::span<const std::string_view> args) {
  const parse_result parsed = parse_args(args, c.options);
  if (!parsed.error.empty()) return usage_error(c, parsed.error);
  if (parsed.args.has(help_option.name)) {
    print_help(c, stdout);
    return exit_ok;
  }
  if (parsed.args.positionals().size() > c.max_positionals) {
    return usage_error(c, "too many arguments (at most " + std::to_string(c.max_positionals) + ")");
  }
  return c.run(c, parsed.args);
}

void print_help(const command& c, std::FILE* out) {
  std::fprintf(out, "Usage: amphora %.*s %.*s\n\n", static_cast<int>(c.name.size()), c.name.data(),
               static_cast<int>(c.synopsis.size()), c.synopsis.data());
  print_indented(out, c.description, "");
  std::fprintf(out, "\nOptions:\n");
  std::vector<option_spec> options = c.options;
  options.push_back(help_option);
  std::size_t width = 0;
  for (const option_spec& o : options) width = std::max(width, option_label(o).size());
  for (const option_spec& o : options) {
    std::fprintf(out, "  %-*s  %.*s\n", static_cast<int>(width), option_label(o).c_str(),
                 static_cast<int>(o.help.size()), o.help.data());
  }
  if (!c.examples.empty()) {
    std::fprintf(out, "\nExamples:\n");
    print_indented(out, c.examples, "  ");
  }
  std::fprintf(out,
               "\nExit codes:\n"
               "  0  success\n"
               "  1  bad data: the input could not be decoded or encoded (the error names the byte),\n"
               "     or the output could not be written\n"
               "  2  usage error: unknown option, bad option value, missing file, too many arguments\n");
  if (!c.exit_codes.empty()) print_indented(out, c.exit_codes, "  ");
}

int usage_error(const command& c, std::string_view message) {
  print_message(c, message);
  std::fprintf(stderr, "Try 'amphora %.*s --help'.\n", static_cast<int>(c.name.size()), c.name.data());
  return exit_usage;
}

int data_error(const command& c, std::string_view message) {
  print_message(c, message);
  return exit_bad_data;
}

}  // namespace amphora::cli
