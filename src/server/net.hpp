// Namespace aliases for the Beast-heavy files (session, listener, server); never in public headers.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <type_traits>
#include <utility>  // before Boost: 1.74's asio/awaitable.hpp uses std::exchange without it (GCC 12)

namespace amphora::server::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

// A connection's strand, and its socket, stream and timers bound to it by type: a type-erased
// any_io_executor holding a strand allocates on each prefer()/require(), which Asio and Beast
// do several times per operation (measured with callgrind: docs/performance.md, "Server").
using strand = net::strand<net::io_context::executor_type>;
using strand_socket = tcp::socket::rebind_executor<strand>::other;
using strand_stream = beast::basic_stream<tcp, strand>;
using strand_timer =
    net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, strand>;

// The two streams a connection speaks over: plain TCP, and TLS over it (HTTPS, WSS). Sessions are
// templates on the stream; `is_tls` picks the few steps that differ (handshake, close).
using tls_stream = beast::ssl_stream<strand_stream>;
template <class Stream>
inline constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

// Writes at once as much of `buffers` as a non-blocking socket takes: the bytes written, and `ec`
// only for a failure (a full send buffer is none: the caller writes the rest asynchronously).
template <class Socket, class Buffers>
std::size_t write_now(Socket& socket, const Buffers& buffers, error_code& ec) {
  const std::size_t sent = socket.write_some(buffers, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
  return sent;
}

}  // namespace amphora::server::detail
