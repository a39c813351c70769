// amphora: the command-line tool. Finds the command named by the first argument (each command
// registers itself from its own cmd_<name>.cpp) and runs it.
#include <cstdio>
#include <span>
#include <string_view>
#include <vector>

#include "command.hpp"

#ifndef AMPHORA_VERSION
#define AMPHORA_VERSION "unknown"
#endif

namespace {

using namespace amphora::cli;

void print_overview(std::FILE* out) {
  std::fprintf(out,
               "amphora %s: tools for Flash/Flex AMF data\n\n"
               "Usage: amphora <command> [options] [args]\n"
               "       amphora help <command>\n\n"
               "Commands:\n",
               AMPHORA_VERSION);
  for (const command* c : all_commands()) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c->name.size()), c->name.data(),
                 static_cast<int>(c->summary.size()), c->summary.data());
  }
  std::fprintf(out,
               "\nEach command reads a file or stdin and writes stdout, so they pipe like jq:\n"
               "  amphora encode --amf3 data.json | amphora decode --amf3\n\n"
               "Run 'amphora <command> --help' for its options, examples and exit codes\n"
               "(0 success, 1 bad data, 2 usage error).\n");
}

int unknown_command(std::string_view name) {
  std::fprintf(stderr, "amphora: unknown command '%.*s'\nRun 'amphora --help' for the list of commands.\n",
               static_cast<int>(name.size()), name.data());
  return exit_usage;
}

// `amphora help [COMMAND]`
int help(std::span<const std::string_view> args) {
  if (args.empty()) {
    print_overview(stdout);
    return exit_ok;
  }
  if (args.size() > 1) {
    std::fprintf(stderr, "amphora help: too many arguments\nUsage: amphora help <command>\n");
    return exit_usage;
  }
  const command* c = find_command(args[0]);
  if (c == nullptr) return unknown_command(args[0]);
  print_help(*c, stdout);
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_overview(stderr);
    return exit_usage;
  }
  const std::string_view first = args[0];
  const std::span<const std::string_view> rest = std::span(args).subspan(1);
  if (first == "--help" || first == "-h") return help({});
  if (first == "help") return help(rest);
  if (first == "--version") {
    std::printf("amphora %s\n", AMPHORA_VERSION);
    return exit_ok;
  }
  const command* c = find_command(first);
  if (c == nullptr) return unknown_command(first);
  return run_command(*c, rest);
}
