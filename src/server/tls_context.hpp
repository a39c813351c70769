// The TLS settings of the HTTPS/WSS listener, built once at start from the configured PEM files.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // before Boost: 1.74's asio/awaitable.hpp uses std::exchange without it (GCC 12)

namespace amphora::server::detail {

// A server context: TLS 1.2 and later, no compression, no renegotiation, forward-secret AEAD cipher
// suites only (TLS 1.3 keeps OpenSSL's defaults), the server's order. Throws std::runtime_error
// naming the file and the reason when the certificate chain or the key cannot be read or when
// they do not belong together. `warn` is told when the key file is readable by every user.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(
    const std::string& cert_file, const std::string& key_file,
    const std::function<void(const std::string& message)>& warn);

}  // namespace amphora::server::detail
