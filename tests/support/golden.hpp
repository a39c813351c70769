// Test support: the golden vector files (tests/data/*.golden, format in the team brief).
//
//   # comment
//   [name-of-vector]
//   source = AMF3 spec 3.6 integer-type
//   hex = 04 00            (may repeat: the pieces are concatenated)
//   json = 0               (may repeat: the pieces are concatenated)
//   exact = yes            (or no; required with json)
//   error = bad_reference @ 1   (instead of json and exact)
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf/error.hpp"
#include "support/bytes.hpp"
#include "support/codec.hpp"

namespace amphora::test {

struct golden_vector {
  std::string file;      // "amf3.golden"
  std::size_t line = 0;  // line of the [name] header
  std::string name;
  std::string source;
  bytes input;
  std::optional<std::string> json;  // success vectors
  bool exact = false;               // success vectors: our encoder writes exactly `input`
  std::optional<amf::errc> error;   // error vectors
  std::size_t error_offset = 0;

  // The name with every character other than [A-Za-z0-9] replaced by '_' (GoogleTest names).
  std::string test_name() const;
};

struct golden_file {
  std::vector<golden_vector> vectors;
  std::string problem;  // empty when the file parsed cleanly and has at least one vector
};

// Parses the text of a file. Any malformed record (unknown key, missing source/hex, both or neither
// of json and error, missing exact, bad hex, unknown errc name, duplicate name) makes `problem`
// say which line and why, and leaves `vectors` empty: a half-read file never passes quietly.
golden_file parse_golden(std::string_view text, std::string_view file_name);

// Reads `AMPHORA_TEST_DATA_DIR/<file_name>`; a missing or empty file is a problem too.
golden_file load_golden(std::string_view file_name);

}  // namespace amphora::test
