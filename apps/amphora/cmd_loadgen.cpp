// amphora loadgen: a small HTTP/1.1 load generator for `amphora serve` on this machine. N keep-alive
// connections each send one pre-encoded request (an AMF echo call, or GET /health as a baseline),
// wait for its response, and send it again, for a fixed time or number of calls. Reports calls/s,
// latency percentiles and errors. Loopback addresses only; every run is bounded in time and count.
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "amphora/amf/json.hpp"
#include "amphora/amf/packet.hpp"
#include "command.hpp"
#include "http_frame.hpp"
#include "load_client.hpp"

namespace amphora::cli {
namespace {

constexpr std::size_t max_connections = 10'000;
constexpr std::size_t max_threads = 64;
constexpr double max_seconds = 600;
constexpr std::size_t max_count = 50'000'000;
constexpr std::size_t max_response = 16 * 1024 * 1024;  // a bigger response is an error

// The echo argument when --arg is not given: a small typed object, as a Flex client sends.
constexpr std::string_view default_arg =
    R"({"$class":"com.example.Person","name":"Ada Lovelace","age":36,"tags":["math","engines"]})";

const std::vector<option_spec> loadgen_options = {
    {"--host", "", "ADDR", "Loopback address of the server (default 127.0.0.1; others are refused)."},
    {"--port", "-p", "PORT", "Server port (default 8400)."},
    {"--path", "", "PATH", "Endpoint (default /amf; /health for --request health)."},
    {"--request", "-r", "KIND", "nc (NetConnection AMF0 call, default), flex (RemotingMessage) or health."},
    {"--arg", "", "JSON", "The echo argument as lossless JSON (default: a small typed object)."},
    {"--connections", "-c", "N", "Keep-alive connections, one call in flight each (default 64)."},
    {"--threads", "-t", "N", "Client threads (default 1)."},
    {"--duration", "-d", "SECONDS", "Measured time (default 5, at most 600)."},
    {"--warmup", "", "SECONDS", "Time before measuring, not counted (default 1)."},
    {"--count", "-n", "N", "Stop after N measured calls (default: no limit but the duration)."},
    {"--json", "", "", "Print the figures as one JSON object instead of text."},
    {"--save-body", "", "FILE", "Write the request's body (the AMF packet) to FILE and exit (for wrk)."},
};

// ---- the request ----

std::string packet_json(std::string_view kind, std::string_view arg) {
  const std::string a(arg);
  if (kind == "nc") {
    return R"({"version":0,"headers":[],"bodies":[{"target":"EchoService.echo","response":"/1","value":[)" +
           a + "]}]}";
  }
  return R"({"version":3,"headers":[],"bodies":[{"target":"null","response":"/1","value":[{"$amf3":{)"
         R"("$class":"flex.messaging.messages.RemotingMessage","body":[)" +
         a +
         R"(],"clientId":null,"destination":"EchoService","headers":{"DSEndpoint":"my-amf","DSId":"nil"},)"
         R"("messageId":"5E8D3B1C-2F4A-4B6E-9C0D-7A1B2C3D4E5F","operation":"echo","source":null,)"
         R"("timeToLive":0,"timestamp":0}}]}]})";
}

// The whole HTTP request, or an error message.
std::optional<std::string> build_request(std::string_view kind, std::string_view path, std::string_view arg,
                                         std::string& error) {
  if (kind == "health") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  }
  amf::arena memory;
  const amf::result<amf::packet> p = amf::packet_from_json(packet_json(kind, arg), memory);
  if (!p) {
    error = "--arg: " + p.error().message();
    return std::nullopt;
  }
  std::vector<std::uint8_t> body;
  if (const amf::status s = amf::encode_packet(*p, body); !s.ok()) {
    error = "cannot encode the request: " + s.error().message();
    return std::nullopt;
  }
  return amf_http_post(path, body);
}

// ---- one connection ----

struct run_state {
  std::string request;
  bool amf = true;  // a good answer is a 200 whose body holds "/onResult"
  tcp::endpoint server;
  std::atomic<bool> stop{false};
  std::atomic<bool> measuring{false};
  std::atomic<std::size_t> started{0};  // measured calls started (for --count)
  std::size_t count = 0;                // 0: no limit
  net::io_context* ioc = nullptr;       // stopped when the last connection is gone
  std::atomic<std::size_t> alive{0};    // connection objects not yet destroyed
};

struct tally {
  std::vector<std::uint64_t> latency_ns;  // measured calls only
  std::size_t ok = 0;
  std::size_t http_errors = 0;    // status other than 200
  std::size_t faults = 0;         // 200 without an onResult body
  std::size_t io_errors = 0;      // connect, write or read failed, or the server closed
  std::size_t bad_responses = 0;  // unreadable or oversized response
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(net::io_context& ioc, run_state& state, tally& out) : socket_(ioc), state_(state), out_(out) {
    buffer_.resize(16 * 1024);
    state_.alive.fetch_add(1, std::memory_order_relaxed);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  // The last connection gone (stopped, or --count reached): the run is over, timers or not.
  ~connection() {
    if (state_.alive.fetch_sub(1, std::memory_order_acq_rel) == 1) state_.ioc->stop();
  }

  void start() {
    if (state_.stop.load(std::memory_order_relaxed)) return;
    error_code ignored;
    socket_.close(ignored);
    used_ = 0;
    socket_.async_connect(state_.server, [self = shared_from_this()](error_code ec) {
      if (ec) return self->failed();
      self->socket_.set_option(tcp::no_delay(true), ec);
      self->send();
    });
  }

 private:
  void send() {
    if (state_.stop.load(std::memory_order_relaxed)) return close();
    measured_ = state_.measuring.load(std::memory_order_relaxed);
    if (measured_ && state_.count != 0 &&
        state_.started.fetch_add(1, std::memory_order_relaxed) >= state_.count) {
      state_.stop.store(true, std::memory_order_relaxed);
      return close();
    }
    started_ = clock_type::now();
    net::async_write(socket_, net::buffer(state_.request),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->failed();
                       self->read();
                     });
  }

