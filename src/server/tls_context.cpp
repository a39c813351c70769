#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <stdexcept>
#include <system_error>

namespace amphora::server::detail {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 suites: ECDHE key exchange, AEAD ciphers.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

void require_file(const char* what, const std::string& path) {
  struct stat st {};
  if (path.empty()) throw std::runtime_error(std::string(what) + ": no file given");
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(std::string(what) + " " + path + ": " + std::generic_category().message(errno));
  }
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(std::string(what) + " " + path + ": not a regular file");
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file,
                                               const std::function<void(const std::string& message)>& warn) {
  require_file("tls_cert", cert_file);
  require_file("tls_key", key_file);
  struct stat st {};
  if (::stat(key_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0 && warn) {
    warn("tls_key " + key_file + " is readable by every user of this machine (chmod 600 it)");
  }

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                   ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) {
    throw std::runtime_error("TLS: the cipher list is not supported by this OpenSSL");
  }

  // An encrypted key fails to load instead of prompting on the terminal.
  ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    throw std::runtime_error("tls_cert " + cert_file + ": not a PEM certificate chain (" + ec.message() +
                             ")");
  const std::string mismatch = "tls_key " + key_file + " does not belong to the certificate in " + cert_file;
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    throw std::runtime_error(mismatch);  // OpenSSL compares them while loading the key
  }
  if (ec) throw std::runtime_error("tls_key " + key_file + ": not a PEM private key (" + ec.message() + ")");
  if (SSL_CTX_check_private_key(native) != 1) throw std::runtime_error(mismatch);
  return ctx;
}

}  // namespace amphora::server::detail
