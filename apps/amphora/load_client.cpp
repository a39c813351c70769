#include "load_client.hpp"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>

namespace amphora::cli {

std::optional<tcp::endpoint> loopback_server(const parsed_args& args, std::string& error) {
  error_code ec;
  const net::ip::address address =
      net::ip::make_address(std::string(args.value("--host").value_or("127.0.0.1")), ec);
  if (ec || !address.is_loopback()) {
    error = "--host must be a loopback address (127.0.0.0/8, ::1)";
    return std::nullopt;
  }
  const auto port = parse_size(args.value("--port").value_or("8400"));
  if (!port || *port == 0 || *port > 65535) {
    error = "--port: 1 to 65535";
    return std::nullopt;
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(*port));
}

std::string amf_http_post(std::string_view path, std::span<const std::uint8_t> body) {
  std::string text = "POST " + std::string(path) +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amf\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  text.append(body.begin(), body.end());
  return text;
}

double process_cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t end = stat.rfind(')');  // the command name may hold spaces
  if (end == std::string::npos || end + 2 > stat.size()) return -1;
  std::istringstream fields(stat.substr(end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() noexcept {
  timespec cpu{};
  if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) != 0) return 0;
  return static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) / 1e9;
}

}  // namespace amphora::cli
