// HTTPS and WSS: the server on 127.0.0.1 with a TLS listener (port 0) and its plain one, a
// self-signed certificate made with OpenSSL's API at test time, and Beast clients whose every wait
// is bounded (a broken server fails a test, never hangs it).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "amphora/messaging/broker.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/server.hpp"
#include "amphora/server/service.hpp"
#include "amphora/server/websocket_channel.hpp"
#include "gateway_test_util.hpp"
#include "net.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
using detail::error_code;
using detail::tcp;
namespace net = detail::net;
namespace beast = detail::beast;
namespace http = detail::http;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;

constexpr auto generous = 20s;  // upper bound of every wait: only reached when something is broken

// ---- a self-signed certificate and its key, as PEM files in a fresh directory ----

struct evp_pkey_free_t {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct x509_free_t {
  void operator()(X509* x) const { X509_free(x); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free_t>;
using cert_ptr = std::unique_ptr<X509, x509_free_t>;

key_ptr new_key() {
  key_ptr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

cert_ptr self_signed(EVP_PKEY* key, long serial = 1) {
  cert_ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key);
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
  return cert;
}

class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("amphora-tls-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_cert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(PEM_write_X509(f, cert), 1);
  std::fclose(f);
}

void write_key(const std::string& path, EVP_PKEY* key, mode_t mode = 0600) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(f);
  ::chmod(path.c_str(), mode);
}

// ---- clients ----

// Runs `ioc` until its work is done or the bound passes (then `cancel` abandons what is left).
template <class Cancel>
void run_bounded(net::io_context& ioc, Cancel cancel) {
  ioc.restart();
  ioc.run_for(generous);
  if (ioc.stopped()) return;
  cancel();
  ioc.restart();
  ioc.run();
}

ssl::context client_context() {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);  // self-signed; the handshake itself is what is tested
  return ctx;
}

// One HTTPS request on a fresh connection; the response, or nullopt (no answer within the bound).
std::optional<http::response<http::vector_body<std::uint8_t>>> https_request(
    std::uint16_t port, http::request<http::vector_body<std::uint8_t>> req) {
  net::io_context ioc;
  ssl::context ctx = client_context();
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::flat_buffer buffer;
  http::response<http::vector_body<std::uint8_t>> res;
  req.set(http::field::host, "127.0.0.1");
  req.prepare_payload();
  bool done = false;
  beast::get_lowest_layer(stream).async_connect(
      tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, [&](error_code ec) {
        if (ec) return;
        stream.async_handshake(ssl::stream_base::client, [&](error_code hec) {
          if (hec) return;
          http::async_write(stream, req, [&](error_code wec, std::size_t) {
            if (wec) return;
            http::async_read(stream, buffer, res, [&](error_code rec, std::size_t) { done = !rec; });
          });
        });
      });
  run_bounded(ioc, [&] { beast::get_lowest_layer(stream).cancel(); });
  if (!done) return std::nullopt;
  return res;
}

// The serial number of the certificate the server presents on a fresh connection; -1 when the
// handshake fails.
long served_serial(std::uint16_t port) {
  net::io_context ioc;
  ssl::context ctx = client_context();
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  bool done = false;
  beast::get_lowest_layer(stream).async_connect(
      tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, [&](error_code ec) {
        if (ec) return;
        stream.async_handshake(ssl::stream_base::client, [&](error_code hec) { done = !hec; });
      });
  run_bounded(ioc, [&] { beast::get_lowest_layer(stream).cancel(); });
  if (!done) return -1;
  cert_ptr peer(SSL_get1_peer_certificate(stream.native_handle()));
  return peer ? ASN1_INTEGER_get(X509_get_serialNumber(peer.get())) : -1;
}

// Raw TCP: sends `text` (maybe nothing), then reads until the server closes. The bytes read, and
// whether the connection was closed by the server within the bound.
struct raw_result {
  std::string received;
  bool closed = false;
};
raw_result raw_exchange(std::uint16_t port, const std::string& text) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  if (!text.empty()) net::write(socket, net::buffer(text));
  raw_result out;
  std::array<char, 1024> chunk{};
  std::function<void()> read_more = [&] {
    socket.async_read_some(net::buffer(chunk), [&](error_code ec, std::size_t n) {
      out.received.append(chunk.data(), n);
      if (ec) {
        out.closed = ec == net::error::eof || ec == net::error::connection_reset;
        return;
      }
      read_more();
    });
  };
  read_more();
  run_bounded(ioc, [&] { socket.cancel(); });
  return out;
}

