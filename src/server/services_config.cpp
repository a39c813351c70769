// BlazeDS services-config.xml: channel endpoints and remoting destinations (pugixml, no DTD).
#include "amphora/server/services_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amphora::server {
namespace {

constexpr std::size_t max_file_bytes = 4u << 20;
constexpr std::size_t max_include_depth = 8;
constexpr std::string_view remoting_service_class = "flex.messaging.services.RemotingService";

// One XML file: its text (for line numbers) and its parsed document.
struct xml_file {
  std::string path;
  std::string text;
  pugi::xml_document doc;

  std::string line_at(std::ptrdiff_t offset) const {
    if (offset < 0) return path;
    const auto end =
        text.begin() + std::min<std::ptrdiff_t>(offset, static_cast<std::ptrdiff_t>(text.size()));
    return path + ":" + std::to_string(1 + std::count(text.begin(), end, '\n'));
  }
  std::string where(const pugi::xml_node& node) const { return line_at(node.offset_debug()); }
};

std::string trimmed(const char* text) {
  std::string_view s = text;
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return std::string(s);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Reads and parses `path`; `from` says who asked ("FILE:LINE: " of the include, or "").
std::string load(const std::string& path, const std::string& from, xml_file& out) {
  out.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return from + path + ": cannot open";
  std::vector<char> chunk(64 * 1024);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    out.text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (out.text.size() > max_file_bytes) return from + path + ": larger than 4 MiB";
  }
  if (in.bad()) return from + path + ": read error";
  // parse_default: no DOCTYPE node kept, no DTD read, only the predefined and numeric entities.
  const pugi::xml_parse_result r =
      out.doc.load_buffer(out.text.data(), out.text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) return out.line_at(r.offset) + ": malformed XML: " + r.description();
  return {};
}

// The path of an endpoint URL, without the {context.root} segment; "" if it has none we can serve.
std::string endpoint_path(std::string_view url) {
  if (const std::size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
    const std::size_t slash = url.find('/');
    if (slash == std::string_view::npos) return {};
    url.remove_prefix(slash);
  }
  url = url.substr(0, url.find_first_of("?#"));
  std::string path;
  while (!url.empty()) {
    const std::size_t slash = url.find('/');
    const std::string_view segment = url.substr(0, slash);
    url = slash == std::string_view::npos ? std::string_view{} : url.substr(slash + 1);
    if (segment.empty() || segment == "{context.root}") continue;
    const bool plain = std::all_of(segment.begin(), segment.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("-._~!$&'()*+,;=:@%").find(c) != std::string_view::npos;
    });
    if (!plain) return {};  // another {token}, spaces, ...
    path += '/';
    path += segment;
  }
  return path;
}

std::string channel_kind(const pugi::xml_node& definition) {
  const std::string channel_class = definition.attribute("class").value();
  const std::string endpoint_class = definition.child("endpoint").attribute("class").value();
  const std::string polling = trimmed(definition.child("properties").child("polling-enabled").text().get());
  if (channel_class.find("Streaming") != std::string::npos ||
      endpoint_class.find("Streaming") != std::string::npos) {
    return "streaming";
  }
  if (polling == "true") return "polling";
  if (ends_with(endpoint_class, "AMFEndpoint") || ends_with(channel_class, "AMFChannel")) return "amf";
  return "other";
}

class reader {
 public:
  explicit reader(services_config& out) : out_(out) {}

