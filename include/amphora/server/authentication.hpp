// How the AMF gateway authenticates callers (docs/security.md, "Authentication"):
//  - Flex LOGIN (CommandMessage op 8, body base64("user:password")) and LOGOUT (op 9);
//  - NetConnection's `Credentials` packet header ({userid, password}) for that packet's calls.
// The password check runs on the blocking runner (never on the event loop). A successful LOGIN
// binds the principal to an HTTP session cookie (a new session id at every login, the old one
// dropped) or, with per_client, to the FlexClient (DSId) only. Services read it from
// call_context::user.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "amphora/security/authenticator.hpp"
#include "amphora/security/login_throttle.hpp"

namespace amphora::server {

struct authentication_options {
  // Who may log in; null: LOGIN is answered "Authentication is not configured" and a
  // Credentials header is left to the services.
  std::shared_ptr<const security::authenticator> authenticator;

  // BlazeDS's per-client-authentication: the principal belongs to the FlexClient (DSId) that
  // logged in, not to the HTTP session; no cookie is used.
  bool per_client = false;

  // The session cookie (not per_client): `NAME=ID; Path=PATH; HttpOnly; SameSite=SAME_SITE`
  // (+ `; Secure` when secure_cookie). SameSite None needs secure_cookie (browsers' rule).
  std::string cookie_name = "AMPHORASESSION";
  std::string cookie_path = "/";
  std::string same_site = "Strict";  // Strict, Lax or None
  bool secure_cookie = false;
  // Logged-in sessions kept at most, each forgotten after this long without a request.
  std::size_t max_sessions = 100000;
  std::chrono::seconds session_idle_timeout{30 * 60};

  // Failed logins slow the next ones (security/login_throttle.hpp).
  security::throttle_options throttle;
};

}  // namespace amphora::server
