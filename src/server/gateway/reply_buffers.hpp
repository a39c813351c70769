// Reply bodies, kept per thread once written (spare_pool.hpp): the gateway encodes a reply into a
// buffer an earlier reply left behind instead of a fresh 1 KiB allocation per answer, which was
// freed after its write. The HTTP session gives a body back once its response is written.
#pragma once

#include <cstdint>
#include <vector>

namespace amphora::server::detail {

// An empty body: one of this thread's spares (its capacity kept) when it has one.
std::vector<std::uint8_t> spare_reply_body() noexcept;
// Keeps `body`'s storage among this thread's spares (up to 64 KiB each, 4 MiB in all); `body` is
// left empty either way.
void keep_reply_body(std::vector<std::uint8_t>& body) noexcept;

}  // namespace amphora::server::detail
