#include "amphora/security/authorize.hpp"

namespace amphora::security {

decision authorize(const policy& p, const principal* user, std::string_view anonymous_role,
                   std::string_view resource, std::string_view privilege) noexcept {
  if (user == nullptr)
    return p.check(anonymous_role, resource, privilege) ? decision::allowed : decision::login_required;
  return p.check(user->roles, resource, privilege) ? decision::allowed : decision::denied;
}

}  // namespace amphora::security
