#include "websocket_session.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "push_outbox.hpp"

namespace amphora::server::detail {
namespace {

namespace websocket = beast::websocket;

constexpr std::string_view server_name = "amphora/0.1";
constexpr std::size_t max_reason_bytes = 123;  // RFC 6455: a close frame's payload is at most 125

std::string_view view(beast::string_view s) noexcept { return {s.data(), s.size()}; }

// The header of a server's frame of one binary message of `n` bytes: FIN and opcode 2, the length,
// no mask (RFC 6455 5.2).
struct frame_header {
  std::array<std::uint8_t, 10> bytes{};
  std::size_t size = 0;
};
frame_header header_of(std::size_t n) {
  frame_header h;
  h.bytes[0] = 0x82;
  if (n < 126) {
    h.bytes[1] = static_cast<std::uint8_t>(n);
    h.size = 2;
  } else if (n <= 0xffff) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<std::uint8_t>(n >> 8);
    h.bytes[3] = static_cast<std::uint8_t>(n & 0xff);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (std::size_t i = 0; i < 8; ++i)
      h.bytes[2 + i] = static_cast<std::uint8_t>((n >> (56 - 8 * i)) & 0xff);
    h.size = 10;
  }
  return h;
}

// One frame of `payload`, appended to `out`.
void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  const frame_header h = header_of(payload.size());
  // Grown once for the whole frame, not byte by byte.
  const std::size_t need = out.size() + h.size + payload.size();
  if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
  out.insert(out.end(), h.bytes.begin(), h.bytes.begin() + static_cast<std::ptrdiff_t>(h.size));
  out.insert(out.end(), payload.begin(), payload.end());
}

// Makes the bytes of `out` from `at` on one frame: its header in front (the payload, encoded in
// place, moves up by the header's 2 to 10 bytes: its length is known only once it is encoded).
void frame_at(std::vector<std::uint8_t>& out, std::size_t at) {
  const frame_header h = header_of(out.size() - at);
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), h.bytes.begin(),
             h.bytes.begin() + static_cast<std::ptrdiff_t>(h.size));
}

// The channel's handle on the connection: a message is framed at once into the outbox
// (push_outbox.hpp), so that messages sent in a burst, or while the connection waits for its turn,
// go out together. The bound counts frames; passing it closes with 1008 after what is queued.
template <class Session>
class sink final : public message_sink, public push_outbox<Session> {
 public:
  sink(std::weak_ptr<Session> session, strand executor, std::size_t max_queued, flush_sweep& sweep)
      : push_outbox<Session>(std::move(session), std::move(executor), max_queued, sweep) {}

  bool send(std::vector<std::uint8_t> message) override { return send_copy(message); }

  bool send_copy(std::span<const std::uint8_t> message) override {
    return this->add(1, [&](std::vector<std::uint8_t>& out) { append_frame(out, message); });
  }

  // Each message encoded straight into the outbox's buffer, then framed in place.
  bool send_encoded(std::size_t count, const message_encoder& encode) override {
    return this->add_each(count,
                          [&](std::size_t i, std::vector<std::uint8_t>& out) -> std::optional<std::size_t> {
                            const std::size_t at = out.size();
                            if (!encode(i, out)) return std::nullopt;
                            frame_at(out, at);
                            return 1;
                          });
  }

  void set_drain(std::function<void()> drain) override { this->set_drain_function(std::move(drain)); }
  void wake() override { this->wake_drain(); }

  void close(std::uint16_t code, std::string reason) override {
    if (this->end_outbox()) post_close(code, std::move(reason));
  }

 private:
  void on_full() override { post_close(close_code::policy_error, "client reads too slowly"); }

  void post_close(std::uint16_t code, std::string reason) {
    this->post([code, r = std::move(reason)](Session& s) mutable { s.do_close(code, std::move(r)); });
  }
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
  sink_ = std::make_shared<sink<websocket_session>>(weak_from_this(), ws_.get_executor(),
                                                    settings_.max_queued_messages, state_->flushes());
  ws_.next_layer().on_idle([weak = weak_from_this()] {
    if (auto s = weak.lock()) s->do_flush();
  });
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

// Everything the sink framed since the last write, and what the channel's drain (if woken) sends
// behind it, in one write; when nothing is left after a close was asked, the close frame. Over
// plain TCP the write is mostly done at once (write_gate.hpp): what came meanwhile asked the sweep
// for a flush of its own (outbox::take), so the flush ends there, unless a close is to follow.
// After an asynchronous write, on_write goes round again: a flush that came meanwhile found the
// write in flight and did nothing.
template <class Stream>
void websocket_session<Stream>::do_flush() {
  using frames_write = typename write_gate<Stream>::frames_write;
  while (!writing_ && !finished_ && open_) {
    if (sending_.empty()) {
      const outbox::taken t = static_cast<sink<websocket_session>&>(*sink_).take(sending_);
      sending_count_ = t.items;
    }
    if (sending_.empty()) {
      if (!closing_) return state_->websocket_writes().add_empty();
      writing_ = true;  // for good: the close is the last write
      ws_.async_close(close_reason_,
                      beast::bind_front_handler(&websocket_session::on_closed, shared_from_this()));
      return;
    }
    if (!ws_.is_open()) return;  // Beast answers the peer's close: nothing may follow its close frame
    error_code ec;
    const frames_write w = ws_.next_layer().write_frames(
        net::buffer(sending_), ec,
        beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
    if (w == frames_write::refused) return;  // Beast writes a control frame: the gate calls do_flush after it
    state_->websocket_writes().add(sending_count_);
    if (w == frames_write::pending) {
      writing_ = true;
      return;
    }
    if (!written(ec) || !closing_) return;
  }
}

template <class Stream>
void websocket_session<Stream>::on_write(error_code ec, std::size_t) {
  writing_ = false;
  if (written(ec)) do_flush();
}

// The frames taken are out; false if the write failed (the session ends).
template <class Stream>
bool websocket_session<Stream>::written(error_code ec) {
  static_cast<sink<websocket_session>&>(*sink_).written(std::exchange(sending_count_, 0));
  give_back_write_buffer(sending_);
  if (!ec) return true;
  finish();
  return false;
}

template <class Stream>
void websocket_session<Stream>::on_closed(error_code) {
  // The read loop ends when the peer's close frame arrives (or the socket is torn down).
}

template <class Stream>
void websocket_session<Stream>::do_close(std::uint16_t code, std::string reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  static_cast<sink<websocket_session>&>(*sink_).end_outbox();
  if (reason.size() > max_reason_bytes) reason.resize(max_reason_bytes);
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                          beast::string_view(reason.data(), reason.size()));
  if (!open_) {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);  // mid-handshake: nothing to say
    return;
  }
  do_flush();
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
  static_cast<sink<websocket_session>&>(*sink_).end_outbox();
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
