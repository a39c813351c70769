#include "http_frame.hpp"

namespace amphora::cli {
namespace {

bool iequal_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

}  // namespace

response_frame frame(std::string_view data, std::size_t max_body) {
  response_frame f;
  const std::size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (data.size() > 64 * 1024) f.state = response_frame::bad;
    return f;
  }
  f.header_size = end + 4;
  const std::string_view header = data.substr(0, end);
  if (header.size() < 12 || header.substr(0, 5) != "HTTP/") {
    f.state = response_frame::bad;
    return f;
  }
  f.status = static_cast<unsigned>((header[9] - '0') * 100 + (header[10] - '0') * 10 + (header[11] - '0'));
  std::size_t length = 0;
  bool has_length = false;
  for (std::size_t at = header.find("\r\n"); at != std::string_view::npos; at = header.find("\r\n", at + 2)) {
    const std::string_view line = header.substr(at + 2);
    if (!iequal_prefix(line, "content-length:")) continue;
    std::size_t i = 15;
    while (i < line.size() && line[i] == ' ') ++i;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
      length = length * 10 + static_cast<std::size_t>(line[i] - '0');
      if (length > max_body) break;
    }
    has_length = true;
    break;
  }
  if (!has_length || length > max_body) {
    f.state = response_frame::bad;
    return f;
  }
  f.total_size = f.header_size + length;
  if (data.size() >= f.total_size) f.state = response_frame::complete;
  return f;
}

}  // namespace amphora::cli
