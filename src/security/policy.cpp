// The policy's semantics: closures at load, checks and explanations. Reading the XML is
// policy_xml.cpp.
#include "amphora/security/policy.hpp"

#include <algorithm>
#include <deque>
#include <optional>

namespace amphora::security {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

policy_error::policy_error(std::string file, unsigned line, std::string reason)
    : std::runtime_error(file + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": " + reason),
      file_(std::move(file)),
      line_(line),
      reason_(std::move(reason)) {}

std::vector<std::string_view> resource_levels(std::string_view resource) {
  std::vector<std::string_view> levels;
  for (;;) {
    levels.push_back(resource);
    const std::size_t dot = resource.rfind('.');
    if (dot == std::string_view::npos) return levels;
    resource = resource.substr(0, dot);
  }
}

// Roles are in an order where every parent comes before its children (policy_xml.cpp sorts them
// so), so one pass merges each role's parents' finished closures into its own.
void policy::compute_closures() {
  closure_.assign(roles_.size(), {});
  for (const permission_def& p : permissions_) {
    for (const std::size_t r : p.roles) {
      for (const std::string& resource : p.resources) {
        std::vector<std::string>& privileges = closure_[r][resource];
        privileges.insert(privileges.end(), p.privileges.begin(), p.privileges.end());
      }
    }
  }
  for (std::size_t r = 0; r < roles_.size(); ++r) {
    for (const std::size_t parent : roles_[r].parents) {
      for (const auto& [resource, privileges] : closure_[parent]) {
        std::vector<std::string>& mine = closure_[r][resource];
        mine.insert(mine.end(), privileges.begin(), privileges.end());
      }
    }
    for (auto& [resource, privileges] : closure_[r]) {
      std::sort(privileges.begin(), privileges.end());
      privileges.erase(std::unique(privileges.begin(), privileges.end()), privileges.end());
    }
  }
}

bool policy::grants_privilege(const grants& g, std::string_view resource,
                              std::string_view privilege) noexcept {
  for (;;) {
    if (const auto it = g.find(resource); it != g.end()) {
      if (std::binary_search(it->second.begin(), it->second.end(), privilege, std::less<>{})) return true;
    }
    const std::size_t dot = resource.rfind('.');
    if (dot == std::string_view::npos) return false;
    resource = resource.substr(0, dot);
  }
}

bool policy::check(std::string_view role, std::string_view resource,
                   std::string_view privilege) const noexcept {
  const auto it = index_.find(role);
  return it != index_.end() && grants_privilege(closure_[it->second], resource, privilege);
}

bool policy::check(std::span<const std::string> roles, std::string_view resource,
                   std::string_view privilege) const noexcept {
  return std::any_of(roles.begin(), roles.end(),
                     [&](const std::string& role) { return check(role, resource, privilege); });
}

bool policy::has_role(std::string_view role) const noexcept { return index_.find(role) != index_.end(); }

std::vector<std::string> policy::role_names() const {
  std::vector<std::string> names;
  names.reserve(roles_.size());
  for (const role_def& r : roles_) names.push_back(r.name);
  std::sort(names.begin(), names.end());
  return names;
}

// The first permission (in file order) naming `role` itself that grants the privilege on the
// resource or a parent of it; `matched` gets that resource.
const policy::permission_def* policy::direct_grant(std::size_t role, std::string_view resource,
                                                   std::string_view privilege, std::string* matched) const {
  const std::vector<std::string_view> levels = resource_levels(resource);
  for (const permission_def& p : permissions_) {
    if (std::find(p.roles.begin(), p.roles.end(), role) == p.roles.end()) continue;
    if (std::find(p.privileges.begin(), p.privileges.end(), privilege) == p.privileges.end()) continue;
    for (const std::string_view level : levels) {
      if (std::find(p.resources.begin(), p.resources.end(), level) != p.resources.end()) {
        *matched = std::string(level);
        return &p;
      }
    }
  }
  return nullptr;
}

// Breadth first from the role up its parents: the shortest inheritance path to a role that a
// permission names directly.
explanation policy::explain(std::string_view role, std::string_view resource,
                            std::string_view privilege) const {
  explanation e;
  const std::string what = quoted(privilege) + " on " + quoted(resource);
  const auto found = index_.find(role);
  if (found == index_.end()) {
    e.text = "no: role " + quoted(role) + " is not defined in " + file_;
    return e;
  }
  const std::size_t start = found->second;
  std::vector<std::optional<std::size_t>> came_from(roles_.size());
  std::vector<bool> seen(roles_.size(), false);
  std::deque<std::size_t> queue{start};
  seen[start] = true;
  while (!queue.empty()) {
    const std::size_t r = queue.front();
    queue.pop_front();
    std::string matched;
    if (const permission_def* p = direct_grant(r, resource, privilege, &matched)) {
      e.granted = true;
      e.file = file_;
      e.line = p->line;
      e.resource = matched;
      for (std::optional<std::size_t> at = r; at; at = came_from[*at]) e.path.push_back(roles_[*at].name);
      std::reverse(e.path.begin(), e.path.end());
      e.text = "yes: " + what + " is granted to " + quoted(role);
      e.text += e.path.size() == 1 ? " directly" : " through " + join(e.path, " -> ");
      e.text += " by the permission at " + file_ + ":" + std::to_string(p->line);
      if (matched != resource)
        e.text += " (on " + quoted(matched) + ", which covers " + quoted(resource) + ")";
      return e;
    }
    for (const std::size_t parent : roles_[r].parents) {
      if (seen[parent]) continue;
      seen[parent] = true;
      came_from[parent] = r;
      queue.push_back(parent);
    }
  }
  std::vector<std::string> searched;
  for (std::size_t r = 0; r < roles_.size(); ++r) {
    if (seen[r]) searched.push_back(roles_[r].name);
  }
  std::sort(searched.begin(), searched.end());
  std::vector<std::string> holders;
  for (std::size_t r = 0; r < roles_.size(); ++r) {
    if (grants_privilege(closure_[r], resource, privilege)) holders.push_back(roles_[r].name);
  }
  std::sort(holders.begin(), holders.end());
  const std::vector<std::string_view> levels = resource_levels(resource);
  std::vector<std::string> names;
  for (const std::string_view level : levels) names.push_back(quoted(level));
  e.text = "no: no permission grants " + quoted(privilege) + " on " + join(names, " or ") + " to " +
           quoted(role) +
           (searched.size() > 1 ? " or the roles it inherits from (" + join(searched, ", ") + ")"
                                : std::string(" (it inherits from no role)"));
  e.text += holders.empty() ? "; no role has it" : "; roles that have it: " + join(holders, ", ");
  return e;
}

}  // namespace amphora::security
