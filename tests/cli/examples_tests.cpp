// The sample files in examples/data stay what our encoder writes for their JSON (their README says
// how each was made), and decode back to it.
#include <gtest/gtest.h>

#include <string>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

struct sample {
  const char* format;
  const char* json;
  const char* amf;
};

const sample samples[] = {
    {"--packet", "echo-request.json", "echo-request.amf"},
    {"--amf3", "order.json", "order.amf3"},
    {"--amf0", "order.json", "order.amf0"},
};

std::string example(const char* name) { return std::string(AMPHORA_EXAMPLES_DIR) + "/" + name; }

TEST(Examples, SamplesAreOurEncodingOfTheirJson) {
  for (const sample& s : samples) {
    SCOPED_TRACE(s.amf);
    const std::string bytes = read_file(example(s.amf));
    ASSERT_FALSE(bytes.empty());
    const run_result encoded = amphora({"encode", s.format, example(s.json)});
    EXPECT_EQ(encoded.exit_code, 0) << encoded.err;
    EXPECT_EQ(to_hex(encoded.out), to_hex(bytes));
    const run_result back = shell("\"$AMPHORA\" decode " + std::string(s.format) + " '" + example(s.amf) +
                                  "' | \"$AMPHORA\" encode " + s.format);
    EXPECT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(to_hex(back.out), to_hex(bytes));
  }
}

}  // namespace
}  // namespace amphora::cli::test
