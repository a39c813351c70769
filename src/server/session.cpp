#include "session.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <exception>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "gateway/reply_buffers.hpp"
#include "stream_session.hpp"
#include "websocket_session.hpp"

namespace amphora::server::detail {
namespace {

constexpr std::string_view server_name = "amphora/0.1";
constexpr std::chrono::milliseconds linger_timeout{2000};
constexpr std::size_t linger_limit = 256 * 1024;  // bytes discarded after our last response, at most

std::string_view view(beast::string_view s) noexcept { return {s.data(), s.size()}; }

// Whether a mounted handler's reply gets BlazeDS's default no-cache headers (reference/blazeds.md
// §2.1): unless the handler chose its own Cache-Control.
bool wants_no_cache(const header_list& headers) {
  for (const auto& [name, value] : headers) {
    if (beast::iequals(name, "Cache-Control")) return false;
  }
  return true;
}

// The session writes these itself (keep-alive and framing); a handler's own are dropped.
bool framing_header(const std::string& name) {
  return beast::iequals(name, "Connection") || beast::iequals(name, "Content-Length") ||
         beast::iequals(name, "Transfer-Encoding");
}

http_response make_response(bool keep_alive, unsigned status, media_type content_type,
                            std::vector<std::uint8_t> body, header_list headers) {
  http_response res;
  // Statuses without a body (1xx, 204, 304) cannot carry Content-Length: those are handler bugs here.
  if (status < 200 || status > 999 || status == 204 || status == 304) {
    status = 500;
    body.clear();
  }
  res.status = status;
  res.keep_alive = keep_alive;
  res.content_type = std::move(content_type);
  res.headers = std::move(headers);
  res.body = std::move(body);
  return res;
}

std::vector<std::uint8_t> to_bytes(std::string_view text) { return {text.begin(), text.end()}; }

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void append_headers(std::string& out, std::span<const std::pair<std::string, std::string>> headers) {
  for (const auto& [name, value] : headers) {
    if (!framing_header(name)) append_field(out, name, value);
  }
}

// The status line and header block of `res` for an HTTP/1.x `version` client: the bytes Beast's
// serializer wrote for the same response (its fields in insertion order, Connection as
// keep_alive() left it, Content-Length from prepare_payload, Transfer-Encoding from chunked()).
// Writing them and the body as two plain buffers costs a fraction of http::async_write's
// serializer (docs/performance.md, "Server"); rendering them here costs a fraction of building
// Beast's fields first (docs/performance.md, "Long-poll delivery").
void render_head(const http_response& res, unsigned version, std::string& out) {
  out.clear();
  const unsigned code = res.status;  // 200-999 (make_response)
  char status_line[] = "HTTP/1.1 200 ";
  status_line[5] = static_cast<char>('0' + version / 10 % 10);
  status_line[7] = static_cast<char>('0' + version % 10);
  status_line[9] = static_cast<char>('0' + code / 100);
  status_line[10] = static_cast<char>('0' + code / 10 % 10);
  status_line[11] = static_cast<char>('0' + code % 10);
  out.append(status_line, sizeof status_line - 1);
  out += view(http::obsolete_reason(static_cast<http::status>(code)));
  out += "\r\n";
  append_field(out, "Server", server_name);
  if (!res.content_type.empty()) append_field(out, "Content-Type", res.content_type.view());
  const std::span<const std::pair<std::string, std::string>> headers(res.headers);
  const std::size_t split = res.no_cache ? std::min(res.no_cache_at, headers.size()) : headers.size();
  append_headers(out, headers.first(split));
  if (res.no_cache) {
    out += "Cache-Control: no-cache\r\nPragma: no-cache\r\nExpires: Sat, 25 Dec 1999 00:00:00 GMT\r\n";
  }
  append_headers(out, headers.subspan(split));
  // Beast's keep_alive(): HTTP/1.1 says close, HTTP/1.0 says keep-alive.
  if (version >= 11 && !res.keep_alive) out += "Connection: close\r\n";
  if (version < 11 && res.keep_alive && !res.late_close) out += "Connection: keep-alive\r\n";
  if (res.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    char digits[24];
    const char* end = std::to_chars(std::begin(digits), std::end(digits), res.body.size()).ptr;
    append_field(out, "Content-Length", std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  if (version >= 11 && res.keep_alive && res.late_close) out += "Connection: close\r\n";
  out += "\r\n";
}

// The session's strand, holding outstanding work on the io_context (a concrete type: no allocation).
using tracked_strand =
    decltype(net::prefer(std::declval<strand>(), net::execution::outstanding_work.tracked));

// The `done` a handler gets: posts its reply to the session's strand, once. Destroyed without
// having been called (a handler bug, a dropped task), it answers 500 rather than stall the
// connection. It holds outstanding work on the io_context so run() cannot return under it.
template <class Session>
class reply_sender {
 public:
  reply_sender(std::shared_ptr<Session> s, std::uint64_t seq, tracked_strand work)
      : session_(std::move(s)), seq_(seq), work_(std::move(work)) {}
  ~reply_sender() {
    if (!sent_.exchange(true)) {
      reply r;
      r.status = 500;
      r.content_type = "text/plain";
      r.body = to_bytes("handler gave no reply\n");
      post(std::move(r));
    }
  }
  reply_sender(const reply_sender&) = delete;
  reply_sender& operator=(const reply_sender&) = delete;

  void send(reply r) {
    if (!sent_.exchange(true)) post(std::move(r));
  }

 private:
  void post(reply r) {
    if (!session_->io_running()) return;  // the server has stopped: nobody would write it
    net::post(*work_, [s = std::move(session_), seq = seq_, r = std::move(r)]() mutable {
      s->on_reply(seq, std::move(r));
    });
    work_.reset();
  }

  std::shared_ptr<Session> session_;
  std::uint64_t seq_;
  std::optional<tracked_strand> work_;
  std::atomic<bool> sent_{false};
};

}  // namespace

template <class Stream>
session<Stream>::session(Stream stream, std::shared_ptr<shared_state> state)
    : stream_(std::move(stream)), state_(std::move(state)), read_timer_(stream_.get_executor()) {
  error_code ec;
  const tcp::endpoint peer = socket().remote_endpoint(ec);
  remote_ = ec ? std::string("-") : peer.address().to_string() + ":" + std::to_string(peer.port());
  if constexpr (!is_tls<Stream>) socket().non_blocking(true, ec);  // do_write writes at once first
}

template <class Stream>
session<Stream>::~session() {
  state_->leave(this);
}

template <class Stream>
void session<Stream>::run() {
  // Hop onto the strand: every member is touched there only.
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->state_->stopping()) self->stopping_ = true;
    if constexpr (is_tls<Stream>) {
      self->do_handshake();
    } else {
      self->do_read();
    }
  });
}

