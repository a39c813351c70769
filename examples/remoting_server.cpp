// A complete AMF remoting server using the service API: a "Calculator" destination with typed,
// context-aware and blocking operations, plus the built-in EchoService, mounted at /amf.
//
//   remoting_server           starts on a free port, makes one NetConnection call with a tiny
//                             HTTP client, checks the answer and exits (what ctest runs)
//   remoting_server --serve   keeps serving on 127.0.0.1:8400 until Ctrl-C
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf/packet.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/server.hpp"

namespace amf = amphora::amf;
namespace srv = amphora::server;

namespace {

srv::service_registry make_services() {
  srv::service_registry services;
  srv::add_echo_service(services);
  services.add("Calculator")
      .operation("add", [](double a, double b) { return a + b; })
      .operation("divide",
                 [](double a, double b) {
                   if (b == 0) throw srv::service_error("Division by zero", "Calculator.DivideByZero");
                   return a / b;
                 })
      .operation("whoami", [](srv::call_context& ctx) { return std::string(ctx.remote_address); })
      // A slow operation (a database query, say) runs on the server's worker pool.
      .operation("report", []() { return std::string("all good"); }, {.blocking = true});
  return services;
}

// The AMF packet a Flash client sends for nc.call("Calculator.add", responder, 2, 3).
std::vector<std::uint8_t> add_request() {
  amf::arena memory;
  amf::array_node* args = amf::new_array(memory);
  (void)args->dense.push_back(memory, amf::value::number(2));
  (void)args->dense.push_back(memory, amf::value::number(3));
  amf::packet p;
  p.version = 0;
  (void)p.bodies.push_back(memory, {"Calculator.add", "/1", amf::value::of(args)});
  std::vector<std::uint8_t> out;
  if (!amf::encode_packet(p, out)) return {};
  return out;
}

// One HTTP/1.1 POST with Connection: close; the response body, or "" on any failure.
std::string post(std::uint16_t port, std::string_view path, const std::vector<std::uint8_t>& body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = "POST " + std::string(path) +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amf\r\n"
                          "Connection: close\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n";
    request.append(body.begin(), body.end());
    bool sent = true;
    for (std::size_t at = 0; sent && at < request.size();) {
      const ssize_t n = ::send(fd, request.data() + at, request.size() - at, 0);
      sent = n > 0;
      if (sent) at += static_cast<std::size_t>(n);
    }
    char buffer[4096];
    for (ssize_t n = 0; sent && (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
      response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const std::size_t end_of_headers = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200", 0) != 0 || end_of_headers == std::string::npos) return {};
  return response.substr(end_of_headers + 4);
}

int call_once(std::uint16_t port) {
  const std::string body = post(port, "/amf", add_request());
  amf::arena memory;
  const auto* data = reinterpret_cast<const std::uint8_t*>(body.data());
  amf::result<amf::packet> reply = amf::decode_packet({data, body.size()}, memory);
  if (!reply || reply->bodies.size() != 1) {
    std::fprintf(stderr, "remoting_server: no readable AMF reply\n");
    return 1;
  }
  const amf::packet_body& result = reply->bodies[0];
  std::printf("Calculator.add(2, 3) -> %.*s = %g\n", static_cast<int>(result.target.size()),
              result.target.data(), result.val.to_double());
  return result.target == "/1/onResult" && result.val.to_double() == 5.0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bool serve = argc > 1 && std::string_view(argv[1]) == "--serve";
  try {
    srv::config cfg;
    cfg.port = serve ? 8400 : 0;
    srv::server server(cfg);
    auto gateway = srv::make_amf_gateway(make_services(), {}, server.runner());
    server.mount("/amf", gateway);
    server.start();
    std::printf("AMF endpoint http://127.0.0.1:%u/amf\n", static_cast<unsigned>(server.port()));
    for (const std::string& line : gateway->destinations()) std::printf("  %s\n", line.c_str());
    if (serve) {
      server.stop_on_signals();
      server.wait();
      return 0;
    }
    const int status = call_once(server.port());
    server.stop();
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "remoting_server: %s\n", e.what());
    return 1;
  }
}
