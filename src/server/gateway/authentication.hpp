// The gateway's side of authentication (docs/security.md, "Authentication"): the session cookie
// and the Credentials header of a packet, Flex LOGIN and LOGOUT, and the credentials' wire forms.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "amphora/flex/messages.hpp"
#include "amphora/security/authenticator.hpp"
#include "amphora/security/login_throttle.hpp"
#include "amphora/security/principal.hpp"
#include "amphora/server/handler.hpp"
#include "exchange.hpp"
#include "outcome.hpp"

namespace amphora::server::detail {

struct credentials {
  std::string user;
  std::string password;
};

// A LOGIN body: base64("user:password") (line breaks allowed, padding optional) whose bytes are
// in `charset` (DSCredentialsCharset: "UTF-8" or "ISO-8859-1"; none: UTF-8 if valid, else
// ISO-8859-1 as Flex's default encoder writes it), as UTF-8. Nothing if malformed, or if the
// user or the password is empty.
std::optional<credentials> decode_login_body(std::string_view base64, std::string_view charset);
// A NetConnection Credentials header value: an object with string members userid and password.
std::optional<credentials> credentials_header_value(const amf::value& v);

// Before the bodies run: the principal of the request's session cookie, and a Credentials
// header's login (checked on the blocking runner). Calls `next` once, possibly later on a worker.
void authenticate_packet(exchange& ex, const request_view& request, std::function<void()> next);

// With per-client authentication, the caller of a Flex body on a known DSId is who logged in on it.
void use_client_user(exchange& ex, std::string_view ds_id);

// LOGIN: checks the credentials (throttled, on the blocking runner) and calls `done` once with
// the principal, or with the fault to send.
using login_done = std::function<void(std::shared_ptr<const security::principal>, std::optional<fault>)>;
void check_login(exchange& ex, const flex::command_message& login, login_done done);
// What checks a password, for any channel (the gateway's, the WebSocket channel's): the
// authenticator (null: LOGIN is "not configured"), the throttle (outlives every check) and the
// blocking runner (none: inline).
struct login_checker {
  std::shared_ptr<const security::authenticator> authenticator;
  security::login_throttle* throttle = nullptr;
  blocking_runner runner;
};
// LOGIN from `address` on any channel; `done` as above. The login's views are not used after
// this returns.
void check_login(const login_checker& checker, std::string address, const flex::command_message& login,
                 login_done done);
// After a successful LOGIN: binds `user` to a new session (cookie) or to the DSId (per client).
void bind_login(exchange& ex, std::string_view ds_id, std::shared_ptr<const security::principal> user);
// LOGOUT: drops the session (and expires its cookie) or the DSId's principal.
void logout(exchange& ex, std::string_view ds_id);

}  // namespace amphora::server::detail
