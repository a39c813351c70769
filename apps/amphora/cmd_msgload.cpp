// amphora msgload: the messaging load generator (docs/performance.md, "Messaging"). N subscribers
// (Flex Consumers) on one destination of a local `amphora serve`, over the long-polling, the HTTP
// streaming or the WebSocket channel (or a mix), bound to several loopback source addresses so
// that ephemeral ports suffice; then one publisher (HTTP, /amf), or several (--publishers), whose
// messages carry their sequence number and send time. Reports how many subscribers were held at once, the
// server's memory (RSS) while holding them, deliveries per second, the publish-to-deliver latency, and the
// CPU time the server and this tool each spent per delivery. Loopback only; every phase is
// bounded in time.
//
// Each subscriber is one connection and one FlexClient:
// - longpoll: CLIENT_PING (for the DSId), SUBSCRIBE, then POLL after POLL on the long-polling
//   endpoint, each poll parked by the server until a message is queued for the client;
// - streaming: CLIENT_PING, SUBSCRIBE, then `?command=open` on the same connection, which the
//   server turns into the stream of pushed frames;
// - websocket: the RFC 6455 upgrade, SUBSCRIBE in one binary frame, then pushed frames.
//
// The receive path is kept cheap, since this tool shares the machine's cores with the server:
// each client thread reads into one large buffer of its own (a connection keeps only the bytes
// of an incomplete response), frames are delimited without decoding the AMF inside, and each
// published message is found by its marker in the bytes, its sequence number and send time read
// as digits. Only the few setup answers are decoded as Flex messages.
//
// This file is the command: its options and a run's phases. One connection: msgload_socket; the
// subscribers, one class per channel: msgload_subscribers; the publisher: msgload_publisher; the
// figures and their printing: msgload_report; the Flex messages: msgload_messages.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "command.hpp"
#include "fd_limit.hpp"
#include "msgload.hpp"
#include "msgload_publisher.hpp"
#include "msgload_report.hpp"
#include "msgload_subscribers.hpp"

