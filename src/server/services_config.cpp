// BlazeDS services-config.xml: channel endpoints, remoting and messaging destinations (pugixml,
// no DTD).
#include "amphora/server/services_config.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
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
constexpr std::string_view message_service_class = "flex.messaging.services.MessageService";
// Intervals and timeouts read from the file are at most this long (one day).
constexpr std::int64_t max_interval_ms = 24LL * 60 * 60 * 1000;

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

// A file that cannot be used: "FILE:LINE: reason" (thrown inside the reader, returned by it).
struct refusal {
  std::string text;
};

// Values of typed properties; a wrong one throws a refusal naming the element.
bool boolean_value(const xml_file& file, const pugi::xml_node& node) {
  const std::string text = trimmed(node.text().get());
  if (text == "true") return true;
  if (text == "false") return false;
  throw refusal{file.where(node) + ": <" + node.name() + "> must be true or false, not '" + text + "'"};
}

// `text` (of the element or attribute `what` at `node`) as a decimal integer from min to max.
std::int64_t integer_in(const xml_file& file, const pugi::xml_node& node, const std::string& what,
                        const std::string& text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) {
    throw refusal{file.where(node) + ": " + what + " must be an integer from " + std::to_string(min) +
                  " to " + std::to_string(max) + ", not '" + text + "'"};
  }
  return v;
}

std::int64_t integer_value(const xml_file& file, const pugi::xml_node& node, std::int64_t min,
                           std::int64_t max) {
  return integer_in(file, node, "<" + std::string(node.name()) + ">", trimmed(node.text().get()), min, max);
}

