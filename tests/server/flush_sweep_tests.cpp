// The push connections' flush sweep (src/server/flush_sweep.hpp) on an io_context run by the
// test's thread: flushes in the order the connections became due, a connection made due again
// behind those due before it, turns that let other work run between them, gone targets skipped.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "flush_sweep.hpp"

namespace amphora::server::detail {
namespace {

// Records its flush in `log` (posted to the io_context, as a session's strand would run it),
// and calls `then` once if set.
class recording_target final : public flush_target {
 public:
  recording_target(net::io_context& ioc, std::vector<std::string>& log, std::string name)
      : ioc_(ioc), log_(log), name_(std::move(name)) {}
  void post_flush() override {
    net::post(ioc_, [this] {
      log_.push_back(name_);
      if (then) std::exchange(then, nullptr)();
    });
  }
  std::function<void()> then;

 private:
  net::io_context& ioc_;
  std::vector<std::string>& log_;
  std::string name_;
};

struct sweep_fixture : ::testing::Test {
  std::shared_ptr<recording_target> target(std::string name) {
    return std::make_shared<recording_target>(ioc, log, std::move(name));
  }
  net::io_context ioc;
  std::vector<std::string> log;
};

using flush_sweep_test = sweep_fixture;

TEST_F(flush_sweep_test, connections_are_flushed_in_the_order_they_became_due) {
  flush_sweep sweep;
  auto a = target("a"), b = target("b"), c = target("c");
  sweep.due(a, ioc.get_executor());
  sweep.due(b, ioc.get_executor());
  sweep.due(c, ioc.get_executor());
  ioc.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
}

// The fan-out case: a connection written and made due again (the next message of a burst) waits
// behind every connection that was due before it, so that it is written once per pass with what
// piled up meanwhile, not once per message while the others wait.
TEST_F(flush_sweep_test, a_connection_due_again_goes_behind_those_due_before_it) {
  flush_sweep sweep(2);
  auto a = target("a"), b = target("b"), c = target("c"), d = target("d");
  a->then = [&] { sweep.due(a, ioc.get_executor()); };
  for (const auto& t : {a, b, c, d}) sweep.due(t, ioc.get_executor());
  ioc.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c", "d", "a"}));
}

// A turn takes at most `turn` connections; work posted meanwhile (a publish, a request) runs
// before the next turn, not behind the whole queue.
TEST_F(flush_sweep_test, other_work_runs_between_turns) {
  flush_sweep sweep(2);
  std::vector<std::shared_ptr<recording_target>> targets;
  for (const char* name : {"1", "2", "3", "4", "5"}) targets.push_back(target(name));
  // Posted by the first flush, as a request read meanwhile would be: behind the first turn only.
  targets[0]->then = [&] { net::post(ioc, [&] { log.push_back("other"); }); };
  for (const auto& t : targets) sweep.due(t, ioc.get_executor());
  ioc.run();
  EXPECT_EQ(log, (std::vector<std::string>{"1", "2", "other", "3", "4", "5"}));
}

TEST_F(flush_sweep_test, a_target_gone_before_its_turn_is_skipped_and_the_sweep_goes_on) {
  flush_sweep sweep;
  auto a = target("a"), c = target("c");
  sweep.due(a, ioc.get_executor());
  sweep.due(target("b"), ioc.get_executor());  // gone at once: only the sweep held it, weakly
  sweep.due(c, ioc.get_executor());
  ioc.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "c"}));
  // Empty again, the next due starts a new turn.
  sweep.due(a, ioc.get_executor());
  ioc.restart();
  ioc.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "c", "a"}));
}

}  // namespace
}  // namespace amphora::server::detail
