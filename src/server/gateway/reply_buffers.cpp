#include "reply_buffers.hpp"

#include "spare_pool.hpp"

namespace amphora::server::detail {
namespace {

struct body_traits {
  static std::size_t bytes(const std::vector<std::uint8_t>& b) noexcept { return b.capacity(); }
  static void empty(std::vector<std::uint8_t>& b) noexcept { b.clear(); }
};
using spare_bodies = spare_pool<std::vector<std::uint8_t>, body_traits, 64 * 1024, 4 * 1024 * 1024>;

}  // namespace

std::vector<std::uint8_t> spare_reply_body() noexcept { return spare_bodies::take(); }

void keep_reply_body(std::vector<std::uint8_t>& body) noexcept {
  spare_bodies::give_back(body);
  std::vector<std::uint8_t>().swap(body);  // what was not kept goes back to the heap now
}

}  // namespace amphora::server::detail
