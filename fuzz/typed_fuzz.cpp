// libFuzzer target: the typed C++ mapping's AMF3 decoder (decode_typed_amf3: the direct reader with
// its fast paths, lazily entered table entries and restarts through the value model) against the
// value model, into the types of typed_types.hpp. The first byte picks the limits (below), the rest
// is decoded as an fz.Envelope (arena form) and as an fz.Record (arena form and arena-less form).
// Each decode must:
//   - report an error at an offset inside the input;
//   - agree with the value-model path (decode_amf3 + from_value, which a trace sink selects):
//     both succeed with equal structs, or both fail; the direct decode may stop earlier at a
//     conversion error (at or before the value model's codec error), and may succeed where the
//     value model runs out of its budget for copying shared nodes;
//   - give the same result, or the same error, into a struct that holds other data (twice: a
//     sample, then the message itself) as into a fresh one;
//   - (record) give the same without an arena;
//   - when it succeeds: encode_typed_amf3 writes the bytes of to_value + encode_amf3, and those
//     decode typed again into an equal struct (but for a sub-millisecond time point's drift:
//     forgive_tick_drift).
// Any difference aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "typed_types.hpp"

namespace {

using namespace amphora::fuzz;
using namespace amphora::fuzz::typed;

constexpr std::string_view budget_detail = "shared nodes expand beyond max_elements";

// Byte 0: bits 0-2 pick a limit to shrink to bits 3-7 (0-31): 2 max_string_refs, 3
// max_string_bytes, 4 max_trait_refs, 5 max_object_refs, 6 max_depth, 7 max_elements; 0 and 1
// shrink none. max_elements is 16384 otherwise: the budget of copies of shared nodes (each may
// hold a string as long as the input) stays within the fuzzer's memory.
amf::decode_options options_for(std::uint8_t config) {
  amf::decode_options o = decode_options();
  o.registry = &registry();
  o.limits.max_elements = 1u << 14;
  const std::size_t n = config >> 3;
  switch (config & 7) {
    case 2:
      o.limits.max_string_refs = n;
      break;
    case 3:
      o.limits.max_string_bytes = n;
      break;
    case 4:
      o.limits.max_trait_refs = n;
      break;
    case 5:
      o.limits.max_object_refs = n;
      break;
    case 6:
      o.limits.max_depth = n;
      break;
    case 7:
      o.limits.max_elements = n;
      break;
    default:
      break;
  }
  return o;
}

amf::encode_options typed_encode_options() {
  amf::encode_options o = encode_options();
  o.registry = &registry();
  return o;
}

bool same_status(const amf::status& a, const amf::status& b) {
  if (a.ok() || b.ok()) return a.ok() == b.ok();
  return a.error().code == b.error().code && a.error().offset == b.error().offset &&
         a.error().detail == b.error().detail;
}

void check_offset(const amf::status& st, std::size_t size) {
  check(st.ok() || st.error().offset <= size, "a typed decode error's offset lies outside the input");
}

template <class T>
T populated(amf::arena& memory) {
  if constexpr (std::is_same_v<T, envelope>) {
    return sample_envelope(memory);
  } else {
    return sample_record();
  }
}

std::string describe(const amf::status& st) { return st.ok() ? "ok" : st.error().message(); }

// The direct decode (`direct`) against the value model's (`model`, offset 0 for conversion errors).
void check_against_model(const amf::status& direct, const amf::status& model, bool codec_failed) {
  const auto check = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "typed decode: %s\nvalue model: %s\n", describe(direct).c_str(),
                   describe(model).c_str());
      fail(what);
    }
  };
  if (model.ok()) {
    check(direct.ok(), "the typed decode refused what the value model decodes and converts");
    return;
  }
  // The value model's conversion counts each copy of a shared node against max_elements; the
  // direct decode counts what it reads. So the model may run out of that budget where the direct
  // decode goes on: to the end, or to a conversion error further on (the fuzzer found one).
  const bool model_budget =
      model.error().code == amf::errc::limit_exceeded && model.error().detail == budget_detail;
  if (direct.ok()) {
    check(model_budget, "the typed decode accepted what the value model refuses");
    return;
  }
  if (model_budget && !codec_failed) return;
  if (codec_failed) {
    // The same codec error, or a conversion error met before the codec got there.
    check(same_status(direct, model) || direct.error().offset <= model.error().offset,
          "the typed decode's error differs from the codec's");
    return;
  }
  check(direct.error().code == model.error().code && direct.error().detail == model.error().detail,
        "the typed decode's conversion error differs from the value model's");
}

