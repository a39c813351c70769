// The one access decision the server makes for a call, a subscribe or a publish: the caller's
// roles (or the anonymous role when no one is logged in) against the policy.
#pragma once

#include <string_view>

#include "amphora/security/policy.hpp"
#include "amphora/security/principal.hpp"

namespace amphora::security {

enum class decision {
  allowed,
  login_required,  // denied to an anonymous caller: logging in may help (Client.Authentication)
  denied,          // denied to a logged-in user (Client.Authorization)
};

// `user` nullptr: anonymous, checked as the one role `anonymous_role`.
decision authorize(const policy& p, const principal* user, std::string_view anonymous_role,
                   std::string_view resource, std::string_view privilege) noexcept;

}  // namespace amphora::security
