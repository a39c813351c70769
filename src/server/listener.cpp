#include "listener.hpp"

#include <array>
#include <chrono>
#include <string>
#include <utility>

#include "session.hpp"

namespace amphora::server::detail {
namespace {

// Over max_connections: a short refusal written without waiting (a fresh socket's send buffer takes
// it), then close. The client learns why instead of seeing a bare reset: a plain client gets a 503;
// a TLS client, whose first bytes must be TLS, gets a fatal internal_error alert record before any
// handshake (what a TLS library reports as the server's refusal), which costs no handshake.
void refuse(strand_socket& socket, bool tls) {
  static constexpr std::string_view busy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: amphora/0.1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 20\r\nConnection: close\r\n\r\ntoo many connections";
  // Record type alert (21), legacy version 3.1, length 2; level fatal (2), internal_error (80).
  static constexpr std::array<unsigned char, 7> busy_tls = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50};
  error_code ec;
  socket.non_blocking(true, ec);
  if (!ec && tls) socket.write_some(net::buffer(busy_tls), ec);
  if (!ec && !tls) socket.write_some(net::buffer(busy.data(), busy.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state,
                   std::shared_ptr<net::ssl::context> tls)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_(acceptor_.get_executor()),
      state_(std::move(state)),
      tls_(std::move(tls)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_stop(); });
}

void listener::set_tls(std::shared_ptr<net::ssl::context> tls) {
  // A session's OpenSSL object holds its own reference to the context it was made from, so the
  // old context may go while connections made from it live on.
  net::post(acceptor_.get_executor(),
            [self = shared_from_this(), tls = std::move(tls)]() mutable { self->tls_ = std::move(tls); });
}

void listener::do_accept() {
  if (!acceptor_.is_open()) return;
  // The new connection gets its own strand.
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, strand_socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Out of descriptors and the like: say so, pause, try again rather than spin.
    state_->log().event(log_level::error, "accept failed: " + ec.message());
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait(beast::bind_front_handler(&listener::on_retry, shared_from_this()));
    return;
  }
  if (state_->full()) {
    state_->log().event(log_level::warn, "max_connections reached: connection refused");
    refuse(socket, tls_ != nullptr);
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    if (tls_) {
      start_session(tls_stream(strand_stream(std::move(socket)), *tls_));
    } else {
      start_session(strand_stream(std::move(socket)));
    }
  }
  do_accept();
}

template <class Stream>
void listener::start_session(Stream stream) {
  auto s = std::make_shared<session<Stream>>(std::move(stream), state_);
  state_->join(s);
  s->run();
}

void listener::on_retry(error_code ec) {
  if (!ec) do_accept();
}

void listener::do_stop() {
  error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
  // Every session that will ever exist is registered by now: joins happen on this strand.
  for (const std::weak_ptr<connection>& weak : state_->sessions()) {
    if (const std::shared_ptr<connection> s = weak.lock()) s->shutdown();
  }
}

}  // namespace amphora::server::detail
