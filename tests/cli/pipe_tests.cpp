// The commands chained through real shell pipes, as a user would: encode | decode gives the JSON
// back, and decode | encode gives the bytes back.
#include <gtest/gtest.h>

#include <string>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

// A typed object with sealed members of most scalar kinds, a date, an array with a repeated string
// (a string reference in AMF3) and a nested anonymous object. AMF0 has no integers: 7 is 7.0 there.
std::string order_json(const char* id) {
  return std::string("{\"$class\":\"com.example.Order\",\"id\":") + id +
         ",\"total\":12.5,\"paid\":true,\"note\":null,\"due\":{\"$date\":\"2005-03-18T01:58:31.000Z\"},"
         "\"tags\":[\"a\",\"b\",\"a\"],\"customer\":{\"name\":\"Ada\",\"vip\":false}}";
}

TEST(Pipes, EncodeThenDecodeGivesTheJsonBack) {
  for (const auto& [format, json] :
       {std::pair{"--amf3", order_json("7")}, std::pair{"--amf0", order_json("7.0")}}) {
    SCOPED_TRACE(format);
    const run_result r =
        shell(std::string("\"$AMPHORA\" encode ") + format + " | \"$AMPHORA\" decode " + format, json);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, json + "\n");
  }
}

TEST(Pipes, PlainJsonRoundTripsThroughAmf3) {
  const run_result r =
      shell("\"$AMPHORA\" encode | \"$AMPHORA\" decode", "{\"x\": [1, 2.5, \"three\", null]}");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"x\":[1,2.5,\"three\",null]}\n");
}

TEST(Pipes, DecodeThenEncodeGivesTheBytesBack) {
  // Two references to one object: AMF3 object table index 1 (index 0 is the outer array).
  const std::string amf3 = from_hex("09 05 01 0a 0b 01 03 61 04 01 01 0a 02");
  const run_result r = shell("\"$AMPHORA\" decode --amf3 | \"$AMPHORA\" encode --amf3", amf3);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(to_hex(r.out), to_hex(amf3));
}

TEST(Pipes, PacketsRoundTrip) {
  // Version 3, no headers, one body: target "Svc.op", response "/1", an AMF0 strict array ["x"].
  const std::string packet = from_hex(
      "00 03  00 00  00 01  00 06 53 76 63 2e 6f 70  00 02 2f 31  00 00 00 09"
      "  0a 00 00 00 01 02 00 01 78");
  const run_result r = shell("\"$AMPHORA\" decode --packet | \"$AMPHORA\" encode --packet", packet);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(to_hex(r.out), to_hex(packet));
}

TEST(Pipes, AFailureInThePipeIsReported) {
  const run_result r = shell("\"$AMPHORA\" decode --amf3 | \"$AMPHORA\" encode --amf3; echo \"exit $?\"",
                             from_hex("09 03 01 20"));
  EXPECT_NE(r.err.find("amphora decode: "), std::string::npos) << r.err;
  // decode printed nothing, so encode saw empty input: bad JSON, exit 1.
  EXPECT_NE(r.out.find("exit 1"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace amphora::cli::test