template <class Stream>
void session<Stream>::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_shutdown(); });
}

// ---- TLS handshake ----

// Bounded by the read timer like a header block: a client that never completes it is cut.
template <class Stream>
void session<Stream>::do_handshake() {
  if constexpr (is_tls<Stream>) {
    reading_ = reading::header;
    arm_read_timer(state_->settings().tls_handshake_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            beast::bind_front_handler(&session::on_handshake, shared_from_this()));
  }
}

template <class Stream>
void session<Stream>::on_handshake(error_code ec) {
  reading_ = reading::no;
  read_deadline_ = std::chrono::steady_clock::time_point::max();
  if (!ec) return do_read();
  state_->log().event(log_level::debug, remote_ + " TLS handshake failed: " + ec.message());
  if (ec.category() == net::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST) {
    // Plain HTTP sent to the TLS port: say so in plain HTTP, as a fresh socket takes it at once.
    static constexpr std::string_view plain =
        "HTTP/1.1 400 Bad Request\r\nServer: amphora/0.1\r\nContent-Type: text/plain\r\n"
        "Content-Length: 33\r\nConnection: close\r\n\r\nthis port speaks HTTPS, not HTTP\n";
    error_code ignored;
    socket().non_blocking(true, ignored);
    socket().write_some(net::buffer(plain.data(), plain.size()), ignored);
    socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  close_socket();
}

// ---- reading ----

template <class Stream>
void session<Stream>::do_read() {
  if (stopping_) read_closed_ = true;
  if (read_closed_ || closing_) {
    if (pending_.empty() && !writing_) do_close();
    return;
  }
  // A fresh parser per request, as Beast's advanced server: limits apply to each message. The
  // last request is done with (its handler copied what it keeps): its memory goes back first.
  parser_.reset();
  request_memory_.reset();
  parser_.emplace(std::piecewise_construct, std::make_tuple(request_allocator<std::uint8_t>(request_memory_)),
                  std::make_tuple(request_allocator<char>(request_memory_)));
  parser_->body_limit(state_->settings().max_body);
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(state_->settings().max_header, std::numeric_limits<std::uint32_t>::max())));
  request_bytes_ = 0;
  reading_ = reading::header;
  arm_read_timer(state_->settings().header_timeout);
  if (stream_expiry_set_) {
    tcp_layer().expires_never();  // our own timer bounds reads; the stream's bounds writes
    stream_expiry_set_ = false;
  }
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&session::on_read_header, shared_from_this()));
}

