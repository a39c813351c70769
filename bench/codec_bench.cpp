// Codec throughput on the shared payloads (../shared/payloads: complex, strings, numbers, small).
// Each payload's JSON is read into the value model and encoded to AMF0 and AMF3 once; then, per
// payload: decode AMF3 and AMF0 (reusable decoder, arena reset per message), encode AMF3 and AMF0
// (reusable encoder, output cleared but its capacity kept), memcpy of the AMF3 bytes as the
// ceiling, and JSON text -> value for context. Bytes/s count AMF bytes (JSON bytes for json_to_value);
// items/s count messages. docs/performance.md records a run; bench/perf_table.py makes its table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "amphora/amf.hpp"

namespace {

using namespace amphora;

struct payload {
  std::string name;
  std::string json;
  amf::arena memory;  // holds `val`
  amf::value val;
  std::vector<std::uint8_t> amf0;
  std::vector<std::uint8_t> amf3;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "codec_bench: %s\n", what.c_str());
  std::exit(1);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot open " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Loads and encodes a payload once, and checks that the AMF3 bytes decode back to the same graph
// (AMF0 has no integers, so its check is that it decodes at all): a benchmark of wrong work is void.
std::unique_ptr<payload> load(const std::string& name) {
  auto p = std::make_unique<payload>();
  p->name = name;
  p->json = read_text(std::string(AMPHORA_PAYLOAD_DIR) + "/" + name + ".json");
  amf::result<amf::value> v = amf::value_from_json(p->json, p->memory);
  if (!v) die(name + ".json: " + v.error().message());
  p->val = *v;
  if (const amf::status st = amf::encode_amf0(p->val, p->amf0); !st)
    die(name + " AMF0: " + st.error().message());
  if (const amf::status st = amf::encode_amf3(p->val, p->amf3); !st)
    die(name + " AMF3: " + st.error().message());

  amf::arena check;
  const amf::result<amf::value> back3 = amf::decode_amf3(p->amf3, check);
  if (!back3 || !amf::deep_equal(*back3, p->val)) die(name + ": AMF3 does not decode to the payload");
  if (const amf::result<amf::value> back0 = amf::decode_amf0(p->amf0, check); !back0) {
    die(name + ": AMF0 does not decode: " + back0.error().message());
  }
  return p;
}

void count(benchmark::State& state, std::size_t bytes_per_message) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes_per_message));
  state.SetItemsProcessed(state.iterations());
}

template <class Decoder>
void decode(benchmark::State& state, const std::vector<std::uint8_t>& bytes) {
  Decoder decoder;
  amf::arena memory;
  for (auto _ : state) {
    memory.reset();
    amf::result<amf::value> r = decoder.decode(bytes, memory);
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(r.value());
  }
  count(state, bytes.size());
}

template <class Encoder>
void encode(benchmark::State& state, const amf::value& v) {
  Encoder encoder;
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    out.clear();
    if (const amf::status st = encoder.encode(v, out); !st) {
      state.SkipWithError(st.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  count(state, out.size());
}

void copy(benchmark::State& state, const std::vector<std::uint8_t>& bytes) {
  std::vector<std::uint8_t> out(bytes.size());
  for (auto _ : state) {
    std::memcpy(out.data(), bytes.data(), bytes.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  count(state, bytes.size());
}

void json_to_value(benchmark::State& state, const std::string& json) {
  amf::arena memory;
  for (auto _ : state) {
    memory.reset();
    amf::result<amf::value> r = amf::value_from_json(json, memory);
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(r.value());
  }
  count(state, json.size());
}

void register_benchmarks(const payload& p) {
  const std::string& n = p.name;
  benchmark::RegisterBenchmark(("decode_amf3/" + n).c_str(), decode<amf::amf3_decoder>, std::cref(p.amf3));
  benchmark::RegisterBenchmark(("decode_amf0/" + n).c_str(), decode<amf::amf0_decoder>, std::cref(p.amf0));
  benchmark::RegisterBenchmark(("encode_amf3/" + n).c_str(), encode<amf::amf3_encoder>, std::cref(p.val));
  benchmark::RegisterBenchmark(("encode_amf0/" + n).c_str(), encode<amf::amf0_encoder>, std::cref(p.val));
  benchmark::RegisterBenchmark(("memcpy_amf3/" + n).c_str(), copy, std::cref(p.amf3));
  benchmark::RegisterBenchmark(("json_to_value/" + n).c_str(), json_to_value, std::cref(p.json));
  benchmark::AddCustomContext("payload " + n, "JSON " + std::to_string(p.json.size()) + " B, AMF0 " +
                                                  std::to_string(p.amf0.size()) + " B, AMF3 " +
                                                  std::to_string(p.amf3.size()) + " B");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::vector<std::unique_ptr<payload>> payloads;
  for (const char* name : {"complex", "strings", "numbers", "small"}) {
    payloads.push_back(load(name));
    register_benchmarks(*payloads.back());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
