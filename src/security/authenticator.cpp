#include "amphora/security/authenticator.hpp"

namespace amphora::security {
namespace {

class function_authenticator final : public authenticator {
 public:
  explicit function_authenticator(check_function f) : check_(std::move(f)) {}
  std::optional<principal> check(std::string_view user, std::string_view password) const override {
    return check_ ? check_(user, password) : std::nullopt;
  }

 private:
  check_function check_;
};

}  // namespace

std::shared_ptr<const authenticator> make_authenticator(check_function check) {
  return std::make_shared<const function_authenticator>(std::move(check));
}

}  // namespace amphora::security
