// One streamed HTTP response (stream.hpp), taken over from an HTTP session once the status and
// headers are written. It writes the handler's chunks in HTTP chunked encoding, one write at a
// time: the sink encodes each chunk into its buffer as it is written, and whatever piled up while a
// write was in flight goes out in the next single write (a queue bounded in bytes); it keeps reading (and
// discarding) what the client sends so that it notices when the client goes away. Everything runs on the
// connection's strand; no thread is held while the stream is open. A template on the connection's stream,
// like the HTTP session: plain TCP or TLS (stream_session.cpp instantiates both).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "amphora/server/stream.hpp"
#include "net.hpp"
#include "shared_state.hpp"

namespace amphora::server::detail {

template <class Stream>
class stream_session : public connection, public std::enable_shared_from_this<stream_session<Stream>> {
 public:
  using std::enable_shared_from_this<stream_session>::shared_from_this;
  using std::enable_shared_from_this<stream_session>::weak_from_this;

  // Registers the stream with `state` and calls target->on_open.
  static void start(Stream stream, std::shared_ptr<stream_connection> target,
                    std::shared_ptr<shared_state> state, std::string remote);

  stream_session(Stream stream, std::shared_ptr<stream_connection> target,
                 std::shared_ptr<shared_state> state, std::string remote);
  ~stream_session() override;
  stream_session(const stream_session&) = delete;
  stream_session& operator=(const stream_session&) = delete;

  void shutdown() override;  // tells the handler (on_stop), which says goodbye and ends
  // For the sink, on the strand.
  void do_flush();
  void do_end();
  void do_overflow();  // the client reads too slowly

 private:
  void run();
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void on_write(error_code ec, std::size_t bytes);
  bool written(error_code ec);
  void finish();

  strand_stream& tcp_layer() noexcept { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  std::shared_ptr<stream_connection> connection_;
  std::shared_ptr<shared_state> state_;
  std::string remote_;
  std::shared_ptr<stream_sink> sink_;
  std::size_t max_queued_bytes_;

  std::vector<std::uint8_t> sending_;  // chunks taken from the sink, encoded, being written
  std::size_t sending_bytes_ = 0;      // their payload bytes (the queue's bound counts those)
  std::size_t sending_chunks_ = 0;     // how many
  std::array<std::uint8_t, 4096> discard_{};
  bool writing_ = false;
  bool ending_ = false;  // end() was asked: the last chunk follows what is queued
  bool finished_ = false;
};

}  // namespace amphora::server::detail
