#include "amphora/amf/utf8.hpp"

#include <cstdint>

#include "input.hpp"

namespace amphora::amf {

bool is_valid_utf8(std::string_view text) noexcept {
  return detail::is_valid_utf8(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace amphora::amf
