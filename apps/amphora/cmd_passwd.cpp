// amphora passwd: adds, changes or deletes a user of a user file (security/user_store.hpp), the
// password read from stdin (without echo on a terminal), the file rewritten atomically, mode 0600.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/security/user_store.hpp"
#include "command.hpp"

namespace amphora::cli {
namespace {

const std::vector<option_spec> passwd_options = {
    {"--users", "-u", "FILE", "The user file to edit (created if missing, mode 0600)."},
    {"--roles", "-r", "LIST", "Comma-separated roles of the user (default: kept, or none for a new user)."},
    {"--delete", "-d", "", "Delete the user instead (no password is read)."},
    {"--cost", "", "COST", "Hash cost: interactive (default), moderate, or min (tests only, never real)."},
};

// One line from stdin; on a terminal, prompted on stderr with echo off.
bool read_line(bool tty, const char* prompt, std::string& out) {
  termios saved{};
  if (tty) {
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    if (::tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  }
  const bool ok = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return ok || !out.empty();
}

std::optional<security::hash_cost> parse_cost(std::string_view name) {
  if (name == "interactive") return security::hash_cost::interactive();
  if (name == "moderate") return security::hash_cost::moderate();
  if (name == "min") return security::hash_cost::minimum();
  return std::nullopt;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

int run(const command& c, const parsed_args& args) {
  if (args.positionals().size() != 1) return usage_error(c, "expected one USER");
  const auto file = args.value("--users");
  if (!file || file->empty()) return usage_error(c, "--users FILE is required");
  const std::string path(*file);
  const std::string name(args.positionals()[0]);
  if (std::string why = security::check_user_name(name); !why.empty()) return usage_error(c, why);
  const bool remove = args.has("--delete");
  if (remove && (args.has("--roles") || args.has("--cost"))) {
    return usage_error(c, "--delete takes no --roles or --cost");
  }
  const std::optional<security::hash_cost> cost = parse_cost(args.value("--cost").value_or("interactive"));
  if (!cost) return usage_error(c, "--cost: expected interactive, moderate or min");

  std::vector<security::user_entry> users;
  if (std::string error = security::read_user_file(path, users);
      !error.empty() && ::access(path.c_str(), F_OK) == 0) {
    return data_error(c, error);
  }
  const security::user_entry* existing = nullptr;
  for (const security::user_entry& u : users) {
    if (u.name == name) existing = &u;
  }

  if (remove) {
    if (existing == nullptr) return data_error(c, "no user '" + name + "' in " + path);
    if (std::string error = security::edit_user_file(path, name, nullptr); !error.empty()) {
      return data_error(c, error);
    }
    std::printf("deleted user '%s' from %s\n", name.c_str(), path.c_str());
    return exit_ok;
  }

  security::user_entry user{name, {}, existing != nullptr ? existing->roles : std::vector<std::string>{}};
  if (const auto roles = args.value("--roles")) {
    user.roles.clear();
    std::string_view rest = *roles;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view role = rest.substr(0, comma);
      if (std::string why = security::check_role_name(role); !why.empty()) return usage_error(c, why);
      user.roles.emplace_back(role);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }

  const bool tty = ::isatty(STDIN_FILENO) == 1;
  std::string password;
  if (!read_line(tty, "Password: ", password) || password.empty()) {
    return data_error(c, "no password on stdin (an empty password is refused)");
  }
  if (tty) {
    std::string again;
    if (!read_line(tty, "Again: ", again) || again != password) {
      return data_error(c, "the passwords differ");
    }
  }
  try {
    user.hash = security::hash_password(password, *cost);
  } catch (const std::exception& e) {
    return data_error(c, e.what());
  }
  if (std::string error = security::edit_user_file(path, name, &user); !error.empty()) {
    return data_error(c, error);
  }
  std::printf("%s user '%s' in %s (roles: %s)\n", existing != nullptr ? "changed" : "added", name.c_str(),
              path.c_str(), user.roles.empty() ? "none" : join(user.roles).c_str());
  return exit_ok;
}

const command passwd_command{
    .name = "passwd",
    .summary = "add, change or delete a user of a user file (amphora serve --users)",
    .synopsis = "--users FILE [--roles LIST] [--delete] [--cost COST] USER",
    .description =
        "Edits the user file that `amphora serve --users FILE` authenticates against: one user a\n"
        "line, 'name:argon2id-hash:role1,role2'. Adds USER, or changes the password (and, with\n"
        "--roles, the roles) of an existing one; --delete removes it. The password is the first\n"
        "line of stdin; on a terminal it is asked twice, without echo. It is hashed with Argon2id\n"
        "(libsodium, interactive limits by default: 2 passes, 64 MiB). The file is rewritten\n"
        "atomically (a temporary file renamed over it) with mode 0600; other lines, comments\n"
        "included, are kept. See docs/security.md.",
    .options = passwd_options,
    .max_positionals = 1,
    .examples =
        "amphora passwd --users users.txt --roles employee,manager alice\n"
        "printf '%s\\n' \"$PASSWORD\" | amphora passwd --users users.txt bob\n"
        "amphora passwd --users users.txt --delete bob",
    .run = run,
};
const command_registration registered{passwd_command};

}  // namespace
}  // namespace amphora::cli
