// The admin destination (docs/security.md, "Reload"): `AmphoraAdmin.reload()` reloads what the
// application reloads on SIGHUP (`amphora serve`: the access policy and the user file) and answers
// a one-line report. Only a caller whose roles the access policy grants privilege "reload" on
// resource "amphora.admin" may call it (as every call, it also needs "call" on
// "AmphoraAdmin.reload"); anyone else gets Client.Authentication (anonymous) or
// Client.Authorization, and without an access policy nobody may. Runs on the blocking runner.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "amphora/security/policy_store.hpp"
#include "amphora/server/service.hpp"

namespace amphora::server {

struct admin_options {
  std::shared_ptr<security::policy_store> access;  // null: the operation is refused to everyone
  std::string anonymous_role = "anonymous";
  // Does the reload: returns the report, or throws service_error with what failed.
  std::function<std::string()> reload;
};

inline constexpr std::string_view admin_resource = "amphora.admin";
inline constexpr std::string_view reload_privilege = "reload";

void add_admin_service(service_registry& registry, admin_options options, std::string name = "AmphoraAdmin");

}  // namespace amphora::server
