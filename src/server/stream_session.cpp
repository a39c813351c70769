#include "stream_session.hpp"

#include <exception>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "push_outbox.hpp"

namespace amphora::server::detail {
namespace {

constexpr std::string_view last_chunk = "0\r\n\r\n";

// The handler's handle on the stream: a chunk is encoded at once into the outbox
// (push_outbox.hpp), so that chunks written in a burst, or while the connection waits for its
// turn, go out together. The bound counts payload bytes; passing it closes the stream at once.
template <class Session>
class sink final : public stream_sink, public push_outbox<Session> {
 public:
  sink(std::weak_ptr<Session> session, strand executor, std::size_t max_queued_bytes, flush_sweep& sweep)
      : push_outbox<Session>(std::move(session), std::move(executor), max_queued_bytes, sweep) {}

  bool write(std::vector<std::uint8_t> bytes) override { return write_copy(bytes); }

  bool write_copy(std::span<const std::uint8_t> bytes) override {
    if (bytes.empty()) return false;
    return this->add(bytes.size(), [&](std::vector<std::uint8_t>& out) { append_chunk(out, bytes); });
  }

  // Each chunk encoded straight into the outbox's buffer, then framed in place.
  bool write_encoded(std::size_t count, const chunk_encoder& encode) override {
    return this->add_each(count,
                          [&](std::size_t i, std::vector<std::uint8_t>& out) -> std::optional<std::size_t> {
                            const std::size_t at = out.size();
                            if (!encode(i, out) || out.size() == at) return std::nullopt;
                            const std::size_t bytes = out.size() - at;
                            frame_chunk_at(out, at);
                            return bytes;
                          });
  }

  void set_drain(std::function<void()> drain) override { this->set_drain_function(std::move(drain)); }
  void wake() override { this->wake_drain(); }

  void end() override {
    if (this->end_outbox()) this->post([](Session& s) { s.do_end(); });
  }