  void read() {
    if (buffer_.size() - used_ < 4096)
      buffer_.resize(std::min(buffer_.size() * 2, max_response + 128 * 1024));
    socket_.async_read_some(net::buffer(buffer_.data() + used_, buffer_.size() - used_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (ec) return self->failed();
                              self->used_ += n;
                              self->on_data();
                            });
  }

  void on_data() {
    const std::string_view data(buffer_.data(), used_);
    const response_frame f = frame(data, max_response);
    if (f.state == response_frame::incomplete) {
      if (used_ == buffer_.size() && buffer_.size() >= max_response) {
        ++out_.bad_responses;
        return start();
      }
      return read();
    }
    if (f.state == response_frame::bad) {
      ++out_.bad_responses;
      return start();  // reconnect: the stream cannot be resynchronised
    }
    const auto elapsed = clock_type::now() - started_;
    const std::string_view body = data.substr(f.header_size, f.total_size - f.header_size);
    if (f.status != 200) {
      ++out_.http_errors;
    } else if (state_.amf && body.find("/onResult") == std::string_view::npos) {
      ++out_.faults;
    } else if (measured_ && state_.measuring.load(std::memory_order_relaxed)) {
      ++out_.ok;
      out_.latency_ns.push_back(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
    }
    // Keep whatever follows (nothing, with one call in flight) for the next response.
    std::memmove(buffer_.data(), buffer_.data() + f.total_size, used_ - f.total_size);
    used_ -= f.total_size;
    const bool closing = data.substr(0, f.header_size).find("Connection: close") != std::string_view::npos;
    if (closing) return start();
    send();
  }

  void failed() {
    if (state_.stop.load(std::memory_order_relaxed)) return close();
    ++out_.io_errors;
    start();
  }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  run_state& state_;
  tally& out_;
  std::vector<char> buffer_;
  std::size_t used_ = 0;
  clock_type::time_point started_;
  bool measured_ = false;
};

// ---- the figures ----

double percentile(const std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto at = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(at, sorted.size() - 1)]) / 1e6;  // ms
}

