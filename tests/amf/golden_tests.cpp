// Golden vectors (tests/data/*.golden): one test per vector, named after it, so a failure names
// the vector. For a success vector: decoding gives exactly its JSON (compact), that JSON reads
// back to the same graph (deep_equal with flags), the decoded graph re-encodes to bytes that
// decode to the same graph, and with `exact = yes` both the decoded graph and the JSON's graph
// encode to exactly the vector's bytes. For an error vector: decoding fails with that errc at
// that offset.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/codec.hpp"
#include "support/golden.hpp"

namespace amphora::test {
namespace {

using amf::arena;

struct golden_case {
  wire_format format;
  golden_vector vector;
};

struct golden_source {
  std::string_view file;
  wire_format format;
};

constexpr golden_source golden_sources[] = {
    {"amf0.golden", wire_format::amf0},
    {"amf3.golden", wire_format::amf3},
    {"packet.golden", wire_format::packet},
};

// The vectors of one file; none when it is malformed (golden_files.* then fails, saying why).
std::vector<golden_case> cases_of(wire_format format) {
  std::vector<golden_case> out;
  for (const golden_source& s : golden_sources) {
    if (s.format != format) continue;
    for (golden_vector& v : load_golden(s.file).vectors) out.push_back({format, std::move(v)});
  }
  return out;
}

// What GoogleTest prints for a parameter: the vector, not its bytes.
void PrintTo(const golden_case& c, std::ostream* os) { *os << c.vector.file << " [" << c.vector.name << "]"; }

std::string case_name(const testing::TestParamInfo<golden_case>& info) {
  return info.param.vector.test_name();
}

class golden : public testing::TestWithParam<golden_case> {};

TEST_P(golden, vector) {
  const auto& [format, v] = GetParam();
  SCOPED_TRACE(v.file + ":" + std::to_string(v.line) + " [" + v.name + "] (" + v.source + ")");
  arena memory;
  const decoded d = decode_as(format, v.input, memory);

  if (v.error) {
    ASSERT_FALSE(d.ok()) << "decoded, but the vector says " << errc_name(*v.error) << " @ " << v.error_offset;
    EXPECT_EQ(errc_name(d.code()), errc_name(*v.error)) << describe(d.error);
    EXPECT_EQ(d.error.offset, v.error_offset) << describe(d.error);
    EXPECT_FALSE(d.error.detail.empty()) << "every error carries a detail";
    return;
  }

  ASSERT_TRUE(d.ok()) << describe(d.error);
  std::string json;
  ASSERT_TRUE(json_of(d, json).ok());
  EXPECT_EQ(json, *v.json);

  arena json_memory;
  const decoded from_json = from_json_as(format, *v.json, json_memory);
  ASSERT_TRUE(from_json.ok()) << "the vector's json does not read: " << describe(from_json.error);
  EXPECT_TRUE(same_graph(from_json, d, true)) << "the vector's json reads to another graph";

  bytes reencoded;
  const amf::status encoded = encode_as(d, reencoded);
  ASSERT_TRUE(encoded.ok()) << describe(encoded.error());
  arena again_memory;
  const decoded again = decode_as(format, reencoded, again_memory);
  ASSERT_TRUE(again.ok()) << describe(again.error) << " in " << to_hex(reencoded);
  EXPECT_TRUE(same_graph(again, d, true)) << "re-encoded as " << to_hex(reencoded);

  if (v.exact) {
    EXPECT_EQ(to_hex(reencoded), to_hex(v.input)) << "the decoded graph";
    bytes from_json_bytes;
    const amf::status s = encode_as(from_json, from_json_bytes);
    ASSERT_TRUE(s.ok()) << describe(s.error());
    EXPECT_EQ(to_hex(from_json_bytes), to_hex(v.input)) << "the json's graph";
  }
}

INSTANTIATE_TEST_SUITE_P(amf0, golden, testing::ValuesIn(cases_of(wire_format::amf0)), case_name);
INSTANTIATE_TEST_SUITE_P(amf3, golden, testing::ValuesIn(cases_of(wire_format::amf3)), case_name);
INSTANTIATE_TEST_SUITE_P(packet, golden, testing::ValuesIn(cases_of(wire_format::packet)), case_name);
// A missing or malformed file instantiates nothing; golden_files.* below says why.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(golden);

// ---- the files themselves ----

TEST(golden_files, every_file_parses_and_has_vectors) {
  for (const golden_source& s : golden_sources) {
    const golden_file f = load_golden(s.file);
    EXPECT_EQ(f.problem, "") << s.file;
    EXPECT_FALSE(f.vectors.empty()) << s.file;
  }
}

TEST(golden_files, every_vector_names_its_source) {
  for (const golden_source& s : golden_sources) {
    for (const golden_vector& v : load_golden(s.file).vectors) EXPECT_GE(v.source.size(), 8u) << v.name;
  }
}

// ---- the parser: malformed records fail loudly ----

TEST(golden_parser, reads_a_well_formed_file) {
  const golden_file f = parse_golden(
      "# comment\n"
      "\n"
      "[int-0]\n"
      "source = AMF3 spec 3.6\n"
      "hex = 04\n"
      "hex = 00\n"
      "json = [1,\n"
      "json = 2]\n"
      "exact = yes\n"
      "[bad.ref]\r\n"
      "source = hand-built\r\n"
      "hex = 0a02\r\n"
      "error = bad_reference @ 1\r\n",
      "t.golden");
  ASSERT_EQ(f.problem, "");
  ASSERT_EQ(f.vectors.size(), 2u);
  EXPECT_EQ(f.vectors[0].name, "int-0");
  EXPECT_EQ(f.vectors[0].test_name(), "int_0");
  EXPECT_EQ(f.vectors[0].line, 3u);
  EXPECT_EQ(to_hex(f.vectors[0].input), "04 00");
  EXPECT_EQ(f.vectors[0].json, "[1,2]");
  EXPECT_TRUE(f.vectors[0].exact);
  EXPECT_FALSE(f.vectors[0].error);
  EXPECT_EQ(f.vectors[1].test_name(), "bad_ref");
  EXPECT_EQ(to_hex(f.vectors[1].input), "0A 02");
  ASSERT_TRUE(f.vectors[1].error);
  EXPECT_EQ(*f.vectors[1].error, amf::errc::bad_reference);
  EXPECT_EQ(f.vectors[1].error_offset, 1u);
  EXPECT_FALSE(f.vectors[1].json);
}

TEST(golden_parser, rejects_malformed_records) {
  const std::string ok_head = "[v]\nsource = s\nhex = 01\n";
  const std::vector<std::pair<std::string, std::string>> bad{
      {"", "no vectors"},
      {"# only a comment\n", "no vectors"},
      {"source = s\n", "outside"},
      {"[v]\nhex = 01\njson = null\nexact = yes\n", "no source"},
      {"[v]\nsource = s\njson = null\nexact = yes\n", "no hex"},
      {ok_head + "json = null\n", "no exact"},
      {ok_head + "exact = yes\n", "exactly one of json and error"},
      {ok_head + "json = null\nerror = bad_reference @ 1\n", "exactly one of json and error"},
      {ok_head + "json = null\nexact = maybe\n", "yes or no"},
      {ok_head + "error = no_such_error @ 1\n", "unknown errc"},
      {ok_head + "error = bad_reference\n", "offset"},
      {ok_head + "error = bad_reference @ x\n", "offset"},
      {ok_head + "error = bad_reference @ 1\nexact = no\n", "no exact"},
      {ok_head + "json = null\nexact = yes\nwhat = 1\n", "unknown key"},
      {ok_head + "json = null\nexact = yes\njunk\n", "key = value"},
      {"[v]\nsource = s\nhex = 0G\njson = null\nexact = yes\n", "bad hex"},
      {"[v]\nsource = s\nhex = 012\njson = null\nexact = yes\n", "bad hex"},
      {ok_head + "json = null\nexact = yes\n" + ok_head + "json = null\nexact = yes\n", "duplicate"},
      {"[a-b]\nsource = s\nhex = 01\njson = null\nexact = yes\n[a_b]\n", "duplicate"},
      {"[v\nsource = s\n", "header"},
      {"[]\n", "header"},
      {"[ ]\n", "empty"},
  };
  for (const auto& [text, why] : bad) {
    const golden_file f = parse_golden(text, "t.golden");
    EXPECT_NE(f.problem.find(why), std::string::npos) << "text:\n" << text << "problem: " << f.problem;
    EXPECT_TRUE(f.vectors.empty()) << text;
  }
}

TEST(golden_parser, errc_names_round_trip) {
  for (int e = 1; e <= static_cast<int>(amf::errc::unencodable); ++e) {
    const auto code = static_cast<amf::errc>(e);
    EXPECT_EQ(errc_from_name(errc_name(code)), code) << e;
  }
  EXPECT_FALSE(errc_from_name("ok"));
  EXPECT_FALSE(errc_from_name("nope"));
}

}  // namespace
}  // namespace amphora::test
