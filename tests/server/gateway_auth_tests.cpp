// Authentication through the gateway: Flex LOGIN/LOGOUT, the session cookie (renewed at login),
// per-client authentication, NetConnection's Credentials header, the principal services see, and
// the throttling of failed logins.
#include <atomic>
#include <functional>

#include "amphora/security/authenticator.hpp"
#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::decode_reply;
using test::encode_request;
using test::header_string;

std::string base64(std::string_view in) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(digits[(n >> shift) & 63]);
  }
  if (i < in.size()) {
    unsigned n = byte(i) << 16;
    if (i + 1 < in.size()) n |= byte(i + 1) << 8;
    out.push_back(digits[(n >> 18) & 63]);
    out.push_back(digits[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? digits[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

class authentication : public ::testing::Test {
 protected:
  authentication() { make_gateway(false); }

  void make_gateway(bool per_client) {
    service_registry services;
    services.add("Who").operation("name", [](call_context& ctx) {
      return amf::make_string(*ctx.memory, ctx.user != nullptr ? ctx.user->name : "anonymous");
    });
    gateway_options options;
    options.authentication.authenticator = security::make_authenticator(
        [this](std::string_view user, std::string_view password) -> std::optional<security::principal> {
          checks_.fetch_add(1);
          last_user_ = std::string(user);
          if ((user == "alice" || user == "jos\xc3\xa9") && password == "s3cret") {
            return security::principal{std::string(user), {"employee"}};
          }
          return std::nullopt;
        });
    options.authentication.per_client = per_client;
    options.authentication.throttle.free_failures = 2;
    options.authentication.throttle.base_delay = std::chrono::hours(1);  // blocked for the whole test
    blocking_runner runner = [this](std::function<void()> task) {
      runner_tasks_.fetch_add(1);
      task();
      return true;
    };
    gw_ = std::make_unique<gateway>(std::move(services), options, runner);
  }

  std::optional<reply> post(const test::bytes& body, std::string_view cookie = {},
                            std::string_view remote = "10.0.0.1") {
    request_view req;
    req.method = "POST";
    req.target = req.path = "/amf";
    req.content_type = "application/x-amf";
    req.remote_address = remote;
    req.cookie = cookie;
    req.body = body;
    std::optional<reply> out;
    gw_->handle(req, [&out](reply r) { out = std::move(r); });
    return out;
  }

  std::optional<reply> send(const flex::message& m, std::string_view cookie = {},
                            std::string_view remote = "10.0.0.1") {
    return post(encode_request(3, {{"null", "/1", test::flex_body(memory_, m)}}), cookie, remote);
  }

  flex::message reply_message(const std::optional<reply>& r) {
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    amf::packet p = decode_reply(*r, memory_);
    EXPECT_EQ(p.bodies.size(), 1u);
    if (p.bodies.size() != 1) return {};
    amf::result<flex::message> m = flex::read_message(p.bodies[0].val, memory_);
    EXPECT_TRUE(m.has_value());
    return m ? *m : flex::message{};
  }

  std::string ack_body(const std::optional<reply>& r) {
    flex::message m = reply_message(r);
    const auto* a = std::get_if<flex::acknowledge_message>(&m);
    if (a == nullptr) {
      const auto* e = std::get_if<flex::error_message>(&m);
      return e != nullptr ? "fault " + std::string(e->fault_code) : "<not an ack>";
    }
    return a->body.is(amf::kind::string) ? std::string(a->body.as_string()) : "<not a string>";
  }

  flex::error_message fault(const std::optional<reply>& r) {
    flex::message m = reply_message(r);
    const auto* e = std::get_if<flex::error_message>(&m);
    EXPECT_NE(e, nullptr);
    return e != nullptr ? *e : flex::error_message{};
  }

  void set(flex::abstract_message& m, std::string_view name, amf::value v) {
    ASSERT_TRUE(flex::set_header(memory_, m, name, v));
  }

  std::string ping() {
    flex::command_message c;
    c.operation = flex::command_operation::client_ping;
    c.message_id = "11111111-2222-3333-4444-555555555555";
    set(c, flex::headers::ds_id, amf::value::string("nil"));
    flex::message m = reply_message(send(c));
    const auto* a = std::get_if<flex::acknowledge_message>(&m);
    return a != nullptr ? header_string(*a, flex::headers::ds_id) : "";
  }

  flex::command_message command(flex::command_operation op, std::string_view ds_id, amf::value body) {
    flex::command_message c;
    c.operation = op;
    c.message_id = "22222222-2222-3333-4444-555555555555";
    c.body = body;
    set(c, flex::headers::ds_id, amf::value::string(memory_.copy(ds_id)));
    return c;
  }

  flex::command_message login(std::string_view ds_id, std::string_view base64_body) {
    return command(flex::command_operation::login, ds_id, amf::value::string(memory_.copy(base64_body)));
  }

  flex::remoting_message who(std::string_view ds_id) {
    flex::remoting_message m;
    m.destination = "Who";
    m.operation = "name";
    m.message_id = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
    m.body = test::args(memory_, {});
    set(m, flex::headers::ds_id, amf::value::string(memory_.copy(ds_id)));
    return m;
  }

  // "AMPHORASESSION=<id>" from the reply's Set-Cookie ("" if none), and the whole header.
  static std::string set_cookie(const std::optional<reply>& r) {
    if (!r) return {};
    for (const auto& [name, value] : r->headers) {
      if (name == "Set-Cookie") return value;
    }
    return {};
  }
  static std::string session_of(const std::optional<reply>& r) {
    const std::string c = set_cookie(r);
    return c.substr(0, c.find(';'));
  }

  std::unique_ptr<gateway> gw_;
  amf::arena memory_;
  std::atomic<int> checks_{0};
  std::atomic<int> runner_tasks_{0};
  std::string last_user_;
};

TEST_F(authentication, login_acks_success_with_the_ds_id_and_sets_a_session_cookie) {
  const std::string ds_id = ping();
  const std::optional<reply> r = send(login(ds_id, base64("alice:s3cret")));
  flex::message m = reply_message(r);
  const auto* a = std::get_if<flex::acknowledge_message>(&m);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->body.is(amf::kind::string));
  EXPECT_EQ(a->body.as_string(), "success");
  EXPECT_EQ(header_string(*a, flex::headers::ds_id), ds_id);
  EXPECT_EQ(runner_tasks_.load(), 1);  // the password check ran on the blocking runner
  const std::string cookie = set_cookie(r);
  EXPECT_EQ(cookie.rfind("AMPHORASESSION=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_GT(session_of(r).size(), std::string("AMPHORASESSION=").size() + 30);
}

TEST_F(authentication, services_see_the_principal_of_the_session_and_anonymous_otherwise) {
  const std::string ds_id = ping();
  const std::string session = session_of(send(login(ds_id, base64("alice:s3cret"))));
  EXPECT_EQ(ack_body(send(who(ds_id), "other=1; " + session + "; x=y")), "alice");
  EXPECT_EQ(ack_body(send(who(ds_id))), "anonymous");
  EXPECT_EQ(ack_body(send(who(ds_id), "AMPHORASESSION=01234567-89AB-CDEF-0123-456789ABCDEF")), "anonymous");
}

TEST_F(authentication, the_session_id_is_renewed_at_login_and_the_old_one_dropped) {
  const std::string ds_id = ping();
  const std::string first = session_of(send(login(ds_id, base64("alice:s3cret"))));
  const std::string second = session_of(send(login(ds_id, base64("alice:s3cret")), first));
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  EXPECT_EQ(ack_body(send(who(ds_id), first)), "anonymous");
  EXPECT_EQ(ack_body(send(who(ds_id), second)), "alice");
}

TEST_F(authentication, a_login_earlier_in_the_packet_applies_to_the_later_bodies) {
  const std::string ds_id = ping();
  const flex::command_message l = login(ds_id, base64("alice:s3cret"));
  const flex::remoting_message w = who(ds_id);
  const std::optional<reply> r = post(encode_request(
      3, {{"null", "/1", test::flex_body(memory_, l)}, {"null", "/2", test::flex_body(memory_, w)}}));
  ASSERT_TRUE(r.has_value());
  amf::packet p = decode_reply(*r, memory_);
  ASSERT_EQ(p.bodies.size(), 2u);
  amf::result<flex::message> m = flex::read_message(p.bodies[1].val, memory_);
  ASSERT_TRUE(m.has_value());
  const auto* a = std::get_if<flex::acknowledge_message>(&*m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->body.as_string(), "alice");
}

TEST_F(authentication, wrong_password_and_unknown_user_get_the_same_fault) {
  const std::string ds_id = ping();
  const std::optional<reply> wrong = send(login(ds_id, base64("alice:guess")));
  const std::optional<reply> unknown = send(login(ds_id, base64("mallory:guess")));
  const flex::error_message a = fault(wrong);
  const flex::error_message b = fault(unknown);
  EXPECT_EQ(a.fault_code, "Client.Authentication");
  EXPECT_EQ(b.fault_code, a.fault_code);
  EXPECT_EQ(b.fault_string, a.fault_string);
  EXPECT_EQ(b.fault_detail, a.fault_detail);
  EXPECT_EQ(set_cookie(wrong), "");
  EXPECT_EQ(checks_.load(), 2);
}

TEST_F(authentication, malformed_credentials_are_refused_without_a_check) {
  const std::string ds_id = ping();
  for (const std::string& body : {std::string("!!not base64!!"), base64("alice"), base64("alice:"),
                                  base64(":s3cret"), std::string("YWxpY2U6czNjcmV0=")}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(fault(send(login(ds_id, body))).fault_code, "Client.Authentication");
  }
  EXPECT_EQ(fault(send(command(flex::command_operation::login, ds_id, amf::value::integer(3)))).fault_code,
            "Client.Authentication");
  EXPECT_EQ(checks_.load(), 0);
  // Line breaks (Flex's encoder wraps lines) and missing padding are accepted.
  std::string wrapped = base64("alice:s3cret");
  wrapped.insert(8, "\r\n");
  while (wrapped.back() == '=') wrapped.pop_back();
  EXPECT_EQ(ack_body(send(login(ds_id, wrapped))), "success");
}

TEST_F(authentication, the_credentials_charset_header_is_honoured) {
  const std::string ds_id = ping();
  flex::command_message latin1 = login(ds_id, base64("jos\xe9:s3cret"));
  set(latin1, flex::headers::credentials_charset, amf::value::string("ISO-8859-1"));
  EXPECT_EQ(ack_body(send(latin1)), "success");
  EXPECT_EQ(last_user_, "jos\xc3\xa9");

  flex::command_message utf8 = login(ds_id, base64("jos\xc3\xa9:s3cret"));
  set(utf8, flex::headers::credentials_charset, amf::value::string("utf-8"));
  EXPECT_EQ(ack_body(send(utf8)), "success");

  flex::command_message bad = login(ds_id, base64("jos\xe9:s3cret"));
  set(bad, flex::headers::credentials_charset, amf::value::string("UTF-8"));  // not UTF-8 bytes
  EXPECT_EQ(fault(send(bad)).fault_code, "Client.Authentication");
}

TEST_F(authentication, logout_drops_the_session_and_expires_the_cookie) {
  const std::string ds_id = ping();
  const std::string session = session_of(send(login(ds_id, base64("alice:s3cret"))));
  const std::optional<reply> out =
      send(command(flex::command_operation::logout, ds_id, amf::value::null()), session);
  EXPECT_EQ(ack_body(out), "success");
  EXPECT_NE(set_cookie(out).find("Max-Age=0"), std::string::npos) << set_cookie(out);
  EXPECT_EQ(ack_body(send(who(ds_id), session)), "anonymous");
}

TEST_F(authentication, per_client_authentication_binds_the_principal_to_the_ds_id) {
  make_gateway(true);
  const std::string ds_id = ping();
  const std::string other = ping();
  const std::optional<reply> r = send(login(ds_id, base64("alice:s3cret")));
  EXPECT_EQ(ack_body(r), "success");
  EXPECT_EQ(set_cookie(r), "");  // no cookie
  EXPECT_EQ(ack_body(send(who(ds_id))), "alice");
  EXPECT_EQ(ack_body(send(who(other))), "anonymous");
  EXPECT_EQ(ack_body(send(command(flex::command_operation::logout, ds_id, amf::value::null()))), "success");
  EXPECT_EQ(ack_body(send(who(ds_id))), "anonymous");
}

using answered = std::pair<std::string, std::string>;

class netconnection_credentials : public authentication {
 protected:
  std::optional<reply> call_who(std::vector<amf::packet_header> headers) {
    return post(encode_request(0, {{"Who.name", "/1", test::args(memory_, {})}}, std::move(headers)));
  }
  amf::packet_header credentials(std::string_view user, std::string_view password) {
    amf::object_node* o = amf::new_object(memory_);
    EXPECT_TRUE(amf::add_dynamic(memory_, *o, "userid", amf::value::string(user)));
    EXPECT_TRUE(amf::add_dynamic(memory_, *o, "password", amf::value::string(password)));
    return {"Credentials", false, amf::value::of(o)};
  }
  answered answer(const std::optional<reply>& r) {
    if (!r) return {"<no reply>", ""};
    amf::packet p = decode_reply(*r, memory_);
    if (p.bodies.size() != 1) return {"<bodies>", ""};
    const amf::packet_body& b = p.bodies[0];
    if (b.target == "/1/onResult") return {"result", std::string(b.val.as_string())};
    return {"status", test::member_string(b.val, "code")};
  }
};

TEST_F(netconnection_credentials, authenticate_the_calls_of_their_packet_only) {
  EXPECT_EQ(answer(call_who({credentials("alice", "s3cret")})), answered("result", "alice"));
  EXPECT_EQ(answer(call_who({})), answered("result", "anonymous"));
  EXPECT_EQ(answer(call_who({credentials("alice", "nope")})), answered("status", "Client.Authentication"));
  amf::packet_header malformed{"Credentials", false, amf::value::string("alice:s3cret")};
  EXPECT_EQ(answer(call_who({malformed})), answered("status", "Client.Authentication"));
  EXPECT_EQ(runner_tasks_.load(), 2);
}

TEST_F(authentication, repeated_failures_are_refused_at_once_per_address_and_per_user) {
  const std::string ds_id = ping();
  // free_failures = 2: the third failure starts a block (an hour long here).
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(fault(send(login(ds_id, base64("alice:guess")))).fault_code, "Client.Authentication");
  EXPECT_EQ(checks_.load(), 3);
  int refused = 0;
  for (int i = 0; i < 5; ++i) {
    const flex::error_message e = fault(send(login(ds_id, base64("alice:s3cret"))));  // even the right one
    if (e.fault_code == "Client.Authentication") ++refused;
  }
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(checks_.load(), 3);  // none of them reached the password check
  // The same user from elsewhere: blocked by its name. Another user from here: blocked by address.
  EXPECT_EQ(fault(send(login(ds_id, base64("alice:s3cret")), {}, "10.9.9.9")).fault_code,
            "Client.Authentication");
  EXPECT_EQ(fault(send(login(ds_id, base64("jos\xc3\xa9:s3cret")))).fault_code, "Client.Authentication");
  EXPECT_EQ(checks_.load(), 3);
  // Another user from elsewhere is not affected.
  EXPECT_EQ(ack_body(send(login(ds_id, base64("jos\xc3\xa9:s3cret")), {}, "10.9.9.9")), "success");
  EXPECT_EQ(checks_.load(), 4);
}

TEST(authentication_off, login_is_refused_when_not_configured) {
  gateway gw{service_registry{}};
  amf::arena memory;
  flex::command_message c;
  c.operation = flex::command_operation::login;
  c.body = amf::value::string("YWxpY2U6czNjcmV0");
  const std::optional<reply> r =
      test::call_now(gw, encode_request(3, {{"null", "/1", test::flex_body(memory, c)}}));
  ASSERT_TRUE(r.has_value());
  amf::packet p = decode_reply(*r, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  amf::result<flex::message> m = flex::read_message(p.bodies[0].val, memory);
  ASSERT_TRUE(m.has_value());
  const auto* e = std::get_if<flex::error_message>(&*m);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->fault_code, "Server.Authentication");
}

}  // namespace
}  // namespace amphora::server