int run(const command& c, const parsed_args& args) {
  const std::string_view kind = args.value("--request").value_or("nc");
  if (kind != "nc" && kind != "flex" && kind != "health")
    return usage_error(c, "--request: nc, flex or health");
  const std::string_view path = args.value("--path").value_or(kind == "health" ? "/health" : "/amf");
  if (path.empty() || path[0] != '/') return usage_error(c, "--path must start with '/'");

  std::string error;
  const std::optional<tcp::endpoint> server = loopback_server(args, error);
  if (!server) return usage_error(c, error);
  const auto connections = parse_size(args.value("--connections").value_or("64"));
  if (!connections || *connections == 0 || *connections > max_connections) {
    return usage_error(c, "--connections: 1 to " + std::to_string(max_connections));
  }
  const auto threads = parse_size(args.value("--threads").value_or("1"));
  if (!threads || *threads == 0 || *threads > max_threads) {
    return usage_error(c, "--threads: 1 to " + std::to_string(max_threads));
  }
  const auto duration = parse_seconds(args.value("--duration").value_or("5"), max_seconds);
  const auto warmup = parse_seconds(args.value("--warmup").value_or("1"), max_seconds);
  if (!duration || *duration <= 0 || !warmup)
    return usage_error(c, "--duration, --warmup: seconds, at most 600");
  const auto count = parse_size(args.value("--count").value_or("0"));
  if (!count || *count > max_count) return usage_error(c, "--count: at most " + std::to_string(max_count));

  run_state state;
  state.server = *server;
  state.amf = kind != "health";
  state.count = *count;
  std::optional<std::string> request =
      build_request(kind, path, args.value("--arg").value_or(default_arg), error);
  if (!request) return usage_error(c, error);
  state.request = std::move(*request);
  if (const auto file = args.value("--save-body")) {
    if (!state.amf) return usage_error(c, "--save-body: --request health has no body");
    const std::string_view body = std::string_view(state.request).substr(state.request.find("\r\n\r\n") + 4);
    std::FILE* out = std::fopen(std::string(*file).c_str(), "wb");
    const bool written = out != nullptr && std::fwrite(body.data(), 1, body.size(), out) == body.size();
    if (out != nullptr && std::fclose(out) != 0) return data_error(c, "cannot write " + std::string(*file));
    return written ? exit_ok : data_error(c, "cannot write " + std::string(*file));
  }

  net::io_context ioc(static_cast<int>(*threads));
  state.ioc = &ioc;
  std::vector<tally> tallies(*connections);
  for (tally& t : tallies) t.latency_ns.reserve(4096);
  for (tally& t : tallies) std::make_shared<connection>(ioc, state, t)->start();

  // Warm up, measure, stop; the io_context is bounded by the same deadline plus a grace period.
  using fsec = std::chrono::duration<double>;
  const auto warm_end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(fsec(*warmup));
  clock_type::time_point measure_start;
  clock_type::time_point measure_end;
  net::steady_timer timer(ioc);
  timer.expires_at(warm_end);
  timer.async_wait([&](error_code) {
    measure_start = clock_type::now();
    state.measuring.store(true);
    timer.expires_after(std::chrono::duration_cast<clock_type::duration>(fsec(*duration)));
    timer.async_wait([&](error_code) {
      measure_end = clock_type::now();
      state.measuring.store(false);
      state.stop.store(true);
    });
  });
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < *threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run_for(std::chrono::duration_cast<clock_type::duration>(fsec(*warmup + *duration + 5)));
  ioc.stop();
  for (std::thread& t : pool) t.join();
  if (measure_end == clock_type::time_point{}) measure_end = clock_type::now();  // --count ended it
  if (measure_start == clock_type::time_point{}) measure_start = measure_end;

  tally all;
  for (tally& t : tallies) {
    all.ok += t.ok;
    all.http_errors += t.http_errors;
    all.faults += t.faults;
    all.io_errors += t.io_errors;
    all.bad_responses += t.bad_responses;
    all.latency_ns.insert(all.latency_ns.end(), t.latency_ns.begin(), t.latency_ns.end());
  }
  std::sort(all.latency_ns.begin(), all.latency_ns.end());
  // This process's CPU time (every thread, user + system, warmup included): the client's share of
  // the machine, which matters when client and server share its cores.
  const double cpu_seconds = own_cpu_seconds();
  const double seconds = std::chrono::duration<double>(measure_end - measure_start).count();
  const double rate = seconds > 0 ? static_cast<double>(all.ok) / seconds : 0;
  const std::size_t errors = all.http_errors + all.faults + all.io_errors + all.bad_responses;
  const double p50 = percentile(all.latency_ns, 0.50);
  const double p90 = percentile(all.latency_ns, 0.90);
  const double p99 = percentile(all.latency_ns, 0.99);
  const double max = all.latency_ns.empty() ? 0 : static_cast<double>(all.latency_ns.back()) / 1e6;

  if (args.has("--json")) {
    std::printf(
        "{\"request\":\"%.*s\",\"connections\":%zu,\"threads\":%zu,\"seconds\":%.3f,\"calls\":%zu,"
        "\"calls_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
        "\"errors\":%zu,\"http_errors\":%zu,\"faults\":%zu,\"io_errors\":%zu,\"bad_responses\":%zu,"
        "\"client_cpu_s\":%.3f}\n",
        static_cast<int>(kind.size()), kind.data(), *connections, *threads, seconds, all.ok, rate, p50, p90,
        p99, max, errors, all.http_errors, all.faults, all.io_errors, all.bad_responses, cpu_seconds);
  } else {
    std::printf("%.*s %.*s: %zu connections, %zu thread(s), %.2f s measured (request %zu bytes)\n",
                static_cast<int>(kind.size()), kind.data(), static_cast<int>(path.size()), path.data(),
                *connections, *threads, seconds, state.request.size());
    std::printf("calls:    %zu (%.0f/s)\n", all.ok, rate);
    std::printf("latency:  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n", p50, p90, p99, max);
    std::printf("errors:   %zu (http %zu, faults %zu, io %zu, unreadable %zu)\n", errors, all.http_errors,
                all.faults, all.io_errors, all.bad_responses);
    std::printf("client:   %.3f s CPU (this process, warmup included)\n", cpu_seconds);
  }
  std::fflush(stdout);
  if (all.ok == 0) return data_error(c, "no call succeeded (is the server running on that port?)");
  return errors == 0 ? exit_ok : exit_bad_data;
}

