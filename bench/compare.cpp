// The comparative benchmark (issue #3), C++ side: per shared payload (complex, strings, numbers,
// small), our AMF3/AMF0 decode and encode beside simdjson's DOM parse of the payload's JSON,
// librtmp's AMF0 decode and memcpy of the same bytes (the ceiling). bench/compare runs it together
// with the npm peers (bench/peers/npm_peers.js) and prints the table (bench/compare_table.py).
//
//   compare [--payloads DIR] [--runs N] [--sample-ms MS] [--clock cpu|wall] [--write-bytes DIR]
//
// Each case is calibrated once so that one sample lasts about --sample-ms, then the cases are
// measured in --runs rounds, every case once per round (interleaved: a burst of load on this
// shared machine hits all cases alike, not one). Prints one tab-separated line per case:
//   payload impl format direction bytes runs median min q1 q3 max note   (ops/s; bytes per op)
// --clock cpu (default) times this thread's CPU time, wall a steady clock. --write-bytes writes
// the AMF0/AMF3 bytes of each payload there (<name>.amf0, <name>.amf3) for the npm peers, and exits.
// Nothing here asserts timing: it measures. Every case is checked once before it is timed (decoders
// must consume all bytes; our AMF3 must decode back to the payload), so no case times wrong work.
#include <librtmp/amf.h>
#include <librtmp/log.h>
#include <simdjson.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "amphora/amf.hpp"

namespace {

using namespace amphora;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "compare: %s\n", what.c_str());
  std::exit(1);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot open " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) die("cannot write " + path);
}

struct payload {
  std::string name;
  std::string json;
  amf::arena memory;  // holds `val`
  amf::value val;
  std::vector<std::uint8_t> amf0;
  std::vector<std::uint8_t> amf3;
};

std::unique_ptr<payload> load(const std::string& dir, const std::string& name) {
  auto p = std::make_unique<payload>();
  p->name = name;
  p->json = read_file(dir + "/" + name + ".json");
  amf::result<amf::value> v = amf::value_from_json(p->json, p->memory);
  if (!v) die(name + ".json: " + v.error().message());
  p->val = *v;
  if (amf::status st = amf::encode_amf0(p->val, p->amf0); !st) die(name + " AMF0: " + st.error().message());
  if (amf::status st = amf::encode_amf3(p->val, p->amf3); !st) die(name + " AMF3: " + st.error().message());
  amf::arena check;
  amf::result<amf::value> back = amf::decode_amf3(p->amf3, check);
  if (!back || !amf::deep_equal(*back, p->val)) die(name + ": AMF3 does not decode back to the payload");
  return p;
}

// ---- timing ----

bool use_cpu_clock = true;

