#include "support/golden.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace amphora::test {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One record being read; checked when the next header (or the end of the file) arrives.
struct record {
  golden_vector v;
  std::string hex;
  bool has_exact = false;
  bool has_error = false;
};

class parser {
 public:
  explicit parser(std::string_view file_name) : file_(file_name) {}

  std::vector<golden_vector> run(std::string_view text) {
    std::size_t line_no = 0;
    while (!text.empty()) {
      const std::size_t nl = text.find('\n');
      const std::string_view line = trim(text.substr(0, nl));
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      ++line_no;
      line_ = line_no;
      if (line.empty() || line.front() == '#') continue;
      if (line.front() == '[') {
        start_record(line);
      } else {
        add_field(line);
      }
    }
    finish_record();
    if (out_.empty()) fail("no vectors");
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw parse_error(std::string(file_) + ":" + std::to_string(line_) + ": " + why);
  }

  void start_record(std::string_view line) {
    finish_record();
    if (line.size() < 3 || line.back() != ']') fail("malformed header (want [name])");
    const std::string name(trim(line.substr(1, line.size() - 2)));
    if (name.empty()) fail("empty vector name");
    cur_.emplace();
    cur_->v.file = std::string(file_);
    cur_->v.line = line_;
    cur_->v.name = name;
    if (!names_.insert(cur_->v.test_name()).second) fail("duplicate vector name '" + name + "'");
  }

  void add_field(std::string_view line) {
    if (!cur_) fail("field outside a [vector]");
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) fail("want key = value");
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view val = trim(line.substr(eq + 1));
    record& r = *cur_;
    if (key == "source") {
      if (!r.v.source.empty()) fail("duplicate source");
      if (val.empty()) fail("empty source");
      r.v.source = val;
    } else if (key == "hex") {
      r.hex += val;
      r.hex += ' ';
    } else if (key == "json") {
      if (!r.v.json) r.v.json.emplace();
      *r.v.json += val;
    } else if (key == "exact") {
      if (r.has_exact) fail("duplicate exact");
      if (val != "yes" && val != "no") fail("exact must be yes or no");
      r.has_exact = true;
      r.v.exact = val == "yes";
    } else if (key == "error") {
      if (r.has_error) fail("duplicate error");
      parse_error_field(val, r);
    } else {
      fail("unknown key '" + std::string(key) + "'");
    }
  }

  void parse_error_field(std::string_view val, record& r) {
    const std::size_t at = val.find('@');
    if (at == std::string_view::npos) fail("error wants '<errc name> @ <offset>'");
    const std::string_view name = trim(val.substr(0, at));
    const std::string_view off = trim(val.substr(at + 1));
    r.v.error = errc_from_name(name);
    if (!r.v.error) fail("unknown errc name '" + std::string(name) + "'");
    const auto [end, ec] = std::from_chars(off.data(), off.data() + off.size(), r.v.error_offset);
    if (ec != std::errc{} || end != off.data() + off.size())
      fail("bad error offset '" + std::string(off) + "'");
    r.has_error = true;
  }

  void finish_record() {
    if (!cur_) return;
    record& r = *cur_;
    line_ = r.v.line;
    const std::string& n = r.v.name;
    if (r.v.source.empty()) fail("[" + n + "] has no source");
    if (r.hex.empty()) fail("[" + n + "] has no hex");
    try {
      r.v.input = from_hex(r.hex);
    } catch (const std::invalid_argument& e) {
      fail("[" + n + "] bad hex: " + e.what());
    }
    if (r.v.input.empty()) fail("[" + n + "] has empty hex");
    if (r.has_error == r.v.json.has_value()) fail("[" + n + "] needs exactly one of json and error");
    if (r.v.json && r.v.json->empty()) fail("[" + n + "] has empty json");
    if (r.v.json && !r.has_exact) fail("[" + n + "] has json but no exact = yes|no");
    if (r.has_error && r.has_exact) fail("[" + n + "] error vectors take no exact");
    out_.push_back(std::move(r.v));
    cur_.reset();
  }

  std::string_view file_;
  std::size_t line_ = 0;
  std::optional<record> cur_;
  std::set<std::string> names_;
  std::vector<golden_vector> out_;
};

}  // namespace

std::string golden_vector::test_name() const {
  std::string s = name;
  for (char& c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) c = '_';
  }
  return s;
}

golden_file parse_golden(std::string_view text, std::string_view file_name) {
  golden_file f;
  try {
    f.vectors = parser(file_name).run(text);
  } catch (const parse_error& e) {
    f.problem = e.what();
  }
  return f;
}

golden_file load_golden(std::string_view file_name) {
  const std::string path = std::string(AMPHORA_TEST_DATA_DIR) + "/" + std::string(file_name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return golden_file{{}, path + ": cannot open"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_golden(text.str(), file_name);
}

}  // namespace amphora::test
