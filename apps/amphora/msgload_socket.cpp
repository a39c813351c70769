#include "msgload_socket.hpp"

#include <boost/asio/write.hpp>
#include <cstring>

#include "http_frame.hpp"

namespace amphora::cli::msgload {

void client_socket::connect(const net::ip::address* source) {
  error_code ec;
  socket_.open(settings_.server.protocol(), ec);
  if (!ec && source != nullptr) socket_.bind(tcp::endpoint(*source, 0), ec);
  if (ec) return failed("cannot bind a source address: " + ec.message());
  socket_.async_connect(settings_.server, [this](error_code e) {
    if (e) return failed("connect: " + e.message());
    socket_.set_option(tcp::no_delay(true), e);
    socket_.non_blocking(true, e);
    connected();
  });
}

void client_socket::read_more() {
  if (in_shared_) {
    kept_.assign(unread());
  } else {
    kept_.erase(0, consumed_);
  }
  in_shared_ = false;
  data_ = kept_;
  consumed_ = 0;
  socket_.async_wait(tcp::socket::wait_read, [this](error_code ec) {
    if (ec) return failed("read: " + ec.message());
    read_now();
  });
}

void client_socket::read_now() {
  error_code ec;
  std::size_t n = 0;
  const std::size_t kept = kept_.size();
  if (kept + read_buffer_.size() / 2 <= read_buffer_.size()) {
    std::memcpy(read_buffer_.data(), kept_.data(), kept);
    n = socket_.read_some(net::buffer(read_buffer_.data() + kept, read_buffer_.size() - kept), ec);
    data_ = {read_buffer_.data(), kept + n};
    in_shared_ = true;
    if (kept_.capacity() > 4096) {
      kept_ = std::string();  // a held connection keeps no large buffer
    } else {
      kept_.clear();
    }
  } else {  // a large response in the making: it grows in this connection's own buffer
    kept_.resize(kept + read_buffer_.size() / 2);
    n = socket_.read_some(net::buffer(kept_.data() + kept, kept_.size() - kept), ec);
    kept_.resize(kept + n);
    data_ = kept_;
  }
  consumed_ = 0;
  if (ec == net::error::would_block || ec == net::error::try_again) return read_more();
  if (ec) return failed("read: " + ec.message());
  received();
}

void client_socket::write_next() {
  net::async_write(socket_, net::buffer(outbox_.front().bytes), [this](error_code ec, std::size_t) {
    if (ec) return failed("write: " + ec.message());
    outbox_.pop_front();
    if (!outbox_.empty()) write_next();
  });
}

void client_socket::read_response() {
  const response_frame f = frame(unread(), max_response);
  if (f.state == response_frame::bad) return failed("unreadable HTTP response");
  if (f.state == response_frame::incomplete) return read_more();
  const std::string_view body = unread().substr(f.header_size, f.total_size - f.header_size);
  consume(f.total_size);  // the view stays valid until the next read_more()
  (this->*on_response_)(f.status, body);
}

}  // namespace amphora::cli::msgload
