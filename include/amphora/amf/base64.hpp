// Base64 digits (RFC 4648, standard alphabet): shared by the codec's JSON mapping ($bytes) and the
// server's Flex login credentials, which each decode base64 under their own rules.
#pragma once

namespace amphora::amf::detail {

// The value (0 to 63) of a base64 digit; -1 for any other character, padding included.
constexpr int base64_digit(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace amphora::amf::detail