template <class Stream>
void session<Stream>::on_read_header(error_code ec, std::size_t bytes) {
  if (handing_over_) return finish_hand_over();
  request_bytes_ += bytes;
  if (ec) return on_read_error(ec);
  if (!parser_->is_done() && buffer_.size() != 0) {
    // The body usually comes in the same segment as the header: parse what is buffered now
    // rather than through another read (and timer) on the strand.
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    request_bytes_ += used;
    if (ec == http::error::need_more) ec = {};
    if (ec) {
      reading_ = reading::body;  // what on_read_error logs for a body error (413)
      return on_read_error(ec);
    }
  }
  if (parser_->is_done()) return on_request();
  reading_ = reading::body;
  arm_read_timer(state_->settings().body_timeout);
  // Expect: 100-continue (curl 7.88 sends it for bodies over 1 MiB). The header is accepted (a
  // Content-Length over max_body already failed with 413), so invite the body. An interim
  // response must not overtake earlier ones: while a response is still owed (or being written:
  // the client may already hold its bytes), the 100 waits until the last one is written (on_write).
  const auto& req = parser_->get();
  if (req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue")) {
    if (pending_.empty() && !writing_) return write_continue();
    continue_deferred_ = true;
    return;
  }
  do_read_body();
}

template <class Stream>
void session<Stream>::write_continue() {
  static constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";
  continue_deferred_ = false;
  writing_ = true;
  tcp_layer().expires_after(state_->settings().write_timeout);
  stream_expiry_set_ = true;
  net::async_write(stream_, net::buffer(continue_100.data(), continue_100.size()),
                   beast::bind_front_handler(&session::on_continue_written, shared_from_this()));
}

template <class Stream>
void session<Stream>::on_continue_written(error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    state_->log().event(log_level::debug, remote_ + " write failed: " + ec.message());
    return close_socket();
  }
  do_read_body();
}

template <class Stream>
void session<Stream>::do_read_body() {
  if (closing_) return;
  tcp_layer().expires_never();
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&session::on_read_body, shared_from_this()));
}

template <class Stream>
void session<Stream>::on_read_body(error_code ec, std::size_t bytes) {
  if (handing_over_) return finish_hand_over();
  request_bytes_ += bytes;
  if (ec) return on_read_error(ec);
  on_request();
}

