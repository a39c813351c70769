// One connection of amphora msgload (a subscriber's or the publisher's): a socket, its reads, an
// HTTP request/response exchange and a write queue.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "msgload.hpp"

namespace amphora::cli::msgload {

// Reads wait until the socket is readable, then read as much as is there into the thread's shared
// buffer, after the bytes this connection kept from its last read; what is left unconsumed when
// the connection waits again is kept (usually nothing: a connection between messages holds no
// buffer). Handlers capture `this`: clients outlive their io_context's threads (see run()).
class client_socket {
 public:
  client_socket(net::io_context& ioc, std::vector<char>& read_buffer, const settings& s, run_totals& totals)
      : socket_(ioc), read_buffer_(read_buffer), settings_(s), totals_(totals) {}
  client_socket(const client_socket&) = delete;
  client_socket& operator=(const client_socket&) = delete;
  virtual ~client_socket() = default;

 protected:
  using response_handler = void (client_socket::*)(unsigned status, std::string_view body);

  void connect(const net::ip::address* source);

  // Sends `request` (kept until written) and calls `handler` with the response.
  void http_call(std::string request, response_handler handler) {
    on_response_ = handler;
    send(std::move(request));
    read_response();
  }
  // The same with a request that outlives the exchange (not copied).
  void http_call_kept(std::string_view request, response_handler handler) {
    on_response_ = handler;
    send_kept(request);
    read_response();
  }

  // Queues bytes to write; writes one buffer at a time.
  void send(std::string bytes) {
    outbox& o = outbox_.emplace_back();
    o.owned = std::move(bytes);
    o.bytes = o.owned;
    if (outbox_.size() == 1) write_next();
  }
  void send_kept(std::string_view bytes) {
    outbox_.emplace_back().bytes = bytes;
    if (outbox_.size() == 1) write_next();
  }

  // Keeps what is unread, waits for more, then calls received(). Views of earlier bytes end here.
  void read_more();

  std::string_view unread() const { return data_.substr(consumed_); }
  void consume(std::size_t n) { consumed_ += n; }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  virtual void connected() = 0;
  virtual void received() { read_response(); }
  virtual void failed(std::string reason) = 0;

  tcp::socket socket_;
  std::vector<char>& read_buffer_;
  const settings& settings_;
  run_totals& totals_;

 private:
  struct outbox {
    std::string owned;
    std::string_view bytes;  // owned, or bytes the caller keeps
  };

  void read_now();
  void write_next();
  void read_response();

  std::string kept_;       // unread bytes between reads
  std::string_view data_;  // what is being read: in kept_ or in the thread's buffer
  std::size_t consumed_ = 0;
  bool in_shared_ = false;  // data_ is in the thread's buffer
  std::deque<outbox> outbox_;
  response_handler on_response_ = nullptr;
};

}  // namespace amphora::cli::msgload
