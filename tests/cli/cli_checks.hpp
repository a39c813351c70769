// Checks shared by the CLI tests.
#pragma once

#include <string>

namespace amphora::cli::test {

// `err` says "at byte N" and holds a hex dump of `bytes` with a caret line ("^^") right under byte N
// (or, when N is the input's size, just past the last byte, saying "end of input").
void expect_caret_under_error_byte(const std::string& err, const std::string& bytes);

}  // namespace amphora::cli::test
