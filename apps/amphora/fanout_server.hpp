// The messaging benchmark's baseline (docs/performance.md, "Messaging"): a bare fan-out server,
// `amphora fanout`. No AMF, no framework: epoll, non-blocking sockets, one event loop per thread.
// It speaks just enough of what `amphora msgload --channel websocket` speaks that msgload drives
// it unchanged, with the same connections, the same receive path and the same figures as for
// `amphora serve`:
// - a subscriber sends a WebSocket upgrade (answered 101) and one frame (its SUBSCRIBE, answered
//   with `subscribe_ack` in a binary frame, whatever it held); from then on it receives every
//   published message;
// - a publisher POSTs HTTP requests on a keep-alive connection; each request's body is one
//   message: answered at once with `publish_ack` (HTTP 200), then pushed to every subscriber as a
//   binary WebSocket frame whose payload is the body as it came (msgload's marker, sequence number
//   and send time inside), padded with zero bytes to `frame_bytes`.
// A published frame is built once and shared; each subscriber keeps only the index of the next
// message to write and how much of it is written. The loops write to their subscribers in steps
// of `batch` (between steps they handle new events, so a publish is read and acknowledged while
// the previous one is still being pushed, as `amphora serve` does), each subscriber's pending
// messages with one write() per message, or (`coalesce`) all of them in one writev().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace amphora::cli::fanout {

struct server_options {
  std::uint32_t address = 0x7f000001;  // IPv4, host order
  std::uint16_t port = 0;              // 0: any free port
  std::size_t threads = 1;             // event loops, each with its listener (SO_REUSEPORT)
  bool coalesce = false;               // write every pending message of a subscriber in one writev()
  std::size_t frame_bytes = 0;         // pushed payloads are padded to this size (0: the body as it came)
  std::size_t batch = 256;             // subscribers written to between two looks at new events
  std::string subscribe_ack;           // the payload of the frame that answers a subscriber's first frame
  std::string publish_ack;             // the body of the HTTP 200 that answers a publish
};

struct server_totals {
  std::uint64_t subscribers = 0;  // subscribed, ever
  std::uint64_t published = 0;    // messages received from publishers
  std::uint64_t frames = 0;       // messages written whole to a subscriber
  std::uint64_t writes = 0;       // write() / writev() calls to subscribers that wrote something
};

// Listens on options.address:port, prints "listening on http://ADDR:PORT" on stdout, and serves
// until SIGINT or SIGTERM (which the caller must have blocked in every thread: the server takes
// them with a signalfd); then adds its counts to `totals`. Returns an empty string, or why it
// could not start.
std::string run_server(const server_options& options, server_totals& totals);

}  // namespace amphora::cli::fanout