// A WSS client: TLS, then the WebSocket handshake; each operation bounded.
class wss_client {
 public:
  wss_client(std::uint16_t port, const std::string& path) : ctx_(client_context()), ws_(ioc_, ctx_) {
    beast::get_lowest_layer(ws_).connect({net::ip::make_address("127.0.0.1"), port});
    ws_.binary(true);
    bool done = false;
    ws_.next_layer().async_handshake(ssl::stream_base::client, [&](error_code ec) {
      if (ec) {
        handshake_error = ec;
        done = true;
        return;
      }
      ws_.async_handshake("127.0.0.1", path, [&](error_code wec) {
        handshake_error = wec;
        done = true;
      });
    });
    run();
    if (!done) handshake_error = net::error::timed_out;
  }

  bool write(const std::vector<std::uint8_t>& frame) {
    error_code result = net::error::timed_out;
    ws_.async_write(net::buffer(frame), [&](error_code ec, std::size_t) { result = ec; });
    run();
    return !result;
  }

  std::optional<std::vector<std::uint8_t>> read() {
    bool done = false;
    error_code error;
    buffer_.clear();
    ws_.async_read(buffer_, [&](error_code ec, std::size_t) {
      error = ec;
      done = true;
    });
    run();
    if (!done || error) return std::nullopt;
    const auto data = buffer_.cdata();
    const auto* p = static_cast<const std::uint8_t*>(data.data());
    return std::vector<std::uint8_t>(p, p + data.size());
  }

  error_code handshake_error;

 private:
  void run() {
    run_bounded(ioc_, [&] { beast::get_lowest_layer(ws_).cancel(); });
  }

  net::io_context ioc_;
  ssl::context ctx_;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
};

// SUBSCRIBE to 'chat' over `c`: success when the answer is an AcknowledgeMessage.
::testing::AssertionResult subscribe_to_chat(wss_client& c) {
  flex::command_message sub;
  sub.operation = flex::command_operation::subscribe;
  sub.message_id = "m-sub";
  sub.destination = "chat";
  if (!c.write(test::amf3_frame(sub))) return ::testing::AssertionFailure() << "SUBSCRIBE not written";
  const std::optional<std::vector<std::uint8_t>> frame = c.read();
  if (!frame) return ::testing::AssertionFailure() << "no answer to SUBSCRIBE";
  amf::arena memory;
  const std::optional<flex::message> ack = test::read_amf3_frame(*frame, memory);
  if (!ack || std::get_if<flex::acknowledge_message>(&*ack) == nullptr) {
    return ::testing::AssertionFailure() << "the answer to SUBSCRIBE is not an AcknowledgeMessage";
  }
  return ::testing::AssertionSuccess();
}

// ---- the server ----

