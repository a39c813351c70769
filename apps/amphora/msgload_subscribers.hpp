// amphora msgload's subscribers: one connection and one FlexClient each, over the long-polling,
// the HTTP streaming or the WebSocket channel (msgload_subscribers.cpp has one class per channel).
// A subscriber counts the published messages it receives, finding each by its marker in the bytes
// without decoding the AMF around it; only the few setup answers are decoded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "msgload_order.hpp"
#include "msgload_socket.hpp"

namespace amphora::cli::msgload {

class subscriber : public client_socket {
 public:
  subscriber(worker& w, channel_kind kind, const settings& s, run_totals& totals,
             const net::ip::address* source)
      : client_socket(w.ioc, w.read_buffer, s, totals),
        worker_(w),
        kind_(kind),
        source_(source),
        order_(s.publishers) {}

  void start() { connect(source_); }

 protected:
  const std::string& path() const { return settings_.paths[static_cast<std::size_t>(kind_)]; }

  // Subscribed (ok) or given up: once per subscriber; lets the worker start the next one.
  void setup_done(bool ok, std::string_view reason = {});

  void failed(std::string reason) override;

  void fault() { totals_.faults.fetch_add(1, std::memory_order_relaxed); }

  // Counts every published message in `data` (its marker, sequence number and send time, read
  // from the bytes), its latency, and whether it came after its publisher's one before.
  void delivered(std::string_view data);

  worker& worker_;

 private:
  const channel_kind kind_;
  const net::ip::address* source_;
  order_check order_;
  bool setup_reported_ = false;
  bool held_ = false;
};

// A subscriber of `kind` in `w`, from `source` (nullptr: the kernel's choice); start() connects.
std::unique_ptr<subscriber> make_subscriber(worker& w, channel_kind kind, const settings& s,
                                            run_totals& totals, const net::ip::address* source);

}  // namespace amphora::cli::msgload
