#include "cli_checks.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "process.hpp"

namespace amphora::cli::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

void expect_caret_under_error_byte(const std::string& err, const std::string& bytes) {
  const std::size_t at = err.find("at byte ");
  ASSERT_NE(at, std::string::npos) << err;
  const std::size_t n = std::stoul(err.substr(at + 8));
  ASSERT_LE(n, bytes.size()) << err;

  char row_offset[32];
  std::snprintf(row_offset, sizeof row_offset, "  %08zx  ", n / 16 * 16);
  const std::vector<std::string> lines = lines_of(err);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind(row_offset, 0) != 0) continue;
    const std::string& row = lines[i];
    const std::string& caret = lines[i + 1];
    const std::size_t column = caret.find("^^");
    ASSERT_NE(column, std::string::npos) << err;
    ASSERT_LT(column, row.size()) << err;
    // The caret stands under the (n % 16)-th byte of the row: that many bytes precede it.
    std::istringstream before(row.substr(12, column - 12));
    std::size_t preceding = 0;
    for (std::string token; before >> token;) ++preceding;
    EXPECT_EQ(preceding, n % 16) << err;
    if (n < bytes.size()) {
      EXPECT_EQ(row.substr(column, 2), to_hex(bytes.substr(n, 1))) << err;
    } else {
      EXPECT_NE(caret.find("end of input"), std::string::npos) << err;
    }
    return;
  }
  ADD_FAILURE() << "no hex row at " << row_offset << " in:\n" << err;
}

}  // namespace amphora::cli::test
