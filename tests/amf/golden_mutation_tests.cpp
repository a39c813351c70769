// Hostile input derived from the golden vectors: every truncation, and a few thousand
// deterministic mutations (bit flips, interesting bytes, insertions, deletions, duplicated
// slices). Decoding must never crash or read past the input (inputs are decoded in place from a
// buffer of their exact size, so AddressSanitizer sees any over-read), a truncated
// valid vector must be an error, and whatever decodes must survive JSON and re-encoding.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/codec.hpp"
#include "support/golden.hpp"

namespace amphora::test {
namespace {

using amf::arena;
using amf::errc;

struct golden_set {
  wire_format format;
  std::vector<golden_vector> vectors;
};

const std::vector<golden_set>& all_vectors() {
  static const std::vector<golden_set> sets = [] {
    std::vector<golden_set> s;
    s.push_back({wire_format::amf0, load_golden("amf0.golden").vectors});
    s.push_back({wire_format::amf3, load_golden("amf3.golden").vectors});
    s.push_back({wire_format::packet, load_golden("packet.golden").vectors});
    return s;
  }();
  return sets;
}

TEST(golden_mutation, there_are_vectors) {
  std::size_t n = 0;
  for (const golden_set& s : all_vectors()) n += s.vectors.size();
  EXPECT_GT(n, 20u);
}

// A prefix of a valid AMF value or packet is never itself valid: every type's size is fixed by its
// marker and declared lengths, so a cut input can only be "too short".
TEST(golden_mutation, every_truncation_of_a_valid_vector_is_an_error) {
  for (const golden_set& s : all_vectors()) {
    for (const golden_vector& v : s.vectors) {
      if (!v.json) continue;
      for (std::size_t n = 0; n < v.input.size(); ++n) {
        const bytes prefix(v.input.begin(), v.input.begin() + static_cast<std::ptrdiff_t>(n));
        const amf::error_info e = decode_error_in_place(s.format, prefix);
        ASSERT_TRUE(e.code) << v.file << " [" << v.name << "] cut to " << n << " bytes decoded";
        EXPECT_TRUE(code_of(e) == errc::unexpected_end || code_of(e) == errc::length_exceeds_input)
            << v.file << " [" << v.name << "] cut to " << n << ": " << describe(e);
        EXPECT_LE(e.offset, n) << v.file << " [" << v.name << "] cut to " << n;
      }
    }
  }
}

TEST(golden_mutation, truncations_of_error_vectors_do_not_crash) {
  for (const golden_set& s : all_vectors()) {
    for (const golden_vector& v : s.vectors) {
      if (v.json) continue;
      for (std::size_t n = 0; n < v.input.size(); ++n) {
        const amf::error_info e = decode_error_in_place(
            s.format, bytes(v.input.begin(), v.input.begin() + static_cast<std::ptrdiff_t>(n)));
        EXPECT_LE(e.offset, n) << v.name;
      }
    }
  }
}

// One deterministic mutation of `in`.
bytes mutate(const bytes& in, std::mt19937_64& rng) {
  static constexpr std::uint8_t interesting[] = {0x00, 0x01, 0x02, 0x06, 0x09, 0x0A, 0x11,
                                                 0x7F, 0x80, 0x81, 0xC0, 0xFE, 0xFF};
  bytes out = in;
  auto pick = [&rng](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
  const std::size_t edits = 1 + pick(3);
  for (std::size_t e = 0; e < edits; ++e) {
    const std::size_t at = pick(out.size());
    switch (pick(6)) {
      case 0:
        if (!out.empty()) out[at] = static_cast<std::uint8_t>(out[at] ^ (1u << pick(8)));
        break;
      case 1:
        if (!out.empty()) out[at] = interesting[pick(sizeof interesting)];
        break;
      case 2:
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), interesting[pick(sizeof interesting)]);
        break;
      case 3:
        if (!out.empty()) out.erase(out.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      case 4: {  // duplicate a slice (repeats structures and references)
        const std::size_t len = 1 + pick(8);
        if (at + len <= out.size()) {
          const bytes slice(out.begin() + static_cast<std::ptrdiff_t>(at),
                            out.begin() + static_cast<std::ptrdiff_t>(at + len));
          out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), slice.begin(), slice.end());
        }
        break;
      }
      default:
        if (!out.empty()) out[at] = static_cast<std::uint8_t>(rng());
        break;
    }
  }
  return out;
}

constexpr int mutations_per_vector = 50;

// What trace.hpp promises about items: inside the input, in input order, never empty.
class checking_sink final : public amf::trace_sink {
 public:
  explicit checking_sink(std::size_t input_size) : size_(input_size) {}
  void item(std::size_t offset, std::size_t length, std::size_t, std::string_view text) override {
    ++items_;
    if (!problem_.empty()) return;
    if (offset > size_ || length > size_ - offset) {
      problem_ = "item [" + std::to_string(offset) + ", +" + std::to_string(length) + ") outside the input";
    } else if (offset < last_) {
      problem_ = "item at " + std::to_string(offset) + " after one at " + std::to_string(last_);
    } else if (text.empty()) {
      problem_ = "item at " + std::to_string(offset) + " without text";
    }
    last_ = offset;
  }
  const std::string& problem() const noexcept { return problem_; }
  std::size_t items() const noexcept { return items_; }

