// Round-trip properties over generated value graphs (tests/support/value_generator.hpp: every
// kind, shared nodes and cycles; what each domain leaves out is documented there). Each property
// runs over a few thousand fixed seeds; a failure names the seed and the bytes, so it replays.
//
// Properties:
//   AMF3    decode(encode(g)) deep_equal g (with flags), and encode(decode(encode(g))) == encode(g).
//   AMF0    the same, for graphs in AMF0's domain (AMF3-only kinds behind avmplus flags).
//   JSON    value_from_json(to_json(g)) deep_equal g (with flags) for both domains; to_json of that
//           is the same text, and it encodes to the same AMF bytes as g.
//   packet  the same three for random packets.
//   reuse   one amf3/amf0 encoder and decoder reused across all seeds give the one-shot results.
// What is canonicalised, and tested as such by name rather than hidden in the generator:
//   integers outside AMF3's 29 bits are written as doubles (they come back as kind::number);
//   AMF0 writes every integer as a number.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "support/codec.hpp"
#include "support/value_generator.hpp"

namespace amphora::test {
namespace {

using amf::arena;
using amf::value;

constexpr std::uint64_t seeds = 3000;

// Every tenth seed draws a bigger, deeper graph.
graph_shape shape_of(std::uint64_t seed) { return seed % 10 == 9 ? graph_shape{7, 8, 20} : graph_shape{}; }

testing::AssertionResult failure(std::uint64_t seed, const std::string& what, const bytes& wire = {}) {
  auto r = testing::AssertionFailure() << "seed " << seed << ": " << what;
  if (!wire.empty()) r << "\n  bytes: " << to_hex(wire);
  return r;
}

std::string json_text(const value& v) {
  std::string s;
  const amf::status st = amf::to_json(v, s);
  return st.ok() ? s : "<to_json failed: " + describe(st.error()) + ">";
}

// decode(encode(g)) is g, and encoding that again gives the same bytes.
testing::AssertionResult wire_round_trip(wire_format f, graph_domain domain, std::uint64_t seed) {
  arena memory;
  value_generator gen(seed, memory, domain, shape_of(seed));
  decoded g;
  g.format = f;
  g.val = gen.graph();
  bytes wire;
  if (const amf::status s = encode_as(g, wire); !s) return failure(seed, "encode: " + describe(s.error()));
  arena decoded_memory;
  const decoded d = decode_as(f, wire, decoded_memory);
  if (!d.ok()) return failure(seed, "decode: " + describe(d.error), wire);
  if (!same_graph(d, g)) {
    return failure(
        seed, "decoded another graph\n  wrote:   " + json_text(g.val) + "\n  decoded: " + json_text(d.val),
        wire);
  }
  bytes again;
  if (const amf::status s = encode_as(d, again); !s)
    return failure(seed, "re-encode: " + describe(s.error()), wire);
  if (again != wire) return failure(seed, "re-encoded differently: " + to_hex(again), wire);
  return testing::AssertionSuccess();
}

// value_from_json(to_json(g)) is g; its JSON is the same text; it encodes to the same bytes.
testing::AssertionResult json_round_trip(wire_format f, graph_domain domain, std::uint64_t seed) {
  arena memory;
  value_generator gen(seed, memory, domain, shape_of(seed));
  decoded g;
  g.format = f;
  g.val = gen.graph();
  std::string json;
  if (const amf::status s = json_of(g, json); !s) return failure(seed, "to_json: " + describe(s.error()));
  arena json_memory;
  const decoded back = from_json_as(f, json, json_memory);
  if (!back.ok()) return failure(seed, "value_from_json: " + describe(back.error) + "\n  json: " + json);
  if (!same_graph(back, g))
    return failure(seed, "read another graph\n  json: " + json + "\n  read: " + json_text(back.val));
  std::string json_again;
  if (!json_of(back, json_again) || json_again != json) {
    return failure(seed, "JSON not stable\n  first:  " + json + "\n  second: " + json_again);
  }
  std::string pretty;
  amf::json_write_options indented;
  indented.pretty = true;
  arena pretty_memory;
  if (!amf::to_json(g.val, pretty, indented)) return failure(seed, "pretty to_json failed");
  const decoded back_pretty = from_json_as(f, pretty, pretty_memory);
  if (!back_pretty.ok() || !same_graph(back_pretty, g))
    return failure(seed, "pretty JSON reads differently\n" + pretty);
  bytes wire, wire_from_json;
  if (!encode_as(g, wire) || !encode_as(back, wire_from_json) || wire != wire_from_json) {
    return failure(seed, "the JSON's graph encodes differently: " + to_hex(wire_from_json), wire);
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult packet_round_trip(std::uint64_t seed) {
  arena memory;
  value_generator gen(seed, memory, graph_domain::amf0);
  decoded p;
  p.format = wire_format::packet;
  p.pkt = gen.packet();
  bytes wire;
  if (const amf::status s = encode_as(p, wire); !s) return failure(seed, "encode: " + describe(s.error()));
  arena decoded_memory;
  const decoded d = decode_as(wire_format::packet, wire, decoded_memory);
  if (!d.ok()) return failure(seed, "decode: " + describe(d.error), wire);
  std::string wrote, read;
  (void)json_of(p, wrote);
  (void)json_of(d, read);
  if (!same_graph(d, p))
    return failure(seed, "decoded another packet\n  wrote:   " + wrote + "\n  decoded: " + read, wire);
  bytes again;
  if (!encode_as(d, again) || again != wire)
    return failure(seed, "re-encoded differently: " + to_hex(again), wire);
  arena json_memory;
  const decoded from_json = from_json_as(wire_format::packet, wrote, json_memory);
  if (!from_json.ok())
    return failure(seed, "packet_from_json: " + describe(from_json.error) + "\n  json: " + wrote);
  if (!same_graph(from_json, p)) return failure(seed, "the JSON reads to another packet\n  json: " + wrote);
  return testing::AssertionSuccess();
}

TEST(roundtrip_amf3, decode_encode_gives_the_graph_and_the_bytes) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    ASSERT_TRUE(wire_round_trip(wire_format::amf3, graph_domain::amf3, seed));
  }
}

TEST(roundtrip_amf0, decode_encode_gives_the_graph_and_the_bytes) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    ASSERT_TRUE(wire_round_trip(wire_format::amf0, graph_domain::amf0, seed));
  }
}