template <class Stream>
void session<Stream>::on_read_error(error_code ec) {
  const reading was = reading_;
  reading_ = reading::no;
  read_deadline_ = std::chrono::steady_clock::time_point::max();
  read_timer_.cancel();  // no further read: the wait must not keep the session alive
  read_closed_ = true;
  unsigned status = 0;
  if (ec == http::error::body_limit) {
    status = 413;
  } else if (ec == http::error::header_limit) {
    status = 431;
  } else if (ec == http::error::end_of_stream || ec == net::error::eof) {
    peer_eof_ = true;  // the client is done sending (or gave up mid-request)
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    status = 400;  // not HTTP: a parse error
  }
  if (state_->log().enabled(log_level::debug) && status == 0 && !peer_eof_) {
    state_->log().event(log_level::debug, remote_ + " read ended: " + ec.message());
  }
  if (status != 0 && !closing_) {
    slot s;
    s.record.received = std::chrono::system_clock::now();
    s.record.remote = remote_;
    if (was == reading::body || status == 413) {
      s.record.method = view(parser_->get().method_string());
      s.record.path = view(parser_->get().target());
    }
    s.record.request_bytes = request_bytes_;
    s.started = std::chrono::steady_clock::now();
    s.keep_alive = false;
    pending_.push_back(std::move(s));
    answer(status, "text/plain",
           std::string(view(http::obsolete_reason(static_cast<http::status>(status)))) + "\n");
    return;
  }
  if (pending_.empty() && !writing_) do_close();
}

template <class Stream>
void session<Stream>::on_request() {
  reading_ = reading::no;
  read_deadline_ = std::chrono::steady_clock::time_point::max();  // the timer, if it fires, sees it
  const request_message& req = parser_->get();

  const std::string_view target = view(req.target());
  const std::string_view path = target.substr(0, target.find('?'));
  pending_.emplace_back();
  slot& s = pending_.back();
  if (state_->log().enabled(log_level::info)) {  // the request line is logged (no copies otherwise)
    s.record.received = std::chrono::system_clock::now();
    s.record.remote = remote_;
    s.record.method = view(req.method_string());
    s.record.path = path;
  }
  s.record.request_bytes = request_bytes_;
  s.started = std::chrono::steady_clock::now();
  s.version = req.version();
  s.keep_alive = req.keep_alive() && !stopping_;
  s.origin = view(req[http::field::origin]);
  if (!pending_.back().keep_alive) read_closed_ = true;

  // Over its request rate, a client is told when to come back; nothing else is done for it.
  std::chrono::seconds retry_after{};
  if (!state_->rates().admit(address_of(remote_), std::chrono::steady_clock::now(), retry_after)) {
    answer(429, "text/plain", "Too Many Requests\n", {{"Retry-After", std::to_string(retry_after.count())}});
    return finish_reading();
  }

  const router::match m = state_->routes().find(view(req.method_string()), path);
  switch (m.what) {
    case router::outcome::handler:
      call_handler(*m.route, req);
      break;
    case router::outcome::websocket:
      if (!beast::websocket::is_upgrade(req)) {
        answer(426, "text/plain", "Upgrade Required\n", {{"Upgrade", "websocket"}});
      } else if (stopping_ || pending_.size() != 1) {
        pending_.back().keep_alive = false;  // stopping, or an upgrade behind pipelined requests
        answer(503, "text/plain", "Service Unavailable\n");
      } else {
        return upgrade(*m.websocket);
      }
      break;
    case router::outcome::health:
      answer(200, "application/json", "{\"status\":\"ok\"}");
      break;
    case router::outcome::preflight: {
      header_list headers;
      std::string methods;
      for (const std::string& method : m.route->methods) methods += method + ", ";
      methods += "OPTIONS";
      headers.emplace_back("Allow", methods);
      state_->cors().add_preflight_headers(pending_.back().origin, methods, headers);
      answer(200, "", "", std::move(headers));  // which adds Access-Control-Allow-Origin
      break;
    }
    case router::outcome::method_not_allowed:
      answer(405, "text/plain", "Method Not Allowed\n", {{"Allow", m.allow}});
      break;
    case router::outcome::not_found:
      answer(404, "text/plain", "Not Found\n");
      break;
  }
  finish_reading();
}

