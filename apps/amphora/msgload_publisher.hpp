// amphora msgload's publisher: one keep-alive connection posting AsyncMessages to /amf, each
// carrying its sequence number and send time (msgload.hpp, `marker`). The publishers (one by
// default, --publishers) run on an io_context (thread) of their own, so that a publish is never
// held up behind the subscribers' reads.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "msgload_socket.hpp"

namespace amphora::cli::msgload {

// Publisher `index` of `settings::publishers` (P) sends its share of `count` messages: the
// numbers index, index + P, index + 2P, ... below `count` (msgload_order.hpp), at `rate` per second
// in all (message s is due s / rate seconds after the start) or (rate 0) each once its previous
// one is acknowledged. A message is never sent before the same publisher's previous one is
// acknowledged (one request in flight per connection): with a rate, one that falls behind its
// schedule goes as soon as it may, carrying its due time as its send time (so its latency counts
// the wait), and the lag is kept (max_lag_ns).
class publisher final : public client_socket {
 public:
  publisher(net::io_context& ioc, std::vector<char>& read_buffer, const settings& s, run_totals& totals,
            std::size_t index);

  void start(std::size_t count, double rate);

  std::atomic<bool> done{false};
  std::atomic<std::size_t> acked{0};
  std::uint64_t first_ns = 0;  // read after done
  std::uint64_t last_ns = 0;
  std::uint64_t max_lag_ns = 0;  // the latest a message was sent after its due time (with a rate)

 private:
  void connected() override;
  void next();
  void publish();
  void on_ack(unsigned status, std::string_view body);
  void failed(std::string reason) override;

  net::steady_timer timer_;
  clock_type::time_point start_;
  clock_type::time_point due_;
  std::size_t count_ = 0;
  std::size_t step_ = 1;  // the publishers
  std::size_t next_ = 0;  // the number of this publisher's next message
  double rate_ = 0;
  // The request, encoded once; each message patches its sequence number, message id and send
  // time into these places (digits of fixed width, so the AMF lengths do not change).
  std::string request_;
  std::size_t sequence_at_ = 0;
  std::size_t time_at_ = 0;
  std::size_t id_at_ = 0;
};

}  // namespace amphora::cli::msgload