TEST(roundtrip_json, amf3_graphs) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    ASSERT_TRUE(json_round_trip(wire_format::amf3, graph_domain::amf3, seed));
  }
}

TEST(roundtrip_json, amf0_graphs) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    ASSERT_TRUE(json_round_trip(wire_format::amf0, graph_domain::amf0, seed));
  }
}

TEST(roundtrip_packet, decode_encode_and_json) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) ASSERT_TRUE(packet_round_trip(seed));
}

// Reused encoders and decoders start every call with empty tables: each result equals the
// one-shot form's, whatever came before, a failed decode included.
TEST(roundtrip_reuse, encoders_and_decoders_keep_no_state_between_calls) {
  amf::amf3_encoder enc3;
  amf::amf3_decoder dec3;
  amf::amf0_encoder enc0;
  amf::amf0_decoder dec0;
  arena bad_memory;
  amf::array_node* bad = amf::new_array(bad_memory);
  ASSERT_TRUE(bad->dense.push_back(bad_memory, value::string("s")));
  ASSERT_TRUE(bad->dense.push_back(bad_memory, value::of(amf::new_object(bad_memory))));
  ASSERT_TRUE(bad->dense.push_back(
      bad_memory, value::of(amf::new_date(bad_memory, std::numeric_limits<double>::quiet_NaN()))));
  const value unencodable = value::of(bad);
  for (std::uint64_t seed = 0; seed < seeds / 4; ++seed) {
    const bool three = seed % 2 == 0;
    arena memory;
    value_generator gen(seed, memory, three ? graph_domain::amf3 : graph_domain::amf0);
    const value g = gen.graph();
    bytes one_shot, reused;
    ASSERT_TRUE(three ? amf::encode_amf3(g, one_shot) : amf::encode_amf0(g, one_shot)) << seed;
    // A failed encode first: ["s", {}, <NaN date>] leaves a string and an object in the tables.
    ASSERT_FALSE(three ? enc3.encode(unencodable, reused) : enc0.encode(unencodable, reused)) << seed;
    reused.clear();
    ASSERT_TRUE(three ? enc3.encode(g, reused) : enc0.encode(g, reused)) << seed;
    ASSERT_EQ(to_hex(reused), to_hex(one_shot)) << "seed " << seed;
    // A failed decode first (the input cut in half): it must leave nothing behind.
    const bytes half(reused.begin(), reused.begin() + static_cast<std::ptrdiff_t>(reused.size() / 2));
    arena failed_memory;
    auto failed = three ? dec3.decode(half, failed_memory) : dec0.decode(half, failed_memory);
    ASSERT_FALSE(failed) << "seed " << seed << ": half of " << to_hex(reused) << " decoded";
    arena decoded_memory;
    auto d = three ? dec3.decode(reused, decoded_memory) : dec0.decode(reused, decoded_memory);
    ASSERT_TRUE(d) << "seed " << seed << ": " << describe(d.error());
    ASSERT_TRUE(amf::deep_equal(*d, g, true)) << "seed " << seed;
  }
}

