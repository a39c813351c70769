#include "access.hpp"

#include <memory>
#include <string>

#include "amphora/security/authorize.hpp"

namespace amphora::server::detail {

std::optional<fault> access_fault(const security::policy_store* access, std::string_view anonymous_role,
                                  const security::principal* user, std::string_view resource,
                                  std::string_view privilege) {
  if (access == nullptr) return std::nullopt;
  const std::shared_ptr<const security::policy> policy = access->current();
  switch (security::authorize(*policy, user, anonymous_role, resource, privilege)) {
    case security::decision::allowed:
      return std::nullopt;
    case security::decision::login_required:
      return fault{"Client.Authentication", "Login required before authorization can proceed.", {}};
    case security::decision::denied:
      break;
  }
  return fault{"Client.Authorization", "Access denied. User not authorized.", {}};
}

std::optional<fault> access_fault(const gateway_options& options, const security::principal* user,
                                  std::string_view resource, std::string_view privilege) {
  return access_fault(options.access.get(), options.anonymous_role, user, resource, privilege);
}

std::optional<fault> messaging_access_fault(const security::policy_store* access,
                                            std::string_view anonymous_role, const security::principal* user,
                                            std::string_view destination,
                                            std::span<const std::string_view> subtopics,
                                            std::string_view privilege) {
  if (access == nullptr) return std::nullopt;
  if (subtopics.empty()) return access_fault(access, anonymous_role, user, destination, privilege);
  for (std::string_view subtopic : subtopics) {
    std::string resource;
    resource.reserve(destination.size() + 1 + subtopic.size());
    resource.append(destination).append(".").append(subtopic);
    if (auto f = access_fault(access, anonymous_role, user, resource, privilege)) return f;
  }
  return std::nullopt;
}

std::optional<fault> call_access_fault(const gateway_options& options, const call_context& ctx) {
  if (!options.access) return std::nullopt;
  std::string resource;
  resource.reserve(ctx.destination.size() + 1 + ctx.operation.size());
  resource.append(ctx.destination).append(".").append(ctx.operation);
  return access_fault(options, ctx.user, resource, security::privilege_call);
}

}  // namespace amphora::server::detail
