// Accepts connections and gives each a session on its own strand; past max_connections a new
// connection is answered 503 and closed at once. stop() closes the acceptor, then asks every live
// session to stop gracefully. With a TLS context, its sessions speak HTTPS and WSS.
#pragma once

#include <cstdint>
#include <memory>

#include "net.hpp"
#include "shared_state.hpp"

namespace amphora::server::detail {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Opens, binds and listens; throws boost::system::system_error when it cannot.
  listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state,
           std::shared_ptr<net::ssl::context> tls = nullptr);

  void run();
  void stop();  // from any thread
  // From any thread: connections accepted from now on use `tls` (a TLS listener stays one).
  void set_tls(std::shared_ptr<net::ssl::context> tls);
  std::uint16_t port() const noexcept { return port_; }

 private:
  void do_accept();
  void on_accept(error_code ec, strand_socket socket);
  void on_retry(error_code ec);
  void do_stop();
  template <class Stream>
  void start_session(Stream stream);

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<net::ssl::context> tls_;
  std::uint16_t port_ = 0;
};

}  // namespace amphora::server::detail