// A known limitation, not fixed: a time point finer than a millisecond is floored from the wire's
// double milliseconds and written back through a double again (int64 nanoseconds to double, then
// divided), so a typed round trip can move it by a fraction of a millisecond (record::precise; the
// fuzzer found it). Within a millisecond the round trip takes it as unchanged.
void forgive_tick_drift(const record& decoded, record& again) {
  if (decoded.precise && again.precise) {
    const auto drift = *decoded.precise - *again.precise;
    if (drift < std::chrono::milliseconds(1) && drift > -std::chrono::milliseconds(1)) {
      again.precise = decoded.precise;
    }
  }
}
void forgive_tick_drift(const envelope& decoded, envelope& again) {
  forgive_tick_drift(decoded.rec, again.rec);
  if (decoded.other && again.other) forgive_tick_drift(*decoded.other, *again.other);
}

// `decoded` -> bytes -> T again, decoded with the unshrunk limits (the bytes may take more table
// entries than the input did: a restart copies shared objects).
template <class T>
void check_roundtrip(const T& decoded) {
  const amf::decode_options options = options_for(0);
  const amf::encode_options eo = typed_encode_options();
  std::vector<std::uint8_t> bytes;
  const amf::status written = amf::encode_typed_amf3(decoded, bytes, eo);
  check(written.ok(), "encoding a struct the typed decode gave failed");
  {
    amf::arena memory;
    amf::result<amf::value> v = amf::to_value(decoded, memory);
    check(v.has_value(), "to_value of a decoded struct failed");
    std::vector<std::uint8_t> via_model;
    check(amf::encode_amf3(*v, via_model, eo).ok(), "encode_amf3 of to_value's graph failed");
    check(via_model == bytes, "encode_typed_amf3 wrote other bytes than to_value + encode_amf3");
  }
  amf::arena memory;
  T again{};
  const amf::status back = amf::decode_typed_amf3(bytes, again, memory, options);
  check(back.ok(), "decoding what encode_typed_amf3 wrote failed");
  forgive_tick_drift(decoded, again);
  if (!same(decoded, again)) {
    std::fprintf(stderr, "differs at %s\n", first_difference(decoded, again).c_str());
    fail("typed decode -> encode -> decode changed the struct");
  }
  // (Encoding `again` need not give `bytes`: an std::unordered_map's order depends on its history.)
}

template <class T>
void check_type(std::span<const std::uint8_t> input, const amf::decode_options& options, bool arenaless) {
  amf::arena fresh_memory;
  T fresh{};
  const amf::status direct = amf::decode_typed_amf3(input, fresh, fresh_memory, options);
  check_offset(direct, input.size());

  // The value-model path: a trace sink makes decode_typed_amf3 decode to a value, then convert.
  amf::arena model_memory;
  T modelled{};
  bounds_checking_trace trace(input.size());
  amf::decode_options traced = options;
  traced.trace = &trace;
  const amf::status model = amf::decode_typed_amf3(input, modelled, model_memory, traced);
  check_offset(model, input.size());
  bool codec_failed = false;
  if (!model.ok()) {
    amf::arena value_memory;
    codec_failed = !amf::decode_amf3(input, value_memory, options).has_value();
  }
  check_against_model(direct, model, codec_failed);
  if (direct.ok() && model.ok())
    check(same(fresh, modelled), "the typed decode differs from the value model's");

  // Into a struct holding other data, then into one holding this message.
  amf::arena reused_memory;
  T reused = populated<T>(reused_memory);
  for (int round = 0; round < 2; ++round) {
    const amf::status st = amf::decode_typed_amf3(input, reused, reused_memory, options);
    check(same_status(st, direct), "decoding into a reused struct gave another result than a fresh one");
    if (st.ok()) check(same(reused, fresh), "decoding into a reused struct gave another struct");
  }

  if constexpr (std::is_same_v<T, record>) {
    if (arenaless) {
      T plain{};
      const amf::status st = amf::decode_typed_amf3(input, plain, options);
      check(same_status(st, direct), "the arena-less decode gave another result");
      if (st.ok()) check(same(plain, fresh), "the arena-less decode gave another struct");
    }
  }

  if (direct.ok()) check_roundtrip(fresh);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const amf::decode_options options = options_for(data[0]);
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  check_type<envelope>(input, options, false);
  check_type<record>(input, options, true);
  return 0;
}
