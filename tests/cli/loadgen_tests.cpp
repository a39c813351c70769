// amphora loadgen against a real `amphora serve` started on 127.0.0.1, port 0, for each test and
// always stopped: a bounded number of calls (--count), every one answered, no errors. No timing
// is asserted: the figures are the benchmark's business (bench/server/run_server_bench.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

class Loadgen : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = listening_port(server_);
    ASSERT_NE(port_, 0u) << server_.err();
  }

  run_result loadgen(const std::string& request, const std::string& count) {
    return amphora({"loadgen", "--port", std::to_string(port_), "--request", request, "--connections", "4",
                    "--warmup", "0", "--duration", "60", "--count", count, "--json"});
  }

  background_process server_{{"serve", "--port", "0", "--log-level", "warn"}};
  unsigned port_ = 0;
};

TEST_F(Loadgen, EveryKindOfCallSucceedsForTheGivenCount) {
  for (const std::string request : {"nc", "flex", "health"}) {
    SCOPED_TRACE(request);
    const run_result r = loadgen(request, "300");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("\"request\":\"" + request + "\""));
    EXPECT_EQ(json_number(r.out, "calls"), 300);
    EXPECT_EQ(json_number(r.out, "errors"), 0);
    EXPECT_GT(json_number(r.out, "calls_per_s"), 0);
    EXPECT_GT(json_number(r.out, "p99_ms"), 0);
  }
  EXPECT_EQ(server_.stop(), 0) << server_.err();
}

TEST_F(Loadgen, TextReportAndACustomArgument) {
  const run_result r =
      amphora({"loadgen", "--port", std::to_string(port_), "-r", "flex", "-c", "2", "--warmup", "0", "-n",
               "50", "--arg", R"({"$class":"com.example.Point","x":1,"y":[2,3]})"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("flex /amf: 2 connections"));
  EXPECT_THAT(r.out, HasSubstr("calls:    50 ("));
  EXPECT_THAT(r.out, HasSubstr("errors:   0 (http 0, faults 0, io 0, unreadable 0)"));
}

TEST_F(Loadgen, AnUnknownPathCountsAsHttpErrors) {
  // The server answers a POST to an unknown path with 404: every call is an HTTP error, exit 1.
  const run_result r = amphora({"loadgen", "--port", std::to_string(port_), "--path", "/nowhere", "-c", "1",
                                "--warmup", "0", "-d", "0.3", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json_number(r.out, "calls"), 0);
  EXPECT_GT(json_number(r.out, "http_errors"), 0);
}

TEST(LoadgenAlone, SaveBodyWritesTheAmfPacket) {
  const std::string path = scratch_file("nc.amf", "");
  const run_result saved = amphora({"loadgen", "--request", "nc", "--save-body", path});
  EXPECT_EQ(saved.exit_code, 0) << saved.err;
  const run_result decoded = amphora({"decode", "--packet", path});
  EXPECT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_THAT(decoded.out, HasSubstr("\"target\":\"EchoService.echo\""));
  EXPECT_THAT(decoded.out, HasSubstr("com.example.Person"));
}

TEST(LoadgenAlone, NoServerIsBadData) {
  // Port 1 on loopback: nothing listens there (it is privileged and unused in the test environment).
  const run_result r = amphora({"loadgen", "--port", "1", "-c", "1", "--warmup", "0", "-d", "0.2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no call succeeded"));
}

TEST(LoadgenAlone, UsageErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--host", "10.0.0.1"},
           {"--request", "soap"},
           {"--port", "0"},
           {"--connections", "0"},
           {"--duration", "0"},
           {"--path", "amf"},
           {"--arg", "{not json"},
           {"--request", "health", "--save-body", "health.bin"},
       }) {
    std::vector<std::string> argv{"loadgen"};
    argv.insert(argv.end(), args.begin(), args.end());
    SCOPED_TRACE(args[0]);
    const run_result r = amphora(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("amphora loadgen: "));
  }
}

}  // namespace
}  // namespace amphora::cli::test
