// One HTTP/1.1 connection, in the shape of Beast's advanced server: read a request, route it, queue
// its response slot; read ahead up to pipeline_limit requests while handlers work; write responses
// strictly in request order, one write at a time. Everything runs on the connection's strand;
// handlers may answer from any thread (their reply is posted back).
//
// Over TLS (Stream = tls_stream) the handshake comes first and must complete within
// tls_handshake_timeout; the close then sends close_notify instead of lingering. The one
// template serves both streams (session.cpp instantiates it for each).
//
// Timeouts: the whole header block (and the keep-alive wait) must arrive within header_timeout,
// the whole body within body_timeout, each response be written within write_timeout. The header
// timer is re-armed while the client waits for one of our responses: it is then not idle.
//
// Per request, neither timer costs a timer operation (docs/performance.md, "Long-poll exchange"):
// the read deadline is a member that the read timer checks when it fires (it is re-armed only
// when a deadline comes earlier than its expiry, or when it fires before the deadline), and a
// response is first written at once without blocking (plain TCP); the write timeout is set only
// for what the socket did not take.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amphora/server/handler.hpp"
#include "amphora/server/stream.hpp"
#include "cors.hpp"
#include "net.hpp"
#include "request_memory.hpp"
#include "shared_state.hpp"

namespace amphora::server::detail {

// A response to write. Its head is rendered only when it is written (the keep-alive decision may
// still change until then), straight into the connection's head buffer: no Beast fields (an
// allocation each), no copy of the no-cache headers per reply. The head's lines come in the order
// Beast's fields gave them: Server, Content-Type, the handler's headers, BlazeDS's no-cache
// headers, the CORS headers, Connection, then Content-Length or Transfer-Encoding (the session
// owns those three: a handler's own are dropped).
struct http_response {
  unsigned status = 500;
  bool keep_alive = true;
  bool chunked = false;     // Transfer-Encoding: chunked (a streamed reply), no Content-Length
  bool late_close = false;  // keep-alive until the server began stopping: "Connection: close" last
  bool no_cache = false;    // BlazeDS's no-cache headers, before headers[no_cache_at]
  std::size_t no_cache_at = 0;
  media_type content_type;
  header_list headers;
  std::vector<std::uint8_t> body;

  bool need_eof() const noexcept { return !keep_alive || late_close; }
};

// A streamed reply's connection until the stream takes it over; told on_close if it never does.
struct stream_guard {
  std::shared_ptr<stream_connection> connection;
  stream_guard() = default;
  stream_guard(stream_guard&& other) noexcept = default;
  stream_guard& operator=(stream_guard&& other) noexcept;
  stream_guard(const stream_guard&) = delete;
  stream_guard& operator=(const stream_guard&) = delete;
  ~stream_guard();
};

template <class Stream>
class session : public connection, public std::enable_shared_from_this<session<Stream>> {
 public:
  using response = http_response;
  using std::enable_shared_from_this<session>::shared_from_this;

  session(Stream stream, std::shared_ptr<shared_state> state);
  ~session() override;
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void run();                // starts reading (call once, after shared_state::join)
  void shutdown() override;  // graceful stop, from any thread: answer what was read, then close
  // Called by a handler's `done` on the strand: fills the response slot `seq`.
  void on_reply(std::uint64_t seq, reply r);
  bool io_running() const noexcept { return state_->io_running(); }

 private:
  // The request's fields and body live in request_memory_ (request_memory.hpp).
  using request_body = http::vector_body<std::uint8_t, request_allocator<std::uint8_t>>;
  using request_fields = http::basic_fields<request_allocator<char>>;
  using request_message = http::request<request_body, request_fields>;
  using request_parser = http::request_parser<request_body, request_allocator<char>>;

  // A request read and not yet written back, in arrival order.
  struct slot {
    request_record record;
    std::chrono::steady_clock::time_point started;
    unsigned version = 11;
    bool keep_alive = true;
    std::string origin;
    std::optional<response> res;  // set once answered
    stream_guard stream;          // a streamed reply (stream.hpp): the head is `res`
  };

  void do_handshake();  // TLS only
  void on_handshake(error_code ec);
  void do_read();
  void on_read_header(error_code ec, std::size_t bytes);
  void write_continue();                                       // "100 Continue", then the body is read
  void on_continue_written(error_code ec, std::size_t bytes);  // after "100 Continue"
  void do_read_body();
  void on_read_body(error_code ec, std::size_t bytes);
  void on_read_error(error_code ec);
  void on_request();
  void call_handler(const route_info& route, const request_message& req);
  void answer(unsigned status, std::string_view content_type, std::string body, header_list headers = {});
  void finish_reading();
  void upgrade(const websocket_route& route);
  void hand_over(std::shared_ptr<stream_connection> stream);  // after a streamed reply's head
  void finish_hand_over();

  void do_write();
  void on_write(error_code ec, std::size_t bytes);

  void arm_read_timer(std::chrono::milliseconds timeout);
  void start_read_wait();
  void on_read_timer(error_code ec);
  void do_shutdown();
  void do_close();
  void do_linger();
  void on_linger(error_code ec, std::size_t bytes);
  void close_socket();

  strand_stream& tcp_layer() noexcept { return beast::get_lowest_layer(stream_); }
  strand_socket& socket() noexcept { return tcp_layer().socket(); }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  std::string remote_;
  request_memory request_memory_;  // before parser_, which allocates from it
  std::optional<request_parser> parser_;
  std::string head_;  // the status line and header block of the response being written
  strand_timer read_timer_;
  // The read under way must end by then (max: no read is bounded now). read_timer_ fires at or
  // before it and re-arms itself while it lies ahead.
  std::chrono::steady_clock::time_point read_deadline_ = std::chrono::steady_clock::time_point::max();
  std::size_t read_waits_ = 0;  // async_waits on read_timer_ whose handler has not run yet
  std::chrono::steady_clock::time_point last_response_{};  // when the last response was written

  std::deque<slot> pending_;
  std::uint64_t front_seq_ = 0;  // sequence number of pending_.front()
  std::size_t request_bytes_ = 0;
  std::size_t lingered_ = 0;
  std::shared_ptr<stream_connection> handing_over_;  // waits for the read in flight to end

  enum class reading { no, header, body };
  reading reading_ = reading::no;
  bool read_closed_ = false;  // no further request will be read (close requested, error, EOF)
  bool peer_eof_ = false;
  bool writing_ = false;
  bool stream_expiry_set_ = false;  // the stream's own timeout is set (an async write): reads clear it
  bool continue_deferred_ = false;  // a 100 Continue waits for the responses owed before it
  bool closing_ = false;
  bool stopping_ = false;
};

}  // namespace amphora::server::detail