std::chrono::milliseconds millis_value(const xml_file& file, const pugi::xml_node& node,
                                       std::int64_t unit_ms) {
  return std::chrono::milliseconds(integer_value(file, node, 0, max_interval_ms / unit_ms) * unit_ms);
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

std::string channel_kind(const pugi::xml_node& definition, std::string_view url) {
  const std::string channel_class = definition.attribute("class").value();
  const std::string endpoint_class = definition.child("endpoint").attribute("class").value();
  const std::string polling = trimmed(definition.child("properties").child("polling-enabled").text().get());
  if (channel_class.find("WebSocket") != std::string::npos ||
      endpoint_class.find("WebSocket") != std::string::npos || url.substr(0, 5) == "ws://" ||
      url.substr(0, 6) == "wss://") {
    return "websocket";
  }
  if (channel_class.find("Streaming") != std::string::npos ||
      endpoint_class.find("Streaming") != std::string::npos) {
    return "streaming";
  }
  if (polling == "true") return "polling";
  if (ends_with(endpoint_class, "AMFEndpoint") || ends_with(channel_class, "AMFChannel")) return "amf";
  return "other";
}

// Keys of a BlazeDS element that Amphora knows and does not use: a note, not a refusal.
bool is_ignored_key(std::string_view key, std::initializer_list<std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// SecureAMFChannel, SecureStreamingAMFChannel, SecureAMFEndpoint, ... or an https:// URL.
bool channel_secure(const pugi::xml_node& definition, std::string_view url) {
  const std::string_view channel_class = definition.attribute("class").value();
  const std::string_view endpoint_class = definition.child("endpoint").attribute("class").value();
  return channel_class.find(".Secure") != std::string_view::npos ||
         endpoint_class.find(".Secure") != std::string_view::npos || url.substr(0, 8) == "https://" ||
         url.substr(0, 6) == "wss://";
}

class reader {
 public:
  explicit reader(services_config& out) : out_(out) {}

  std::string read(const std::string& path) {
    try {
      return read_root(path);
    } catch (const refusal& r) {
      return r.text;
    }
  }

 private:
  std::string read_root(const std::string& path) {
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
        if (std::string error = read_services(*file, child, true); !error.empty()) return error;
      } else if (name == "flex-client") {
        read_flex_client(*file, child);
      } else {
        ignored(*file, child, "");
      }
    }
    if (std::string error = check_channel_refs(); !error.empty()) return error;
    resolve_default_channels();
    return {};
  }

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
      c.kind = channel_kind(definition, c.endpoint_url);
      c.secure = channel_secure(definition, c.endpoint_url);
      c.mounted = c.kind != "other" && !c.path.empty();
      if (!c.mounted) {
        out_.notes.push_back(file.where(definition) + ": channel '" + c.id + "' (" + c.kind + ", '" +
                             c.endpoint_url +
                             "'): not mounted; only AMF, AMF polling, streaming and WebSocket endpoints are");
      }
      if (c.kind == "polling") read_polling_properties(file, definition.child("properties"), c);
      if (c.kind == "streaming") read_streaming_properties(file, definition.child("properties"), c);
      out_.channels.push_back(std::move(c));
    }
  }

  // `top`: the root file's <services>, whose <default-channels> are every service's default.
  std::string read_services(const xml_file& file, const pugi::xml_node& services, bool top) {
    for (const pugi::xml_node& child : services.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "service") {
        read_service(file, child);
      } else if (name == "service-include") {
        if (std::string error = include(file, child); !error.empty()) return error;
      } else if (name == "default-channels" && top) {
        default_channels_ = channel_list(file, child, " in <services>");
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
      error = read_services(*included, root, false);
    } else {
      error = included->where(root) + ": expected <service>, found <" + root.name() + ">";
    }
    including_.pop_back();
    return error;
  }

  // The <properties> of a polling channel-definition. Other endpoint properties (serialization,
  // add-no-cache-headers, ...) are the AMF endpoint's, noted as ignored.
  void read_polling_properties(const xml_file& file, const pugi::xml_node& properties,
                               services_config::channel& c) {
    for (const pugi::xml_node& p : properties.children()) {
      if (p.type() != pugi::node_element) continue;
      const std::string_view key = p.name();
      if (key == "polling-enabled") {
        boolean_value(file, p);  // true: that is why this is a polling channel
      } else if (key == "polling-interval-millis") {
        c.polling_interval = millis_value(file, p, 1);
      } else if (key == "polling-interval-seconds") {
        c.polling_interval = millis_value(file, p, 1000);
      } else if (key == "wait-interval-millis") {
        // BlazeDS: -1 waits until a message comes; here every wait has an end (the longest).
        if (trimmed(p.text().get()) == "-1") {
          c.wait_interval = std::chrono::milliseconds(max_interval_ms);
          out_.notes.push_back(file.where(p) + ": channel '" + c.id +
                               "': wait-interval-millis -1 (no end) becomes one day");
        } else {
          c.wait_interval = millis_value(file, p, 1);
        }
      } else if (key == "client-wait-interval-millis") {
        c.client_wait_interval = millis_value(file, p, 1);
      } else if (key == "max-waiting-poll-requests") {
        c.max_waiting_poll_requests = static_cast<std::size_t>(integer_value(file, p, 0, 1000000));
      } else if (is_ignored_key(
                     key, {"serialization", "add-no-cache-headers", "piggybacking-enabled",
                           "login-after-disconnect", "invalidate-session-on-disconnect",
                           "session-rewriting-enabled", "connect-timeout-seconds", "request-timeout-seconds",
                           "record-message-sizes", "record-message-times", "http-response-headers",
                           "user-agent-settings", "flex-client-outbound-queue-processor"})) {
        ignored(file, p, " of channel '" + c.id + "'");
      } else {
        throw refusal{file.where(p) + ": unknown property <" + std::string(key) + "> of polling channel '" +
                      c.id + "'"};
      }
    }
  }

  // The <properties> of a streaming channel-definition (BaseStreamingHTTPEndpoint's keys); the
  // common endpoint properties are noted as ignored, as for polling channels.
  void read_streaming_properties(const xml_file& file, const pugi::xml_node& properties,
                                 services_config::channel& c) {
    streaming_channel_options& o = c.streaming;
    for (const pugi::xml_node& p : properties.children()) {
      if (p.type() != pugi::node_element) continue;
      const std::string_view key = p.name();
      if (key == "max-streaming-clients") {
        o.max_streaming_clients = static_cast<std::size_t>(integer_value(file, p, 0, 1000000));
      } else if (key == "server-to-client-heartbeat-millis") {
        o.heartbeat_interval = millis_value(file, p, 1);
      } else if (key == "connection-idle-timeout-minutes" || key == "idle-timeout-minutes") {
        o.idle_timeout = millis_value(file, p, 60 * 1000);  // idle-timeout-minutes: the old name
      } else if (key == "user-agent-settings") {
        read_user_agents(file, p, c);
      } else if (key == "invalidate-messageclient-on-streaming-close") {
        boolean_value(file, p);  // false is what Amphora does: subscriptions outlive the stream
        ignored(file, p, " of channel '" + c.id + "'");
      } else if (is_ignored_key(key, {"serialization", "add-no-cache-headers", "login-after-disconnect",
                                      "invalidate-session-on-disconnect", "session-rewriting-enabled",
                                      "connect-timeout-seconds", "request-timeout-seconds",
                                      "record-message-sizes", "record-message-times", "http-response-headers",
                                      "flex-client-outbound-queue-processor"})) {
        ignored(file, p, " of channel '" + c.id + "'");
      } else {
        throw refusal{file.where(p) + ": unknown property <" + std::string(key) + "> of streaming channel '" +
                      c.id + "'"};
      }
    }
  }

  // <user-agent-settings><user-agent match-on="MSIE" kickstart-bytes="2048"
  // max-persistent-connections-per-session="1"/>: the kick-start size per user agent (replacing
  // the default for the same match-on); the per-session limit is checked and noted.
  void read_user_agents(const xml_file& file, const pugi::xml_node& settings, services_config::channel& c) {
    std::vector<streaming_channel_options::user_agent>& agents = c.streaming.user_agents;
    for (const pugi::xml_node& agent : settings.children()) {
      if (agent.type() != pugi::node_element) continue;
      if (std::string_view(agent.name()) != "user-agent") {
        throw refusal{file.where(agent) + ": expected <user-agent> in <user-agent-settings> of channel '" +
                      c.id + "', found <" + agent.name() + ">"};
      }
      streaming_channel_options::user_agent ua;
      for (const pugi::xml_attribute& a : agent.attributes()) {
        const std::string_view name = a.name();
        if (name == "match-on") {
          ua.match_on = trimmed(a.value());
        } else if (name == "kickstart-bytes") {
          ua.kickstart_bytes =
              static_cast<std::size_t>(integer_in(file, agent, a.name(), trimmed(a.value()), 0, 65536));
        } else if (name == "max-persistent-connections-per-session" ||
                   name == "max-streaming-connections-per-session") {
          integer_in(file, agent, std::string(name), trimmed(a.value()), 0, 1000000);
          out_.notes.push_back(file.where(agent) + ": ignored " + std::string(name) + " of channel '" + c.id +
                               "' (one stream per FlexClient; max-streaming-clients bounds the endpoint)");
        } else {
          throw refusal{file.where(agent) + ": unknown attribute " + std::string(name) +
                        " of <user-agent> in channel '" + c.id + "'"};
        }
      }
      if (ua.match_on.empty()) throw refusal{file.where(agent) + ": <user-agent> without match-on"};
      std::erase_if(agents, [&](const auto& known) { return known.match_on == ua.match_on; });
      agents.push_back(std::move(ua));
    }
  }

  // <channels> or <default-channels>: the <channel ref>s, each remembered for check_channel_refs.
  std::vector<std::string> channel_list(const xml_file& file, const pugi::xml_node& list,
                                        const std::string& of) {
    std::vector<std::string> ids;
    for (const pugi::xml_node& ref : list.children()) {
      if (ref.type() != pugi::node_element) continue;
      if (std::string_view(ref.name()) != "channel" || ref.attribute("ref").empty()) {
        throw refusal{file.where(ref) + ": expected <channel ref=\"...\"/> in <" + list.name() + ">" + of};
      }
      ids.emplace_back(ref.attribute("ref").value());
      channel_refs_.push_back({file.where(ref), ids.back()});
    }
    return ids;
  }

  // <flex-client><timeout-minutes>: how long a FlexClient lives without a call.
  void read_flex_client(const xml_file& file, const pugi::xml_node& node) {
    for (const pugi::xml_node& p : node.children()) {
      if (p.type() != pugi::node_element) continue;
      const std::string_view key = p.name();
      if (key == "timeout-minutes") {
        out_.flex_client_timeout = std::chrono::minutes(integer_value(file, p, 1, max_interval_ms / 60000));
      } else if (is_ignored_key(key, {"heartbeat-interval-millis", "reliable-reconnect-duration-millis",
                                      "flex-client-outbound-queue-processor"})) {
        ignored(file, p, " in <flex-client>");
      } else {
        throw refusal{file.where(p) + ": unknown property <" + std::string(key) + "> in <flex-client>"};
      }
    }
  }

  void read_service(const xml_file& file, const pugi::xml_node& service) {
    const std::string id = service.attribute("id").value();
    const std::string service_class = service.attribute("class").value();
    if (service_class == message_service_class) return read_message_service(file, service, id);
    if (service_class != remoting_service_class) {
      out_.notes.push_back(file.where(service) + ": ignored service '" + id + "' (" + service_class +
                           "): only remoting and messaging destinations are read");
      return;
    }
    const std::size_t first = out_.destinations.size();
    std::vector<std::string> defaults;
    for (const pugi::xml_node& child : service.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "destination") {
        read_destination(file, child);
      } else if (name == "default-channels") {
        defaults = channel_list(file, child, " of service '" + id + "'");
      } else {
        ignored(file, child, " of service '" + id + "'");
      }
    }
    for (std::size_t i = first; i < out_.destinations.size(); ++i) {
      if (out_.destinations[i].channels.empty()) out_.destinations[i].channels = defaults;
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
      if (std::string_view(child.name()) == "channels") {
        d.channels = channel_list(file, child, " of destination '" + d.id + "'");
        continue;
      }
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

  // <service class="flex.messaging.services.MessageService">: its destinations and
  // default-channels; adapters are noted (every destination uses the in-process broker).
  void read_message_service(const xml_file& file, const pugi::xml_node& service, const std::string& id) {
    const std::size_t first = out_.messaging_destinations.size();
    std::vector<std::string> defaults;
    for (const pugi::xml_node& child : service.children()) {
      if (child.type() != pugi::node_element) continue;
      if (std::string_view(child.name()) == "destination") {
        read_message_destination(file, child);
      } else if (std::string_view(child.name()) == "default-channels") {
        defaults = channel_list(file, child, " of service '" + id + "'");
      } else {
        ignored(file, child, " of service '" + id + "'");
      }
    }
    for (std::size_t i = first; i < out_.messaging_destinations.size(); ++i) {
      if (out_.messaging_destinations[i].channels.empty()) out_.messaging_destinations[i].channels = defaults;
    }
  }

  void read_message_destination(const xml_file& file, const pugi::xml_node& node) {
    services_config::messaging_destination d;
    d.config.name = node.attribute("id").value();
    d.where = file.where(node);
    if (d.config.name.empty()) throw refusal{d.where + ": messaging <destination> without id"};
    for (const services_config::messaging_destination& other : out_.messaging_destinations) {
      if (other.config.name == d.config.name) {
        throw refusal{d.where + ": messaging destination '" + d.config.name + "' is already defined at " +
                      other.where};
      }
    }
    const std::string of = " of destination '" + d.config.name + "'";
    for (const pugi::xml_node& child : node.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "properties") {
        read_message_properties(file, child, d, of);
      } else if (name == "channels") {
        d.channels = channel_list(file, child, of);
      } else if (is_ignored_key(name, {"adapter", "security"})) {
        ignored(file, child, of);
      } else {
        throw refusal{file.where(child) + ": unknown element <" + std::string(name) + ">" + of};
      }
    }
    out_.messaging_destinations.push_back(std::move(d));
  }

  void read_message_properties(const xml_file& file, const pugi::xml_node& properties,
                               services_config::messaging_destination& d, const std::string& of) {
    messaging::destination_config& c = d.config;
    for (const pugi::xml_node& group : properties.children()) {
      if (group.type() != pugi::node_element) continue;
      const std::string_view name = group.name();
      if (name == "network" || name == "server") {
        for (const pugi::xml_node& p : group.children()) {
          if (p.type() != pugi::node_element) continue;
          const std::string_view key = p.name();
          if (name == "network" && (key == "subscription-timeout-minutes" || key == "session-timeout")) {
            c.subscription_timeout = millis_value(file, p, 60 * 1000);  // session-timeout: the old name
          } else if (name == "network" &&
                     is_ignored_key(key, {"throttle-inbound", "throttle-outbound", "cluster", "reliable",
                                          "subscription-timeout-seconds"})) {
            ignored(file, p, of);
          } else if (name == "server" && key == "message-time-to-live") {
            c.message_ttl = millis_value(file, p, 1);
          } else if (name == "server" && key == "max-cache-size") {
            c.max_queue = static_cast<std::size_t>(integer_value(file, p, 0, 1000000));
          } else if (name == "server" && key == "allow-subtopics") {
            c.allow_subtopics = boolean_value(file, p);
          } else if (name == "server" && key == "subtopic-separator") {
            c.subtopic_separator = trimmed(p.text().get());
            if (c.subtopic_separator.empty() || c.subtopic_separator.find('*') != std::string::npos) {
              throw refusal{file.where(p) + ": <subtopic-separator> must be non-empty and without '*'"};
            }
          } else if (name == "server" && key == "disallow-wildcard-subtopics") {
            c.allow_wildcard_subtopics = !boolean_value(file, p);
          } else if (name == "server" && key == "durable") {
            if (boolean_value(file, p)) {
              throw refusal{file.where(p) +
                            ": <durable> must be false: durable (JMS) destinations are not supported"};
            }
          } else if (name == "server" &&
                     is_ignored_key(key, {"message-priority", "send-security-constraint",
                                          "subscribe-security-constraint", "cluster-message-routing"})) {
            ignored(file, p, of);
          } else {
            throw refusal{file.where(p) + ": unknown property <" + std::string(key) + "> in <" +
                          std::string(name) + ">" + of};
          }
        }
      } else if (is_ignored_key(name, {"jms"})) {
        ignored(file, group, of);
      } else {
        throw refusal{file.where(group) + ": unknown property <" + std::string(name) + ">" + of};
      }
    }
  }

  // Destinations with neither their own channels nor their service's get the file's
  // <services><default-channels> (read after the includes, so only now).
  void resolve_default_channels() {
    for (services_config::remoting_destination& d : out_.destinations) {
      if (d.channels.empty()) d.channels = default_channels_;
    }
    for (services_config::messaging_destination& d : out_.messaging_destinations) {
      if (d.channels.empty()) d.channels = default_channels_;
    }
  }

  // Every <channel ref> names a channel-definition (once all files are read).
  std::string check_channel_refs() const {
    for (const channel_ref& r : channel_refs_) {
      const bool defined = std::any_of(out_.channels.begin(), out_.channels.end(),
                                       [&](const services_config::channel& c) { return c.id == r.ref; });
      if (!defined) return r.where + ": no channel-definition with id '" + r.ref + "'";
    }
    return {};
  }

  struct channel_ref {
    std::string where;
    std::string ref;
  };

  services_config& out_;
  std::vector<channel_ref> channel_refs_;
  std::vector<std::string> default_channels_;  // <services><default-channels>
  std::vector<std::string> including_;         // canonical paths being read: include cycles
};

}  // namespace

