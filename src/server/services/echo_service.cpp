// The built-in EchoService: `echo` returns its argument exactly (the reply is encoded from the
// decoded value graph, so a typed object keeps its alias without a registered class and an
// ArrayCollection comes back as one), plus typed demo operations converted by amf/typed.hpp.
#include <chrono>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "amphora/amf/typed.hpp"
#include "amphora/server/service.hpp"

namespace amphora::server {
namespace {

// Reverses by code point (the input is valid UTF-8: the decoder checks).
std::string reverse_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t end = s.size();
  while (end > 0) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    out.append(s.substr(start, end - start));
    end = start;
  }
  return out;
}

}  // namespace

void add_echo_service(service_registry& registry, std::string name) {
  registry.add(std::move(name))
      .operation("echo", [](amf::value v) { return v; })
      .operation("add", [](std::int32_t a, std::int32_t b) { return std::int64_t{a} + b; })
      .operation("reverse", [](const std::string& s) { return reverse_utf8(s); })
      .operation(
          "now",
          [] {
            return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
          })
      .operation("sum",
                 [](const std::vector<double>& xs) { return std::accumulate(xs.begin(), xs.end(), 0.0); });
}

}  // namespace amphora::server
