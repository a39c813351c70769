// Config settings from text: the config file and `amphora serve`'s flags share apply_setting.
#include "amphora/server/config.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <string>

namespace amphora::server {
namespace {

std::string_view trim(std::string_view s) noexcept {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// An unsigned number with an optional K, M or G suffix (powers of 1024) when `sizes` is set.
bool parse_unsigned(std::string_view text, std::uint64_t max, bool sizes, std::uint64_t& out) noexcept {
  std::uint64_t scale = 1;
  if (sizes && !text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        scale = 1024;
        break;
      case 'M':
      case 'm':
        scale = 1024 * 1024;
        break;
      case 'G':
      case 'g':
        scale = 1024 * 1024 * 1024;
        break;
      default:
        break;
    }
    if (scale != 1) text.remove_suffix(1);
  }
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return false;
  if (n > max / scale) return false;
  out = n * scale;
  return true;
}

template <class T>
std::string set_number(std::string_view key, std::string_view value, bool sizes, T& out) {
  std::uint64_t n = 0;
  if (!parse_unsigned(value, std::numeric_limits<T>::max(), sizes, n)) {
    return std::string(key) + ": not a valid number '" + std::string(value) + "'";
  }
  out = static_cast<T>(n);
  return {};
}

std::string set_ms(std::string_view key, std::string_view value, std::chrono::milliseconds& out) {
  std::uint32_t n = 0;  // at most ~49 days
  std::string error = set_number(key, value, false, n);
  if (error.empty()) out = std::chrono::milliseconds(n);
  return error;
}

std::string set_bool(std::string_view key, std::string_view value, bool& out) {
  if (value == "true" || value == "yes" || value == "1" || value == "on") {
    out = true;
  } else if (value == "false" || value == "no" || value == "0" || value == "off") {
    out = false;
  } else {
    return std::string(key) + ": expected true or false, not '" + std::string(value) + "'";
  }
  return {};
}

std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> items;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace

bool parse_log_level(std::string_view name, log_level& out) noexcept {
  constexpr std::pair<std::string_view, log_level> names[] = {{"off", log_level::off},
                                                              {"error", log_level::error},
                                                              {"warn", log_level::warn},
                                                              {"info", log_level::info},
                                                              {"debug", log_level::debug}};
  for (const auto& [n, level] : names) {
    if (n == name) {
      out = level;
      return true;
    }
  }
  return false;
}

std::string apply_setting(config& cfg, std::string_view key, std::string_view value) {
  value = trim(value);
  if (key == "host") {
    if (value.empty()) return "host: empty";
    cfg.host = std::string(value);
    return {};
  }
  if (key == "port") return set_number(key, value, false, cfg.port);
  if (key == "threads") return set_number(key, value, false, cfg.threads);
  if (key == "max_body") return set_number(key, value, true, cfg.max_body);
  if (key == "max_header") return set_number(key, value, true, cfg.max_header);
  if (key == "max_connections") return set_number(key, value, false, cfg.max_connections);
  if (key == "pipeline_limit") {
    std::string error = set_number(key, value, false, cfg.pipeline_limit);
    if (error.empty() && cfg.pipeline_limit == 0) return "pipeline_limit: must be at least 1";
    return error;
  }
  if (key == "rate_limit") return set_number(key, value, false, cfg.rate_limit);
  if (key == "rate_burst") {
    std::string error = set_number(key, value, false, cfg.rate_burst);
    if (error.empty() && cfg.rate_burst == 0) return "rate_burst: must be at least 1";
    return error;
  }
  if (key == "rate_exempt") {
    cfg.rate_exempt = split_list(value);
    return {};
  }
  if (key == "rate_clients") {
    std::string error = set_number(key, value, false, cfg.rate_clients);
    if (error.empty() && cfg.rate_clients == 0) return "rate_clients: must be at least 1";
    return error;
  }
  if (key == "header_timeout_ms") return set_ms(key, value, cfg.header_timeout);
  if (key == "body_timeout_ms") return set_ms(key, value, cfg.body_timeout);
  if (key == "write_timeout_ms") return set_ms(key, value, cfg.write_timeout);
  if (key == "shutdown_timeout_ms") return set_ms(key, value, cfg.shutdown_timeout);
  if (key == "blocking_threads") return set_number(key, value, false, cfg.blocking_threads);
  if (key == "blocking_queue") return set_number(key, value, false, cfg.blocking_queue);
  if (key == "cors_origins") {
    cfg.cors_origins = split_list(value);
    return {};
  }
  if (key == "cors_credentials") return set_bool(key, value, cfg.cors_credentials);
  if (key == "cors_headers") {
    cfg.cors_headers = std::string(value);
    return {};
  }
  if (key == "services_config") {
    cfg.services_config = std::string(value);
    return {};
  }
  if (key == "max_queued_messages") {
    std::string error = set_number(key, value, false, cfg.max_queued_messages);
    if (error.empty() && cfg.max_queued_messages == 0) return "max_queued_messages: must be at least 1";
    return error;
  }
  if (key == "max_parked_polls") return set_number(key, value, false, cfg.max_parked_polls);
  if (key == "max_streaming_clients") return set_number(key, value, false, cfg.max_streaming_clients);
  if (key == "log_level") {
    if (!parse_log_level(value, cfg.level)) {
      return "log_level: expected off, error, warn, info or debug, not '" + std::string(value) + "'";
    }
    return {};
  }
  if (key == "acl") {
    cfg.acl = std::string(value);
    return {};
  }
  if (key == "anonymous_role") {
    if (value.empty()) return "anonymous_role: empty";
    cfg.anonymous_role = std::string(value);
    return {};
  }
  if (key == "users") {
    cfg.users_file = std::string(value);
    return {};
  }
  if (key == "per_client_authentication") return set_bool(key, value, cfg.per_client_authentication);
  if (key == "secure_cookie") return set_bool(key, value, cfg.secure_cookie);
  if (key == "tls_cert") {
    cfg.tls_cert = std::string(value);
    return {};
  }
  if (key == "tls_key") {
    cfg.tls_key = std::string(value);
    return {};
  }
  if (key == "tls_port") return set_number(key, value, false, cfg.tls_port);
  if (key == "plain_http") return set_bool(key, value, cfg.plain_http);
  if (key == "tls_handshake_timeout_ms") return set_ms(key, value, cfg.tls_handshake_timeout);
  return "unknown key '" + std::string(key) + "'";
}

std::string load_config_file(const std::string& path, config& cfg) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open";
  std::string line;
  for (unsigned number = 1; std::getline(in, line); ++number) {
    const auto where = [&] { return path + ":" + std::to_string(number) + ": "; };
    std::string_view text = line;
    if (const std::size_t hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
    text = trim(text);
    if (text.empty()) continue;
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) return where() + "expected key = value";
    if (std::string error = apply_setting(cfg, trim(text.substr(0, eq)), text.substr(eq + 1));
        !error.empty()) {
      return where() + error;
    }
  }
  if (in.bad()) return path + ": read error";
  return {};
}

}  // namespace amphora::server
