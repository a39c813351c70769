// The broker alone (no I/O, one thread): a fan-out of `messages` publishes to 10,000 FlexClients,
// each with one consumer on the destination and a listener (as a push channel registers), then
// one drain per client with take_into, as the push channels' wakes do. Per iteration: `messages`
// publish() calls and 10,000 take_into() calls; items = deliveries, so the time per item is the
// broker's CPU per delivery (publish loop, queueing, wakes, drain). docs/performance.md records a
// run ("Broker queues").
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/value.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/messaging/broker.hpp"

namespace bench_broker {

namespace messaging = amphora::messaging;
namespace flex = amphora::flex;
namespace amf = amphora::amf;

constexpr std::size_t subscribers = 10000;

struct fixture {
  messaging::broker broker;
  std::vector<std::string> ds_ids;
  std::vector<std::uint64_t> tokens;  // each client's listen token
  std::vector<messaging::delivery> taken;
  std::size_t wakes = 0;
  amf::arena memory{4096};
  flex::async_message message;

  fixture() : broker(config()) {
    ds_ids.reserve(subscribers);
    for (std::size_t i = 0; i < subscribers; ++i) {
      // DSIds and consumer ids as long as the server's (UUIDs: 36 characters).
      ds_ids.push_back("DS-" + std::to_string(1000000000 + i) + "-0000-0000-0000-000000");
      messaging::subscribe_request r;
      r.ds_id = ds_ids.back();
      r.destination = "chat";
      (void)broker.subscribe(r);
      tokens.push_back(broker.listen(ds_ids.back(), [this] { ++wakes; }).value_or(0));
    }
    message.destination = "chat";
    message.message_id = "MSG-0000-0000-0000-0000";
    message.body = amf::make_string(memory, std::string(200, 'x'));
  }

  static messaging::broker_config config() {
    messaging::broker_config c;
    c.destinations.emplace_back().name = "chat";
    c.max_clients = subscribers * 2;
    return c;
  }
};

// Arg: messages published before the clients drain (1: one delivery per drain; 20: a backlog
// of 20 per client, as when 16 publishers run ahead of the pushes; 100: the deep backlog of a
// 100-message fan-out). `drain(f, i)` drains client i.
template <class Drain>
void fanout(benchmark::State& state, Drain drain) {
  fixture f;
  const auto messages = static_cast<std::size_t>(state.range(0));
  std::size_t delivered = 0;
  for (auto _ : state) {
    for (std::size_t m = 0; m < messages; ++m) (void)f.broker.publish(f.message);
    for (std::size_t i = 0; i < subscribers; ++i) {
      f.taken.clear();
      drain(f, i);
      delivered += f.taken.size();
    }
  }
  f.taken.clear();
  state.SetItemsProcessed(static_cast<std::int64_t>(delivered));
  if (delivered != static_cast<std::size_t>(state.iterations()) * messages * subscribers) {
    state.SkipWithError("lost or extra deliveries");
  }
}

// The drain by DSId (long polls, and the push channels before they hold a listen token).
void BM_fanout_take_into(benchmark::State& state) {
  fanout(state, [](fixture& f, std::size_t i) { (void)f.broker.take_into(f.ds_ids[i], f.taken); });
}
BENCHMARK(BM_fanout_take_into)->Arg(1)->Arg(20)->Arg(100)->Unit(benchmark::kMillisecond);

// The drain by listen token (the push channels' wakes).
void BM_fanout_take_into_token(benchmark::State& state) {
  fanout(state, [](fixture& f, std::size_t i) { (void)f.broker.take_into(f.tokens[i], f.taken); });
}
BENCHMARK(BM_fanout_take_into_token)->Arg(1)->Arg(20)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace bench_broker

BENCHMARK_MAIN();