class tls_test : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ptr key = new_key();
    cert_ptr cert = self_signed(key.get());
    write_cert(cert_file_, cert.get());
    write_key(key_file_, key.get());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  config tls_config() const {
    config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.tls_port = 0;
    cfg.threads = 2;
    cfg.tls_cert = cert_file_;
    cfg.tls_key = key_file_;
    cfg.tls_handshake_timeout = 300ms;
    return cfg;
  }

  void start(config cfg) {
    messaging::broker_config bc;
    bc.destinations.emplace_back().name = "chat";
    broker_ = std::make_shared<messaging::broker>(bc);
    server_ = std::make_unique<server>(cfg);
    server_->set_log_sink([this](std::string_view line) {
      const std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    });
    service_registry services;
    add_echo_service(services);
    server_->mount("/amf", make_amf_gateway(std::move(services), gateway_options{}));
    server_->mount_websocket("/messagebroker/websocket", make_websocket_channel(broker_));
    server_->start();
  }

  bool logged(std::string_view text) {
    const std::lock_guard lock(log_mutex_);
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  temp_dir dir_;
  std::string cert_file_ = dir_.file("cert.pem");
  std::string key_file_ = dir_.file("key.pem");
  std::shared_ptr<messaging::broker> broker_;
  std::unique_ptr<server> server_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(tls_test, amf_remoting_call_over_https) {
  start(tls_config());
  ASSERT_NE(server_->tls_port(), 0);
  amf::arena memory;
  const test::bytes body = test::encode_request(
      3, {{"EchoService.echo", "/1", test::args(memory, {amf::value::string("over TLS")})}});
  http::request<http::vector_body<std::uint8_t>> req{http::verb::post, "/amf", 11};
  req.set(http::field::content_type, "application/x-amf");
  req.body().assign(body.begin(), body.end());
  auto res = https_request(server_->tls_port(), std::move(req));
  ASSERT_TRUE(res.has_value());
  reply r;
  r.status = res->result_int();
  r.content_type = std::string(res->at(http::field::content_type));
  r.body = std::move(res->body());
  amf::packet p = test::decode_reply(r, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onResult");
  ASSERT_TRUE(p.bodies[0].val.is(amf::kind::string));
  EXPECT_EQ(p.bodies[0].val.as_string(), "over TLS");
}

TEST_F(tls_test, plain_http_stays_on_its_own_port) {
  start(tls_config());
  ASSERT_NE(server_->port(), 0);
  ASSERT_NE(server_->port(), server_->tls_port());
  const raw_result r =
      raw_exchange(server_->port(), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.received;
  EXPECT_TRUE(r.closed);
}

TEST_F(tls_test, websocket_subscribe_and_push_over_wss) {
  start(tls_config());
  wss_client c(server_->tls_port(), "/messagebroker/websocket");
  ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
  ASSERT_TRUE(subscribe_to_chat(c));
  amf::arena memory;

  flex::async_message m;
  m.destination = "chat";
  m.message_id = "pushed-1";
  m.client_id = "publisher";
  m.body = amf::value::string("secret");
  ASSERT_TRUE(std::holds_alternative<std::size_t>(broker_->publish(m)));
  std::optional<std::vector<std::uint8_t>> frame = c.read();
  ASSERT_TRUE(frame.has_value());
  std::optional<flex::message> pushed = test::read_amf3_frame(*frame, memory);
  ASSERT_TRUE(pushed.has_value());
  auto* p = std::get_if<flex::async_message>(&*pushed);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->message_id, "pushed-1");
  EXPECT_EQ(p->body.as_string(), "secret");
}

TEST_F(tls_test, plain_http_to_the_tls_port_is_refused_cleanly) {
  start(tls_config());
  const raw_result r = raw_exchange(server_->tls_port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.received.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << r.received;
  EXPECT_NE(r.received.find("this port speaks HTTPS"), std::string::npos);
  EXPECT_TRUE(r.closed);
}

TEST_F(tls_test, a_handshake_that_never_completes_is_closed) {
  start(tls_config());
  // Silent after connecting, then a ClientHello record header that never gets its body.
  EXPECT_TRUE(raw_exchange(server_->tls_port(), "").closed);
  EXPECT_TRUE(raw_exchange(server_->tls_port(), std::string("\x16\x03\x01\x02\x00", 5)).closed);
}

TEST_F(tls_test, tls_only_without_the_plain_listener) {
  config cfg = tls_config();
  cfg.plain_http = false;
  start(cfg);
  EXPECT_EQ(server_->port(), 0);
  http::request<http::vector_body<std::uint8_t>> req{http::verb::get, "/health", 11};
  auto res = https_request(server_->tls_port(), std::move(req));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200u);
}

TEST_F(tls_test, a_world_readable_key_is_warned_about) {
  ::chmod(key_file_.c_str(), 0644);
  start(tls_config());
  EXPECT_TRUE(logged("readable by every user"));
}

TEST_F(tls_test, start_refuses_a_key_that_is_not_the_certificates) {
  key_ptr other = new_key();
  write_key(key_file_, other.get());
  server s(tls_config());
  s.set_log_sink([](std::string_view) {});
  try {
    s.start();
    FAIL() << "started with a mismatched key";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not belong to the certificate"), std::string::npos)
        << e.what();
  }
}

TEST_F(tls_test, start_refuses_missing_or_unreadable_files) {
  config missing = tls_config();
  missing.tls_cert = dir_.file("nope.pem");
  config garbage = tls_config();
  garbage.tls_key = dir_.file("garbage.pem");
  {
    FILE* f = std::fopen(garbage.tls_key.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not a key\n", f);
    std::fclose(f);
  }
  config only_cert = tls_config();
  only_cert.tls_key.clear();
  for (const auto& [cfg, expected] :
       {std::pair{missing, std::string("nope.pem")}, std::pair{garbage, std::string("not a PEM private key")},
        std::pair{only_cert, std::string("tls_key: no file given")}}) {
    server s(cfg);
    s.set_log_sink([](std::string_view) {});
    try {
      s.start();
      ADD_FAILURE() << "started without a usable certificate and key";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

}  // namespace
TEST_F(tls_test, reload_tls_serves_a_renewed_certificate_to_new_connections) {
  start(tls_config());
  EXPECT_EQ(served_serial(server_->tls_port()), 1);
  wss_client open_before(server_->tls_port(), "/messagebroker/websocket");
  ASSERT_FALSE(open_before.handshake_error) << open_before.handshake_error.message();

  key_ptr key = new_key();
  cert_ptr renewed = self_signed(key.get(), 2);
  write_cert(cert_file_, renewed.get());
  write_key(key_file_, key.get());
  server_->reload_tls();
  // The listener takes the new context on its own strand: the next connections see it.
  EXPECT_EQ(served_serial(server_->tls_port()), 2);
  EXPECT_EQ(served_serial(server_->tls_port()), 2);

  // A connection made before the reload goes on working with the old context.
  EXPECT_TRUE(subscribe_to_chat(open_before));
}

TEST_F(tls_test, past_max_connections_a_tls_client_gets_a_fatal_alert_not_http) {
  config cfg = tls_config();
  cfg.max_connections = 1;
  start(cfg);
  wss_client holder(server_->tls_port(), "/messagebroker/websocket");
  ASSERT_FALSE(holder.handshake_error) << holder.handshake_error.message();
  const raw_result r = raw_exchange(server_->tls_port(), "");
  // One TLS alert record: fatal (2), internal_error (80); then the server closes.
  EXPECT_EQ(r.received, std::string("\x15\x03\x01\x00\x02\x02\x50", 7));
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(served_serial(server_->tls_port()), -1);
}

TEST_F(tls_test, a_failed_reload_keeps_the_old_certificate) {
  start(tls_config());
  key_ptr other = new_key();
  write_key(key_file_, other.get());  // not the certificate's key
  try {
    server_->reload_tls();
    ADD_FAILURE() << "reloaded a key that is not the certificate's";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not belong to the certificate"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(served_serial(server_->tls_port()), 1);
}

TEST(tls, reload_tls_without_tls_is_a_logic_error) {
  config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  server s(cfg);
  s.set_log_sink([](std::string_view) {});
  s.start();
  EXPECT_THROW(s.reload_tls(), std::logic_error);
  s.stop();
}

}  // namespace amphora::server
