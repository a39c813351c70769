// amphora decode: known vectors to JSON, inputs from files and stdin, errors that point at the byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "cli_checks.hpp"
#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

struct vector_case {
  const char* format;
  const char* hex;
  const char* json;
};

// Hand-built from the AMF0 spec (§2.2 number, §2.4 string) and the AMF3 spec (§3.6 integer, §3.7
// double, §3.8 string, §3.12 object: an anonymous dynamic object with one member).
const vector_case known_vectors[] = {
    {"--amf3", "04 05", "5"},
    {"--amf3", "05 3f f8 00 00 00 00 00 00", "1.5"},
    {"--amf3", "06 07 66 6f 6f", "\"foo\""},
    {"--amf3", "0a 0b 01 03 61 04 01 01", "{\"a\":1}"},
    {"--amf3", "09 05 01 03 02", "[true,false]"},
    {"--amf0", "00 3f f0 00 00 00 00 00 00", "1.0"},
    {"--amf0", "02 00 03 66 6f 6f", "\"foo\""},
    {"--amf0", "03 00 01 61 01 01 00 00 09", "{\"a\":true}"},
};

TEST(Decode, KnownVectorsGiveTheirJson) {
  for (const vector_case& v : known_vectors) {
    SCOPED_TRACE(std::string(v.format) + " " + v.hex);
    const run_result r = amphora({"decode", v.format}, from_hex(v.hex));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, std::string(v.json) + "\n");
    EXPECT_EQ(r.err, "");
  }
}

TEST(Decode, Amf3IsTheDefault) { EXPECT_EQ(amphora({"decode"}, from_hex("04 05")).out, "5\n"); }

TEST(Decode, ReadsAFileStdinOrDash) {
  const std::string bytes = from_hex("0a 0b 01 03 61 04 01 01");
  const std::string path = scratch_file("object.amf3", bytes);
  const run_result from_file = amphora({"decode", path});
  EXPECT_EQ(from_file.exit_code, 0);
  EXPECT_EQ(from_file.out, "{\"a\":1}\n");
  EXPECT_EQ(amphora({"decode", "-"}, bytes).out, from_file.out);
  EXPECT_EQ(amphora({"decode"}, bytes).out, from_file.out);
}

TEST(Decode, PrettyIndents) {
  const run_result r = amphora({"decode", "--pretty"}, from_hex("0a 0b 01 03 61 04 01 01"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("\n  \"a\": 1"));
  EXPECT_EQ(r.out.back(), '\n');
}

TEST(Decode, BadDataExitsOneAndPointsAtTheByte) {
  // A dense array of one element whose marker 0x20 no AMF version defines.
  const std::string bytes = from_hex("09 03 01 20");
  const run_result r = amphora({"decode", "--amf3"}, bytes);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, ::testing::StartsWith("amphora decode: unknown type marker at byte "));
  expect_caret_under_error_byte(r.err, bytes);
}

TEST(Decode, TruncatedInputPointsAtTheEnd) {
  const std::string bytes = from_hex("06 07 66");  // a 3-byte string with 1 byte left
  const run_result r = amphora({"decode"}, bytes);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("amphora decode: "));
  expect_caret_under_error_byte(r.err, bytes);
}

TEST(Decode, MaxDepthLimitsNesting) {
  std::string nested;
  for (int i = 0; i < 10; ++i) nested += from_hex("09 03 01");  // [[[...[null]...]]]
  nested += from_hex("01");
  EXPECT_EQ(amphora({"decode"}, nested).exit_code, 0);
  const run_result r = amphora({"decode", "--max-depth", "3"}, nested);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nesting too deep at byte "));
}

TEST(Decode, MaxInputLimitsTheInput) {
  const std::string bytes = from_hex("0a 0b 01 03 61 04 01 01");
  EXPECT_EQ(amphora({"decode", "--max-input", "8"}, bytes).exit_code, 0);
  const run_result r = amphora({"decode", "--max-input=7"}, bytes);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("larger than the input limit of 7 bytes"));
}

TEST(Decode, TrailingBytesAreBadData) {
  const run_result r = amphora({"decode"}, from_hex("04 05 04 06"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("at byte 2"));
}

}  // namespace
}  // namespace amphora::cli::test
