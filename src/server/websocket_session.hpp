// One WebSocket connection, upgraded from an HTTP session (session.cpp hands over its socket and
// the upgrade request). Shaped like Beast's websocket chat example: one read loop, one write at a
// time, everything on the connection's strand. Outgoing messages are framed by hand (binary, FIN,
// unmasked) into the sink's buffer as they are sent, and whatever piled up while a write was in
// flight goes out in the next single write (write_gate.hpp: Beast keeps the handshake, reading,
// ping/pong and close, taking turns with these writes frame-whole). Beast's own timeouts bound
// the handshake and idleness (with keep-alive pings); the graceful stop closes with 1001. A template
// on the stream (plain TCP, or TLS for WSS), instantiated for both in websocket_session.cpp.
#pragma once

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "amphora/server/server.hpp"
#include "amphora/server/websocket.hpp"
#include "net.hpp"
#include "shared_state.hpp"
#include "write_gate.hpp"

namespace amphora::server::detail {

template <class Stream>
class websocket_session : public connection, public std::enable_shared_from_this<websocket_session<Stream>> {
 public:
  using request = http::request<http::vector_body<std::uint8_t>>;
  using std::enable_shared_from_this<websocket_session>::shared_from_this;
  using std::enable_shared_from_this<websocket_session>::weak_from_this;

  // Registers the connection with `state` and answers the upgrade.
  static void start(Stream stream, request req, const websocket_route& route,
                    std::shared_ptr<shared_state> state, std::string remote);

  websocket_session(Stream stream, request req, const websocket_route& route,
                    std::shared_ptr<shared_state> state, std::string remote);
  ~websocket_session() override;
  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  void shutdown() override;
  // For the sink, on the strand.
  void do_flush();
  void do_close(std::uint16_t code, std::string reason);

 private:
  void run();
  void on_accept(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void on_write(error_code ec, std::size_t bytes);
  bool written(error_code ec);
  void on_closed(error_code ec);
  void finish();

  beast::websocket::stream<write_gate<Stream>> ws_;
  beast::flat_buffer buffer_;
  request request_;
  std::shared_ptr<websocket_handler> handler_;
  websocket_settings settings_;
  std::shared_ptr<shared_state> state_;
  std::string remote_;
  std::shared_ptr<message_sink> sink_;
  std::shared_ptr<websocket_connection> connection_;

  std::vector<std::uint8_t> sending_;  // frames taken from the sink, being written
  std::size_t sending_count_ = 0;      // how many
  bool open_ = false;                  // the handshake is done
  bool writing_ = false;               // a write or the close is in flight
  bool closing_ = false;               // a close was asked: nothing more is queued
  bool finished_ = false;
  beast::websocket::close_reason close_reason_;
};

}  // namespace amphora::server::detail
