// What the load generators (amphora loadgen, amphora msgload) share: Asio's names and the clock,
// the loopback server they target (--host, --port), an HTTP POST of an AMF body, and CPU times,
// their own and the server's (to tell who was the limit when both share the machine's cores).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "args.hpp"

namespace amphora::cli {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;

// --host (a loopback address, default 127.0.0.1) and --port (default 8400); nothing and `error`
// set when either is wrong.
std::optional<tcp::endpoint> loopback_server(const parsed_args& args, std::string& error);

// "POST <path> HTTP/1.1" to 127.0.0.1 with an AMF body (application/x-amf), as one string.
std::string amf_http_post(std::string_view path, std::span<const std::uint8_t> body);

// User + system CPU time of a process (/proc/PID/stat) in seconds, or -1.
double process_cpu_seconds(long pid);
// This process's CPU time, every thread, in seconds.
double own_cpu_seconds() noexcept;

}  // namespace amphora::cli