  std::string read(const std::string& path) {
    const std::unique_ptr<xml_file> file = std::make_unique<xml_file>();
    if (std::string error = load(path, "", *file); !error.empty()) return error;
    const pugi::xml_node root = file->doc.document_element();
    if (std::string_view(root.name()) != "services-config") {
      return file->where(root) + ": expected <services-config>, found <" + root.name() + ">";
    }
    including_.push_back(canonical(path));
    for (const pugi::xml_node& child : root.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "channels") {
        read_channels(*file, child);
      } else if (name == "services") {
        if (std::string error = read_services(*file, child); !error.empty()) return error;
      } else {
        ignored(*file, child, "");
      }
    }
    return {};
  }

 private:
  static std::string canonical(const std::string& path) {
    std::error_code ec;
    const std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : p.string();
  }

  void ignored(const xml_file& file, const pugi::xml_node& node, const std::string& of) {
    out_.notes.push_back(file.where(node) + ": ignored <" + node.name() + ">" + of);
  }

  void read_channels(const xml_file& file, const pugi::xml_node& channels) {
    for (const pugi::xml_node& definition : channels.children()) {
      if (definition.type() != pugi::node_element) continue;
      if (std::string_view(definition.name()) != "channel-definition") {
        ignored(file, definition, " in <channels>");
        continue;
      }
      services_config::channel c;
      c.id = definition.attribute("id").value();
      c.endpoint_url = definition.child("endpoint").attribute("url").value();
      if (c.endpoint_url.empty()) c.endpoint_url = definition.child("endpoint").attribute("uri").value();
      c.path = endpoint_path(c.endpoint_url);
      c.kind = channel_kind(definition);
      c.mounted = c.kind == "amf" && !c.path.empty();
      if (!c.mounted) {
        out_.notes.push_back(file.where(definition) + ": channel '" + c.id + "' (" + c.kind + ", '" +
                             c.endpoint_url + "'): not mounted; only AMF request/response endpoints are");
      }
      out_.channels.push_back(std::move(c));
    }
  }

  std::string read_services(const xml_file& file, const pugi::xml_node& services) {
    for (const pugi::xml_node& child : services.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "service") {
        read_service(file, child);
      } else if (name == "service-include") {
        if (std::string error = include(file, child); !error.empty()) return error;
      } else {
        ignored(file, child, " in <services>");
      }
    }
    return {};
  }

  // <service-include file-path="remoting-config.xml"/>: a file whose root is one <service>.
  std::string include(const xml_file& file, const pugi::xml_node& node) {
    const std::string from = file.where(node) + ": ";
    const std::string relative = node.attribute("file-path").value();
    if (relative.empty()) return from + "<service-include> without file-path";
    const std::string path = (std::filesystem::path(file.path).parent_path() / relative).string();
    if (including_.size() >= max_include_depth) return from + "service-include nested too deeply";
    const std::string id = canonical(path);
    if (std::find(including_.begin(), including_.end(), id) != including_.end()) {
      return from + "service-include cycle through " + path;
    }
    const std::unique_ptr<xml_file> included = std::make_unique<xml_file>();
    if (std::string error = load(path, from, *included); !error.empty()) return error;
    const pugi::xml_node root = included->doc.document_element();
    including_.push_back(id);
    std::string error;
    if (std::string_view(root.name()) == "service") {
      read_service(*included, root);
    } else if (std::string_view(root.name()) == "services") {
      error = read_services(*included, root);
    } else {
      error = included->where(root) + ": expected <service>, found <" + root.name() + ">";
    }
    including_.pop_back();
    return error;
  }

  void read_service(const xml_file& file, const pugi::xml_node& service) {
    const std::string id = service.attribute("id").value();
    const std::string service_class = service.attribute("class").value();
    if (service_class != remoting_service_class) {
      out_.notes.push_back(file.where(service) + ": ignored service '" + id + "' (" + service_class +
                           "): only remoting destinations are read");
      return;
    }
    for (const pugi::xml_node& child : service.children()) {
      if (child.type() != pugi::node_element) continue;
      if (std::string_view(child.name()) != "destination") {
        ignored(file, child, " of service '" + id + "'");
        continue;
      }
      read_destination(file, child);
    }
  }

  void read_destination(const xml_file& file, const pugi::xml_node& node) {
    services_config::remoting_destination d;
    d.id = node.attribute("id").value();
    d.where = file.where(node);
    if (d.id.empty()) {
      out_.notes.push_back(d.where + ": ignored <destination> without id");
      return;
    }
    for (const pugi::xml_node& child : node.children()) {
      if (child.type() != pugi::node_element) continue;
      if (std::string_view(child.name()) != "properties") {
        ignored(file, child, " of destination '" + d.id + "'");
        continue;
      }
      for (const pugi::xml_node& property : child.children()) {
        if (property.type() != pugi::node_element) continue;
        if (std::string_view(property.name()) == "source") {
          d.source = trimmed(property.text().get());
        } else {
          ignored(file, property, " of destination '" + d.id + "'");
        }
      }
    }
    out_.destinations.push_back(std::move(d));
  }

  services_config& out_;
  std::vector<std::string> including_;  // canonical paths being read: include cycles
};

}  // namespace

std::vector<std::string> services_config::amf_paths() const {
  std::vector<std::string> paths;
  for (const channel& c : channels) {
    if (c.mounted && std::find(paths.begin(), paths.end(), c.path) == paths.end()) paths.push_back(c.path);
  }
  return paths;
}

std::string load_services_config(const std::string& path, services_config& out) {
  return reader(out).read(path);
}

std::vector<std::string> apply_services_config(const services_config& cfg, service_registry& registry) {
  const std::vector<std::string> registered = registry.destination_names();
  const auto is_registered = [&registered](const std::string& name) {
    return !name.empty() && std::binary_search(registered.begin(), registered.end(), name);
  };
  std::vector<std::string> notes;
  for (const services_config::remoting_destination& d : cfg.destinations) {
    const std::string short_source = d.source.substr(d.source.rfind('.') + 1);  // npos + 1 == 0
    std::string target;
    for (const std::string& candidate : {d.source, short_source, d.id}) {
      if (is_registered(candidate)) {
        target = candidate;
        break;
      }
    }
    if (target.empty()) {
      notes.push_back(d.where + ": destination '" + d.id + "': no registered service '" +
                      (d.source.empty() ? d.id : d.source) + "'; not callable");
    } else if (target == d.id) {
      notes.push_back("destination '" + d.id + "': registered");
    } else {
      registry.alias(d.id, target);
      notes.push_back("destination '" + d.id + "' -> " + target);
    }
  }
  return notes;
}

}  // namespace amphora::server
