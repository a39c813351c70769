// Authentication in the gateway: credentials from the wire, the password check on the blocking
// runner (throttled), and binding the principal to a login session or a FlexClient.
#include "authentication.hpp"

#include <string.h>  // explicit_bzero

#include <utility>

#include "amphora/amf/base64.hpp"
#include "amphora/server/gateway.hpp"
#include "gateway_state.hpp"

namespace amphora::server::detail {
namespace {

constexpr std::size_t max_credentials_bytes = 8 * 1024;
constexpr std::string_view credentials_header = "Credentials";

fault invalid_credentials() { return {"Client.Authentication", "Invalid credentials", {}}; }
fault too_many_failures() { return {"Client.Authentication", "Too many failed logins: try again later", {}}; }
fault not_configured() { return {"Server.Authentication", "Authentication is not configured", {}}; }
fault too_busy() { return {fault_processing, "The server is too busy to check the credentials", {}}; }

// Standard base64; blanks and line breaks (Flex's encoder breaks lines) are skipped, padding is
// optional but nothing may follow it.
std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t digits = 0;
  std::size_t padding = 0;
  for (const char c : in) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int v = amf::detail::base64_digit(c);
    if (v < 0 || padding != 0) return std::nullopt;
    ++digits;
    buffer = ((buffer << 6) | static_cast<unsigned>(v)) & 0xffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xffu));
    }
  }
  if (digits % 4 == 1 || padding > 2 || (padding != 0 && (digits + padding) % 4 != 0)) return std::nullopt;
  return out;
}

bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1;
      cp = b & 0x1fu;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2;
      cp = b & 0x0fu;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3fu);
    }
    constexpr char32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (cp < smallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xc0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3f)));
    }
  }
  return out;
}

bool same_name(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view cookie_value(std::string_view header, std::string_view name) noexcept {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return value;
    }
  }
  return {};
}

std::string session_cookie(const authentication_options& auth, std::string_view id, bool expire) {
  std::string c = auth.cookie_name + "=" + std::string(id) + "; Path=" + auth.cookie_path;
  if (expire) c += "; Max-Age=0";
  c += "; HttpOnly; SameSite=" + auth.same_site;
  if (auth.secure_cookie) c += "; Secure";
  return c;
}

void wipe(std::string& s) noexcept {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
}

// The password check, throttled, on the blocking runner; `done` is called exactly once.
void check_credentials(const login_checker& checker, std::string address, credentials c, login_done done) {
  security::login_throttle& throttle = *checker.throttle;
  if (!throttle.allowed(address, c.user)) {
    wipe(c.password);
    return done(nullptr, too_many_failures());
  }
  auto finish = std::make_shared<login_done>(std::move(done));
  auto task = [&throttle, auth = checker.authenticator, c = std::move(c), address = std::move(address),
               finish]() mutable {
    std::optional<security::principal> user;
    try {
      user = auth->check(c.user, c.password);
    } catch (...) {  // a failing store refuses the login
    }
    wipe(c.password);
    if (!user) {
      throttle.failed(address, c.user);
      return (*finish)(nullptr, invalid_credentials());
    }
    throttle.succeeded(c.user);
    (*finish)(std::make_shared<const security::principal>(std::move(*user)), std::nullopt);
  };
  if (!checker.runner) return task();
  bool accepted = false;
  try {
    accepted = checker.runner(std::move(task));
  } catch (...) {  // a runner that throws refuses too
  }
  if (!accepted) (*finish)(nullptr, too_busy());
}

login_checker checker_of(exchange& ex) {
  gateway_state& state = ex.gateway();
  return {state.options.authentication.authenticator, &state.throttle, state.runner};
}

}  // namespace

std::optional<credentials> decode_login_body(std::string_view base64, std::string_view charset) {
  if (base64.size() > max_credentials_bytes * 2) return std::nullopt;
  std::optional<std::string> bytes = base64_decode(base64);
  if (!bytes) return std::nullopt;
  std::string text;
  if (charset.empty()) {
    text = valid_utf8(*bytes) ? std::move(*bytes) : latin1_to_utf8(*bytes);
  } else if (same_name(charset, "UTF-8") || same_name(charset, "UTF8")) {
    if (!valid_utf8(*bytes)) return std::nullopt;
    text = std::move(*bytes);
  } else if (same_name(charset, "ISO-8859-1") || same_name(charset, "ISO8859-1") ||
             same_name(charset, "latin1")) {
    text = latin1_to_utf8(*bytes);
  } else {
    return std::nullopt;
  }
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    wipe(text);
    return std::nullopt;
  }
  credentials c{text.substr(0, colon), text.substr(colon + 1)};
  wipe(text);
  return c;
}

