// Access control in the gateway: the fault for a request the policy denies (gateway_options::access).
// Remoting calls are checked in exchange::call, for both client styles; messaging (subscribe,
// publish) calls access_fault with its own resource and privilege.
#pragma once

#include <optional>
#include <string_view>

#include "amphora/server/gateway.hpp"
#include "outcome.hpp"

namespace amphora::server::detail {

// nullopt when allowed (or when no policy is configured); else Client.Authentication for an
// anonymous caller ("Login required before authorization can proceed.") or Client.Authorization
// for a logged-in one ("Access denied. User not authorized."), as BlazeDS answers.
std::optional<fault> access_fault(const gateway_options& options, const security::principal* user,
                                  std::string_view resource, std::string_view privilege);

// Privilege "call" on "Destination.operation" of the context.
std::optional<fault> call_access_fault(const gateway_options& options, const call_context& ctx);

}  // namespace amphora::server::detail
