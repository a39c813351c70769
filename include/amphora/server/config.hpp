// The server's settings: where it listens, its limits and timeouts, CORS, logging. Every field has
// a safe default; `amphora serve` fills them from a key = value file and then from its flags.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amphora::server {

enum class log_level { off, error, warn, info, debug };

struct config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8400;  // 0: any free port (server::port() tells which)
  unsigned threads = 0;       // I/O threads; 0: std::thread::hardware_concurrency()

  // Limits. A body over max_body gets 413, a header block over max_header 431; both close.
  std::size_t max_body = 16 * 1024 * 1024;
  std::size_t max_header = 8 * 1024;
  std::size_t max_connections = 10000;  // further connections get 503 and are closed at once
  std::size_t pipeline_limit = 8;       // requests read ahead of their responses, per connection

  // Request rate per client address (a token bucket: rate_limit requests per second on average,
  // bursts of rate_burst). Over it a request gets 429 with Retry-After, at once. 0: no limit.
  // Addresses in rate_exempt are never limited (by default loopback: local tools, a reverse proxy
  // on the same host, benchmarks). At most rate_clients addresses are tracked.
  unsigned rate_limit = 100;
  unsigned rate_burst = 200;
  std::vector<std::string> rate_exempt = {"127.0.0.1", "::1"};
  std::size_t rate_clients = 100000;

  // Timeouts. header_timeout bounds the whole header block (and idle keep-alive time), so a client
  // trickling bytes cannot hold a connection; body_timeout bounds the whole body.
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds shutdown_timeout{10'000};  // graceful stop: in-flight requests' deadline

  // The worker pool for blocking services (server::runner()).
  unsigned blocking_threads = 4;
  std::size_t blocking_queue = 1024;  // tasks waiting; further tasks are refused

  // CORS: origins allowed to call from a browser ("*" allows any). Empty: no CORS headers at all.
  std::vector<std::string> cors_origins;
  bool cors_credentials = true;  // Access-Control-Allow-Credentials: true
  std::string cors_headers = "Content-Type";

  log_level level = log_level::info;  // request lines are logged at info

  // A BlazeDS services-config.xml whose AMF channel paths and remoting destinations `amphora serve`
  // uses (services_config.hpp); "" for none. Read by the application, not by the server.
  std::string services_config;

  // Messaging limits `amphora serve` gives its broker and long-polling endpoint (read by the
  // application, not by the server): messages waiting per FlexClient (the oldest is dropped past
  // it), and long polls parked at once (one per FlexClient at most; past it a poll is answered
  // at once with DSPollWait). Streams open at once on the built-in streaming endpoint (past it:
  // 503); a services-config.xml streaming channel has its own <max-streaming-clients>.
  std::size_t max_queued_messages = 1000;
  std::size_t max_parked_polls = 10000;
  std::size_t max_streaming_clients = 10000;

  // Access control (docs/security.md): the policy file ("": every call allowed) and the role of
  // callers who have not logged in.
  std::string acl;
  std::string anonymous_role = "anonymous";

  // Authentication (docs/security.md): the user file (`amphora passwd`); empty: LOGIN is refused.
  std::string users_file;
  bool per_client_authentication = false;  // bind logins to the FlexClient, not a session cookie
  bool secure_cookie = false;              // the session cookie gets `Secure` (behind TLS)

  // TLS (docs/security.md): with tls_cert and tls_key (PEM files), a second listener on tls_port
  // serves HTTPS and WSS (TLS 1.2+); the plain listener on `port` stays unless plain_http is false.
  // A TLS handshake must complete within tls_handshake_timeout.
  std::string tls_cert;
  std::string tls_key;
  std::uint16_t tls_port = 8443;  // 0: any free port (server::tls_port() tells which)
  bool plain_http = true;
  std::chrono::milliseconds tls_handshake_timeout{10'000};
};

// Sets one setting from its text form; the keys are the config file's (see docs/server.md): host,
// port, threads, max_body, max_header, max_connections, pipeline_limit, rate_limit, rate_burst,
// rate_exempt (comma-separated), rate_clients, header_timeout_ms,
// body_timeout_ms, write_timeout_ms, shutdown_timeout_ms, blocking_threads, blocking_queue,
// cors_origins (comma-separated), cors_credentials, cors_headers, log_level, services_config,
// max_queued_messages, max_parked_polls, max_streaming_clients, acl, anonymous_role, users,
// per_client_authentication, secure_cookie, tls_cert, tls_key, tls_port, plain_http,
// tls_handshake_timeout_ms. Sizes accept K/M/G. Returns an empty string, or what is wrong ("unknown key 'x'",
// "port: not a number").
std::string apply_setting(config& cfg, std::string_view key, std::string_view value);

// Reads a file of `key = value` lines ('#' starts a comment) into cfg. Returns an empty string, or
// the first error as "FILE:LINE: message".
std::string load_config_file(const std::string& path, config& cfg);

// "off", "error", "warn", "info", "debug"; false if the name is unknown.
bool parse_log_level(std::string_view name, log_level& out) noexcept;

}  // namespace amphora::server