std::optional<credentials> credentials_header_value(const amf::value& v) {
  if (!v.is(amf::kind::object)) return std::nullopt;
  const amf::value* user = v.as_object().find("userid");
  const amf::value* password = v.as_object().find("password");
  if (user == nullptr || password == nullptr || !user->is(amf::kind::string) ||
      !password->is(amf::kind::string)) {
    return std::nullopt;
  }
  const std::string_view u = user->as_string();
  const std::string_view p = password->as_string();
  if (u.empty() || p.empty() || u.size() + p.size() > max_credentials_bytes) return std::nullopt;
  return credentials{std::string(u), std::string(p)};
}

void authenticate_packet(exchange& ex, const request_view& request, std::function<void()> next) {
  gateway_state& state = ex.gateway();
  const authentication_options& auth = state.options.authentication;
  if (auth.authenticator && !auth.per_client) {
    const std::string_view id = cookie_value(request.cookie, auth.cookie_name);
    if (!id.empty()) {
      if (state.sessions.touch(id)) {
        ex.session_id() = std::string(id);
        ex.set_user(state.sessions.user(id));
      }
    }
  }
  const amf::packet_header* header = nullptr;
  for (const amf::packet_header& h : ex.request().headers) {
    if (h.name == credentials_header) header = &h;
  }
  // Without an authenticator the header is only a header: services may read it themselves.
  if (header == nullptr || !auth.authenticator) return next();
  std::optional<credentials> c = credentials_header_value(header->val);
  if (!c) {
    ex.fail_bodies(invalid_credentials());
    return next();
  }
  check_credentials(
      checker_of(ex), std::string(ex.context().remote_address), std::move(*c),
      [&ex, next = std::move(next)](std::shared_ptr<const security::principal> user, std::optional<fault> f) {
        if (f) {
          ex.fail_bodies(std::move(*f));
        } else {
          ex.set_user(std::move(user));
        }
        next();
      });
}

void use_client_user(exchange& ex, std::string_view ds_id) {
  if (!ex.gateway().options.authentication.per_client) return;
  if (std::shared_ptr<const security::principal> user = ex.gateway().clients.user(ds_id)) {
    ex.set_body_user(std::move(user));
  }
}

void check_login(exchange& ex, const flex::command_message& login, login_done done) {
  check_login(checker_of(ex), std::string(ex.context().remote_address), login, std::move(done));
}

void check_login(const login_checker& checker, std::string address, const flex::command_message& login,
                 login_done done) {
  if (!checker.authenticator) return done(nullptr, not_configured());
  const amf::value* charset = login.header(flex::headers::credentials_charset);
  std::optional<credentials> c;
  if (login.body.is(amf::kind::string)) {
    c = decode_login_body(login.body.as_string(), charset != nullptr && charset->is(amf::kind::string)
                                                      ? charset->as_string()
                                                      : std::string_view{});
  }
  if (!c) return done(nullptr, invalid_credentials());
  check_credentials(checker, std::move(address), std::move(*c), std::move(done));
}

void bind_login(exchange& ex, std::string_view ds_id, std::shared_ptr<const security::principal> user) {
  gateway_state& state = ex.gateway();
  const authentication_options& auth = state.options.authentication;
  if (auth.per_client) {
    if (!ds_id.empty()) state.clients.set_user(ds_id, user);
    ex.set_body_user(std::move(user));
    return;
  }
  // No fixation: whatever session the request came with is dropped and a new id is issued.
  if (!ex.session_id().empty()) state.sessions.forget(ex.session_id());
  std::string id = state.sessions.issue(0);
  state.sessions.set_user(id, user);
  ex.add_reply_header("Set-Cookie", session_cookie(auth, id, false));
  ex.session_id() = std::move(id);
  ex.set_user(std::move(user));
}

void logout(exchange& ex, std::string_view ds_id) {
  gateway_state& state = ex.gateway();
  const authentication_options& auth = state.options.authentication;
  if (!auth.authenticator) return;
  if (auth.per_client) {
    if (!ds_id.empty()) state.clients.set_user(ds_id, nullptr);
  } else {
    if (!ex.session_id().empty()) state.sessions.forget(ex.session_id());
    ex.session_id().clear();
    ex.add_reply_header("Set-Cookie", session_cookie(auth, "", true));
  }
  ex.set_user(nullptr);
}

}  // namespace amphora::server::detail