namespace {

// The paths of the mounted channels of these kinds, each once, in file order.
std::vector<std::string> mounted_paths(const std::vector<services_config::channel>& channels,
                                       std::initializer_list<std::string_view> kinds) {
  std::vector<std::string> paths;
  for (const services_config::channel& c : channels) {
    if (c.mounted && std::find(kinds.begin(), kinds.end(), c.kind) != kinds.end() &&
        std::find(paths.begin(), paths.end(), c.path) == paths.end()) {
      paths.push_back(c.path);
    }
  }
  return paths;
}

}  // namespace

std::vector<std::string> services_config::amf_paths() const {
  return mounted_paths(channels, {"amf", "polling"});
}

std::vector<std::string> services_config::streaming_paths() const {
  return mounted_paths(channels, {"streaming"});
}

std::vector<std::string> services_config::websocket_paths() const {
  return mounted_paths(channels, {"websocket"});
}

std::vector<const services_config::channel*> services_config::streaming_channels() const {
  std::vector<const channel*> out;
  for (const channel& c : channels) {
    if (!c.mounted || c.kind != "streaming") continue;
    if (std::none_of(out.begin(), out.end(), [&](const channel* o) { return o->path == c.path; }))
      out.push_back(&c);
  }
  return out;
}

destination_channels services_config::channel_rules() const {
  destination_channels rules;
  for (const channel& c : channels) {
    if (c.mounted) rules.add_endpoint(c.path, c.id);
  }
  for (const remoting_destination& d : destinations) rules.set_channels(d.id, d.channels);
  for (const messaging_destination& d : messaging_destinations) rules.set_channels(d.config.name, d.channels);
  return rules;
}

std::vector<polling_channel> services_config::polling_channels() const {
  std::vector<polling_channel> out;
  for (const channel& c : channels) {
    if (!c.mounted || c.kind != "polling") continue;
    polling_channel p;
    p.path = c.path;
    p.wait_interval = c.wait_interval;
    p.max_waiting_polls = c.max_waiting_poll_requests;
    p.client_wait_interval = c.client_wait_interval;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<messaging::destination_config> services_config::broker_destinations() const {
  std::vector<messaging::destination_config> out;
  for (const messaging_destination& d : messaging_destinations) out.push_back(d.config);
  return out;
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
