// A raw TCP client for the loopback tests that check bytes as the server wrote them
// (streaming_channel_tests.cpp, push_batch_tests.cpp): every read is bounded by `bound`, so a
// broken server fails a test, never hangs it.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net.hpp"

namespace amphora::test {

// A raw TCP client on its own io_context; each read runs it for a bounded time.
class raw_client {
  // The upper bound of every wait: only reached when something is broken.
  static constexpr auto bound = std::chrono::seconds(20);

 public:
  explicit raw_client(std::uint16_t port) : stream_(ioc_) {
    server::detail::error_code ec;
    stream_.socket().connect({server::detail::net::ip::make_address("127.0.0.1"), port}, ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  void send(std::string_view text) {
    server::detail::error_code ec;
    server::detail::net::write(stream_.socket(), server::detail::net::buffer(text.data(), text.size()), ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  // Reads until `done(data)` holds, the connection ends, or the bound passes; whether `done` held.
  template <class Pred>
  bool read_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!done(data)) {
      if (eof || std::chrono::steady_clock::now() > deadline) return false;
      read_some();
    }
    return true;
  }
  // Reads until the server closes the connection.
  bool read_to_eof() {
    return read_until([this](const std::string&) { return eof; }) || eof;
  }

  std::string data;  // everything received so far
  bool eof = false;

 private:
  void read_some() {
    std::array<char, 4096> buf{};
    bool done = false;
    stream_.socket().async_read_some(server::detail::net::buffer(buf),
                                     [&](server::detail::error_code ec, std::size_t n) {
                                       data.append(buf.data(), n);
                                       if (ec) eof = true;
                                       done = true;
                                     });
    ioc_.restart();
    ioc_.run_for(bound);
    if (!done) eof = true;  // nothing within the bound: treat as ended
  }

  server::detail::net::io_context ioc_;
  server::detail::beast::tcp_stream stream_;
};

}  // namespace amphora::test
