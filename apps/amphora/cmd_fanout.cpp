// amphora fanout: the messaging benchmark's baseline, a bare fan-out server (fanout_server.hpp)
// that `amphora msgload --channel websocket` drives as it drives `amphora serve`.
#include <pthread.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/json.hpp"
#include "command.hpp"
#include "fanout_server.hpp"
#include "fd_limit.hpp"
#include "load_client.hpp"
#include "msgload_messages.hpp"

namespace amphora::cli {
namespace {

constexpr std::size_t max_threads = 64;
constexpr std::size_t max_frame_bytes = 1024 * 1024;

const std::vector<option_spec> fanout_options = {
    {"--host", "", "ADDR", "IPv4 loopback address to listen on (default 127.0.0.1)."},
    {"--port", "-p", "PORT", "Port (default 8400; 0: any free port, printed)."},
    {"--threads", "-t", "N", "Event loops, each a thread with its own listener and subscribers (default 1)."},
    {"--coalesce", "", "",
     "Write all of a subscriber's pending messages in one writev() (default: one write() each)."},
    {"--frame-bytes", "", "N",
     "Pad each pushed payload with zero bytes to N bytes (default: the body as published)."},
    {"--batch", "", "N", "Subscribers written to between two looks at new events (default 256)."},
};

// The answers the server replays: a Flex AcknowledgeMessage (AMF3) for a subscriber's first frame
// and an AMF packet with an /onResult body for a publish; encoded once here, never per message.
bool build_answers(fanout::server_options& o) {
  amf::arena memory;
  const std::string ack_json = msgload::message_json(
      "AcknowledgeMessage",
      R"("body":null,"clientId":null,"correlationId":"msgload-subscribe","destination":"","headers":{},)"
      R"("messageId":"amphora-fanout-ack","timestamp":0,"timeToLive":0)");
  const amf::result<amf::value> ack = amf::value_from_json(ack_json, memory);
  std::vector<std::uint8_t> bytes;
  if (!ack || !amf::encode_amf3(*ack, bytes).ok()) return false;
  o.subscribe_ack.assign(bytes.begin(), bytes.end());
  const std::string packet_json =
      R"({"version":3,"headers":[],"bodies":[{"target":"/1/onResult","response":"","value":{"$amf3":)" +
      ack_json + "}}]}";
  const amf::result<amf::packet> p = amf::packet_from_json(packet_json, memory);
  bytes.clear();
  if (!p || !amf::encode_packet(*p, bytes).ok()) return false;
  o.publish_ack.assign(bytes.begin(), bytes.end());
  return true;
}

int run(const command& c, const parsed_args& args) {
  fanout::server_options o;
  error_code ec;
  const net::ip::address address =
      net::ip::make_address(std::string(args.value("--host").value_or("127.0.0.1")), ec);
  if (ec || !address.is_v4() || !address.is_loopback())
    return usage_error(c, "--host must be an IPv4 loopback address (127.0.0.0/8)");
  o.address = address.to_v4().to_uint();
  const auto port = parse_size(args.value("--port").value_or("8400"));
  if (!port || *port > 65535) return usage_error(c, "--port: 0 to 65535");
  o.port = static_cast<std::uint16_t>(*port);
  const auto threads = parse_size(args.value("--threads").value_or("1"));
  if (!threads || *threads == 0 || *threads > max_threads)
    return usage_error(c, "--threads: 1 to " + std::to_string(max_threads));
  o.threads = *threads;
  o.coalesce = args.has("--coalesce");
  const auto frame_bytes = parse_size(args.value("--frame-bytes").value_or("0"));
  if (!frame_bytes || *frame_bytes > max_frame_bytes)
    return usage_error(c, "--frame-bytes: 0 to " + std::to_string(max_frame_bytes));
  o.frame_bytes = *frame_bytes;
  const auto batch = parse_size(args.value("--batch").value_or("256"));
  if (!batch || *batch == 0) return usage_error(c, "--batch: at least 1");
  o.batch = *batch;
  if (!build_answers(o)) return data_error(c, "cannot encode the setup answers");

  raise_fd_limit(static_cast<std::size_t>(1) << 20);  // as many connections as the hard limit allows
  sigset_t stop_signals;  // taken by the server's signalfd: blocked in every thread it starts
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  fanout::server_totals totals;
  const std::string error = fanout::run_server(o, totals);
  if (!error.empty()) return data_error(c, error);
  std::fprintf(
      stderr,
      "fanout: %llu subscribers, %llu messages published, %llu frames pushed in %llu writes "
      "(%.2f frames per write)\n",
      static_cast<unsigned long long>(totals.subscribers), static_cast<unsigned long long>(totals.published),
      static_cast<unsigned long long>(totals.frames), static_cast<unsigned long long>(totals.writes),
      totals.writes > 0 ? static_cast<double>(totals.frames) / static_cast<double>(totals.writes) : 0.0);
  return exit_ok;
}

const command fanout_command{
    .name = "fanout",
    .summary = "a bare fan-out server, the messaging benchmark's baseline (no AMF, no framework)",
    .synopsis = "[--port PORT] [--threads N] [--coalesce] [--frame-bytes N]",
    .description =
        "The baseline of bench/messaging (docs/performance.md, \"Messaging\"): what one write per\n"
        "delivery costs on this machine, with no AMF, no broker and no framework. epoll and\n"
        "non-blocking sockets, one event loop per --threads. `amphora msgload --channel websocket`\n"
        "drives it as it drives `amphora serve`: a subscriber's WebSocket upgrade is answered 101 and\n"
        "its first frame (SUBSCRIBE) with a fixed acknowledgement; a publisher's HTTP POST is answered\n"
        "200 at once, and its body (msgload's marker, sequence number and send time inside) is pushed\n"
        "to every subscriber as one binary WebSocket frame, built once, padded to --frame-bytes.\n"
        "Each loop writes to its subscribers in steps of --batch, reading new publishes in between:\n"
        "one write() per message and subscriber, or with --coalesce all of a subscriber's pending\n"
        "messages in one writev(). Nothing else of either protocol is implemented (no ping, no close\n"
        "handshake, no Sec-WebSocket-Accept): it serves msgload on loopback, nothing else.\n"
        "Prints \"listening on http://ADDR:PORT\"; stops on SIGINT or SIGTERM and prints the\n"
        "subscribers, messages, frames pushed and write calls on stderr.",
    .options = fanout_options,
    .max_positionals = 0,
    .examples =
        "amphora fanout --port 0 --threads 2\n"
        "amphora msgload --port PORT --channel websocket --clients 10000 --sources 127.0.0.2-127.0.0.40 "
        "--messages 20",
    .run = run,
};
const command_registration registered{fanout_command};

}  // namespace
}  // namespace amphora::cli