// The generator's graphs really have what the properties claim to cover.
TEST(roundtrip_generator, covers_every_kind_sharing_and_cycles) {
  std::array<int, 17> kinds{};
  int flagged = 0, shared = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    for (graph_domain domain : {graph_domain::amf3, graph_domain::amf0}) {
      arena memory;
      value_generator gen(seed, memory, domain, shape_of(seed));
      const value g = gen.graph();
      std::string json = json_text(g);
      if (json.find("\"$ref\"") != std::string::npos) ++shared;
      // Walk the graph once, counting kinds (nodes visited once).
      std::vector<value> work{g};
      std::vector<const void*> seen;
      while (!work.empty()) {
        const value v = work.back();
        work.pop_back();
        if (v.is_node()) {
          if (std::find(seen.begin(), seen.end(), v.node()) != seen.end()) continue;
          seen.push_back(v.node());
        }
        ++kinds[static_cast<std::size_t>(v.type())];
        if (v.avmplus()) ++flagged;
        if (v.is(amf::kind::array)) {
          for (const value& c : v.as_array().dense) work.push_back(c);
          for (const amf::member& m : v.as_array().assoc) work.push_back(m.val);
        } else if (v.is(amf::kind::object)) {
          for (const value& c : v.as_object().sealed) work.push_back(c);
          for (const amf::member& m : v.as_object().dynamic) work.push_back(m.val);
          work.push_back(v.as_object().external);
        } else if (v.is(amf::kind::vector_object)) {
          for (const value& c : v.as_vector_object().items) work.push_back(c);
        } else if (v.is(amf::kind::dictionary)) {
          for (const amf::dict_entry& e : v.as_dictionary().entries) {
            work.push_back(e.key);
            work.push_back(e.val);
          }
        }
      }
    }
  }
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    EXPECT_GT(kinds[k], 10) << amf::kind_name(static_cast<amf::kind>(k));
  }
  EXPECT_GT(flagged, 50);
  EXPECT_GT(shared, 50);
}

TEST(roundtrip_generator, is_deterministic) {
  for (std::uint64_t seed : {1u, 77u, 1234u}) {
    arena a, b;
    value_generator x(seed, a, graph_domain::amf3), y(seed, b, graph_domain::amf3);
    EXPECT_EQ(json_text(x.graph()), json_text(y.graph()));
  }
}

// ---- decoded inputs that our encoder would not have written ----

// Whatever decodes, however it was written, re-encodes to bytes that decode to the same graph
// (the fidelity a proxy or the round-trip fuzzer relies on).
TEST(roundtrip_decoded, non_canonical_inputs_keep_their_graph) {
  const std::pair<wire_format, const char*> inputs[] = {
      {wire_format::amf0, "10 00 00 00 01 61 05 00 00 09"},        // typed object with an empty class name
      {wire_format::amf0, "10 00 00 00 00 09"},                    // ... and no members
      {wire_format::amf0, "03 00 00 05 00 00 09"},                 // a member named ""
      {wire_format::amf0, "01 05"},                                // boolean 5
      {wire_format::amf0, "0C 00 00 00 01 61"},                    // long string with short content
      {wire_format::amf0, "08 00 00 00 05 00 01 61 05 00 00 09"},  // wrong ECMA count
      {wire_format::amf0, "0B 00 00 00 00 00 00 00 00 FF C4"},     // date with timezone -60
      {wire_format::amf3, "04 80 00"},                             // U29 not minimal
      {wire_format::amf3, "09 05 01 06 03 61 06 03 61"},           // a string repeated inline
      {wire_format::amf3, "0D 03 05 00 00 00 01"},                 // fixed flag 5
      {wire_format::amf3, "0A 0B 01 03 61 04 01 00 04 02 01"},     // dynamic member "a" twice
      {wire_format::amf3, "09 01 03 61 04 01 00 04 02 01"},        // associative key "a" twice
  };
  for (const auto& [f, hex] : inputs) {
    arena memory;
    const decoded d = decode_as(f, from_hex(hex), memory);
    ASSERT_TRUE(d.ok()) << hex << ": " << describe(d.error);
    bytes wire;
    ASSERT_TRUE(encode_as(d, wire)) << hex;
    arena again_memory;
    const decoded again = decode_as(f, wire, again_memory);
    ASSERT_TRUE(again.ok()) << hex << " re-encoded as " << to_hex(wire) << ": " << describe(again.error);
    EXPECT_TRUE(same_graph(again, d))
        << format_name(f) << " " << hex << "\n  decoded:    " << json_text(d.val)
        << "\n  re-encoded: " << to_hex(wire) << "\n  re-decoded: " << json_text(again.val);
  }
}

// ---- canonicalisation, by name ----

