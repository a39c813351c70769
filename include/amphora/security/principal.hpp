// Who is calling: the authenticated user's name and roles. Authentication fills it in (the
// session binds one to a client after LOGIN); the gateway reads it from call_context::user and
// checks each call against the access policy (security/policy.hpp). No principal = anonymous.
#pragma once

#include <string>
#include <vector>

namespace amphora::security {

struct principal {
  std::string name;                // the user name as the user store knows it
  std::vector<std::string> roles;  // role names as in the access policy's <roleSet>
};

}  // namespace amphora::security
