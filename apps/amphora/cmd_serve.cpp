// amphora serve: the AMF remoting server (the gateway with the built-in EchoService at /amf and
// /messagebroker/amf, /health), until SIGINT or SIGTERM.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "amphora/security/user_store.hpp"
#include "amphora/server/config.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/service.hpp"
#include "command.hpp"

namespace amphora::cli {
namespace {

// The flags that set a config key of the same meaning (the file's keys use '_').
struct flag_setting {
  std::string_view flag;
  std::string_view key;
};
constexpr flag_setting flag_settings[] = {
    {"--host", "host"},         {"--port", "port"},           {"--threads", "threads"},
    {"--max-body", "max_body"}, {"--log-level", "log_level"}, {"--cors-origins", "cors_origins"},
    {"--users", "users"},
};

const std::vector<option_spec> serve_options = {
    {"--host", "", "HOST", "Address to listen on (default 127.0.0.1)."},
    {"--port", "-p", "PORT", "Port to listen on (default 8400; 0 picks a free port)."},
    {"--config", "-c", "FILE", "Read settings from FILE (key = value lines); flags override it."},
    {"--threads", "", "N", "I/O threads (default: one per core)."},
    {"--max-body", "", "BYTES", "Request body limit, K/M/G suffixes allowed (default 16M); 413 over it."},
    {"--cors-origins", "", "LIST", "Comma-separated origins allowed to call from a browser ('*': any)."},
    {"--log-level", "", "LEVEL", "off, error, warn, info (one line per request; default) or debug."},
    {"--users", "", "FILE", "Enable login (Flex LOGIN, NetConnection Credentials) against this user file."},
};

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void print_banner(const server::server& s, const server::gateway& amf) {
  std::printf("amphora %s: AMF remoting server\n", AMPHORA_VERSION);
  std::printf("listening on http://%s:%u\n", url_host(s.settings().host).c_str(), unsigned{s.port()});
  std::printf("endpoints:\n");
  for (const server::route_info& r : s.routes()) {
    std::string methods;
    for (const std::string& m : r.methods) methods += (methods.empty() ? "" : ",") + m;
    std::printf("  %-5s %s\n", methods.c_str(), r.path.c_str());
  }
  std::printf("  %-5s %s\n", "GET", "/health");
  std::printf("destinations:\n");
  for (const std::string& d : amf.destinations()) std::printf("  %s\n", d.c_str());
  std::printf("press Ctrl+C to stop\n");
  std::fflush(stdout);
}

int run(const command& c, const parsed_args& args) {
  if (!args.positionals().empty()) return usage_error(c, "serve takes no arguments");
  server::config cfg;
  if (const auto file = args.value("--config")) {
    if (std::string error = server::load_config_file(std::string(*file), cfg); !error.empty()) {
      return usage_error(c, error);
    }
  }
  for (const flag_setting& f : flag_settings) {
    const auto value = args.value(f.flag);
    if (!value) continue;
    if (std::string error = server::apply_setting(cfg, f.key, *value); !error.empty()) {
      return usage_error(c, std::string(f.flag) + ": " + error);
    }
  }

  server::server s(cfg);
  server::service_registry services;
  server::add_echo_service(services);
  server::gateway_options options;
  options.limits.max_input_bytes = cfg.max_body;
  std::shared_ptr<const security::file_user_store> users;
  if (!cfg.users_file.empty()) {
    if (std::string error = security::file_user_store::load(cfg.users_file, users); !error.empty()) {
      return usage_error(c, error);
    }
    options.authentication.authenticator = users;
    options.authentication.per_client = cfg.per_client_authentication;
    options.authentication.secure_cookie = cfg.secure_cookie;
  }
  const std::shared_ptr<server::gateway> amf =
      server::make_amf_gateway(std::move(services), options, s.runner());
  s.mount("/amf", amf);
  s.mount("/messagebroker/amf", amf);
  try {
    s.start();
  } catch (const std::exception& e) {
    return data_error(c, e.what());
  }
  print_banner(s, *amf);
  if (users) std::printf("authentication: %zu users from %s\n", users->size(), cfg.users_file.c_str());
  std::fflush(stdout);
  s.stop_on_signals();
  s.wait();
  return exit_ok;
}

const command serve_command{
    .name = "serve",
    .summary = "run the AMF remoting server (NetConnection and Flex RemoteObject)",
    .synopsis =
        "[--host HOST] [--port PORT] [--config FILE] [--threads N] [--max-body BYTES] [--log-level LEVEL]\n"
        "       [--users FILE]",
    .description =
        "Serves AMF remoting at /amf and /messagebroker/amf (BlazeDS's default path) with the\n"
        "built-in EchoService, and GET /health. Prints 'listening on http://HOST:PORT' (the\n"
        "actual port when --port 0 was given), the endpoints and the destinations, then logs one\n"
        "line per request on stderr: time, client, method, path, status, bytes in, bytes out,\n"
        "duration. SIGINT (Ctrl+C) or SIGTERM stops it gracefully: requests in flight are\n"
        "answered first. Settings come from --config FILE (key = value lines, keys as in\n"
        "docs/server.md), then from the flags. With --users FILE (see `amphora passwd`), Flex\n"
        "LOGIN and NetConnection credentials are checked against that user file and services see\n"
        "the caller (docs/security.md); without it LOGIN is refused.",
    .options = serve_options,
    .max_positionals = 0,
    .examples =
        "amphora serve\n"
        "amphora serve --port 0 --log-level warn\n"
        "amphora serve --config amphora.conf --cors-origins http://localhost:3000",
    .run = run,
};
const command_registration registered{serve_command};

}  // namespace
}  // namespace amphora::cli
