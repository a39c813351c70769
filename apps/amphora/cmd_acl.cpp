// amphora acl: the access policy (docs/security.md) from the command line: validate a file, check
// whether a role has a privilege on a resource, explain which permission and inheritance path
// grant it (or why nothing does).
#include <cstdio>
#include <string>

#include "amphora/security/policy.hpp"
#include "command.hpp"

namespace amphora::cli {
namespace {

constexpr int exit_no = 3;  // check and explain: the policy does not grant it

constexpr option_spec own_options[] = {
    {"--policy", "", "FILE", "The access policy (XML) for check and explain."},
};

int run(const command& c, const parsed_args& args) {
  const auto& positionals = args.positionals();
  if (positionals.empty()) return usage_error(c, "missing subcommand: check, explain or validate");
  const std::string_view sub = positionals[0];
  std::string file;
  if (const auto policy = args.value("--policy")) file = std::string(*policy);

  if (sub == "validate") {
    if (positionals.size() == 2) file = std::string(positionals[1]);
    if (positionals.size() > 2) return usage_error(c, "validate takes one FILE");
    if (file.empty()) return usage_error(c, "validate needs a FILE");
  } else if (sub == "check" || sub == "explain") {
    if (positionals.size() != 4) return usage_error(c, std::string(sub) + " needs ROLE RESOURCE PRIVILEGE");
    if (file.empty()) return usage_error(c, std::string(sub) + " needs --policy FILE");
  } else {
    return usage_error(c, "unknown subcommand '" + std::string(sub) + "' (check, explain or validate)");
  }

  security::policy p;
  try {
    p = security::policy::load(file);
  } catch (const security::policy_error& e) {
    return data_error(c, e.what());
  }
  if (sub == "validate") {
    std::printf("%s: valid: %zu roles, %zu permissions\n", file.c_str(), p.role_names().size(),
                p.permission_count());
    return exit_ok;
  }
  const std::string_view role = positionals[1];
  const std::string_view resource = positionals[2];
  const std::string_view privilege = positionals[3];
  if (sub == "check") {
    const bool yes = p.check(role, resource, privilege);
    std::printf("%s\n", yes ? "yes" : "no");
    return yes ? exit_ok : exit_no;
  }
  const security::explanation e = p.explain(role, resource, privilege);
  std::printf("%s\n", e.text.c_str());
  return e.granted ? exit_ok : exit_no;
}

const command acl_command{
    .name = "acl",
    .summary = "validate an access policy, check or explain a role's privilege on a resource",
    .synopsis =
        "validate FILE | check --policy FILE ROLE RESOURCE PRIVILEGE | explain --policy FILE ROLE "
        "RESOURCE PRIVILEGE",
    .description =
        "Works on an access policy file, the XML that 'amphora serve --acl FILE' enforces\n"
        "(format and meaning in docs/security.md, \"Access control\").\n"
        "  validate FILE  loads the file and prints the number of roles and permissions, or the\n"
        "                 first error as FILE:LINE: reason (exit 1).\n"
        "  check          prints 'yes' (exit 0) or 'no' (exit 3): whether ROLE, directly or through\n"
        "                 the roles it inherits from, has PRIVILEGE on RESOURCE or on a parent of it\n"
        "                 (a permission on 'EchoService' covers 'EchoService.echo').\n"
        "  explain        the same answer with its reason: the permission (FILE:LINE) and the\n"
        "                 inheritance path (manager -> employee) that grant it, or why nothing does.\n"
        "The server checks privilege 'call' on 'Destination.operation' for remoting calls, and\n"
        "'subscribe' and 'publish' on 'destination' or 'destination.subtopic' for messaging.",
    .options = join_options({own_options}),
    .max_positionals = 4,
    .examples =
        "amphora acl validate acl.xml\n"
        "amphora acl check --policy acl.xml manager EchoService.echo call\n"
        "amphora acl explain --policy acl.xml guest chat.sports subscribe",
    .exit_codes = "3  no: the policy does not grant it (check, explain)\n",
    .run = run,
};
const command_registration registered{acl_command};

}  // namespace
}  // namespace amphora::cli