namespace amphora::cli {
namespace {

using namespace msgload;

constexpr std::size_t max_clients = 100'000;
constexpr std::size_t max_threads = 64;
constexpr std::size_t max_publishers = 64;
constexpr std::size_t max_messages = 10'000'000;
constexpr double max_seconds = 600;
constexpr std::size_t spare_fds = 32;  // beyond one per client: publisher, epoll, files

const std::vector<option_spec> msgload_options = {
    {"--host", "", "ADDR", "Loopback address of the server (default 127.0.0.1; others are refused)."},
    {"--port", "-p", "PORT", "Server port (default 8400)."},
    {"--channel", "", "KINDS",
     "longpoll (default), streaming or websocket; a list (longpoll,streaming) mixes them, round robin."},
    {"--path", "", "PATH",
     "The endpoint of a single --channel (default /messagebroker/amflongpolling, "
     "/messagebroker/streamingamf, "
     "/messagebroker/websocket)."},
    {"--destination", "", "NAME", "Messaging destination (default chat)."},
    {"--clients", "-c", "N", "Subscribers, one connection each (default 100)."},
    {"--sources", "", "RANGE",
     "Loopback source addresses for the subscribers, round robin: 127.0.0.2-127.0.0.40 or a,b,c."},
    {"--threads", "-t", "N", "Client threads, each with its share of the subscribers (default 1)."},
    {"--setup-concurrency", "", "N", "Subscribers connecting and subscribing at once (default 256)."},
    {"--setup-timeout", "", "SECONDS", "Time allowed for every subscriber to subscribe (default 120)."},
    {"--hold", "", "SECONDS", "Time to hold the subscribers before publishing (default 1)."},
    {"--messages", "-n", "N", "Messages to publish (default 10; 0: only hold)."},
    {"--rate", "", "N",
     "Messages published per second, by all publishers (default 0: each publisher's next once its last "
     "is acked)."},
    {"--publishers", "", "N",
     "Publisher connections sharing the --messages, each one request in flight, order checked per "
     "publisher (default 1)."},
    {"--drain", "", "SECONDS", "Time allowed for the last deliveries after publishing (default 30)."},
    {"--server-pid", "", "PID",
     "Report this process's memory (VmRSS) before and while holding, and its CPU time per delivery."},
    {"--json", "", "", "Print the figures as one JSON object instead of text."},
};

// "127.0.0.2-127.0.0.40" or "127.0.0.2,127.0.0.3": IPv4 loopback addresses, at most max_clients.
std::optional<std::vector<net::ip::address>> parse_sources(std::string_view text) {
  std::vector<net::ip::address> out;
  auto loopback = [](std::string_view s) -> std::optional<net::ip::address_v4> {
    error_code ec;
    const net::ip::address_v4 a = net::ip::make_address_v4(std::string(s), ec);
    if (ec || !a.is_loopback()) return std::nullopt;
    return a;
  };
  if (const std::size_t dash = text.find('-'); dash != std::string_view::npos) {
    const auto first = loopback(text.substr(0, dash));
    const auto last = loopback(text.substr(dash + 1));
    if (!first || !last || last->to_uint() < first->to_uint() ||
        last->to_uint() - first->to_uint() >= max_clients)
      return std::nullopt;
    for (std::uint32_t a = first->to_uint(); a <= last->to_uint(); ++a)
      out.emplace_back(net::ip::address_v4(a));
    return out;
  }
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const auto a = loopback(text.substr(0, comma));
    if (!a) return std::nullopt;
    out.emplace_back(*a);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Waits (polling every 20 ms) until `done` or `seconds` passed; true if done.
template <typename Done>
bool wait_for(double seconds, Done done) {
  const auto end = clock_type::now() +
                   std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  while (!done()) {
    if (clock_type::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// "longpoll", "streaming,longpoll": the subscribers' channels in the order given, or nothing.
std::optional<std::vector<channel_kind>> parse_channels(std::string_view text) {
  std::vector<channel_kind> out;
  while (true) {
    const std::size_t comma = text.find(',');
    const auto name = std::find(channel_names.begin(), channel_names.end(), text.substr(0, comma));
    if (name == channel_names.end()) return std::nullopt;
    out.push_back(static_cast<channel_kind>(name - channel_names.begin()));
    if (comma == std::string_view::npos) return out;
    text = text.substr(comma + 1);
  }
}

int run(const command& c, const parsed_args& args) {
  settings s;
  const std::string_view channel_list = args.value("--channel").value_or("longpoll");
  const std::optional<std::vector<channel_kind>> channels = parse_channels(channel_list);
  if (!channels)
    return usage_error(c,
                       "--channel: longpoll, streaming or websocket, or a list of them (longpoll,streaming)");
  s.channels = *channels;
  std::string channel_label(channel_list);  // "longpoll+streaming" in the report
  std::replace(channel_label.begin(), channel_label.end(), ',', '+');
  for (std::size_t k = 0; k < default_paths.size(); ++k) s.paths[k] = std::string(default_paths[k]);
  if (const auto path = args.value("--path")) {
    if (path->empty() || (*path)[0] != '/') return usage_error(c, "--path must start with '/'");
    if (std::count(s.channels.begin(), s.channels.end(), s.channels[0]) != std::ssize(s.channels))
      return usage_error(c, "--path: only with a single --channel");
    s.paths[static_cast<std::size_t>(s.channels[0])] = std::string(*path);
  }
  s.destination = std::string(args.value("--destination").value_or("chat"));
  if (s.destination.empty() || s.destination.find_first_of("\"\\") != std::string::npos)
    return usage_error(c, "--destination: a name without quotes or backslashes");

  std::string error;
  const std::optional<tcp::endpoint> server = loopback_server(args, error);
  if (!server) return usage_error(c, error);
  s.server = *server;
  if (const auto text = args.value("--sources")) {
    auto sources = parse_sources(*text);
    if (!sources || !server->address().is_v4())
      return usage_error(c, "--sources: IPv4 loopback addresses, FIRST-LAST or a,b,c (with an IPv4 --host)");
    s.sources = std::move(*sources);
  }
  const auto clients = parse_size(args.value("--clients").value_or("100"));
  if (!clients || *clients == 0 || *clients > max_clients)
    return usage_error(c, "--clients: 1 to " + std::to_string(max_clients));
  const auto threads = parse_size(args.value("--threads").value_or("1"));
  if (!threads || *threads == 0 || *threads > max_threads)
    return usage_error(c, "--threads: 1 to " + std::to_string(max_threads));
  const auto concurrency = parse_size(args.value("--setup-concurrency").value_or("256"));
  if (!concurrency || *concurrency == 0) return usage_error(c, "--setup-concurrency: at least 1");
  const auto messages = parse_size(args.value("--messages").value_or("10"));
  if (!messages || *messages > max_messages)
    return usage_error(c, "--messages: at most " + std::to_string(max_messages));
  const auto publishers = parse_size(args.value("--publishers").value_or("1"));
  if (!publishers || *publishers == 0 || *publishers > max_publishers)
    return usage_error(c, "--publishers: 1 to " + std::to_string(max_publishers));
  s.publishers = *publishers;
  const auto rate = parse_seconds(args.value("--rate").value_or("0"), 1e9);
  if (!rate) return usage_error(c, "--rate: messages per second, 0 for as fast as acknowledged");
  const auto setup_timeout = parse_seconds(args.value("--setup-timeout").value_or("120"), max_seconds);
  const auto hold = parse_seconds(args.value("--hold").value_or("1"), max_seconds);
  const auto drain = parse_seconds(args.value("--drain").value_or("30"), max_seconds);
  if (!setup_timeout || !hold || !drain)
    return usage_error(c, "--setup-timeout, --hold, --drain: seconds, at most 600");
  long server_pid = 0;
  if (const auto pid = args.value("--server-pid")) {
    const auto p = parse_size(*pid);
    if (!p || *p == 0 || *p > 1u << 30) return usage_error(c, "--server-pid: a process id");
    server_pid = static_cast<long>(*p);
    if (rss_mib(server_pid) < 0) return usage_error(c, "--server-pid: no such process");
  }

  const std::size_t needed_fds = *clients + *publishers + spare_fds;
  const std::size_t fds = raise_fd_limit(needed_fds);
  if (fds < needed_fds) {
    return data_error(c, "the open-file limit is " + std::to_string(fds) + ", below the " +
                             std::to_string(needed_fds) + " descriptors " + std::to_string(*clients) +
                             " clients need, and it cannot be raised (raise the hard limit: ulimit -Hn, or "
                             "run with fewer --clients or split them over several msgload processes)");
  }

  // Subscribers go round robin to the workers and, within each, to the channels and the source
  // addresses.
  run_totals totals;
  std::vector<std::unique_ptr<worker>> workers;
  for (std::size_t i = 0; i < *threads; ++i) {
    workers.push_back(std::make_unique<worker>());
    workers.back()->deliveries_by_publisher.assign(*publishers, 0);
    workers.back()->misordered_by_publisher.assign(*publishers, 0);
    workers.back()->spread = message_spread(*messages);
    workers.back()->max_setups = std::max<std::size_t>(1, *concurrency / *threads);
  }
  for (std::size_t i = 0; i < *clients; ++i) {
    worker& w = *workers[i % workers.size()];
    const net::ip::address* source = s.sources.empty() ? nullptr : &s.sources[i % s.sources.size()];
    w.clients.push_back(make_subscriber(w, s.channels[i % s.channels.size()], s, totals, source));
  }
  // The publishers have a thread of their own: their writes and the acknowledgements they read
  // never wait behind the subscribers' reads (which share the client threads).
  net::io_context publisher_ioc{1};
  std::vector<char> publisher_buffer(64 * 1024);
  std::vector<std::unique_ptr<publisher>> pubs;
  for (std::size_t i = 0; i < *publishers; ++i)
    pubs.push_back(std::make_unique<publisher>(publisher_ioc, publisher_buffer, s, totals, i));
  const auto all_published = [&] {
    return std::all_of(pubs.begin(), pubs.end(), [](const auto& p) { return p->done.load(); });
  };
  const auto acked_count = [&] {
    std::size_t n = 0;
    for (const auto& p : pubs) n += p->acked.load();
    return n;
  };

  const double rss_before = server_pid != 0 ? rss_mib(server_pid) : -1;
  const auto setup_start = clock_type::now();
  std::vector<std::thread> pool;
  for (auto& w : workers) {
    net::post(w->ioc, [&w = *w] { w.start_more(); });
    pool.emplace_back([&w = *w] {
      auto guard = net::make_work_guard(w.ioc);
      w.ioc.run();
    });
  }
  pool.emplace_back([&publisher_ioc] {
    auto guard = net::make_work_guard(publisher_ioc);
    publisher_ioc.run();
  });
  wait_for(*setup_timeout, [&] { return totals.held_now() + totals.setup_failed.load() >= *clients; });
  const double setup_seconds = std::chrono::duration<double>(clock_type::now() - setup_start).count();
  std::this_thread::sleep_for(std::chrono::duration<double>(*hold));
  std::array<std::size_t, 3> held_by{};
  for (std::size_t k = 0; k < held_by.size(); ++k) held_by[k] = totals.held[k].load();
  const std::size_t held = held_by[0] + held_by[1] + held_by[2];
  const double rss_held = server_pid != 0 ? rss_mib(server_pid) : -1;
  const double own_rss = rss_mib(static_cast<long>(::getpid()));

  // CPU time of the server and of this process from the first publish to the last delivery (or
  // the drain's end): per delivery, and as cores busy over that time.
  std::size_t acked = 0;
  const auto publish_start = clock_type::now();
  const double server_cpu_start = server_pid != 0 ? process_cpu_seconds(server_pid) : -1;
  const double client_cpu_start = own_cpu_seconds();
  if (*messages > 0) {
    net::post(publisher_ioc, [&] {
      for (auto& p : pubs) p->start(*messages, *rate);
    });
    const double publish_bound = *rate > 0 ? static_cast<double>(*messages) / *rate + *drain : max_seconds;
    wait_for(publish_bound, all_published);
    acked = acked_count();
    const std::uint64_t expected = static_cast<std::uint64_t>(acked) * held;
    wait_for(*drain, [&] {
      std::uint64_t n = 0;
      for (auto& w : workers) n += w->deliveries.load(std::memory_order_relaxed);
      return n >= expected;
    });
  }
  const double server_cpu = server_pid != 0 ? process_cpu_seconds(server_pid) - server_cpu_start : -1;
  const double client_cpu = own_cpu_seconds() - client_cpu_start;
  const double cpu_window = std::chrono::duration<double>(clock_type::now() - publish_start).count();
  totals.stopping.store(true);
  for (auto& w : workers) w->ioc.stop();
  publisher_ioc.stop();
  for (std::thread& t : pool) t.join();

  // The publishers' figures: the first and last send of any, the worst lag; by publisher, the
  // messages acknowledged and the deliveries and misordered messages counted.
  std::uint64_t first_ns = 0;
  std::uint64_t last_ns = 0;
  std::uint64_t max_lag_ns = 0;
  std::vector<std::size_t> acked_by(*publishers, 0);
  std::vector<std::uint64_t> deliveries_by(*publishers, 0);
  std::vector<std::uint64_t> misordered_by(*publishers, 0);
  for (std::size_t i = 0; i < pubs.size(); ++i) {
    const publisher& p = *pubs[i];
    if (p.first_ns != 0 && (first_ns == 0 || p.first_ns < first_ns)) first_ns = p.first_ns;
    last_ns = std::max(last_ns, p.last_ns);
    max_lag_ns = std::max(max_lag_ns, p.max_lag_ns);
    acked_by[i] = p.acked.load();
    for (auto& w : workers) {
      deliveries_by[i] += w->deliveries_by_publisher[i];
      misordered_by[i] += w->misordered_by_publisher[i];
    }
  }
  histogram latency;
  message_spread spread;
  std::uint64_t deliveries = 0;
  std::uint64_t last_delivery = 0;
  std::uint64_t delivered_bytes = 0;
  for (auto& w : workers) {
    delivered_bytes += w->delivered_bytes.load();
    latency.merge(w->latency);
    spread.merge(w->spread);
    deliveries += w->deliveries.load();
    last_delivery = std::max(last_delivery, w->last_delivery_ns.load());
  }
  report r;
  r.channel_label = channel_label;
  r.destination = s.destination;
  r.channels = s.channels;
  r.clients = *clients;
  r.sources = s.sources.size();
  r.threads = *threads;
  r.held_by = held_by;
  r.held = held;
  r.setup_seconds = setup_seconds;
  r.setup_failed = totals.setup_failed.load();
  r.server_measured = server_pid != 0;
  r.server_rss_before_mib = rss_before;
  r.server_rss_held_mib = rss_held;
  r.server_kib_per_client =
      rss_before >= 0 && held > 0 ? (rss_held - rss_before) * 1024 / static_cast<double>(held) : -1;
  r.client_rss_mib = own_rss;
  r.published = acked;
  r.publishers = *publishers;
  r.published_by_publisher = acked_by;
  r.deliveries_by_publisher = deliveries_by;
  r.misordered_by_publisher = misordered_by;
  r.deliveries = deliveries;
  r.expected = static_cast<std::uint64_t>(acked) * held;
  const double fanout_seconds =
      last_delivery > first_ns && first_ns != 0 ? static_cast<double>(last_delivery - first_ns) / 1e9 : 0;
  const double publish_seconds = static_cast<double>(last_ns - first_ns) / 1e9;
  r.deliveries_per_s = fanout_seconds > 0 ? static_cast<double>(deliveries) / fanout_seconds : 0;
  r.published_per_s = publish_seconds > 0 && acked > 1 ? static_cast<double>(acked - 1) / publish_seconds : 0;
  r.bytes_per_delivery =
      deliveries > 0 ? static_cast<double>(delivered_bytes) / static_cast<double>(deliveries) : 0;
  r.publish_lag_ms = static_cast<double>(max_lag_ns) / 1e6;
  r.p50_ms = latency.percentile_ms(0.50);
  r.p90_ms = latency.percentile_ms(0.90);
  r.p99_ms = latency.percentile_ms(0.99);
  r.max_ms = latency.max_ms();
  r.spread = spread.summarize();
  const auto per_delivery_us = [&](double cpu) {
    return cpu >= 0 && deliveries > 0 ? cpu * 1e6 / static_cast<double>(deliveries) : -1;
  };
  const auto cores = [&](double cpu) { return cpu >= 0 && cpu_window > 0 ? cpu / cpu_window : -1; };
  r.cpu_window_s = cpu_window;
  r.server_cpu_s = server_cpu;
  r.server_cpu_us_per_delivery = per_delivery_us(server_cpu);
  r.server_cores = cores(server_cpu);
  r.client_cpu_s = client_cpu;
  r.client_cpu_us_per_delivery = per_delivery_us(client_cpu);
  r.client_cores = cores(client_cpu);
  r.lost = totals.lost.load();
  r.faults = totals.faults.load();
  r.misordered = totals.misordered.load();
  r.fd_limit = fds;
  if (args.has("--json")) {
    print_json(r);
  } else {
    print_text(r);
  }
  std::fflush(stdout);
  if (!totals.first_error.empty())
    std::fprintf(stderr, "first setup failure: %s\n", totals.first_error.c_str());
  for (auto& w : workers) w->clients.clear();  // before their io_context
  if (held == 0) return data_error(c, "no subscriber was held (is the server running on that port?)");
  bool every_publishers_messages = true;  // each publisher's acknowledged messages, once to each subscriber
  for (std::size_t i = 0; i < pubs.size(); ++i)
    every_publishers_messages = every_publishers_messages && deliveries_by[i] == acked_by[i] * held;
  return held == *clients && deliveries == r.expected && every_publishers_messages && r.lost == 0 &&
                 r.faults == 0 && r.misordered == 0
             ? exit_ok
             : exit_bad_data;
}

const command msgload_command{
    .name = "msgload",
    .summary = "load-test a local amphora server's messaging: subscribers held, fan-out rate, latency",
    .synopsis =
        "[--port PORT] [--channel longpoll|streaming|websocket[,...]] [--clients N]\n"
        "       [--sources FIRST-LAST] [--messages N] [--rate N] [--publishers N] [--server-pid PID]\n"
        "       [--json]",
    .description =
        "Subscribes N clients (Flex Consumers, one connection and one FlexClient each) to a\n"
        "destination of a server on this machine, over the long-polling channel (CLIENT_PING,\n"
        "SUBSCRIBE, then polls the server parks until a message comes), the HTTP streaming channel\n"
        "(CLIENT_PING, SUBSCRIBE, then ?command=open on the same connection: pushed frames) or the\n"
        "WebSocket channel (SUBSCRIBE in a binary frame, then pushed frames); a list such as\n"
        "--channel longpoll,streaming deals the subscribers out over the channels in turn.\n"
        "--sources spreads them over several loopback source addresses so that 20,000 and more\n"
        "find ephemeral ports. Once they are subscribed it holds them --hold seconds, then\n"
        "publishes --messages AsyncMessages to /amf over one keep-alive connection (a thread of\n"
        "its own), each once the previous one is acknowledged and carrying its sequence number and\n"
        "the time it was sent (with --rate, a message that falls behind its schedule carries its\n"
        "due time, and the worst lag is printed), and counts the deliveries. --publishers N\n"
        "publishes from N connections at once (many producers), sharing the --messages: message\n"
        "s is publisher s % N's, each publisher waits for its own acknowledgements, and order is\n"
        "checked per publisher; the report gives each one's messages and deliveries. Prints the\n"
        "subscribers held, the server's RSS before and while holding them (--server-pid), the\n"
        "deliveries per second (deliveries over the time from the first publish to the last\n"
        "delivery), the p50, p90, p99 and max publish-to-deliver latency, the spread of one\n"
        "message over its subscribers (the median over the messages, and the largest, of the time\n"
        "from a publish to its first and to its last delivery; the first 100,000 messages), and\n"
        "the CPU time the server (--server-pid) and msgload itself spent per delivery and the\n"
        "cores each kept busy, to tell which one was the limit when they share the machine.\n"
        "Received bytes are not decoded: each message is found by a marker in its body.\n"
        "Raises the open-file limit to what N clients need and fails if it cannot.\n"
        "Exit code 1 unless every subscriber was held and got every message once and in order,\n"
        "without faults. `amphora serve` holds at most --max-connections connections,\n"
        "--max-parked-polls parked polls and 10,000 streams (10,000 each by default): raise them\n"
        "for more subscribers. `amphora fanout` (the benchmark's baseline, a bare fan-out server)\n"
        "is driven the same way with --channel websocket.",
    .options = msgload_options,
    .max_positionals = 0,
    .examples =
        "amphora msgload --port 8400 --clients 1000 --messages 100\n"
        "amphora msgload --port 8400 --channel websocket --clients 10000 --sources 127.0.0.2-127.0.0.9 "
        "--messages 200 --rate 20\n"
        "amphora msgload --port 8400 --channel longpoll,streaming --clients 9990 --sources "
        "127.0.0.2-127.0.0.40 --messages 0 --server-pid 1234 --json\n"
        "amphora msgload --port 8400 --channel websocket --clients 1000 --messages 400 --publishers 4",
    .run = run,
};
const command_registration registered{msgload_command};

}  // namespace
}  // namespace amphora::cli
