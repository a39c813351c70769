// amphora --help, help COMMAND, COMMAND --help, and the usage errors (exit code 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

// The commands that read data (the others, like serve, have options of their own).
const std::vector<std::string> codec_commands = {"decode", "encode", "inspect"};

// Every command `amphora --help` lists ("  name   summary" lines under "Commands:").
std::vector<std::string> listed_commands() {
  const std::string overview = amphora({"--help"}).out;
  std::istringstream in(overview.substr(overview.find("Commands:\n") + 10));
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line) && line.rfind("  ", 0) == 0;) {
    std::istringstream words(line);
    std::string name;
    words >> name;
    names.push_back(name);
  }
  return names;
}

TEST(Help, OverviewListsEveryCommand) {
  const run_result r = amphora({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Usage: amphora <command>"));
  const std::vector<std::string> listed = listed_commands();
  for (const std::string& c : codec_commands) EXPECT_THAT(listed, ::testing::Contains(c));
  EXPECT_EQ(amphora({"help"}).out, r.out);
  EXPECT_EQ(amphora({"-h"}).out, r.out);
}

TEST(Help, EveryCommandHasUsageOptionsExamplesAndExitCodes) {
  for (const std::string& c : listed_commands()) {
    SCOPED_TRACE(c);
    const run_result r = amphora({c, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("Usage: amphora " + c + " "));
    EXPECT_THAT(r.out, HasSubstr("\nOptions:\n"));
    EXPECT_THAT(r.out, HasSubstr("-h, --help"));
    EXPECT_THAT(r.out, HasSubstr("\nExamples:\n  amphora "));
    EXPECT_THAT(r.out, HasSubstr("\nExit codes:\n  0  success\n  1  bad data"));
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_EQ(amphora({"help", c}).out, r.out);
    EXPECT_EQ(amphora({c, "-h"}).out, r.out);
  }
  for (const std::string& c : codec_commands) {
    EXPECT_THAT(amphora({c, "--help"}).out, HasSubstr("--amf0")) << c;
  }
}

TEST(Help, HelpWinsOverOtherArguments) {
  const run_result r = amphora({"decode", "--amf0", "no-such-file", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Usage: amphora decode"));
}

TEST(Help, VersionPrintsTheProjectVersion) {
  const run_result r = amphora({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, ::testing::StartsWith("amphora "));
}

TEST(UsageErrors, NoCommandPrintsTheOverviewOnStderr) {
  const run_result r = amphora({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_THAT(r.err, HasSubstr("Usage: amphora <command>"));
}

TEST(UsageErrors, UnknownCommand) {
  const run_result r = amphora({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'frobnicate'"));
  EXPECT_EQ(amphora({"help", "frobnicate"}).exit_code, 2);
  EXPECT_EQ(amphora({"help", "decode", "encode"}).exit_code, 2);
}

TEST(UsageErrors, UnknownOptionOnEveryCommand) {
  for (const std::string& c : listed_commands()) {
    const run_result r = amphora({c, "--frob"}, "");
    EXPECT_EQ(r.exit_code, 2) << c;
    EXPECT_THAT(r.err, HasSubstr("amphora " + c + ": unknown option '--frob'")) << c;
    EXPECT_THAT(r.err, HasSubstr("Try 'amphora " + c + " --help'")) << c;
    EXPECT_TRUE(r.out.empty()) << c;
  }
}

TEST(UsageErrors, TooManyArguments) {
  const run_result r = amphora({"decode", "a.amf", "b.amf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("too many arguments"));
}

TEST(UsageErrors, MissingFile) {
  for (const std::string& c : codec_commands) {
    const run_result r = amphora({c, "/no/such/file"});
    EXPECT_EQ(r.exit_code, 2) << c;
    EXPECT_THAT(r.err, HasSubstr("amphora " + c + ": cannot open '/no/such/file'")) << c;
  }
}

TEST(UsageErrors, MoreThanOneFormat) {
  const run_result r = amphora({"decode", "--amf0", "--packet"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("choose one of --amf0, --amf3 and --packet"));
}

TEST(UsageErrors, BadOptionValues) {
  EXPECT_EQ(amphora({"decode", "--max-depth", "deep"}, "").exit_code, 2);
  EXPECT_EQ(amphora({"decode", "--max-depth=0"}, "").exit_code, 2);
  EXPECT_EQ(amphora({"inspect", "--max-input", "12Q"}, "").exit_code, 2);
  EXPECT_EQ(amphora({"decode", "--pretty=yes"}, "").exit_code, 2);
  const run_result r = amphora({"encode", "-o"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("option '--output' needs a value (FILE)"));
}

}  // namespace
}  // namespace amphora::cli::test
