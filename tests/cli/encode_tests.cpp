// amphora encode: JSON to the expected bytes, -o, errors with line and column, no binary on a terminal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

TEST(Encode, PlainJsonToAmf3ByDefault) {
  // AMF3 spec §3.12: an anonymous dynamic object, traits inline, member "a" = integer 1.
  const run_result r = amphora({"encode"}, "{\"a\": 1}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(to_hex(r.out), "0a 0b 01 03 61 04 01 01");
  EXPECT_EQ(r.err, "");
}

TEST(Encode, Amf0) {
  const run_result r = amphora({"encode", "--amf0"}, "\"foo\"");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(to_hex(r.out), "02 00 03 66 6f 6f");  // AMF0 spec §2.4
}

TEST(Encode, OutputFile) {
  const std::string input = scratch_file("value.json", "[true,false]");
  const std::string output = scratch_file("value.amf3", "");
  const run_result r = amphora({"encode", "-o", output, input});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(to_hex(read_file(output)), "09 05 01 03 02");
}

TEST(Encode, BadJsonExitsOneWithLineAndColumn) {
  const std::string output = scratch_file("unused", "") + ".amf3";
  const run_result r = amphora({"encode", "--output", output}, "{\"a\":\n  [1,, 2]}");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, ::testing::StartsWith("amphora encode: invalid JSON at byte "));
  EXPECT_THAT(r.err, HasSubstr("  line 2, column "));
  EXPECT_THAT(r.err, HasSubstr("\n    [1,, 2]}\n       ^\n"));
  EXPECT_FALSE(std::filesystem::exists(output)) << "nothing is written unless the whole input encodes";
}

TEST(Encode, BadMappingIsBadData) {
  const run_result r = amphora({"encode"}, "{\"$date\": true}");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("amphora encode: "));
  EXPECT_THAT(r.err, HasSubstr("line 1, column "));
}

TEST(Encode, RefusesToWriteBinaryToATerminal) {
  const run_result r =
      run_process({amphora_path(), "encode"}, {.stdin_data = "1", .stdout_is_terminal = true});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("refusing to write binary AMF to a terminal"));
  const run_result forced =
      run_process({amphora_path(), "encode", "-o", "-"}, {.stdin_data = "1", .stdout_is_terminal = true});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

}  // namespace
}  // namespace amphora::cli::test