 private:
  std::size_t size_;
  std::size_t last_ = 0;
  std::size_t items_ = 0;
  std::string problem_;
};

// Tracing (amphora inspect) reads the same hostile bytes: same result, sane items.
TEST(golden_mutation, tracing_mutated_vectors_gives_the_same_result_and_sane_items) {
  std::size_t traced = 0;
  for (const golden_set& s : all_vectors()) {
    for (const golden_vector& v : s.vectors) {
      std::mt19937_64 rng(std::hash<std::string>{}(v.name + v.file));
      for (int m = 0; m < mutations_per_vector / 2; ++m) {
        const bytes input = m == 0 ? v.input : mutate(v.input, rng);
        checking_sink sink(input.size());
        amf::decode_options options;
        options.trace = &sink;
        arena plain_memory, traced_memory;
        const decoded plain = decode_as(s.format, input, plain_memory);
        const decoded with_trace = decode_as(s.format, input, traced_memory, options);
        const std::string where = v.file + " [" + v.name + "] " + to_hex(input);
        EXPECT_EQ(describe(with_trace.error), describe(plain.error)) << where;
        if (plain.ok() && with_trace.ok()) {
          EXPECT_TRUE(same_graph(plain, with_trace)) << where;
        }
        EXPECT_EQ(sink.problem(), "") << where;
        if (plain.ok()) {
          EXPECT_GT(sink.items(), 0u) << where;
        }
        traced += sink.items();
      }
    }
  }
  EXPECT_GT(traced, 1000u);
}

// Whatever a decoder accepts is a graph our own encoder and JSON writer can carry: decoding the
// re-encoding (and reading the JSON) gives the same graph.
TEST(golden_mutation, mutated_vectors_decode_to_errors_or_faithful_graphs) {
  std::size_t decoded_ok = 0, total = 0;
  for (const golden_set& s : all_vectors()) {
    for (std::size_t i = 0; i < s.vectors.size(); ++i) {
      const golden_vector& v = s.vectors[i];
      std::mt19937_64 rng(std::hash<std::string>{}(v.file + v.name));
      for (int m = 0; m < mutations_per_vector; ++m) {
        const bytes input = mutate(v.input, rng);
        ++total;
        const std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[input.size() + 1]);
        std::copy(input.begin(), input.end(), buffer.get());
        amf::decode_options options;
        options.copy_input = false;
        arena memory;
        const decoded d =
            decode_as(s.format, std::span<const std::uint8_t>(buffer.get(), input.size()), memory, options);
        const std::string where =
            v.file + " [" + v.name + "] mutation " + std::to_string(m) + ": " + to_hex(input);
        if (!d.ok()) {
          EXPECT_LE(d.error.offset, input.size()) << where;
          EXPECT_FALSE(d.error.detail.empty()) << where;
          continue;
        }
        ++decoded_ok;
        std::string json;
        const amf::status js = json_of(d, json);
        ASSERT_TRUE(js.ok()) << where << ": to_json " << describe(js.error());
        bytes wire;
        const amf::status es = encode_as(d, wire);
        ASSERT_TRUE(es.ok()) << where << ": encode " << describe(es.error());
        arena again_memory;
        const decoded again = decode_as(s.format, wire, again_memory);
        ASSERT_TRUE(again.ok()) << where << ": re-decode " << describe(again.error) << " of " << to_hex(wire);
        EXPECT_TRUE(same_graph(again, d))
            << where << "\n  json: " << json << "\n  re-encoded: " << to_hex(wire);
        arena json_memory;
        const decoded from_json = from_json_as(s.format, json, json_memory);
        ASSERT_TRUE(from_json.ok()) << where << ": " << describe(from_json.error) << "\n  json: " << json;
        EXPECT_TRUE(same_graph(from_json, d)) << where << "\n  json: " << json;
      }
    }
  }
  EXPECT_GT(total, 1000u);
  EXPECT_GT(decoded_ok, total / 20) << "mutations too destructive to reach the decoders' depths";
}

// The JSON texts of the vectors, mutated, never crash the JSON reader; what reads writes back.
TEST(golden_mutation, mutated_json_reads_to_errors_or_stable_graphs) {
  for (const golden_set& s : all_vectors()) {
    for (const golden_vector& v : s.vectors) {
      if (!v.json) continue;
      std::mt19937_64 rng(std::hash<std::string>{}(*v.json));
      const bytes text(v.json->begin(), v.json->end());
      for (int m = 0; m < mutations_per_vector / 2; ++m) {
        const bytes mutated = mutate(text, rng);
        const std::string json(mutated.begin(), mutated.end());
        arena memory;
        const decoded d = from_json_as(s.format, json, memory);
        if (!d.ok()) {
          EXPECT_LE(d.error.offset, json.size()) << json;
          continue;
        }
        std::string written;
        ASSERT_TRUE(json_of(d, written)) << json;
        arena again_memory;
        const decoded again = from_json_as(s.format, written, again_memory);
        ASSERT_TRUE(again.ok()) << json << " -> " << written << ": " << describe(again.error);
        EXPECT_TRUE(same_graph(again, d)) << json << " -> " << written;
      }
    }
  }
}

}  // namespace
}  // namespace amphora::test
