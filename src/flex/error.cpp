#include "amphora/flex/error.hpp"

#include <string>

namespace amphora::flex {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "amphora.flex"; }
  std::string message(int e) const override {
    switch (static_cast<errc>(e)) {
      case errc::ok:
        return "ok";
      case errc::not_a_message:
        return "not a Flex message";
      case errc::unknown_class:
        return "not a Flex message class";
      case errc::invalid_field:
        return "invalid message field";
      case errc::out_of_memory:
        return "out of memory";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& flex_category() noexcept {
  static const category c;
  return c;
}

}  // namespace amphora::flex
