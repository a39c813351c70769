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
#include "amphora/security/user_file.hpp"
#include "amphora/server/admin_service.hpp"
#include "amphora/server/config.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/service.hpp"
#include "amphora/server/services_config.hpp"
#include "amphora/server/streaming_channel.hpp"
#include "amphora/server/websocket_channel.hpp"
#include "command.hpp"
#include "fd_limit.hpp"

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
    {"--max-header", "max_header"},
    {"--max-connections", "max_connections"},
    {"--rate-limit", "rate_limit"},
    {"--rate-burst", "rate_burst"},
    {"--rate-exempt", "rate_exempt"},
    {"--max-queued-messages", "max_queued_messages"},
    {"--max-parked-polls", "max_parked_polls"},
    {"--max-streaming-clients", "max_streaming_clients"},
    {"--log-level", "log_level"},
    {"--cors-origins", "cors_origins"},
    {"--services-config", "services_config"},
    {"--acl", "acl"},
    {"--anonymous-role", "anonymous_role"},
    {"--users", "users"},
    {"--tls-cert", "tls_cert"},
    {"--tls-key", "tls_key"},
    {"--tls-port", "tls_port"},
    {"--plain-http", "plain_http"},
};

const std::vector<option_spec> serve_options = {
    {"--host", "", "HOST", "Address to listen on (default 127.0.0.1)."},
    {"--port", "-p", "PORT", "Port to listen on (default 8400; 0 picks a free port)."},
    {"--config", "-c", "FILE", "Read settings from FILE (key = value lines); flags override it."},
    {"--threads", "", "N", "I/O threads (default: one per core)."},
    {"--max-body", "", "BYTES", "Request body limit, K/M/G suffixes allowed (default 16M); 413 over it."},
    {"--max-header", "", "BYTES", "Request header block limit (default 8K); 431 over it."},
    {"--max-connections", "", "N", "Open connections at most (default 10000); 503 for the next ones."},
    {"--rate-limit", "", "N",
     "Requests per second per client address, on average (default 100; 0: no limit); 429 over it."},
    {"--rate-burst", "", "N",
     "Requests a client address may send at once before --rate-limit applies (default 200)."},
    {"--rate-exempt", "", "LIST",
     "Comma-separated addresses never rate limited (default 127.0.0.1,::1; '' for none)."},
    {"--max-queued-messages", "", "N",
     "Messages waiting per FlexClient (default 1000); past it the oldest is dropped."},
    {"--max-parked-polls", "", "N",
     "Long polls waiting at once (default 10000; one per FlexClient); 0: none wait."},
    {"--max-streaming-clients", "", "N",
     "HTTP streams open at once on /messagebroker/streamingamf (default 10000); 503 past it."},
    {"--cors-origins", "", "LIST", "Comma-separated origins allowed to call from a browser ('*': any)."},
    {"--log-level", "", "LEVEL", "off, error, warn, info (one line per request; default) or debug."},
    {"--services-config", "", "FILE",
     "A BlazeDS services-config.xml: also serve its AMF channel paths, remoting and messaging destinations."},
    {"--acl", "", "FILE", "Check every call against this access policy (XML); SIGHUP reloads it."},
    {"--anonymous-role", "", "ROLE", "The role of callers who have not logged in (default anonymous)."},
    {"--users", "", "FILE",
     "Enable login (Flex LOGIN, NetConnection Credentials) against this user file; SIGHUP reloads it."},
    {"--tls-cert", "", "FILE", "PEM certificate chain: also serve HTTPS and WSS on --tls-port."},
    {"--tls-key", "", "FILE", "PEM private key of --tls-cert (keep it mode 600)."},
    {"--tls-port", "", "PORT", "Port of the HTTPS/WSS listener (default 8443; 0 picks a free port)."},
    {"--plain-http", "", "BOOL", "false: no plain HTTP listener, TLS only (default true)."},
};

// BlazeDS's channel paths; the long-polling one parks each poll up to 30 s (wait-interval-millis).
constexpr std::string_view polling_path = "/messagebroker/amfpolling";
constexpr std::string_view long_polling_path = "/messagebroker/amflongpolling";
constexpr std::string_view websocket_path = "/messagebroker/websocket";
constexpr std::string_view streaming_path = "/messagebroker/streamingamf";

