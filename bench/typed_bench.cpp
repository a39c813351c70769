// Typed mapping vs the value model on `small` (../shared/payloads/small.json, one Flex
// RemotingMessage): decode of its AMF3 bytes into a declared C++ struct (headers: a flat vector of
// pairs; body: amf::value items in an arena reset per message) vs into the value model (reusable
// decoder, arena reset per message), and encode of the struct vs of the value (reusable encoder).
// The typed decode runs twice: into one struct reused for every message (the value model's
// conditions: its decoder and arena are reused too) and into a fresh struct per message. Prints
// the ratios (value-model CPU time / typed CPU time) after the table. docs/typed-mapping.md records
// a run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amphora/amf.hpp"
#include "amphora/amf/typed.hpp"

namespace bench_typed {

namespace amf = amphora::amf;

// Str: std::string (the message owns its text) or std::string_view (views of the decoded bytes,
// valid while the arena and the input are).
template <class Str>
struct basic_remoting_message {
  Str destination;
  Str operation;
  std::optional<Str> source;
  Str message_id;
  std::optional<Str> client_id;
  std::int64_t timestamp = 0;
  std::int64_t time_to_live = 0;
  std::vector<std::pair<std::string, Str>> headers;  // flat: no node per header
  std::vector<amf::value> body;                      // mixed values: they live in the decode's arena
};
using remoting_message = basic_remoting_message<std::string>;
using remoting_message_view = basic_remoting_message<std::string_view>;

template <class Str>
constexpr auto amf_class(amf::type_tag<basic_remoting_message<Str>>) {
  using m = basic_remoting_message<Str>;
  return amf::define_class<m>(
      "flex.messaging.messages.RemotingMessage", amf::field<"destination">(&m::destination),
      amf::field<"operation">(&m::operation), amf::field<"source">(&m::source),
      amf::field<"messageId">(&m::message_id), amf::field<"clientId">(&m::client_id),
      amf::field<"timestamp">(&m::timestamp), amf::field<"timeToLive">(&m::time_to_live),
      amf::field<"headers">(&m::headers), amf::field<"body">(&m::body));
}

}  // namespace bench_typed

namespace {

using namespace amphora;
using bench_typed::remoting_message;
using bench_typed::remoting_message_view;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "typed_bench: %s\n", what.c_str());
  std::exit(1);
}

struct small_payload {
  amf::arena memory;
  amf::value val;
  std::vector<std::uint8_t> amf3;
  remoting_message msg;
};

small_payload& payload() {
  static small_payload p = [] {
    small_payload s;
    std::ifstream f(std::string(AMPHORA_PAYLOAD_DIR) + "/small.json", std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    amf::result<amf::value> v = amf::value_from_json(text.str(), s.memory);
    if (!v) die("small.json: " + v.error().message());
    s.val = *v;
    if (!amf::encode_amf3(s.val, s.amf3)) die("small: AMF3 encoding failed");
    if (const amf::status st = amf::decode_typed_amf3(s.amf3, s.msg, s.memory); !st)
      die("typed: " + st.error().message());
    // A benchmark of wrong work is void: the struct must hold the message, and its bytes must be
    // the value model's for the same struct, and the payload's (the headers keep their order).
    if (s.msg.destination != "EchoService" || s.msg.headers.size() != 2 || s.msg.body.size() != 5 ||
        s.msg.client_id) {
      die("typed: the struct does not hold the message");
    }
    remoting_message_view view;
    if (!amf::decode_typed_amf3(s.amf3, view, s.memory) || view.destination != "EchoService" ||
        view.headers.size() != 2 || view.headers[0].second != s.msg.headers[0].second) {
      die("typed: the view struct does not hold the message");
    }
    std::vector<std::uint8_t> typed, modelled;
    amf::arena scratch;
    amf::result<amf::value> v2 = amf::to_value(s.msg, scratch);
    if (!amf::encode_typed_amf3(s.msg, typed) || !v2 || !amf::encode_amf3(*v2, modelled) ||
        typed != modelled || typed != s.amf3) {
      die("typed bytes differ from the value model's");
    }
    return s;
  }();
  return p;
}

void value_decode(benchmark::State& state) {
  const small_payload& p = payload();
  amf::amf3_decoder decoder;
  amf::arena memory;
  for (auto _ : state) {
    memory.reset();
    amf::result<amf::value> r = decoder.decode(p.amf3, memory);
    if (!r) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void typed_decode(benchmark::State& state) {
  const small_payload& p = payload();
  amf::arena memory;
  for (auto _ : state) {
    memory.reset();
    remoting_message m;  // a fresh struct per message, as a server would decode one
    if (!amf::decode_typed_amf3(p.amf3, m, memory)) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}

template <class Message>
void typed_decode_reuse(benchmark::State& state) {
  const small_payload& p = payload();
  amf::arena memory;
  Message m;  // one struct for every message: its strings and vectors keep their storage
  for (auto _ : state) {
    memory.reset();
    if (!amf::decode_typed_amf3(p.amf3, m, memory)) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}

void value_encode(benchmark::State& state) {
  const small_payload& p = payload();
  amf::amf3_encoder encoder;
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    out.clear();
    if (!encoder.encode(p.val, out)) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

void typed_encode(benchmark::State& state) {
  const small_payload& p = payload();
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    out.clear();
    if (!amf::encode_typed_amf3(p.msg, out)) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

// The console table, then "ratio" lines from the same runs (for repetitions: the medians).
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      times_[r.run_name.function_name] = r.GetAdjustedCPUTime();  // CPU: the machine is shared
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (auto [typed, value] :
         {std::pair{"typed_decode_reuse", "value_decode"}, std::pair{"typed_decode_view", "value_decode"},
          std::pair{"typed_decode", "value_decode"}, std::pair{"typed_encode", "value_encode"}}) {
      const std::string v = std::string(value) + "/small";
      const std::string t = std::string(typed) + "/small";
      if (times_.count(v) != 0 && times_.count(t) != 0 && times_[t] > 0) {
        std::printf("ratio %s / %s small: %.2fx\n", typed, value, times_[v] / times_[t]);
      }
    }
  }

 private:
  std::map<std::string, double> times_;
};

// --iterations=N: each benchmark runs exactly N iterations (for instruction counts under
// valgrind --tool=callgrind, where timing-driven iteration counts vary).
benchmark::IterationCount fixed_iterations(int& argc, char** argv) {
  benchmark::IterationCount n = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--iterations=", 0) == 0) {
      n = std::strtoll(arg.c_str() + 13, nullptr, 10);
      if (n <= 0) die("--iterations needs a positive count");
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const benchmark::IterationCount iterations = fixed_iterations(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  payload();
  for (auto [name, fn] : {std::pair{"value_decode/small", &value_decode},
                          {"typed_decode_reuse/small", &typed_decode_reuse<remoting_message>},
                          {"typed_decode_view/small", &typed_decode_reuse<remoting_message_view>},
                          {"typed_decode/small", &typed_decode},
                          {"value_encode/small", &value_encode},
                          {"typed_encode/small", &typed_encode}}) {
    benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(name, fn);
    if (iterations > 0) b->Iterations(iterations);
  }
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
