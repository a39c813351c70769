#include "msgload_publisher.hpp"

#include <algorithm>
#include <chrono>

#include "msgload_messages.hpp"

namespace amphora::cli::msgload {
namespace {

constexpr std::string_view id_prefix = "msgload-";
constexpr std::size_t id_digits = 20;

// `value` as `width` decimal digits, over the digits at `at`.
void write_digits(std::string& text, std::size_t at, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width; i-- > 0; value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
}

}  // namespace

publisher::publisher(net::io_context& ioc, std::vector<char>& read_buffer, const settings& s,
                     run_totals& totals, std::size_t index)
    : client_socket(ioc, read_buffer, s, totals),
      timer_(ioc),
      step_(std::max<std::size_t>(1, s.publishers)),
      next_(index) {
  const std::string body =
      std::string(marker) + std::string(sequence_digits, '0') + ":" + std::string(time_digits, '0');
  const std::string id = std::string(id_prefix) + std::string(id_digits, '0');
  request_ = amf_post(
      "/amf", message_json("AsyncMessage", R"("body":")" + body + R"(","clientId":null,"destination":")" +
                                               s.destination + R"(","headers":{},"messageId":")" + id +
                                               R"(","timestamp":0,"timeToLive":0)"));
  const std::size_t body_at = request_.find(body);
  const std::size_t id_at = request_.find(id);
  if (body_at != std::string::npos && id_at != std::string::npos) {
    sequence_at_ = body_at + marker.size();
    time_at_ = sequence_at_ + sequence_digits + 1;
    id_at_ = id_at + id_prefix.size();
  } else {
    request_.clear();  // cannot happen: both are plain strings of the encoded message
  }
}

void publisher::start(std::size_t count, double rate) {
  count_ = count;
  rate_ = rate;
  if (request_.empty()) return failed("cannot encode the message");
  connect(nullptr);
}

void publisher::connected() {
  start_ = clock_type::now();
  next();
}

void publisher::next() {
  if (next_ >= count_ || totals_.stopping.load(std::memory_order_relaxed)) {
    done.store(true);
    return;
  }
  due_ = start_ + std::chrono::duration_cast<clock_type::duration>(
                      std::chrono::duration<double>(rate_ > 0 ? static_cast<double>(next_) / rate_ : 0));
  if (clock_type::now() < due_) {
    timer_.expires_at(due_);
    timer_.async_wait([this](error_code ec) {
      if (!ec) publish();
    });
    return;
  }
  publish();
}

// The send time is read last, just before the request goes to the socket (the write is
// attempted at once: the connection has nothing else in flight). Message ids are unique across the
// publishers: each carries its message's number.
void publisher::publish() {
  std::string request = request_;
  write_digits(request, sequence_at_, sequence_digits, next_);
  write_digits(request, id_at_, id_digits, next_);
  next_ += step_;
  const auto now = clock_type::now();
  if (rate_ > 0 && now > due_) {
    max_lag_ns = std::max(
        max_lag_ns,
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - due_).count()));
  }
  const std::uint64_t t = now_ns();
  // With a rate, a late message carries its due time: its latency counts the time it waited for
  // the previous acknowledgement (otherwise a server slow to acknowledge would hide its backlog).
  const std::uint64_t stamp =
      rate_ > 0
          ? std::min(
                t, static_cast<std::uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(due_.time_since_epoch()).count()))
          : t;
  write_digits(request, time_at_, time_digits, stamp);
  if (first_ns == 0) first_ns = t;
  last_ns = t;
  http_call(std::move(request), static_cast<response_handler>(&publisher::on_ack));
}

void publisher::on_ack(unsigned status, std::string_view body) {
  if (status == 200 && body.find("/onResult") != std::string_view::npos) {
    acked.fetch_add(1, std::memory_order_relaxed);
  } else {
    totals_.faults.fetch_add(1, std::memory_order_relaxed);
  }
  next();
}

void publisher::failed(std::string) {
  totals_.faults.fetch_add(1, std::memory_order_relaxed);
  done.store(true);
}

}  // namespace amphora::cli::msgload
