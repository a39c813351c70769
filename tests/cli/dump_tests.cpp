// The CLI's renderings of bytes and error contexts (apps/amphora/dump.hpp), without running the binary.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dump.hpp"

namespace amphora::cli {
namespace {

std::vector<std::uint8_t> iota_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(0x41 + i % 26);
  return v;
}

TEST(Dump, HexBytes) {
  const std::vector<std::uint8_t> b{0x0a, 0x0b, 0x01, 0xff};
  EXPECT_EQ(hex_bytes(b, 8), "0a 0b 01 ff");
  EXPECT_EQ(hex_bytes(b, 2), "0a 0b …");
  EXPECT_EQ(hex_bytes({}, 8), "");
}

TEST(Dump, HexContextPutsTheCaretUnderTheByte) {
  const std::vector<std::uint8_t> b{0x09, 0x03, 0x01, 0x20};
  EXPECT_EQ(hex_context(b, 3, 0, 0),
            "  00000000  09 03 01 20                                       |... |\n"
            "                     ^^\n");
}

TEST(Dump, HexContextInTheSecondHalfOfARow) {
  const std::string text = hex_context(iota_bytes(16), 9, 0, 0);
  EXPECT_EQ(text,
            "  00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
            "                                        ^^\n");
}

TEST(Dump, HexContextAtTheEndOfInput) {
  const std::vector<std::uint8_t> b{0x06, 0x07, 0x66};
  EXPECT_EQ(hex_context(b, 3, 0, 0),
            "  00000000  06 07 66                                          |..f|\n"
            "                     ^^ end of input\n");
  // A full last row: the end is the first slot of the next one.
  const std::string full = hex_context(iota_bytes(16), 16, 0, 0);
  EXPECT_EQ(full.substr(0, 24), "  00000010              ");
  EXPECT_NE(full.find("\n            ^^ end of input\n"), std::string::npos) << full;
}

TEST(Dump, HexContextRowsAroundTheByte) {
  const std::vector<std::uint8_t> b = iota_bytes(100);  // rows at 0x00 .. 0x60
  const std::string text = hex_context(b, 0x35, 2, 1);
  EXPECT_EQ(text.find("  00000000"), std::string::npos);
  EXPECT_NE(text.find("  00000010"), std::string::npos);
  EXPECT_NE(text.find("  00000030"), std::string::npos);
  EXPECT_NE(text.find("  00000040"), std::string::npos);
  EXPECT_EQ(text.find("  00000050"), std::string::npos);
  const std::size_t row = text.find("  00000030");
  const std::size_t caret_line = text.find('\n', row) + 1;
  EXPECT_EQ(text.substr(caret_line, 30), std::string(27, ' ') + "^^\n") << text;  // byte 5 of the row
  EXPECT_EQ(text.find("^^"), text.rfind("^^")) << "one caret line";
}

TEST(Dump, HexContextClampsAnOffsetPastTheEnd) {
  const std::vector<std::uint8_t> b{0x01};
  EXPECT_NE(hex_context(b, 99, 0, 0).find("^^ end of input"), std::string::npos);
  EXPECT_NE(hex_context({}, 0, 0, 0).find("^^ end of input"), std::string::npos);
}

TEST(Dump, TextContextLineAndColumn) {
  EXPECT_EQ(text_context("{\"a\":\n  [1,, 2]}", 11),
            "  line 2, column 6:\n"
            "    [1,, 2]}\n"
            "       ^\n");
  EXPECT_EQ(text_context("", 0), "  line 1, column 1:\n  \n  ^\n");
}

TEST(Dump, TextContextCountsCharactersNotBytes) {
  // "é" is two bytes, one column.
  EXPECT_EQ(text_context("[\"\xc3\xa9\", x]", 7),
            "  line 1, column 7:\n"
            "  [\"\xc3\xa9\", x]\n"
            "        ^\n");
}

TEST(Dump, TextContextCutsLongLines) {
  const std::string line = std::string(200, 'a') + "!" + std::string(200, 'b');
  const std::string text = text_context(line, 200);
  EXPECT_NE(text.find("line 1, column 201:"), std::string::npos);
  EXPECT_NE(text.find("\n  …" + std::string(60, 'a') + "!" + std::string(59, 'b') + "…\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  " + std::string(61, ' ') + "^\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace amphora::cli