const command loadgen_command{
    .name = "loadgen",
    .summary = "load-test a local amphora server: echo calls/s and latency over keep-alive connections",
    .synopsis =
        "[--port PORT] [--request nc|flex|health] [--connections N] [--duration SECONDS] [--count N] "
        "[--json]\n"
        "       amphora loadgen [--request nc|flex] [--arg JSON] --save-body FILE",
    .description =
        "Opens N keep-alive connections to a server on this machine, each sending the same\n"
        "pre-encoded request in a loop, one call in flight per connection: an EchoService.echo\n"
        "call as a NetConnection AMF0 packet (nc), as a Flex RemotingMessage (flex), or\n"
        "GET /health (health, a baseline without AMF). After --warmup, counts the calls that\n"
        "succeed for --duration seconds (or --count calls), then prints calls/s and the p50,\n"
        "p90, p99 and max latency (from the request's write to the response's last byte),\n"
        "and its own CPU time (to tell the client's share when it shares the server's cores).\n"
        "A call succeeds when the answer is 200 and, for AMF, an onResult body. Only loopback\n"
        "addresses are accepted. Exit code 1 if any call failed or none succeeded.\n"
        "--save-body FILE writes the request's AMF body to FILE and exits, for other load\n"
        "generators (bench/server/echo.lua drives wrk with it).",
    .options = loadgen_options,
    .max_positionals = 0,
    .examples =
        "amphora loadgen --port 8400\n"
        "amphora loadgen --port 8400 --request flex --connections 64 --duration 10\n"
        "amphora loadgen --port 8400 --request health --json\n"
        "amphora loadgen --request flex --save-body flex-echo.amf",
    .run = run,
};
const command_registration registered{loadgen_command};

}  // namespace
}  // namespace amphora::cli
