// amphora serve: the AMF server (the gateway with the built-in EchoService and the messaging
// destination "chat" at /amf and /messagebroker/amf, the polling and long-polling endpoints,
// the HTTP streaming channel, the WebSocket channel, /health), until SIGINT or SIGTERM.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amphora/messaging/broker.hpp"
#include "amphora/security/policy_store.hpp"
#include "amphora/security/user_store.hpp"
#include "amphora/server/config.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/service.hpp"
#include "amphora/server/services_config.hpp"
#include "amphora/server/streaming_channel.hpp"
#include "amphora/server/websocket_channel.hpp"
#include "command.hpp"

namespace amphora::cli {
namespace {

// The flags that set a config key of the same meaning (the file's keys use '_').
struct flag_setting {
  std::string_view flag;
  std::string_view key;
};
constexpr flag_setting flag_settings[] = {
    {"--host", "host"},
    {"--port", "port"},
    {"--threads", "threads"},
    {"--max-body", "max_body"},
    {"--log-level", "log_level"},
    {"--cors-origins", "cors_origins"},
    {"--services-config", "services_config"},
    {"--acl", "acl"},
    {"--anonymous-role", "anonymous_role"},
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
    {"--services-config", "", "FILE",
     "A BlazeDS services-config.xml: also serve its AMF channel paths, remoting and messaging destinations."},
    {"--acl", "", "FILE", "Check every call against this access policy (XML); SIGHUP reloads it."},
    {"--anonymous-role", "", "ROLE", "The role of callers who have not logged in (default anonymous)."},
    {"--users", "", "FILE", "Enable login (Flex LOGIN, NetConnection Credentials) against this user file."},
};

// BlazeDS's channel paths; the long-polling one parks each poll up to 30 s (wait-interval-millis).
constexpr std::string_view polling_path = "/messagebroker/amfpolling";
constexpr std::string_view long_polling_path = "/messagebroker/amflongpolling";
constexpr std::string_view websocket_path = "/messagebroker/websocket";
constexpr std::string_view streaming_path = "/messagebroker/streamingamf";

std::vector<server::polling_channel> default_channels() {
  server::polling_channel polling;
  polling.path = polling_path;
  server::polling_channel long_polling;
  long_polling.path = long_polling_path;
  long_polling.wait_interval = std::chrono::seconds(30);
  long_polling.max_waiting_polls = 10000;
  return {polling, long_polling};
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void print_banner(const server::server& s, const server::gateway& amf) {
  std::printf("amphora %s: AMF remoting and messaging server\n", AMPHORA_VERSION);
  std::printf("listening on http://%s:%u\n", url_host(s.settings().host).c_str(), unsigned{s.port()});
  std::printf("endpoints:\n");
  for (const server::route_info& r : s.routes()) {
    std::string methods;
    for (const std::string& m : r.methods) methods += (methods.empty() ? "" : ",") + m;
    std::printf("  %-5s %s\n", methods.c_str(), r.path.c_str());
  }
  for (const server::websocket_route& w : s.websocket_routes()) {
    std::printf("  %-5s %s (WebSocket)\n", "GET", w.path.c_str());
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
  std::vector<std::string> paths = {"/amf", "/messagebroker/amf", std::string(polling_path),
                                    std::string(long_polling_path)};
  server::services_config blazeds;
  std::vector<std::string> streaming_paths = {std::string(streaming_path)};
  if (!cfg.services_config.empty()) {
    if (std::string error = server::load_services_config(cfg.services_config, blazeds); !error.empty()) {
      return data_error(c, error);
    }
    std::vector<std::string> notes = std::move(blazeds.notes);
    for (std::string& note : server::apply_services_config(blazeds, services))
      notes.push_back(std::move(note));
    if (cfg.level != server::log_level::off) {
      for (const std::string& note : notes) std::fprintf(stderr, "services-config: %s\n", note.c_str());
    }
    for (const std::string& path : blazeds.amf_paths()) {
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
    for (const std::string& path : blazeds.streaming_paths()) {
      if (std::find(paths.begin(), paths.end(), path) == paths.end() &&
          std::find(streaming_paths.begin(), streaming_paths.end(), path) == streaming_paths.end()) {
        streaming_paths.push_back(path);
      }
    }
  }
  server::gateway_options options;
  options.limits.max_input_bytes = cfg.max_body;
  messaging::broker_config messaging;
  messaging.destinations = blazeds.broker_destinations();
  if (messaging.destinations.empty()) messaging.destinations.emplace_back().name = "chat";
  options.channels = default_channels();
  for (server::polling_channel& configured : blazeds.polling_channels()) {  // replaces a default path
    std::erase_if(options.channels,
                  [&](const server::polling_channel& p) { return p.path == configured.path; });
    options.channels.push_back(std::move(configured));
  }
  if (blazeds.flex_client_timeout) {
    messaging.client_idle_timeout = *blazeds.flex_client_timeout;
    options.client_idle_timeout = *blazeds.flex_client_timeout;
  }
  options.broker = std::make_shared<messaging::broker>(std::move(messaging));
  options.timers = s.timers();
  if (!cfg.acl.empty()) {
    try {
      options.access = std::make_shared<security::policy_store>(cfg.acl);
    } catch (const security::policy_error& e) {
      return data_error(c, std::string("access policy refused: ") + e.what());
    }
    options.anonymous_role = cfg.anonymous_role;
  }
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
  for (const std::string& path : paths) s.mount(path, amf);
  server::streaming_channel_options streaming;
  streaming.timers = s.timers();
  const std::shared_ptr<server::handler> streaming_channel = server::make_streaming_channel(amf, streaming);
  for (const std::string& path : streaming_paths) s.mount(path, streaming_channel);
  server::websocket_channel_options websocket;
  websocket.access = options.access;
  websocket.anonymous_role = options.anonymous_role;
  s.mount_websocket(std::string(websocket_path), server::make_websocket_channel(options.broker, websocket));
  try {
    s.start();
  } catch (const std::exception& e) {
    return data_error(c, e.what());
  }
  print_banner(s, *amf);
  if (users) std::printf("authentication: %zu users from %s\n", users->size(), cfg.users_file.c_str());
  std::fflush(stdout);
  if (options.access) {
    s.stop_on_signals([store = options.access] {
      if (const std::string error = store->reload(); !error.empty()) {
        std::fprintf(stderr, "SIGHUP: access policy reload failed, the old policy stays: %s\n",
                     error.c_str());
      } else {
        std::fprintf(stderr, "SIGHUP: access policy reloaded from %s\n", store->path().c_str());
      }
    });
  } else {
    s.stop_on_signals();
  }
  s.wait();
  return exit_ok;
}

const command serve_command{
    .name = "serve",
    .summary = "run the AMF server (NetConnection, Flex RemoteObject, Producer/Consumer)",
    .synopsis =
        "[--host HOST] [--port PORT] [--config FILE] [--services-config FILE] [--acl FILE] [--users FILE]\n"
        "       [--threads N] ...",
    .description =
        "Serves AMF remoting at /amf and /messagebroker/amf (BlazeDS's default path) with the\n"
        "built-in EchoService, messaging (Flex Producer/Consumer) on destination 'chat' through\n"
        "every endpoint, polling at /messagebroker/amfpolling and long-polling (polls wait up to\n"
        "30 s for a message) at /messagebroker/amflongpolling, pushes over the HTTP streaming\n"
        "channel at /messagebroker/streamingamf and the WebSocket channel at\n"
        "/messagebroker/websocket (docs/protocol.md), and GET /health. Prints 'listening on\n"
        "http://HOST:PORT' (the\n"
        "actual port when --port 0 was given), the endpoints and the destinations, then logs one\n"
        "line per request on stderr: time, client, method, path, status, bytes in, bytes out,\n"
        "duration. SIGINT (Ctrl+C) or SIGTERM stops it gracefully: requests in flight are\n"
        "answered first. Settings come from --config FILE (key = value lines, keys as in\n"
        "docs/server.md), then from the flags. --services-config reads a BlazeDS\n"
        "services-config.xml: its AMF and AMF polling channel endpoint paths are served too (with\n"
        "their long-poll settings), its remoting destination ids call the registered service named\n"
        "by <source> (or the id), and its messaging destinations replace 'chat' (docs/server.md).\n"
        "With --acl FILE (key acl) every call needs privilege 'call' on 'Destination.operation'\n"
        "in that access policy (docs/security.md); callers who have not logged in have the role\n"
        "--anonymous-role (default 'anonymous'). A policy with an error stops the start (exit 1,\n"
        "FILE:LINE: reason); SIGHUP reloads it, and a failed reload keeps the old policy.\n"
        "With --users FILE (see `amphora passwd`), Flex\n"
        "LOGIN and NetConnection credentials are checked against that user file and services see\n"
        "the caller (docs/security.md); without it LOGIN is refused.",
    .options = serve_options,
    .max_positionals = 0,
    .examples =
        "amphora serve\n"
        "amphora serve --port 0 --log-level warn\n"
        "amphora serve --config amphora.conf --cors-origins http://localhost:3000\n"
        "amphora serve --services-config WEB-INF/flex/services-config.xml\n"
        "amphora serve --acl acl.xml --anonymous-role guest",
    .run = run,
};
const command_registration registered{serve_command};

}  // namespace
}  // namespace amphora::cli
