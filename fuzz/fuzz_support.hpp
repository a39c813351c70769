// What the fuzz targets share: limits small enough that no input makes a fuzzer run out of memory
// under ASan, a trace sink that checks every item stays inside the input, and the round-trip
// checks (decode -> encode -> decode, value -> JSON -> value) that abort on any difference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "amphora/amf.hpp"

namespace amphora::fuzz {

namespace amf = amphora::amf;

inline constexpr std::size_t max_memory_bytes = 64u << 20;

// Reports a broken invariant and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

inline amf::decode_options decode_options(amf::trace_sink* trace = nullptr) {
  amf::decode_options options;
  options.limits.max_memory_bytes = max_memory_bytes;
  options.trace = trace;
  return options;
}

inline amf::json_read_options json_options() {
  amf::json_read_options options;
  options.max_memory_bytes = max_memory_bytes;
  // Deeper than any JSON form of a graph that decode_options() lets through: JSON wraps some AMF
  // nodes in two or three levels ({"$dictionary":[[k, v]]}).
  options.max_depth = 4 * amf::limits{}.max_depth;
  return options;
}

inline amf::encode_options encode_options() {
  amf::encode_options options;
  // A graph the decoder accepted must encode whatever the two sides count as one level.
  options.max_depth = 2 * amf::limits{}.max_depth;
  return options;
}

// `amphora inspect` prints the bytes of each trace item: they must lie inside the input.
class bounds_checking_trace : public amf::trace_sink {
 public:
  explicit bounds_checking_trace(std::size_t input_size) : input_size_(input_size) {}
  void item(std::size_t offset, std::size_t length, std::size_t /*depth*/,
            std::string_view /*text*/) override {
    check(offset <= input_size_ && length <= input_size_ - offset, "trace item outside the input");
  }

 private:
  std::size_t input_size_;
};

// Decodes `input` into `memory` with `decode(input, memory, options)`, after decoding it once more
// with a trace sink: both must agree (tracing observes, it never changes the result).
template <class Decode>
auto decode_checked(std::span<const std::uint8_t> input, amf::arena& memory, Decode decode) {
  amf::arena traced_memory;
  bounds_checking_trace trace(input.size());
  auto traced = decode(input, traced_memory, decode_options(&trace));
  auto plain = decode(input, memory, decode_options());
  check(traced.has_value() == plain.has_value(), "tracing changed whether decoding succeeds");
  if (!plain) {
    check(traced.error().code == plain.error().code && traced.error().offset == plain.error().offset,
          "tracing changed the error");
  }
  return plain;
}

// value -> JSON -> value gives an equal graph, and the same JSON again.
inline void check_json_roundtrip(const amf::value& v) {
  std::string json;
  check(amf::to_json(v, json).ok(), "to_json failed on a decoded value");
  amf::arena memory;
  auto back = amf::value_from_json(json, memory, json_options());
  check(back.has_value(), "value_from_json rejected what to_json wrote");
  check(amf::deep_equal(v, *back, true), "value -> JSON -> value changed the graph");
  std::string again;
  check(amf::to_json(*back, again).ok(), "to_json failed on a value read from JSON");
  check(json == again, "value -> JSON -> value -> JSON changed the text");
}

inline bool packets_equal(const amf::packet& a, const amf::packet& b) {
  if (a.version != b.version || a.headers.size() != b.headers.size() || a.bodies.size() != b.bodies.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    const auto& x = a.headers[i];
    const auto& y = b.headers[i];
    if (x.name != y.name || x.must_understand != y.must_understand || !amf::deep_equal(x.val, y.val, true)) {
      return false;
    }
  }
  for (std::size_t i = 0; i < a.bodies.size(); ++i) {
    const auto& x = a.bodies[i];
    const auto& y = b.bodies[i];
    if (x.target != y.target || x.response != y.response || !amf::deep_equal(x.val, y.val, true)) {
      return false;
    }
  }
  return true;
}

}  // namespace amphora::fuzz
