// Streamed HTTP responses (the HTTP streaming channel), the seam between the server and a handler
// whose answer is written over time. No Asio or Beast type appears here.
//
// A handler answers with reply::stream set. The server writes the status line and headers with
// `Transfer-Encoding: chunked` and `Connection: close`, then calls stream_connection::on_open
// with a stream_sink; each stream_sink::write becomes one HTTP chunk. The response ends with
// stream_sink::end (the last chunk, then the connection closes), when the client goes away, when
// a write fails or times out (config::write_timeout), or when the client reads too slowly
// (more than max_queued_bytes waiting). on_close is called once in every case, also when the
// response never started (the connection ended before it was its turn).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace amphora::server {

// The response body, as the handler sees it. Thread-safe; calls after the end do nothing.
class stream_sink {
 public:
  virtual ~stream_sink() = default;
  // Queues `bytes` (not empty) as one HTTP chunk; chunks go out in the order of the calls. False if
  // the stream has ended or is ending (the bytes are dropped).
  virtual bool write(std::vector<std::uint8_t> bytes) = 0;
  // write() of a copy of `bytes`, which the caller may reuse at once (the server's sink encodes
  // the chunk straight into its write buffer: no allocation per chunk).
  virtual bool write_copy(std::span<const std::uint8_t> bytes) {
    return write(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  }
  // Appends chunk `index`'s bytes to `out` and returns true, or returns false to skip that chunk
  // (what it appended is dropped; an empty chunk is skipped too).
  using chunk_encoder = std::function<bool(std::size_t index, std::vector<std::uint8_t>& out)>;
  // Queues `count` chunks in order, chunk i being what `encode(i, out)` appends, as `count` calls
  // of write_copy would (the same chunks, the same bound); false if the stream has ended or is
  // ending (from the refused chunk on, nothing is queued). `encode` runs on the caller's thread
  // before this returns, once per chunk, and must not call the sink. The server's sink encodes
  // each chunk straight into its write buffer, under one lock for the whole batch; this default
  // encodes each into a vector and calls write_copy.
  virtual bool write_encoded(std::size_t count, const chunk_encoder& encode) {
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i < count; ++i) {
      bytes.clear();
      if (!encode(i, bytes) || bytes.empty()) continue;
      if (!write_copy(bytes)) return false;
    }
    return true;
  }
  // Ends the response after the chunks queued so far; the connection then closes.
  virtual void end() = 0;

  // Pull mode, as message_sink's (websocket.hpp): set_drain once, then wake() from any thread
  // whenever the handler has chunks waiting elsewhere; the sink calls `drain` on the connection's
  // own thread (never concurrently with itself) when its turn to write comes, and what `drain`
  // writes goes out in that write; the wakes before that turn make one drain. The default drains
  // at once, on the thread that wakes.
  virtual void set_drain(std::function<void()> drain) { drain_ = std::move(drain); }
  virtual void wake() {
    if (drain_) drain_();
  }

 protected:
  std::function<void()> drain_;
};

// One streamed response's logic.
class stream_connection {
 public:
  virtual ~stream_connection() = default;
  // The status and headers are on their way; `sink` writes the body. Called at most once.
  virtual void on_open(std::shared_ptr<stream_sink> sink) = 0;
  // The server is stopping: say goodbye and end (the server closes the connection anyway once
  // config::shutdown_timeout has passed). May be called more than once.
  virtual void on_stop() = 0;
  // The stream has ended (either side, a failure, the stop), or never started. Called once.
  virtual void on_close() = 0;
  // Bytes queued and not yet written beyond which the client counts as too slow: the connection
  // is then closed at once, without the last chunk. A chunk written to an empty queue always fits.
  virtual std::size_t max_queued_bytes() const { return std::size_t{1} << 20; }
};

namespace detail {

// A chunk's size line as HTTP chunked encoding and BlazeDS's inner frames both write it: lowercase
// hex, no leading zeros.
inline std::string hex_size(std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[n % 16]);
    n /= 16;
  } while (n != 0);
  return out;
}

// Appends one chunk of `bytes` in that framing to `out`: `<hex size>\r\n<bytes>\r\n`.
inline void append_chunk(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  const std::string head = hex_size(bytes.size());
  out.insert(out.end(), head.begin(), head.end());
  out.push_back('\r');
  out.push_back('\n');
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.push_back('\r');
  out.push_back('\n');
}

// Makes the bytes of `out` from `at` on one chunk in the same framing: their size line in front
// (the bytes move up by its length) and CRLF after. So a chunk is encoded in place, its size known
// only once it is encoded, without a copy of its own.
inline void frame_chunk_at(std::vector<std::uint8_t>& out, std::size_t at) {
  std::string head = hex_size(out.size() - at);
  head += "\r\n";
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), head.begin(), head.end());
  out.push_back('\r');
  out.push_back('\n');
}

}  // namespace detail

}  // namespace amphora::server
