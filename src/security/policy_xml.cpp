// Reading a policy: the XML format of policy.hpp with pugixml, every error with its line (computed
// from pugixml's byte offsets), then the role graph checked (undefined parents, cycles) and sorted
// parents-first for policy::compute_closures.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <pugixml.hpp>
#include <sstream>

#include "amphora/security/policy.hpp"

namespace amphora::security {

class policy_builder {
 public:
  policy_builder(std::string_view xml, std::string file) : xml_(xml), file_(std::move(file)) {
    for (std::size_t i = 0; i < xml_.size(); ++i) {
      if (xml_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  policy build() {
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(xml_.data(), xml_.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
      throw policy_error(file_, line_at(parsed.offset),
                         std::string("malformed XML: ") + parsed.description());
    }
    const pugi::xml_node root = doc.document_element();
    if (root.empty()) throw policy_error(file_, 1, "no root element");
    if (std::string_view(root.name()) != "config") {
      fail(root, "the root element is <" + std::string(root.name()) + ">, expected <config>");
    }
    pugi::xml_node role_set;
    pugi::xml_node permissions;
    for (const pugi::xml_node child : elements(root)) {
      const std::string_view name = child.name();
      if (name == "roleSet") {
        once(role_set, child);
      } else if (name == "permissions") {
        once(permissions, child);
      } else {
        unknown(child, root);
      }
    }
    if (role_set) read_roles(role_set);
    resolve_parents();
    order_roles();
    if (permissions) read_permissions(permissions);
    p_.file_ = file_;
    p_.compute_closures();
    return std::move(p_);
  }

 private:
  struct raw_role {
    std::string name;
    unsigned line = 0;
    std::vector<std::pair<std::string, unsigned>> parents;  // name, line of its <inheritFrom>
    std::vector<std::size_t> parent_index;
  };

  unsigned line_at(std::ptrdiff_t offset) const {
    if (offset < 0) return 0;
    const auto it =
        std::upper_bound(line_starts_.begin(), line_starts_.end(), static_cast<std::size_t>(offset));
    return static_cast<unsigned>(it - line_starts_.begin());  // line_starts_[0] is 0
  }
  unsigned line_of(const pugi::xml_node& n) const { return line_at(n.offset_debug()); }

  [[noreturn]] void fail(const pugi::xml_node& n, const std::string& reason) const {
    throw policy_error(file_, line_of(n), reason);
  }
  [[noreturn]] void unknown(const pugi::xml_node& child, const pugi::xml_node& parent) const {
    fail(child, "unknown element <" + std::string(child.name()) + "> in <" + parent.name() + ">");
  }
  void once(pugi::xml_node& slot, const pugi::xml_node& n) const {
    if (slot) {
      fail(n, "a second <" + std::string(n.name()) + "> (the first is at line " +
                  std::to_string(line_of(slot)) + ")");
    }
    slot = n;
  }

  // The element children of a container; text other than white space and attributes are refused
  // (comments and processing instructions are not in the tree).
  std::vector<pugi::xml_node> elements(const pugi::xml_node& n) const {
    if (const pugi::xml_attribute a = n.first_attribute(); a && std::string_view(n.name()) != "config") {
      fail(n, "unexpected attribute '" + std::string(a.name()) + "' on <" + n.name() + ">");
    }
    std::vector<pugi::xml_node> out;
    for (const pugi::xml_node child : n.children()) {
      if (child.type() == pugi::node_element) {
        out.push_back(child);
      } else if ((child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) &&
                 !trim(child.value()).empty()) {
        fail(child, "unexpected text in <" + std::string(n.name()) + ">");
      }
    }
    return out;
  }

  static std::string_view trim(std::string_view s) noexcept {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
  }

  // The trimmed text of a leaf element (<name>, <role>...): never empty.
  std::string text_of(const pugi::xml_node& n) const {
    if (n.first_attribute()) {
      fail(n, "unexpected attribute '" + std::string(n.first_attribute().name()) + "' on <" + n.name() + ">");
    }
    std::string text;
    for (const pugi::xml_node child : n.children()) {
      if (child.type() == pugi::node_element) {
        fail(child, "unexpected element <" + std::string(child.name()) + "> in <" + n.name() + ">");
      }
      if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) text += child.value();
    }
    const std::string_view trimmed = trim(text);
    if (trimmed.empty()) fail(n, "empty <" + std::string(n.name()) + ">");
    return std::string(trimmed);
  }

  void read_roles(const pugi::xml_node& role_set) {
    for (const pugi::xml_node role : elements(role_set)) {
      if (std::string_view(role.name()) != "role") unknown(role, role_set);
      raw_role r;
      r.line = line_of(role);
      pugi::xml_node name;
      for (const pugi::xml_node child : elements(role)) {
        const std::string_view tag = child.name();
        if (tag == "name") {
          once(name, child);
          r.name = text_of(child);
        } else if (tag == "inheritFrom") {
          r.parents.emplace_back(text_of(child), line_of(child));
        } else {
          unknown(child, role);
        }
      }
      if (!name) fail(role, "a <role> without <name>");
      if (const auto it = p_.index_.find(r.name); it != p_.index_.end()) {
        fail(role, "duplicate role '" + r.name + "' (first defined at line " +
                       std::to_string(raw_[it->second].line) + ")");
      }
      p_.index_.emplace(r.name, raw_.size());
      raw_.push_back(std::move(r));
    }
  }

  void resolve_parents() {
    for (raw_role& r : raw_) {
      for (const auto& [parent, line] : r.parents) {
        const auto it = p_.index_.find(parent);
        if (it == p_.index_.end()) {
          throw policy_error(file_, line,
                             "role '" + r.name + "' inherits from undefined role '" + parent + "'");
        }
        if (std::find(r.parent_index.begin(), r.parent_index.end(), it->second) == r.parent_index.end()) {
          r.parent_index.push_back(it->second);
        }
      }
    }
  }

  // Depth first over the parents: a parent still on the path is a cycle; otherwise post-order
  // puts every parent before its children.
  void order_roles() {
    enum class mark { none, on_path, done };
    std::vector<mark> marks(raw_.size(), mark::none);
    std::vector<std::size_t> order;
    std::vector<std::size_t> path;
    const auto visit = [&](const auto& self, std::size_t r) -> void {
      marks[r] = mark::on_path;
      path.push_back(r);
      for (const std::size_t parent : raw_[r].parent_index) {
        if (marks[parent] == mark::on_path) {
          const auto from = std::find(path.begin(), path.end(), parent);
          std::string cycle;
          for (auto it = from; it != path.end(); ++it) cycle += raw_[*it].name + " -> ";
          cycle += raw_[parent].name;
          throw policy_error(file_, raw_[parent].line, "inheritance cycle: " + cycle);
        }
        if (marks[parent] == mark::none) self(self, parent);
      }
      path.pop_back();
      marks[r] = mark::done;
      order.push_back(r);
    };
    for (std::size_t r = 0; r < raw_.size(); ++r) {
      if (marks[r] == mark::none) visit(visit, r);
    }
    std::vector<std::size_t> position(raw_.size());
    for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
    p_.roles_.resize(raw_.size());
    for (std::size_t r = 0; r < raw_.size(); ++r) {
      policy::role_def& def = p_.roles_[position[r]];
      def.name = raw_[r].name;
      def.line = raw_[r].line;
      for (const std::size_t parent : raw_[r].parent_index) def.parents.push_back(position[parent]);
    }
    for (auto& [name, index] : p_.index_) index = position[index];
  }

  void read_permissions(const pugi::xml_node& permissions) {
    for (const pugi::xml_node permission : elements(permissions)) {
      if (std::string_view(permission.name()) != "permission") unknown(permission, permissions);
      policy::permission_def def;
      def.line = line_of(permission);
      pugi::xml_node resources;
      pugi::xml_node roles;
      pugi::xml_node privileges;
      for (const pugi::xml_node child : elements(permission)) {
        const std::string_view tag = child.name();
        if (tag == "resources") {
          once(resources, child);
          for (const pugi::xml_node item : items(child, "resource"))
            def.resources.push_back(resource_of(item));
        } else if (tag == "roles") {
          once(roles, child);
          for (const pugi::xml_node item : items(child, "role")) def.roles.push_back(role_of(item));
        } else if (tag == "privileges") {
          once(privileges, child);
          for (const pugi::xml_node item : items(child, "privilege")) def.privileges.push_back(text_of(item));
        } else {
          unknown(child, permission);
        }
      }
      if (def.resources.empty()) fail(permission, "a <permission> without any <resource>");
      if (def.roles.empty()) fail(permission, "a <permission> without any <role>");
      if (def.privileges.empty()) fail(permission, "a <permission> without any <privilege>");
      p_.permissions_.push_back(std::move(def));
    }
  }

  std::vector<pugi::xml_node> items(const pugi::xml_node& list, std::string_view tag) const {
    std::vector<pugi::xml_node> out = elements(list);
    for (const pugi::xml_node& item : out) {
      if (std::string_view(item.name()) != tag) unknown(item, list);
    }
    return out;
  }

  std::string resource_of(const pugi::xml_node& n) const {
    std::string resource = text_of(n);
    if (resource.front() == '.' || resource.back() == '.' || resource.find("..") != std::string::npos) {
      fail(n, "resource '" + resource + "' has an empty part (resources are dot-separated names)");
    }
    return resource;
  }

  std::size_t role_of(const pugi::xml_node& n) const {
    const std::string name = text_of(n);
    const auto it = p_.index_.find(name);
    if (it == p_.index_.end()) fail(n, "the permission names undefined role '" + name + "'");
    return it->second;
  }

  std::string_view xml_;
  std::string file_;
  std::vector<std::size_t> line_starts_{0};
  std::vector<raw_role> raw_;
  policy p_;
};

policy policy::parse(std::string_view xml, std::string file) {
  return policy_builder(xml, std::move(file)).build();
}

policy policy::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw policy_error(path, 0, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw policy_error(path, 0, "read error");
  return parse(text.str(), path);
}

}  // namespace amphora::security
