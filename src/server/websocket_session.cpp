#include "websocket_session.hpp"

#include <atomic>
#include <exception>
#include <string_view>
#include <utility>

namespace amphora::server::detail {
namespace {

namespace websocket = beast::websocket;

constexpr std::string_view server_name = "amphora/0.1";
constexpr std::size_t max_reason_bytes = 123;  // RFC 6455: a close frame's payload is at most 125

std::string_view view(beast::string_view s) noexcept { return {s.data(), s.size()}; }

// The channel's handle on the connection: posts to the connection's strand.
template <class Session>
class sink final : public message_sink {
 public:
  sink(std::weak_ptr<Session> session, strand executor)
      : session_(std::move(session)), strand_(std::move(executor)) {}

  bool send(std::vector<std::uint8_t> message) override {
    if (ended_.load(std::memory_order_acquire)) return false;
    net::post(strand_, [weak = session_, m = std::move(message)]() mutable {
      if (auto s = weak.lock()) s->do_send(std::move(m));
    });
    return true;
  }
  void close(std::uint16_t code, std::string reason) override {
    if (ended_.exchange(true)) return;
    net::post(strand_, [weak = session_, code, r = std::move(reason)]() mutable {
      if (auto s = weak.lock()) s->do_close(code, std::move(r));
    });
  }
  void end() noexcept { ended_.store(true, std::memory_order_release); }

 private:
  std::weak_ptr<Session> session_;
  strand strand_;
  std::atomic<bool> ended_{false};
};

}  // namespace

template <class Stream>
void websocket_session<Stream>::start(Stream stream, request req, const websocket_route& route,
                                      std::shared_ptr<shared_state> state, std::string remote) {
  auto s =
      std::make_shared<websocket_session>(std::move(stream), std::move(req), route, state, std::move(remote));
  state->join(s);
  s->run();
}

template <class Stream>
websocket_session<Stream>::websocket_session(Stream stream, request req, const websocket_route& route,
                                             std::shared_ptr<shared_state> state, std::string remote)
    : ws_(std::move(stream)),
      request_(std::move(req)),
      handler_(route.target),
      settings_(route.settings),
      state_(std::move(state)),
      remote_(std::move(remote)) {}

template <class Stream>
websocket_session<Stream>::~websocket_session() {
  state_->leave(this);
}

template <class Stream>
void websocket_session<Stream>::run() {
  sink_ = std::make_shared<sink<websocket_session>>(weak_from_this(), ws_.get_executor());
  beast::get_lowest_layer(ws_).expires_never();  // Beast's websocket timeouts take over
  ws_.set_option(websocket::stream_base::timeout{settings_.handshake_timeout, settings_.idle_timeout,
                                                 /*keep_alive_pings=*/true});
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, beast::string_view(server_name.data(), server_name.size()));
  }));
  ws_.read_message_max(settings_.max_message_bytes);
  ws_.binary(true);
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind != websocket::frame_type::close && connection_) connection_->on_alive();
  });
  ws_.async_accept(request_, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_accept(error_code ec) {
  if (ec) {
    state_->log().event(log_level::debug, remote_ + " websocket handshake failed: " + ec.message());
    return finish();
  }
  open_ = true;
  const std::string_view target = view(request_.target());
  const std::size_t q = target.find('?');
  request_view rv;
  rv.method = view(request_.method_string());
  rv.target = target;
  rv.path = target.substr(0, q);
  rv.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  rv.origin = view(request_[http::field::origin]);
  rv.user_agent = view(request_[http::field::user_agent]);
  rv.cookie = view(request_[http::field::cookie]);
  rv.remote_address = address_of(remote_);
  try {
    connection_ = handler_->open(rv, sink_);
  } catch (const std::exception& e) {
    state_->log().event(log_level::error,
                        "websocket handler for " + std::string(rv.path) + " threw: " + e.what());
  }
  if (!connection_) {
    do_close(static_cast<std::uint16_t>(websocket::close_code::internal_error), "no handler");
  } else if (state_->stopping()) {
    do_close(close_code::going_away, "server stopping");
  }
  do_read();
}

template <class Stream>
void websocket_session<Stream>::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_read(error_code ec, std::size_t) {
  if (ec) {
    if (ec != websocket::error::closed && state_->log().enabled(log_level::debug)) {
      state_->log().event(log_level::debug, remote_ + " websocket ended: " + ec.message());
    }
    return finish();
  }
  if (!closing_) {
    if (!ws_.got_binary()) {
      do_close(close_code::unsupported_data, "binary frames only");
    } else if (connection_) {
      const auto data = buffer_.cdata();
      connection_->on_message({static_cast<const std::uint8_t*>(data.data()), data.size()});
    }
  }
  buffer_.consume(buffer_.size());
  do_read();  // after a close we sent, until the peer's close frame ends the read
}

template <class Stream>
void websocket_session<Stream>::do_send(std::vector<std::uint8_t> message) {
  if (closing_ || finished_) return;
  if (outbox_.size() >= settings_.max_queued_messages) {
    return do_close(close_code::policy_error, "client reads too slowly");
  }
  outbox_.push_back(std::move(message));
  do_write();
}

template <class Stream>
void websocket_session<Stream>::do_write() {
  if (writing_ || finished_ || !open_) return;
  if (outbox_.empty()) {
    if (!closing_) return;
    writing_ = true;
    ws_.async_close(close_reason_,
                    beast::bind_front_handler(&websocket_session::on_closed, shared_from_this()));
    return;
  }
  writing_ = true;
  ws_.async_write(net::buffer(outbox_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_write(error_code ec, std::size_t) {
  writing_ = false;
  if (!outbox_.empty()) outbox_.pop_front();
  if (ec) return finish();
  do_write();
}

template <class Stream>
void websocket_session<Stream>::on_closed(error_code) {
  // The read loop ends when the peer's close frame arrives (or the socket is torn down).
}

template <class Stream>
void websocket_session<Stream>::do_close(std::uint16_t code, std::string reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  static_cast<sink<websocket_session>&>(*sink_).end();
  if (reason.size() > max_reason_bytes) reason.resize(max_reason_bytes);
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                          beast::string_view(reason.data(), reason.size()));
  if (!open_) {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);  // mid-handshake: nothing to say
    return;
  }
  do_write();
}

template <class Stream>
void websocket_session<Stream>::shutdown() {
  net::post(ws_.get_executor(),
            [self = shared_from_this()] { self->do_close(close_code::going_away, "server stopping"); });
}

template <class Stream>
void websocket_session<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  static_cast<sink<websocket_session>&>(*sink_).end();
  error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  if (connection_) {
    try {
      connection_->on_close();
    } catch (...) {
      state_->log().event(log_level::error, remote_ + " websocket on_close threw");
    }
    connection_.reset();
  }
}

template class websocket_session<strand_stream>;
template class websocket_session<tls_stream>;

}  // namespace amphora::server::detail