// After a request: read the next one unless the pipeline is full (on_write resumes then).
template <class Stream>
void session<Stream>::finish_reading() {
  if (!read_closed_ && reading_ == reading::no && pending_.size() < state_->settings().pipeline_limit) {
    do_read();
  }
}

// Hands the socket to a WebSocket connection; this session then ends.
template <class Stream>
void session<Stream>::upgrade(const websocket_route& route) {
  read_timer_.cancel();
  read_closed_ = true;
  closing_ = true;
  pending_.clear();
  // The WebSocket session keeps the request: a copy of its own, the parser's memory goes back.
  const request_message& req = parser_->get();
  typename websocket_session<Stream>::request copy(req.method(), req.target(), req.version());
  for (const auto& field : req) copy.insert(field.name(), field.name_string(), field.value());
  copy.body().assign(req.body().begin(), req.body().end());
  parser_.reset();
  request_memory_.reset();
  websocket_session<Stream>::start(std::move(stream_), std::move(copy), route, state_, remote_);
}

template <class Stream>
void session<Stream>::call_handler(const route_info& route, const request_message& req) {
  const std::string_view target = view(req.target());
  const std::size_t q = target.find('?');
  request_view rv;
  rv.method = view(req.method_string());
  rv.target = target;
  rv.path = target.substr(0, q);
  rv.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  rv.content_type = view(req[http::field::content_type]);
  rv.origin = view(req[http::field::origin]);
  rv.user_agent = view(req[http::field::user_agent]);
  rv.cookie = view(req[http::field::cookie]);
  rv.remote_address = address_of(remote_);
  rv.body = req.body();
  rv.http_version = req.version();

  const std::uint64_t seq = front_seq_ + pending_.size() - 1;
  auto sender = std::make_shared<reply_sender<session>>(
      shared_from_this(), seq, net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked));
  try {
    route.target->handle(rv, [sender](reply r) { sender->send(std::move(r)); });
  } catch (const std::exception& e) {
    state_->log().event(log_level::error, "handler for " + route.path + " threw: " + e.what());
    reply r;
    r.status = 500;
    r.content_type = "text/plain";
    r.body = to_bytes("Internal Server Error\n");
    sender->send(std::move(r));
  } catch (...) {
    reply r;
    r.status = 500;
    r.content_type = "text/plain";
    sender->send(std::move(r));
  }
}

// Answers the newest slot now (built-in responses and errors).
template <class Stream>
void session<Stream>::answer(unsigned status, std::string_view content_type, std::string body,
                             header_list headers) {
  slot& s = pending_.back();
  state_->cors().add_headers(s.origin, headers);
  s.res = make_response(s.keep_alive, status, media_type(content_type), to_bytes(body), std::move(headers));
  do_write();
}

template <class Stream>
void session<Stream>::on_reply(std::uint64_t seq, reply r) {
  if (seq < front_seq_ || seq - front_seq_ >= pending_.size()) return;  // the connection moved on
  slot& s = pending_[static_cast<std::size_t>(seq - front_seq_)];
  if (s.res) return;
  if (r.stream) {
    // A streamed body: chunked, and the connection's last response (HTTP/1.1 only).
    s.stream.connection = std::move(r.stream);
    if (s.version < 11 || r.status != 200) {
      s.stream = stream_guard{};  // a handler bug: the stream is told on_close
      r.status = 500;
    }
    r.body.clear();
    s.keep_alive = false;
    read_closed_ = true;
  }
  const bool no_cache = wants_no_cache(r.headers);
  const std::size_t no_cache_at = r.headers.size();
  state_->cors().add_headers(s.origin, r.headers);
  s.res = make_response(s.keep_alive, r.status, std::move(r.content_type), std::move(r.body),
                        std::move(r.headers));
  s.res->no_cache = no_cache;
  s.res->no_cache_at = no_cache_at;
  if (s.stream.connection) s.res->chunked = true;  // Transfer-Encoding: chunked, no Content-Length
  do_write();
}