double now_seconds() {
  if (use_cpu_clock) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One measured case. `op` does one whole operation and returns false if it failed.
struct bench_case {
  std::string payload, impl, format, direction;
  std::size_t bytes = 0;  // per operation
  std::function<bool()> op;
  std::string note;  // set: not measured, this says why
  std::size_t iterations = 1;
  std::vector<double> samples;  // ops/s
};

double time_iterations(bench_case& c, std::size_t n) {
  const double start = now_seconds();
  for (std::size_t i = 0; i < n; ++i) {
    if (!c.op()) die(c.impl + " " + c.format + " " + c.direction + " " + c.payload + " failed");
  }
  return now_seconds() - start;
}

void calibrate(bench_case& c, double sample_seconds) {
  time_iterations(c, 1);  // warm up (tables, buffers, caches)
  std::size_t n = 1;
  for (;;) {
    const double t = time_iterations(c, n);
    if (t >= sample_seconds / 4 || n >= (std::size_t{1} << 30)) {
      const double per_op = std::max(t / static_cast<double>(n), 1e-9);
      c.iterations = std::max<std::size_t>(1, static_cast<std::size_t>(sample_seconds / per_op));
      return;
    }
    n *= 4;
  }
}

double quantile(std::vector<double> v, double q) {  // linear interpolation between order statistics
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

void print(const bench_case& c) {
  std::printf("%s\t%s\t%s\t%s\t%zu\t", c.payload.c_str(), c.impl.c_str(), c.format.c_str(),
              c.direction.c_str(), c.bytes);
  if (c.samples.empty()) {
    std::printf("0\t\t\t\t\t\t%s\n", c.note.c_str());
  } else {
    std::printf("%zu\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%s\n", c.samples.size(), quantile(c.samples, 0.5),
                quantile(c.samples, 0), quantile(c.samples, 0.25), quantile(c.samples, 0.75),
                quantile(c.samples, 1), c.note.c_str());
  }
}

// ---- the cases ----

// State that must outlive the cases' closures (decoders, arenas, output buffers, parsers).
struct workspace {
  std::vector<std::unique_ptr<amf::arena>> arenas;
  std::vector<std::unique_ptr<std::vector<std::uint8_t>>> buffers;
  std::vector<std::unique_ptr<amf::amf3_decoder>> amf3_decoders;
  std::vector<std::unique_ptr<amf::amf0_decoder>> amf0_decoders;
  std::vector<std::unique_ptr<amf::amf3_encoder>> amf3_encoders;
  std::vector<std::unique_ptr<amf::amf0_encoder>> amf0_encoders;
  std::vector<std::unique_ptr<simdjson::padded_string>> json_texts;
  simdjson::dom::parser json_parser;

  template <class T>
  T& keep(std::vector<std::unique_ptr<T>>& list) {
    list.push_back(std::make_unique<T>());
    return *list.back();
  }
};

volatile std::uintptr_t sink;  // results the compiler must assume are used

template <class Decoder>
std::function<bool()> our_decode(workspace& w, std::vector<std::unique_ptr<Decoder>>& decoders,
                                 const std::vector<std::uint8_t>& bytes) {
  Decoder& decoder = w.keep(decoders);
  amf::arena& memory = w.keep(w.arenas);
  return [&decoder, &memory, &bytes] {
    memory.reset();
    amf::result<amf::value> r = decoder.decode(bytes, memory);
    if (!r) return false;
    sink = reinterpret_cast<std::uintptr_t>(r->node());
    return true;
  };
}

template <class Encoder>
std::function<bool()> our_encode(workspace& w, std::vector<std::unique_ptr<Encoder>>& encoders,
                                 const amf::value& v) {
  Encoder& encoder = w.keep(encoders);
  std::vector<std::uint8_t>& out = w.keep(w.buffers);
  return [&encoder, &out, &v] {
    out.clear();
    if (!encoder.encode(v, out)) return false;
    sink = out.size();
    return true;
  };
}

std::function<bool()> copy_bytes(workspace& w, std::span<const std::uint8_t> bytes) {
  std::vector<std::uint8_t>& out = w.keep(w.buffers);
  out.resize(bytes.size());
  return [&out, bytes] {
    std::memcpy(out.data(), bytes.data(), bytes.size());
    sink = out[bytes.size() / 2];
    return true;
  };
}

std::function<bool()> simdjson_parse(workspace& w, const std::string& json) {
  w.json_texts.push_back(std::make_unique<simdjson::padded_string>(json));
  const simdjson::padded_string& text = *w.json_texts.back();
  simdjson::dom::parser& parser = w.json_parser;  // one parser, as an application would keep
  return [&parser, &text] {
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc) != simdjson::SUCCESS) return false;
    sink = static_cast<std::uintptr_t>(doc.type());
    return true;
  };
}

// librtmp decodes one AMF0 value into an AMFObjectProperty (strings point into the input) and frees
// its property arrays in AMFProp_Reset: both are part of the operation, as our arena reset is.
bool rtmp_decode(const std::vector<std::uint8_t>& bytes) {
  AMFObjectProperty prop;
  std::memset(&prop, 0, sizeof prop);
  const int used =
      AMFProp_Decode(&prop, reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()), 0);
  sink = static_cast<std::uintptr_t>(prop.p_type);
  AMFProp_Reset(&prop);
  return used == static_cast<int>(bytes.size());
}