// AMF3 integers are 29-bit: others are written as doubles and come back as kind::number with the
// same (rounded to double) value.
TEST(roundtrip_canonical, amf3_integers_outside_29_bits_become_doubles) {
  const std::int64_t wide[] = {std::int64_t{1} << 28,
                               -(std::int64_t{1} << 28) - 1,
                               std::int64_t{1} << 40,
                               -(std::int64_t{1} << 53) - 1,
                               std::numeric_limits<std::int64_t>::max(),
                               std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t i : wide) {
    bytes wire;
    ASSERT_TRUE(amf::encode_amf3(value::integer(i), wire)) << i;
    EXPECT_EQ(wire.size(), 9u) << i << ": " << to_hex(wire);
    EXPECT_EQ(wire[0], 0x05) << i;
    arena memory;
    auto d = amf::decode_amf3(wire, memory);
    ASSERT_TRUE(d) << i;
    ASSERT_TRUE(d->is(amf::kind::number)) << i;
    EXPECT_EQ(d->as_double(), static_cast<double>(i)) << i;
  }
  for (std::int64_t i : {std::int64_t{(1 << 28) - 1}, -(std::int64_t{1} << 28)}) {
    bytes wire;
    ASSERT_TRUE(amf::encode_amf3(value::integer(i), wire));
    EXPECT_EQ(wire[0], 0x04) << i;
    arena memory;
    auto d = amf::decode_amf3(wire, memory);
    ASSERT_TRUE(d && d->is(amf::kind::integer)) << i;
    EXPECT_EQ(d->as_int(), i);
  }
}

TEST(roundtrip_canonical, amf0_writes_integers_as_numbers) {
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{-7}, std::int64_t{1} << 40}) {
    bytes wire;
    ASSERT_TRUE(amf::encode_amf0(value::integer(i), wire)) << i;
    arena memory;
    auto d = amf::decode_amf0(wire, memory);
    ASSERT_TRUE(d) << i;
    ASSERT_TRUE(d->is(amf::kind::number)) << i;
    EXPECT_EQ(d->as_double(), static_cast<double>(i));
  }
}

// AMF0 references are u16: a node shared past table index 65535 is written again (the copy
// decodes as a distinct node), and a cycle through such a node cannot be written at all.
TEST(roundtrip_canonical, amf0_sharing_past_reference_index_65535) {
  for (std::size_t target : {std::size_t{65534}, std::size_t{65535}}) {  // table index target + 1
    arena memory;
    amf::array_node* a = amf::new_array(memory);
    for (int i = 0; i < 65537; ++i)
      ASSERT_TRUE(a->dense.push_back(memory, value::of(amf::new_object(memory))));
    ASSERT_TRUE(a->dense.push_back(memory, a->dense[target]));
    bytes wire;
    ASSERT_TRUE(amf::encode_amf0(value::of(a), wire));
    arena decoded_memory;
    auto d = amf::decode_amf0(wire, decoded_memory);
    ASSERT_TRUE(d) << describe(d.error());
    const amf::list<value>& items = d->as_array().dense;
    if (target + 1 <= 0xFFFF) {
      EXPECT_EQ(to_hex(std::span<const std::uint8_t>(wire).last(3)), "07 FF FF");
      EXPECT_TRUE(amf::deep_equal(*d, value::of(a)));
    } else {
      EXPECT_NE(items[target].node(), items[items.size() - 1].node()) << "written again, decoded as a copy";
      EXPECT_TRUE(amf::deep_equal(items[target], items[items.size() - 1]));
    }
  }
  arena memory;
  amf::array_node* a = amf::new_array(memory);
  for (int i = 0; i < 65536; ++i) ASSERT_TRUE(a->dense.push_back(memory, value::null()));
  amf::object_node* o = nullptr;
  for (int i = 0; i < 65536; ++i) {
    o = amf::new_object(memory);
    ASSERT_TRUE(a->dense.push_back(memory, value::of(o)));
  }
  ASSERT_TRUE(amf::add_dynamic(memory, *o, "self", value::of(o)));  // table index 65536
  bytes wire;
  const amf::status s = amf::encode_amf0(value::of(a), wire);
  ASSERT_FALSE(s);
  EXPECT_EQ(code_of(s.error()), amf::errc::unencodable) << describe(s.error());
}

// Integers beyond 29 bits stay integers through JSON (no dot), whatever their size.
TEST(roundtrip_canonical, json_keeps_wide_integers) {
  for (std::int64_t i :
       {std::int64_t{1} << 28, std::int64_t{1} << 60, std::numeric_limits<std::int64_t>::min()}) {
    const std::string json = json_text(value::integer(i));
    EXPECT_EQ(json, std::to_string(i));
    arena memory;
    auto back = amf::value_from_json(json, memory);
    ASSERT_TRUE(back) << json;
    EXPECT_TRUE(amf::deep_equal(*back, value::integer(i))) << json;
  }
}

}  // namespace
}  // namespace amphora::test
