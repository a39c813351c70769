// The access policy: roles with inheritance, and permissions granting privileges on resources to
// roles, read from XML (docs/security.md, "Access control"):
//
//   <config>
//     <roleSet>
//       <role><name>customer</name></role>
//       <role><name>employee</name><inheritFrom>customer</inheritFrom></role>
//     </roleSet>
//     <permissions>
//       <permission>
//         <resources><resource>EchoService</resource></resources>
//         <roles><role>employee</role></roles>
//         <privileges><privilege>call</privilege></privileges>
//       </permission>
//     </permissions>
//   </config>
//
// A role inherits every permission of its parents, transitively (several <inheritFrom> per role).
// Resources are dot-separated paths: a permission on "EchoService" covers "EchoService.echo", one
// on "chat" covers "chat.sports" (a subtopic). Privileges are free strings; the server uses "call",
// "subscribe" and "publish". Loading computes each role's closure, so check() costs a few hash
// lookups: one per (role, resource level).
//
//   security::policy p = security::policy::load("acl.xml");  // throws policy_error
//   p.check(user.roles, "EchoService.echo", "call");
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace amphora::security {

// The privileges the server checks.
inline constexpr std::string_view privilege_call = "call";            // a remoting operation
inline constexpr std::string_view privilege_subscribe = "subscribe";  // a messaging destination
inline constexpr std::string_view privilege_publish = "publish";      // a messaging destination

// A policy file that cannot be used: what() is "FILE:LINE: reason" (no ":LINE" when line is 0,
// e.g. a file that cannot be opened).
class policy_error : public std::runtime_error {
 public:
  policy_error(std::string file, unsigned line, std::string reason);
  const std::string& file() const noexcept { return file_; }
  unsigned line() const noexcept { return line_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string file_;
  unsigned line_;
  std::string reason_;
};

// Why a role has (or has not) a privilege on a resource.
struct explanation {
  bool granted = false;
  // When granted: the permission that grants it (its file and line, and the resource of it that
  // matched: the one asked for or a parent of it), and the inheritance path from the role asked
  // about to the role the permission names ({"manager", "employee"}; one element: direct).
  std::string file;
  unsigned line = 0;
  std::string resource;
  std::vector<std::string> path;
  // One human-readable paragraph: the grant, or why not.
  std::string text;
};

class policy {
 public:
  // An empty policy: no roles, nothing granted.
  policy() = default;

  // Parses the XML text; `file` names it in errors and explanations. Throws policy_error.
  static policy parse(std::string_view xml, std::string file = "<policy>");
  // Reads and parses a file. Throws policy_error.
  static policy load(const std::string& path);

  // True if any of `roles` (directly or through inheritance) has `privilege` on `resource` or on
  // one of its parents ("a.b.c" -> "a.b" -> "a"). Unknown role names grant nothing.
  bool check(std::span<const std::string> roles, std::string_view resource,
             std::string_view privilege) const noexcept;
  bool check(std::string_view role, std::string_view resource, std::string_view privilege) const noexcept;

  explanation explain(std::string_view role, std::string_view resource, std::string_view privilege) const;

  bool has_role(std::string_view role) const noexcept;
  std::vector<std::string> role_names() const;  // sorted
  std::size_t permission_count() const noexcept { return permissions_.size(); }
  const std::string& file() const noexcept { return file_; }

  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  template <class T>
  using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

 private:
  struct role_def {
    std::string name;
    unsigned line = 0;
    std::vector<std::size_t> parents;  // indices into roles_, in file order
  };
  struct permission_def {
    unsigned line = 0;
    std::vector<std::string> resources;
    std::vector<std::size_t> roles;
    std::vector<std::string> privileges;
  };
  // resource -> privileges (sorted, unique)
  using grants = string_map<std::vector<std::string>>;

  friend class policy_builder;
  void compute_closures();
  static bool grants_privilege(const grants& g, std::string_view resource,
                               std::string_view privilege) noexcept;
  const permission_def* direct_grant(std::size_t role, std::string_view resource, std::string_view privilege,
                                     std::string* matched) const;

  std::string file_;
  std::vector<role_def> roles_;
  std::vector<permission_def> permissions_;
  string_map<std::size_t> index_;  // role name -> index into roles_
  std::vector<grants> closure_;    // per role: its own grants and every inherited one
};

// The parent resources of a resource, itself first: "a.b.c", "a.b", "a".
std::vector<std::string_view> resource_levels(std::string_view resource);

}  // namespace amphora::security