void add_cases(workspace& w, const payload& p, std::vector<bench_case>& cases) {
  auto add = [&](std::string impl, std::string format, std::string direction, std::size_t bytes,
                 std::function<bool()> op) {
    cases.push_back(bench_case{
        p.name, std::move(impl), std::move(format), std::move(direction), bytes, std::move(op), {}, 1, {}});
  };
  add("amphora", "amf3", "decode", p.amf3.size(), our_decode(w, w.amf3_decoders, p.amf3));
  add("amphora", "amf0", "decode", p.amf0.size(), our_decode(w, w.amf0_decoders, p.amf0));
  add("amphora", "amf3", "encode", p.amf3.size(), our_encode(w, w.amf3_encoders, p.val));
  add("amphora", "amf0", "encode", p.amf0.size(), our_encode(w, w.amf0_encoders, p.val));
  add("simdjson-dom", "json", "decode", p.json.size(), simdjson_parse(w, p.json));
  add("librtmp", "amf0", "decode", p.amf0.size(), [&bytes = p.amf0] { return rtmp_decode(bytes); });
  add("memcpy", "amf3", "copy", p.amf3.size(), copy_bytes(w, p.amf3));
  add("memcpy", "amf0", "copy", p.amf0.size(), copy_bytes(w, p.amf0));
  add("memcpy", "json", "copy", p.json.size(),
      copy_bytes(w, {reinterpret_cast<const std::uint8_t*>(p.json.data()), p.json.size()}));
}

// A case that cannot run says why instead of being timed (checked once, untimed).
void check(bench_case& c) {
  if (c.impl == "librtmp" && !c.op()) {
    c.note = "n/a: AMFProp_Decode fails (librtmp has no AMF0 typed object 0x10 nor reference 0x07)";
  } else if (!c.op()) {
    die(c.impl + " " + c.format + " " + c.direction + " " + c.payload + " failed its check");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = AMPHORA_PAYLOAD_DIR;
  std::string write_dir;
  int runs = 11;
  double sample_ms = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--payloads" && has_value) {
      dir = argv[++i];
    } else if (a == "--runs" && has_value) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--sample-ms" && has_value) {
      sample_ms = std::max(1.0, std::atof(argv[++i]));
    } else if (a == "--clock" && has_value) {
      use_cpu_clock = std::string(argv[++i]) != "wall";
    } else if (a == "--write-bytes" && has_value) {
      write_dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: compare [--payloads DIR] [--runs N] [--sample-ms MS] [--clock cpu|wall] "
                   "[--write-bytes DIR]\n");
      return 2;
    }
  }

  std::vector<std::unique_ptr<payload>> payloads;
  for (const char* name : {"complex", "strings", "numbers", "small"}) payloads.push_back(load(dir, name));
  if (!write_dir.empty()) {
    for (const auto& p : payloads) {
      write_file(write_dir + "/" + p->name + ".amf0", p->amf0);
      write_file(write_dir + "/" + p->name + ".amf3", p->amf3);
    }
    return 0;
  }

  RTMP_LogSetLevel(RTMP_LOGCRIT);  // librtmp logs the typed object it cannot read; check() says so
  workspace w;
  std::vector<bench_case> cases;
  for (const auto& p : payloads) add_cases(w, *p, cases);
  for (bench_case& c : cases) {
    check(c);
    if (c.note.empty()) calibrate(c, sample_ms / 1000);
  }
  for (int r = 0; r < runs; ++r) {
    for (bench_case& c : cases) {
      if (!c.note.empty()) continue;
      c.samples.push_back(static_cast<double>(c.iterations) / time_iterations(c, c.iterations));
    }
  }
  std::printf("# clock=%s runs=%d sample_ms=%g\n", use_cpu_clock ? "cpu" : "wall", runs, sample_ms);
  for (const bench_case& c : cases) print(c);
  return 0;
}
