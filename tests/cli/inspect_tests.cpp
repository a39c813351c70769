// amphora inspect: one line per item with offsets, bytes and the decoder's resolved meaning; errors
// after the items read so far, with a caret under the failing byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli_checks.hpp"
#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

// The line describing the item at `offset` ("000b  11  ..."), or "" if there is none.
std::string line_at(const std::string& dump, std::size_t offset) {
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%04zx %3zu  ", offset, offset);
  std::istringstream in(dump);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

std::size_t indentation_of_item(const std::string& line) {
  const std::size_t text = 4 + 1 + 3 + 2 + 25 + 2;  // hex, dec, bytes columns and their gaps
  return line.find_first_not_of(' ', text) - text;
}

// An AMF3 array of two strings "foo": the second is a string reference (AMF3 spec §3.8).
const std::string string_ref = from_hex("09 05 01 06 07 66 6f 6f 06 00");
// An AMF3 array holding one object twice: the second is an object reference to index 1 (§3.12).
const std::string object_ref = from_hex("09 05 01 0a 0b 01 03 61 04 01 01 0a 02");

TEST(Inspect, OneLinePerItemWithOffsetsAndBytes) {
  const run_result r = amphora({"inspect", "--amf3"}, object_ref);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("hex  dec  bytes"));
  EXPECT_THAT(line_at(r.out, 0), HasSubstr("  09 05  "));
  EXPECT_THAT(line_at(r.out, 3), HasSubstr("  0a  "));
  EXPECT_THAT(line_at(r.out, 4), HasSubstr("  0b 01  "));
  EXPECT_THAT(line_at(r.out, 8), HasSubstr("  04 01  "));
  EXPECT_THAT(line_at(r.out, 13), HasSubstr("end of input: 13 bytes"));
  EXPECT_EQ(r.err, "");
}

TEST(Inspect, ReferencesAreResolved) {
  const run_result strings = amphora({"inspect"}, string_ref);
  ASSERT_EQ(strings.exit_code, 0) << strings.err;
  EXPECT_THAT(line_at(strings.out, 3), HasSubstr("\"foo\""));
  EXPECT_THAT(line_at(strings.out, 8), HasSubstr("ref #0"));
  EXPECT_THAT(line_at(strings.out, 8), HasSubstr("\"foo\""));  // what reference #0 is

  const run_result objects = amphora({"inspect"}, object_ref);
  ASSERT_EQ(objects.exit_code, 0) << objects.err;
  EXPECT_THAT(line_at(objects.out, 3), HasSubstr("#1"));  // the object takes index 1
  EXPECT_THAT(line_at(objects.out, 11), HasSubstr("ref #1"));
}

TEST(Inspect, ChildrenAreIndentedUnderTheirContainer) {
  const run_result r = amphora({"inspect"}, object_ref);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::size_t array = indentation_of_item(line_at(r.out, 0));
  const std::size_t object = indentation_of_item(line_at(r.out, 3));
  const std::size_t member = indentation_of_item(line_at(r.out, 8));
  EXPECT_EQ(array, 0u);
  EXPECT_GT(object, array);
  EXPECT_GT(member, object);
}

TEST(Inspect, LongItemsShowEightBytesAndAnEllipsis) {
  const run_result r = amphora({"inspect"}, from_hex("06 15 61 62 63 64 65 66 67 68 69 6a"));  // "abcdefghij"
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(line_at(r.out, 0), HasSubstr("  06 15 61 62 63 64 65 66 …  "));
}

TEST(Inspect, Amf0AndPackets) {
  const run_result amf0 = amphora({"inspect", "--amf0"}, from_hex("02 00 03 66 6f 6f"));
  EXPECT_EQ(amf0.exit_code, 0) << amf0.err;
  EXPECT_THAT(line_at(amf0.out, 0), HasSubstr("foo"));
  const std::string packet = from_hex(
      "00 03 00 00 00 01 00 06 53 76 63 2e 6f 70 00 02 2f 31 00 00 00 09"
      "0a 00 00 00 01 02 00 01 78");
  const run_result p = amphora({"inspect", "--packet"}, packet);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.out, HasSubstr("Svc.op"));
  EXPECT_THAT(line_at(p.out, 31), HasSubstr("end of input: 31 bytes"));
}

TEST(Inspect, ErrorAfterTheItemsReadSoFarWithACaret) {
  // The second element is a reference to string #1, which does not exist yet.
  const std::string bytes = from_hex("09 05 01 06 07 66 6f 6f 06 02");
  const run_result r = amphora({"inspect"}, bytes);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(line_at(r.out, 3), HasSubstr("\"foo\""));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("end of input")));
  EXPECT_THAT(r.err, ::testing::StartsWith("amphora inspect: reference to an undefined index at byte 9"));
  expect_caret_under_error_byte(r.err, bytes);
}

TEST(Inspect, LimitsApply) {
  EXPECT_EQ(amphora({"inspect", "--max-input", "9"}, string_ref).exit_code, 1);
  EXPECT_EQ(amphora({"inspect", "--max-depth", "1"}, from_hex("09 03 01 09 03 01 09 03 01 01")).exit_code, 1);
}

}  // namespace
}  // namespace amphora::cli::test
