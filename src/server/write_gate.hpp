// The layer under a Beast WebSocket stream that lets the session write its own data frames. Beast
// writes one message per call; the session builds several binary frames by hand into one buffer
// and writes them in one write (websocket_session.cpp). Beast still writes the handshake answer, pings,
// pongs and close frames through this layer's async_write_some, so the two writers take turns,
// frame-whole: a write of Beast's that comes while one of ours is in flight waits for it (at most
// one waits: Beast writes one frame at a time), and ours is refused while one of Beast's is in
// flight (the session is told through `on_idle`, posted, once Beast's write is done). Over plain TCP
// ours are written at once as far as the socket takes them (the gate makes it non-blocking), and
// only the rest, if any, goes through an asynchronous write: a frame that fits in the socket's
// buffer costs one system call and no handler. Everything runs on the connection's strand.
#pragma once

#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "net.hpp"

namespace amphora::server::detail {

template <class Next>
class write_gate {
 public:
  using executor_type = typename Next::executor_type;

  template <class... Args>
  explicit write_gate(Args&&... args)
      : next_(std::forward<Args>(args)...), turns_(std::make_shared<turns>(next_.get_executor())) {
    if constexpr (!is_tls<Next>) {
      error_code ignored;  // at worst, write_frames's first step waits for the socket
      beast::get_lowest_layer(next_).socket().non_blocking(true, ignored);
    }
  }

  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }
  executor_type get_executor() noexcept { return next_.get_executor(); }

  // Posted when a write of Beast's ends while one of ours was refused.
  void on_idle(std::function<void()> f) { turns_->on_idle = std::move(f); }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Beast's writes: at once when the gate is free, else once ours is done.
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return net::async_initiate<std::decay_t<Token>, void(error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (ours_in_flight_) {
            *waiting_ = std::make_unique<waiting_write<Buffers, decltype(handler)>>(b, std::move(handler));
            return;
          }
          start_theirs(b, std::move(handler));
        },
        token, buffers);
  }

  // How one of our writes went.
  enum class frames_write {
    refused,  // nothing written: one of Beast's writes is in flight (on_idle follows it)
    done,     // written at once, every byte, or failed at once (`ec`); `handler` is not called
    pending,  // the rest is being written: `handler(ec, bytes of the rest)` runs when it is out
  };

  // Our writes, whole frames. Over plain TCP, first at once as far as the socket takes them.
  template <class Handler>
  frames_write write_frames(net::const_buffer frames, error_code& ec, Handler&& handler) {
    ec = {};
    if (turns_->theirs_in_flight > 0) {
      turns_->refused = true;
      return frames_write::refused;
    }
    if constexpr (!is_tls<Next>) {
      const std::size_t sent = write_now(beast::get_lowest_layer(next_).socket(), frames, ec);
      if (ec || sent == frames.size()) return frames_write::done;
      frames += sent;
    }
    start_ours(frames, std::forward<Handler>(handler));
    return frames_write::pending;
  }

 private:
  template <class Handler>
  void start_ours(net::const_buffer frames, Handler&& handler) {
    ours_in_flight_ = true;
    // The slot where one of Beast's writes waits belongs to this write's handler, not to the gate:
    // Beast's waiting handler may hold the session (a read answering a ping holds it), so if the
    // I/O stops and this handler is destroyed without running, the waiting one goes with it
    // instead of keeping the session alive in a cycle through the gate.
    auto slot = std::make_unique<std::unique_ptr<waiting>>();
    waiting_ = slot.get();
    net::async_write(next_, frames,
                     [this, slot = std::move(slot), h = std::forward<Handler>(handler)](
                         error_code ec, std::size_t n) mutable {
                       ours_in_flight_ = false;  // `h` keeps the session, hence this gate, alive
                       waiting_ = nullptr;
                       if (*slot) std::exchange(*slot, nullptr)->start(*this);
                       h(ec, n);
                     });
  }

  struct waiting {
    virtual ~waiting() = default;
    virtual void start(write_gate& gate) = 0;
  };
  template <class Buffers, class Handler>
  struct waiting_write final : waiting {
    waiting_write(const Buffers& b, Handler h) : buffers(b), handler(std::move(h)) {}
    void start(write_gate& gate) override { gate.start_theirs(buffers, std::move(handler)); }
    Buffers buffers;  // views of Beast's own frame buffer, which lives as long as its operation
    Handler handler;
  };

  template <class Buffers, class Handler>
  void start_theirs(const Buffers& buffers, Handler handler) {
    ++turns_->theirs_in_flight;
    // Beast's operations do not keep its state (nor this gate) alive: the completion holds
    // `turns_`, not `this`.
    next_.async_write_some(buffers,
                           [t = turns_, h = std::move(handler)](error_code ec, std::size_t n) mutable {
                             --t->theirs_in_flight;
                             // Posted, so it runs after `h`: if `h` writes the rest of Beast's frame, ours
                             // keeps waiting.
                             if (t->theirs_in_flight == 0 && t->refused && t->on_idle) {
                               t->refused = false;
                               net::post(t->executor, t->on_idle);
                             }
                             h(ec, n);
                           });
  }

  // Whose turn it is, shared with the completions of Beast's writes.
  struct turns {
    explicit turns(executor_type e) : executor(std::move(e)) {}
    executor_type executor;
    std::function<void()> on_idle;
    int theirs_in_flight = 0;
    bool refused = false;  // one of ours was refused: on_idle when Beast's writes are done
  };

  Next next_;
  std::shared_ptr<turns> turns_;
  std::unique_ptr<waiting>* waiting_ = nullptr;  // while ours is in flight: its handler's slot
  bool ours_in_flight_ = false;
};

// Beast's closing handshake ends with a teardown of the layer below the WebSocket.
template <class Next>
void teardown(beast::role_type role, write_gate<Next>& gate, error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, gate.next_layer(), ec);
}

template <class Next, class Handler>
void async_teardown(beast::role_type role, write_gate<Next>& gate, Handler&& handler) {
  using beast::websocket::async_teardown;
  async_teardown(role, gate.next_layer(), std::forward<Handler>(handler));
}

}  // namespace amphora::server::detail
