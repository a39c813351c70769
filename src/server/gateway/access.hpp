// Access control in the gateway: the fault for a request the policy denies (gateway_options::access).
// Remoting calls are checked in exchange::call, for both client styles; messaging (subscribe,
// publish) calls access_fault with its own resource and privilege.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "amphora/server/gateway.hpp"
#include "outcome.hpp"

namespace amphora::server::detail {

// nullopt when allowed (or when no policy is configured: `access` null); else Client.Authentication
// for an anonymous caller ("Login required before authorization can proceed.") or
// Client.Authorization for a logged-in one ("Access denied. User not authorized."), as BlazeDS
// answers.
std::optional<fault> access_fault(const security::policy_store* access, std::string_view anonymous_role,
                                  const security::principal* user, std::string_view resource,
                                  std::string_view privilege);
// The same with the gateway's policy and anonymous role.
std::optional<fault> access_fault(const gateway_options& options, const security::principal* user,
                                  std::string_view resource, std::string_view privilege);

// Messaging (docs/security.md, "Access control"): `privilege` on "destination.subtopic" for each
// of `subtopics`, or on "destination" when there are none; the first denial is the fault.
std::optional<fault> messaging_access_fault(const security::policy_store* access,
                                            std::string_view anonymous_role, const security::principal* user,
                                            std::string_view destination,
                                            std::span<const std::string_view> subtopics,
                                            std::string_view privilege);

// A subscription's one subtopic as a list for messaging_access_fault ("" names none).
inline std::span<const std::string_view> subtopic_list(const std::string_view& subtopic) noexcept {
  return subtopic.empty() ? std::span<const std::string_view>{}
                          : std::span<const std::string_view>(&subtopic, 1);
}

// Privilege "call" on "Destination.operation" of the context.
std::optional<fault> call_access_fault(const gateway_options& options, const call_context& ctx);

}  // namespace amphora::server::detail
