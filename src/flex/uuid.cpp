// Ids from the OS CSPRNG: getrandom(2), or /dev/urandom where the call is missing (old kernels,
// seccomp filters). A thread-local buffer amortizes the system call over several ids.
#include "amphora/flex/uuid.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace amphora::flex {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

bool is_dash_position(std::size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Fills `out` from /dev/urandom; false if it cannot be read.
bool read_urandom(std::span<std::uint8_t> out) noexcept {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return done == out.size();
}

// One id's worth of randomness at a time, refilled 16 ids at a time.
class random_pool {
 public:
  void take(std::span<std::uint8_t> out) {
    for (auto& b : out) {
      if (next_ == buffer_.size()) {
        random_bytes(buffer_);
        next_ = 0;
      }
      b = buffer_[next_];
      buffer_[next_++] = 0;  // used bytes do not linger
    }
  }

 private:
  std::array<std::uint8_t, 256> buffer_{};
  std::size_t next_ = buffer_.size();
};

}  // namespace

void random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (read_urandom(out.subspan(done))) return;
    throw std::system_error(errno ? errno : EIO, std::generic_category(), "no CSPRNG available");
  }
}

std::array<char, uuid_text_size> uuid_from_bytes(std::span<const std::uint8_t, 16> bytes) noexcept {
  std::array<char, uuid_text_size> text{};
  std::size_t b = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_dash_position(i)) {
      text[i] = '-';
      continue;
    }
    const std::uint8_t byte = bytes[b / 2];
    text[i] = hex_digits[b % 2 == 0 ? byte >> 4 : byte & 0x0F];
    ++b;
  }
  return text;
}

bool is_uuid(std::string_view text) noexcept { return uuid_to_bytes(text).has_value(); }

namespace {

// The value of each upper-case hex digit; 0xFF for every other byte.
constexpr std::array<std::uint8_t, 256> digit_values = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(0xFF);
  for (int c = 0; c < 256; ++c) {
    const int d = hex_value(static_cast<char>(c));
    if (d >= 0) values[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(d);
  }
  return values;
}();

// Where each byte's two digits are in the text.
constexpr std::array<std::uint8_t, 16> byte_digits = {0,  2,  4,  6,  9,  11, 14, 16,
                                                      19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

// A table lookup per digit, without a branch per character: the small form converts every
// pushed message's clientId (stored_message::append).
std::optional<uuid_bytes> uuid_to_bytes(std::string_view text) noexcept {
  if (text.size() != uuid_text_size || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return std::nullopt;
  }
  uuid_bytes bytes{};
  std::uint8_t seen = 0;  // the digits' values or'ed: above 15 if one was not a digit
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::uint8_t high = digit_values[static_cast<unsigned char>(text[byte_digits[i]])];
    const std::uint8_t low = digit_values[static_cast<unsigned char>(text[byte_digits[i] + 1])];
    seen = static_cast<std::uint8_t>(seen | high | low);
    bytes[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  if (seen > 0x0F) return std::nullopt;
  return bytes;
}

namespace {

std::array<char, uuid_text_size> fresh_uuid_text() {
  thread_local random_pool pool;
  uuid_bytes bytes;
  pool.take(bytes);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return uuid_from_bytes(bytes);
}

}  // namespace

std::string new_uuid() {
  const auto text = fresh_uuid_text();
  return {text.data(), text.size()};
}

std::string_view new_uuid(amf::arena& memory) {
  const auto text = fresh_uuid_text();
  return memory.copy(std::string_view{text.data(), text.size()});
}

}  // namespace amphora::flex
