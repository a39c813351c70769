#include "invoke.hpp"

#include <atomic>
#include <memory>
#include <utility>

namespace amphora::server {
namespace detail {

// Shared by every copy of one call's completion; the first answer wins.
struct completion_state {
  explicit completion_state(std::function<void(outcome)> f) : finish(std::move(f)) {}
  completion_state(const completion_state&) = delete;
  completion_state& operator=(const completion_state&) = delete;
  ~completion_state() {
    if (done.load(std::memory_order_acquire)) return;
    try {
      complete(outcome::failure(fault_processing, "The operation ended without a result"));
    } catch (...) {  // never let a destructor throw; the reply is then lost, not the process
    }
  }

  void complete(outcome o) {
    if (!done.exchange(true, std::memory_order_acq_rel)) finish(std::move(o));
  }

  std::function<void(outcome)> finish;
  std::atomic<bool> done{false};
};

namespace {

outcome generic_failure() { return outcome::failure(fault_processing, "The operation failed"); }

}  // namespace

void invoke(const destination::entry& op, call_context& ctx, std::span<const amf::value> args,
            amf::arena& memory, const blocking_runner& runner, std::function<void(outcome)> finish) {
  auto state = std::make_shared<completion_state>(std::move(finish));
  auto run = [&op, &ctx, args, &memory, state] {
    try {
      op.call(ctx, args, memory, completion(state));
    } catch (const service_error& e) {
      state->complete(outcome::failure(fault{e.code(), e.what(), e.detail()}));
    } catch (...) {  // what() of arbitrary exceptions may hold internals: never sent
      state->complete(generic_failure());
    }
  };
  if (!op.options.blocking || !runner) {
    run();
    return;
  }
  bool accepted = false;
  try {
    accepted = runner(std::move(run));
  } catch (...) {  // a runner that throws refuses too
  }
  if (!accepted) {  // the pool is full or stopping: the task will never run
    state->complete(outcome::failure(fault_processing, "The server is too busy to run the operation"));
  }
}

}  // namespace detail

void completion::succeed(amf::value result) const { state_->complete(detail::outcome::success(result)); }

void completion::fail(const service_error& error) const {
  state_->complete(detail::outcome::failure(detail::fault{error.code(), error.what(), error.detail()}));
}

}  // namespace amphora::server