stream_guard& stream_guard::operator=(stream_guard&& other) noexcept {
  if (this != &other) {
    stream_guard old(std::move(*this));
    connection = std::move(other.connection);
  }
  return *this;
}

stream_guard::~stream_guard() {
  if (!connection) return;
  try {
    connection->on_close();
  } catch (...) {
    // nothing to tell anyone: the stream never started
  }
}

// The head of a streamed reply is out: the connection becomes the stream's. A read still in
// flight (requests read ahead) is cancelled first; its handler finishes the hand-over.
template <class Stream>
void session<Stream>::hand_over(std::shared_ptr<stream_connection> stream) {
  read_timer_.cancel();
  read_closed_ = true;
  closing_ = true;
  handing_over_ = std::move(stream);
  if (reading_ != reading::no && !continue_deferred_) {  // (a deferred 100 Continue: no read in flight)
    tcp_layer().cancel();
    return;
  }
  finish_hand_over();
}

template <class Stream>
void session<Stream>::finish_hand_over() {
  reading_ = reading::no;
  pending_.clear();  // requests read behind the stream are never answered (Connection: close)
  stream_session<Stream>::start(std::move(stream_), std::move(handing_over_), state_, remote_);
}

// ---- writing: one at a time, in request order ----

template <class Stream>
void session<Stream>::do_write() {
  if (writing_ || closing_ || pending_.empty() || !pending_.front().res) return;
  const slot& s = pending_.front();
  response& res = *pending_.front().res;
  // Stopping: the last response we owe says so and ends the connection.
  if (stopping_ && pending_.size() == 1) res.late_close = true;
  writing_ = true;
  render_head(res, s.version, head_);
  const std::array<net::const_buffer, 2> parts{net::buffer(head_), net::buffer(res.body)};
  std::size_t sent = 0;
  if constexpr (!is_tls<Stream>) {
    // Most responses fit in the socket's send buffer: written now (the socket does not block),
    // they need no write timeout and no asynchronous write; on_write still runs from the strand.
    error_code ec;
    sent = socket().write_some(parts, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
    if (ec || sent == net::buffer_size(parts)) {
      net::post(stream_.get_executor(),
                beast::bind_front_handler(&session::on_write, shared_from_this(), ec, sent));
      return;
    }
  }
  // The rest, bounded by the write timeout.
  tcp_layer().expires_after(state_->settings().write_timeout);
  stream_expiry_set_ = true;
  beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(parts);
  rest.consume(sent);
  net::async_write(stream_, rest, [self = shared_from_this(), sent](error_code ec, std::size_t bytes) {
    self->on_write(ec, sent + bytes);
  });
}

template <class Stream>
void session<Stream>::on_write(error_code ec, std::size_t bytes) {
  writing_ = false;
  slot& s = pending_.front();
  s.record.status = s.res->status;
  s.record.response_bytes = bytes;
  keep_reply_body(s.res->body);  // written: its buffer serves a later reply on this thread
  last_response_ = std::chrono::steady_clock::now();
  s.record.elapsed = last_response_ - s.started;
  state_->log().request(s.record);
  const bool close = ec || s.res->need_eof();
  std::shared_ptr<stream_connection> stream = std::move(s.stream.connection);
  pending_.pop_front();
  ++front_seq_;
  if (ec) {
    state_->log().event(log_level::debug, remote_ + " write failed: " + ec.message());
    if (stream) stream->on_close();
    return close_socket();
  }
  if (stream) return hand_over(std::move(stream));
  if (close) return do_close();
  if ((read_closed_ || stopping_) && pending_.empty()) return do_close();
  if (continue_deferred_ && pending_.empty()) return write_continue();  // every earlier answer is out
  finish_reading();
  do_write();
}

// ---- timers, stop, close ----

// The read under way must end within `timeout`. A wait that fires no later than that re-arms
// itself for the deadline then: a request costs no timer operation.
template <class Stream>
void session<Stream>::arm_read_timer(std::chrono::milliseconds timeout) {
  read_deadline_ = std::chrono::steady_clock::now() + timeout;
  if (read_waits_ != 0 && read_timer_.expiry() <= read_deadline_) return;
  start_read_wait();
}

template <class Stream>
void session<Stream>::start_read_wait() {
  read_timer_.expires_at(read_deadline_);  // a later wait still pending ends with operation_aborted
  ++read_waits_;
  read_timer_.async_wait(beast::bind_front_handler(&session::on_read_timer, shared_from_this()));
}

template <class Stream>
void session<Stream>::on_read_timer(error_code ec) {
  --read_waits_;
  if (ec == net::error::operation_aborted || reading_ == reading::no || closing_) return;
  if (read_deadline_ > std::chrono::steady_clock::now()) {  // a later read, or re-armed: not yet
    if (read_waits_ == 0) start_read_wait();
    return;
  }
  if (reading_ == reading::header && !pending_.empty()) {
    // The client waits for our answer: not idle. Keep waiting; handlers are bounded by the stop deadline.
    return arm_read_timer(state_->settings().header_timeout);
  }
  // Idle keep-alive time runs from our last response, not from when this read began: a long poll
  // answered just now (its wait ended at the same moment as this timer) leaves a client that has
  // not had time to send its next poll, not an idle one.
  const auto idle_end = last_response_ + state_->settings().header_timeout;
  if (reading_ == reading::header && pending_.empty() && idle_end > std::chrono::steady_clock::now()) {
    return arm_read_timer(
        std::chrono::ceil<std::chrono::milliseconds>(idle_end - std::chrono::steady_clock::now()));
  }
  state_->log().event(log_level::debug, remote_ + " read timeout");
  close_socket();  // aborts the read; on_read_error finishes
}

template <class Stream>
void session<Stream>::do_shutdown() {
  stopping_ = true;
  if (closing_) return;
  // Idle between requests: close now. Mid-body: let it finish (bounded by body_timeout), answer, close.
  if (reading_ == reading::header && pending_.empty()) return close_socket();
  if (reading_ == reading::no && pending_.empty() && !writing_) return do_close();
  if (reading_ == reading::no) read_closed_ = true;
}

// After our last response: shut down our side, then discard what the client still sends for a
// little while (bounded) so a client still writing gets our response rather than a reset.
template <class Stream>
void session<Stream>::do_close() {
  if (closing_) return;
  closing_ = true;
  read_timer_.cancel();
  if constexpr (is_tls<Stream>) {
    // close_notify, and the peer's, within linger_timeout; then the socket closes.
    if (!peer_eof_ && reading_ == reading::no) {
      tcp_layer().expires_after(linger_timeout);
      return stream_.async_shutdown([self = shared_from_this()](error_code) { self->close_socket(); });
    }
  }
  error_code ec;
  socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec || peer_eof_ || reading_ != reading::no) return close_socket();
  buffer_.consume(buffer_.size());
  do_linger();
}

template <class Stream>
void session<Stream>::do_linger() {
  tcp_layer().expires_after(linger_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&session::on_linger, shared_from_this()));
}

template <class Stream>
void session<Stream>::on_linger(error_code ec, std::size_t bytes) {
  lingered_ += bytes;
  if (ec || lingered_ > linger_limit) return close_socket();
  do_linger();
}

template <class Stream>
void session<Stream>::close_socket() {
  closing_ = true;
  read_timer_.cancel();
  error_code ec;
  socket().close(ec);
}

template class session<strand_stream>;
template class session<tls_stream>;

}  // namespace amphora::server::detail
