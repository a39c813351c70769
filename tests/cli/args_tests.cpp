// The CLI's argument parser (apps/amphora/args.hpp), without running the binary.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "args.hpp"

namespace amphora::cli {
namespace {

constexpr option_spec specs[] = {
    {"--pretty", "", "", "flag"},
    {"--output", "-o", "FILE", "value"},
    {"--max-depth", "", "N", "value"},
};

parse_result parse(std::vector<std::string_view> args) { return parse_args(args, specs); }

TEST(Args, FlagsValuesAndPositionals) {
  const parse_result r = parse({"--pretty", "in.amf", "-o", "out.json", "--max-depth=7"});
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.args.has("--pretty"));
  EXPECT_EQ(r.args.value("--output"), "out.json");
  EXPECT_EQ(r.args.value("--max-depth"), "7");
  EXPECT_EQ(r.args.positionals(), std::vector<std::string_view>{"in.amf"});
  EXPECT_FALSE(parse({}).args.has("--pretty"));
  EXPECT_EQ(parse({}).args.value("--output"), std::nullopt);
}

TEST(Args, TheLastOccurrenceWins) {
  EXPECT_EQ(parse({"--output", "a", "--output=b"}).args.value("--output"), "b");
}

TEST(Args, EmptyValueIsAValue) {
  const parse_result r = parse({"--output="});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.args.value("--output"), "");
}

TEST(Args, DashIsAPositionalAndDoubleDashEndsOptions) {
  const parse_result r = parse({"-", "--", "--pretty", "-o"});
  ASSERT_EQ(r.error, "");
  EXPECT_FALSE(r.args.has("--pretty"));
  EXPECT_EQ(r.args.positionals(), (std::vector<std::string_view>{"-", "--pretty", "-o"}));
}

TEST(Args, HelpIsAlwaysKnown) {
  EXPECT_TRUE(parse({"-h"}).args.has("--help"));
  EXPECT_TRUE(parse({"--help"}).args.has("--help"));
}

TEST(Args, UsageErrors) {
  EXPECT_EQ(parse({"--frob"}).error, "unknown option '--frob'");
  EXPECT_EQ(parse({"--frob=1"}).error, "unknown option '--frob'");
  EXPECT_EQ(parse({"-x"}).error, "unknown option '-x'");
  EXPECT_EQ(parse({"--pretty=yes"}).error, "option '--pretty' takes no value");
  EXPECT_EQ(parse({"-o"}).error, "option '--output' needs a value (FILE)");
}

TEST(Args, JoinOptionsKeepsOrder) {
  constexpr option_spec more[] = {{"--amf0", "", "", ""}};
  const std::vector<option_spec> all = join_options({more, specs});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "--amf0");
  EXPECT_EQ(all[3].name, "--max-depth");
}

TEST(Args, ParseSize) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("16K"), 16u << 10);
  EXPECT_EQ(parse_size("2m"), 2u << 20);
  EXPECT_EQ(parse_size("1G"), std::size_t{1} << 30);
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("-1"), std::nullopt);
  EXPECT_EQ(parse_size("12Q"), std::nullopt);
  EXPECT_EQ(parse_size("1KB"), std::nullopt);
  EXPECT_EQ(parse_size("99999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_size("17179869184G"), std::nullopt);  // 2^34 G overflows 64 bits
}

}  // namespace
}  // namespace amphora::cli