 private:
  void on_full() override {
    this->post([](Session& s) { s.do_overflow(); });
  }
};

}  // namespace

template <class Stream>
void stream_session<Stream>::start(Stream stream, std::shared_ptr<stream_connection> target,
                                   std::shared_ptr<shared_state> state, std::string remote) {
  auto s = std::make_shared<stream_session<Stream>>(std::move(stream), std::move(target), state,
                                                    std::move(remote));
  state->join(s);
  s->run();
}

template <class Stream>
stream_session<Stream>::stream_session(Stream stream, std::shared_ptr<stream_connection> target,
                                       std::shared_ptr<shared_state> state, std::string remote)
    : stream_(std::move(stream)),
      connection_(std::move(target)),
      state_(std::move(state)),
      remote_(std::move(remote)),
      max_queued_bytes_(connection_->max_queued_bytes()) {}

template <class Stream>
stream_session<Stream>::~stream_session() {
  if (!finished_) {  // the I/O threads stopped with operations pending: the handler still hears of it
    try {
      connection_->on_close();
    } catch (...) {
    }
  }
  state_->leave(this);
}

// Called on the strand (the HTTP session hands over from its strand).
template <class Stream>
void stream_session<Stream>::run() {
  sink_ = std::make_shared<sink<stream_session>>(weak_from_this(), tcp_layer().get_executor(),
                                                 max_queued_bytes_, state_->flushes());
  tcp_layer().expires_never();
  if constexpr (!is_tls<Stream>) {
    error_code ignored;  // at worst, do_flush's first step waits for the socket
    tcp_layer().socket().non_blocking(true, ignored);
  }
  try {
    connection_->on_open(sink_);
  } catch (const std::exception& e) {
    state_->log().event(log_level::error, remote_ + " stream on_open threw: " + e.what());
    return finish();
  }
  if (state_->stopping()) connection_->on_stop();
  do_read();
}

// The client sends nothing after its request; reading tells when it goes away.
template <class Stream>
void stream_session<Stream>::do_read() {
  stream_.async_read_some(net::buffer(discard_),
                          beast::bind_front_handler(&stream_session::on_read, shared_from_this()));
}

template <class Stream>
void stream_session<Stream>::on_read(error_code ec, std::size_t) {
  if (ec || finished_) return finish();
  do_read();
}

template <class Stream>
void stream_session<Stream>::do_overflow() {
  if (finished_) return;
  state_->log().event(log_level::info, remote_ + " stream closed: the client reads too slowly");
  finish();
}

template <class Stream>
void stream_session<Stream>::do_end() {
  if (ending_ || finished_) return;
  ending_ = true;
  static_cast<sink<stream_session>&>(*sink_).end_outbox();
  do_flush();
}

// Every chunk the sink encoded since the last write, and what the handler's drain (if woken)
// writes behind it, in one write; when nothing is left after the end was asked, the last chunk.
// Over plain TCP the chunks are written at once as far as the socket takes them (it does not
// block), and only the rest goes through an asynchronous write under the write timeout. Written
// at once, the flush ends there unless the end is to follow: what came meanwhile asked the sweep
// for a flush of its own (outbox::take). on_write goes round again: a flush that came during an
// asynchronous write did nothing.
template <class Stream>
void stream_session<Stream>::do_flush() {
  while (!writing_ && !finished_) {
    if (sending_.empty()) {
      const outbox::taken t = static_cast<sink<stream_session>&>(*sink_).take(sending_);
      sending_bytes_ = t.cost;
      sending_chunks_ = t.items;
    }
    if (sending_.empty()) {
      if (!ending_) return state_->stream_writes().add_empty();
      writing_ = true;
      tcp_layer().expires_after(state_->settings().write_timeout);
      net::async_write(stream_, net::buffer(last_chunk.data(), last_chunk.size()),
                       [self = shared_from_this()](error_code, std::size_t) {
                         self->writing_ = false;
                         self->finish();
                       });
      return;
    }
    state_->stream_writes().add(sending_chunks_);
    std::size_t sent = 0;
    if constexpr (!is_tls<Stream>) {
      error_code ec;
      sent = write_now(tcp_layer().socket(), net::buffer(sending_), ec);
      if (ec || sent == sending_.size()) {
        if (!written(ec) || !ending_) return;
        continue;
      }
    }
    writing_ = true;
    tcp_layer().expires_after(state_->settings().write_timeout);
    net::async_write(stream_, net::buffer(sending_) + sent,
                     beast::bind_front_handler(&stream_session::on_write, shared_from_this()));
    return;
  }
}

template <class Stream>
void stream_session<Stream>::on_write(error_code ec, std::size_t) {
  writing_ = false;
  if (written(ec)) do_flush();
}

// The chunks taken are out; false if the write failed (the stream ends).
template <class Stream>
bool stream_session<Stream>::written(error_code ec) {
  static_cast<sink<stream_session>&>(*sink_).written(std::exchange(sending_bytes_, 0));
  give_back_write_buffer(sending_);
  if (!ec) return true;
  state_->log().event(log_level::debug, remote_ + " stream write failed: " + ec.message());
  finish();
  return false;
}

template <class Stream>
void stream_session<Stream>::shutdown() {
  net::post(tcp_layer().get_executor(), [self = shared_from_this()] {
    if (self->finished_ || self->ending_) return;
    try {
      self->connection_->on_stop();
    } catch (...) {
      self->do_end();
    }
  });
}

// The handler hears of the end before the client can see the connection close, so a client that
// reopens at once finds its previous stream gone.
template <class Stream>
void stream_session<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  static_cast<sink<stream_session>&>(*sink_).end_outbox();
  sending_.clear();
  try {
    connection_->on_close();
  } catch (...) {
    state_->log().event(log_level::error, remote_ + " stream on_close threw");
  }
  error_code ignored;
  tcp_layer().socket().close(ignored);
}

template class stream_session<strand_stream>;
template class stream_session<tls_stream>;

}  // namespace amphora::server::detail
