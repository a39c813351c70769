#include "envelope.hpp"

#include "amphora/amf/utf8.hpp"
#include "processors.hpp"

namespace amphora::server::detail {
namespace {

class byte_reader {
 public:
  explicit byte_reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}
  bool u16(std::uint16_t& v) noexcept {
    if (in_.size() - at_ < 2) return false;
    v = static_cast<std::uint16_t>((in_[at_] << 8) | in_[at_ + 1]);
    at_ += 2;
    return true;
  }
  bool utf(std::string_view& s) noexcept {
    std::uint16_t n = 0;
    if (!u16(n) || in_.size() - at_ < n) return false;
    s = std::string_view(reinterpret_cast<const char*>(in_.data() + at_), n);
    at_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

bool known_version(std::uint16_t v) noexcept { return v == 0 || v == 1 || v == 3; }

}  // namespace

bool looks_like_packet(std::span<const std::uint8_t> body) noexcept {
  byte_reader in(body);
  std::uint16_t version = 0, headers = 0, bodies = 0;  // 6 bytes at least, whatever follows
  return in.u16(version) && known_version(version) && in.u16(headers) && in.u16(bodies);
}

std::optional<first_body> peek_first_body(std::span<const std::uint8_t> body) noexcept {
  byte_reader in(body);
  first_body out;
  std::uint16_t headers = 0, bodies = 0;
  if (!in.u16(out.version) || !known_version(out.version) || !in.u16(headers) || headers != 0 ||
      !in.u16(bodies) || bodies == 0 || !in.utf(out.target) || !in.utf(out.response) ||
      !amf::is_valid_utf8(out.target) || !amf::is_valid_utf8(out.response)) {
    return std::nullopt;  // the URIs are echoed in the answer: only well-formed UTF-8 is
  }
  return out;
}

std::uint16_t response_version(const amf::packet& request) noexcept {
  if (request.version == 3) return 3;
  for (const amf::packet_body& b : request.bodies) {
    if (is_flex_body(b)) return 3;
  }
  return request.version;
}

}  // namespace amphora::server::detail