std::vector<server::polling_channel> default_channels(std::size_t max_waiting_polls) {
  server::polling_channel polling;
  polling.path = polling_path;
  server::polling_channel long_polling;
  long_polling.path = long_polling_path;
  long_polling.wait_interval = std::chrono::seconds(30);
  long_polling.max_waiting_polls = max_waiting_polls;
  return {polling, long_polling};
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void print_banner(const server::server& s, const server::gateway& amf) {
  std::printf("amphora %s: AMF remoting and messaging server\n", AMPHORA_VERSION);
  if (s.settings().plain_http) {
    std::printf("listening on http://%s:%u\n", url_host(s.settings().host).c_str(), unsigned{s.port()});
  }
  if (s.tls_port() != 0) {
    std::printf("listening on https://%s:%u\n", url_host(s.settings().host).c_str(), unsigned{s.tls_port()});
  }
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
  // One descriptor per connection, and a few for the listener, the log and the event loop.
  const std::size_t wanted_fds = cfg.max_connections + 64;
  if (const std::size_t fds = raise_fd_limit(wanted_fds); fds < wanted_fds) {
    std::fprintf(
        stderr,
        "warning: the open-file limit is %zu, below the %zu descriptors --max-connections %zu needs, and "
        "cannot be raised (ulimit -Hn): connections beyond about %zu will fail\n",
        fds, wanted_fds, cfg.max_connections, fds > 64 ? fds - 64 : 0);
  }

  server::server s(cfg);
  server::service_registry services;
  server::add_echo_service(services);
  std::vector<std::string> paths = {"/amf", "/messagebroker/amf", std::string(polling_path),
                                    std::string(long_polling_path)};
  server::services_config blazeds;
  // Each streaming path with its channel's settings (services-config.xml <properties>).
  server::streaming_channel_options builtin_streaming;
  builtin_streaming.max_streaming_clients = cfg.max_streaming_clients;
  std::vector<std::pair<std::string, server::streaming_channel_options>> streaming_paths = {
      {std::string(streaming_path), builtin_streaming}};
  std::vector<std::string> websocket_paths = {std::string(websocket_path)};
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
    for (const server::services_config::channel* channel : blazeds.streaming_channels()) {
      if (std::find(paths.begin(), paths.end(), channel->path) != paths.end()) continue;
      std::erase_if(streaming_paths, [&](const auto& known) { return known.first == channel->path; });
      streaming_paths.emplace_back(channel->path, channel->streaming);
    }
    for (const std::string& path : blazeds.websocket_paths()) {
      if (std::find(websocket_paths.begin(), websocket_paths.end(), path) == websocket_paths.end())
        websocket_paths.push_back(path);
    }
    for (const server::services_config::channel& channel : blazeds.channels) {
      if (channel.secure && channel.mounted && cfg.tls_cert.empty() && cfg.level != server::log_level::off) {
        std::fprintf(stderr,
                     "services-config: channel '%s' is secure: give --tls-cert and --tls-key so that its "
                     "clients can connect over HTTPS\n",
                     channel.id.c_str());
      }
    }
  }
  server::gateway_options options;
  options.limits.max_input_bytes = cfg.max_body;
  messaging::broker_config messaging;
  messaging.destinations = blazeds.broker_destinations();
  if (messaging.destinations.empty()) messaging.destinations.emplace_back().name = "chat";
  messaging.max_queue = cfg.max_queued_messages;
  // A publish's pushes run on the I/O threads in batches, not one after another on the publisher's.
  messaging.post_wakes = [timers = s.timers()](std::function<void()> batch) {
    if (timers->schedule(std::chrono::milliseconds(0), batch) == 0) batch();  // stopped: here
  };
  options.channels = default_channels(cfg.max_parked_polls);
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
  if (!cfg.services_config.empty()) {
    options.allowed_channels = std::make_shared<const server::destination_channels>(blazeds.channel_rules());
  }
  options.timers = s.timers();
  if (!cfg.acl.empty()) {
    try {
      options.access = std::make_shared<security::policy_store>(cfg.acl);
    } catch (const security::policy_error& e) {
      return data_error(c, std::string("access policy refused: ") + e.what());
    }
    options.anonymous_role = cfg.anonymous_role;
  }
  std::shared_ptr<security::user_file> users;
  if (!cfg.users_file.empty()) {
    if (std::string error = security::user_file::open(cfg.users_file, users); !error.empty()) {
      return usage_error(c, error);
    }
    options.authentication.authenticator = users;
    options.authentication.per_client = cfg.per_client_authentication;
    options.authentication.secure_cookie = cfg.secure_cookie;
  }
  // SIGHUP and AmphoraAdmin.reload: the access policy, the user file and the TLS certificate and
  // key, each kept on failure.
  const bool tls = !cfg.tls_cert.empty();
  const auto reload = [access = options.access, users, tls, &s, &cfg]() -> std::string {
    std::string report;
    std::string failed;
    if (access) {
      if (const std::string error = access->reload(); !error.empty()) {
        failed += "access policy reload failed, the old policy stays: " + error;
      } else {
        report += "access policy reloaded from " + access->path();
      }
    }
    if (users) {
      if (const std::string error = users->reload(); !error.empty()) {
        failed += (failed.empty() ? "" : "; ") + ("user file reload failed, the old users stay: " + error);
      } else {
        report += (report.empty() ? "" : "; ") +
                  ("users reloaded from " + users->path() + " (" + std::to_string(users->size()) + " users)");
      }
    }
    if (tls) {
      try {
        s.reload_tls();
        report += (report.empty() ? "" : "; ") + ("TLS certificate reloaded from " + cfg.tls_cert);
      } catch (const std::exception& e) {
        failed += (failed.empty() ? "" : "; ") +
                  ("TLS reload failed, the old certificate stays: " + std::string(e.what()));
      }
    }
    if (!failed.empty()) throw server::service_error(failed + (report.empty() ? "" : "; " + report));
    return report;
  };
  if (options.access) {
    server::add_admin_service(
        services, {.access = options.access, .anonymous_role = options.anonymous_role, .reload = reload});
  }
  const std::shared_ptr<server::gateway> amf =
      server::make_amf_gateway(std::move(services), options, s.runner());
  for (const std::string& path : paths) s.mount(path, amf);
  for (auto& [path, streaming] : streaming_paths) {
    streaming.timers = s.timers();
    s.mount(path, server::make_streaming_channel(amf, streaming));
  }
  server::websocket_channel_options websocket;
  websocket.access = options.access;
  websocket.anonymous_role = options.anonymous_role;
  websocket.authenticator = users;  // LOGIN on the WebSocket too (null without --users)
  websocket.runner = s.runner();
  websocket.allowed_channels = options.allowed_channels;
  const std::shared_ptr<server::websocket_handler> websocket_channel =
      server::make_websocket_channel(options.broker, websocket);
  for (const std::string& path : websocket_paths) s.mount_websocket(path, websocket_channel);
  try {
    s.start();
  } catch (const std::exception& e) {
    return data_error(c, e.what());
  }
  print_banner(s, *amf);
  if (users) std::printf("authentication: %zu users from %s\n", users->size(), cfg.users_file.c_str());
  std::fflush(stdout);
  if (options.access || users || tls) {
    s.stop_on_signals([reload] {
      try {
        std::fprintf(stderr, "SIGHUP: %s\n", reload().c_str());
      } catch (const server::service_error& e) {
        std::fprintf(stderr, "SIGHUP: %s\n", e.what());
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
        "       [--tls-cert FILE --tls-key FILE [--tls-port PORT]] [--threads N] ...",
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
        "the caller (docs/security.md); without it LOGIN is refused. SIGHUP reloads the user file\n"
        "too (a failed reload keeps the old users). With --acl, the remoting call\n"
        "AmphoraAdmin.reload() does what SIGHUP does, for callers granted privilege 'reload' on\n"
        "resource 'amphora.admin'.\n"
        "With --tls-cert and --tls-key (PEM files) a second listener on --tls-port (default 8443)\n"
        "serves the same endpoints over HTTPS and WSS (TLS 1.2+; Flex SecureAMFChannel clients);\n"
        "the plain listener stays unless --plain-http false. A missing certificate or key, or a\n"
        "key that is not the certificate's, stops the start (exit 1). SIGHUP (and\n"
        "AmphoraAdmin.reload) reads them again for new connections (a renewed certificate); on\n"
        "failure the old ones stay.\n"
        "Limits (docs/security.md, \"Limits and defaults\"): each client address may send\n"
        "--rate-limit requests per second on average, in bursts of --rate-burst; beyond that a\n"
        "request is answered 429 Too Many Requests with Retry-After at once. Loopback clients are\n"
        "exempt by default (--rate-exempt): behind a reverse proxy on another host, list the proxy\n"
        "there or use --rate-limit 0, as every request would seem to come from it.",
    .options = serve_options,
    .max_positionals = 0,
    .examples =
        "amphora serve\n"
        "amphora serve --port 0 --log-level warn\n"
        "amphora serve --config amphora.conf --cors-origins http://localhost:3000\n"
        "amphora serve --services-config WEB-INF/flex/services-config.xml\n"
        "amphora serve --acl acl.xml --anonymous-role guest\n"
        "amphora serve --tls-cert cert.pem --tls-key key.pem --tls-port 8443\n"
        "amphora serve --host 0.0.0.0 --rate-limit 20 --rate-burst 40 --max-connections 2000",
    .run = run,
};
const command_registration registered{serve_command};

}  // namespace
}  // namespace amphora::cli
