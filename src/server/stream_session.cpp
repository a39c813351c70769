#include "stream_session.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <string_view>
#include <utility>

namespace amphora::server::detail {
namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";
constexpr std::size_t max_chunks_per_write = 21;  // 63 buffers: one writev (Asio passes at most 64)

// The handler's handle on the stream: posts to the connection's strand.
template <class Session>
class sink final : public stream_sink {
 public:
  sink(std::weak_ptr<Session> session, strand executor)
      : session_(std::move(session)), strand_(std::move(executor)) {}

  bool write(std::vector<std::uint8_t> bytes) override {
    if (ended_.load(std::memory_order_acquire) || bytes.empty()) return false;
    net::post(strand_, [weak = session_, b = std::move(bytes)]() mutable {
      if (auto s = weak.lock()) s->do_send(std::move(b));
    });
    return true;
  }
  void end() override {
    if (ended_.exchange(true)) return;
    net::post(strand_, [weak = session_] {
      if (auto s = weak.lock()) s->do_end();
    });
  }
  void stop() noexcept { ended_.store(true, std::memory_order_release); }

 private:
  std::weak_ptr<Session> session_;
  strand strand_;
  std::atomic<bool> ended_{false};
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
  sink_ = std::make_shared<sink<stream_session>>(weak_from_this(), tcp_layer().get_executor());
  tcp_layer().expires_never();
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
void stream_session<Stream>::do_send(std::vector<std::uint8_t> chunk) {
  if (ending_ || finished_) return;
  if (!outbox_.empty() && queued_bytes_ + chunk.size() > max_queued_bytes_) {  // one chunk always fits
    state_->log().event(log_level::info, remote_ + " stream closed: the client reads too slowly");
    return finish();
  }
  queued_bytes_ += chunk.size();
  outbox_.push_back(std::move(chunk));
  do_write();
}

template <class Stream>
void stream_session<Stream>::do_end() {
  if (ending_ || finished_) return;
  ending_ = true;
  static_cast<sink<stream_session>&>(*sink_).stop();
  do_write();
}

template <class Stream>
void stream_session<Stream>::do_write() {
  if (writing_ || finished_) return;
  if (outbox_.empty()) {
    if (!ending_) return;
    writing_ = true;
    tcp_layer().expires_after(state_->settings().write_timeout);
    net::async_write(stream_, net::buffer(last_chunk.data(), last_chunk.size()),
                     [self = shared_from_this()](error_code, std::size_t) {
                       self->writing_ = false;
                       self->finish();
                     });
    return;
  }
  writing_ = true;
  in_flight_ = std::min(outbox_.size(), max_chunks_per_write);
  chunk_heads_.resize(in_flight_);
  parts_.clear();
  for (std::size_t i = 0; i < in_flight_; ++i) {  // outbox_ may grow meanwhile: a deque keeps these
    chunk_heads_[i] = hex_size(outbox_[i].size());
    chunk_heads_[i] += crlf;
    parts_.push_back(net::buffer(chunk_heads_[i]));
    parts_.push_back(net::buffer(outbox_[i]));
    parts_.push_back(net::buffer(crlf.data(), crlf.size()));
  }
  tcp_layer().expires_after(state_->settings().write_timeout);
  net::async_write(stream_, parts_, beast::bind_front_handler(&stream_session::on_write, shared_from_this()));
}

template <class Stream>
void stream_session<Stream>::on_write(error_code ec, std::size_t) {
  writing_ = false;
  for (; in_flight_ > 0 && !outbox_.empty(); --in_flight_) {
    queued_bytes_ -= outbox_.front().size();
    outbox_.pop_front();
  }
  in_flight_ = 0;
  if (ec) {
    state_->log().event(log_level::debug, remote_ + " stream write failed: " + ec.message());
    return finish();
  }
  do_write();
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
  static_cast<sink<stream_session>&>(*sink_).stop();
  outbox_.clear();
  queued_bytes_ = 0;
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
