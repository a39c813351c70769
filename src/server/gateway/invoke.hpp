// Running one operation: inline or on the blocking runner, synchronous or async, with every
// exception turned into a clean fault.
#pragma once

#include <functional>
#include <span>

#include "amphora/server/handler.hpp"
#include "amphora/server/service.hpp"
#include "outcome.hpp"

namespace amphora::server::detail {

// Calls `finish` exactly once, possibly later and on another thread. `op`, `ctx`, `args` and
// `memory` must stay valid until then.
void invoke(const destination::entry& op, call_context& ctx, std::span<const amf::value> args,
            amf::arena& memory, const blocking_runner& runner, std::function<void(outcome)> finish);

}  // namespace amphora::server::detail
