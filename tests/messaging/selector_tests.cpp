// Message selectors: the language (a table of selector -> TRUE / FALSE / UNKNOWN over one set of
// headers), parse errors with their offsets, and hostile texts (length, nesting, IN lists, LIKE
// patterns that would backtrack exponentially in a naive matcher).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "amphora/messaging/selector.hpp"

namespace amphora::messaging {
namespace {

namespace amf = amphora::amf;

// The headers every case of the table sees.
class Headers {
 public:
  Headers() {
    object_ = amf::new_object(memory_);
    date_ = amf::new_date(memory_, 1.7e12);
    add("s", amf::value::string("hello"));
    add("n", amf::value::integer(5));
    add("d", amf::value::number(2.5));
    add("t", amf::value::boolean(true));
    add("f", amf::value::boolean(false));
    add("nul", amf::value::null());
    add("undef", amf::value::undefined());
    add("date", amf::value::of(date_));
    add("big", amf::value::integer(std::numeric_limits<std::int64_t>::max()));
    add("zero", amf::value::integer(0));
    add("dzero", amf::value::number(0.0));
    add("nan", amf::value::number(std::nan("")));
    add("empty", amf::value::string(""));
    add("pct", amf::value::string("50%"));
    add("uni", amf::value::string("h\xC3\xA9llo"));  // héllo
    add("quote", amf::value::string("it's"));
    add("DSId", amf::value::string("5A1C-77"));
  }

  amf::value value() const { return amf::value::of(object_); }
  selector::header_lookup lookup() const {
    return [this](std::string_view name) -> const amf::value* { return object_->find(name); };
  }

 private:
  void add(std::string_view name, amf::value v) { ASSERT_TRUE(amf::add_dynamic(memory_, *object_, name, v)); }

  amf::arena memory_;
  amf::object_node* object_ = nullptr;
  amf::date_node* date_ = nullptr;
};

const char* name(truth t) { return t == truth::true_ ? "TRUE" : t == truth::false_ ? "FALSE" : "UNKNOWN"; }

struct eval_case {
  const char* text;
  truth expected;
};

constexpr truth T = truth::true_;
constexpr truth F = truth::false_;
constexpr truth U = truth::unknown;

void check_table(const std::vector<eval_case>& cases) {
  const Headers headers;
  for (const auto& c : cases) {
    selector_error error;
    const auto s = selector::parse(c.text, &error);
    ASSERT_TRUE(s.has_value()) << c.text << ": " << error.message << " at " << error.offset;
    const truth got = s->evaluate(headers.lookup());
    EXPECT_EQ(got, c.expected) << c.text << " gave " << name(got) << ", expected " << name(c.expected);
    EXPECT_EQ(s->matches(headers.lookup()), c.expected == T) << c.text;
    EXPECT_EQ(s->matches(headers.value()), c.expected == T) << c.text;
  }
}

TEST(Selector, Comparisons) {
  check_table({
      {"n = 5", T},
      {"n = 5.0", T},
      {"n <> 5", F},
      {"n > 4", T},
      {"n >= 5", T},
      {"n < 5", F},
      {"n <= 4.9", F},
      {"d > 2", T},
      {"d = 2.5", T},
      {"d = 25e-1", T},
      {"d < n", T},
      {"5 = n", T},
      {"s = 'hello'", T},
      {"s <> 'hello'", F},
      {"s = 'Hello'", F},
      {"s = s", T},
      {"'a' = 'a'", T},
      {"'a' <> 'b'", T},
      {"t = TRUE", T},
      {"t = FALSE", F},
      {"f <> TRUE", T},
      {"t = t", T},
      {"t <> f", T},
      {"(n > 1) = TRUE", T},
      {"(n > 1) = (d > 1)", T},
      {"nan = nan", F},
      {"nan <> nan", T},
      {"nan < 1", F},
      {"big = 9223372036854775807", T},
      {"big > 9.2e18", T},
      {"zero = dzero", T},
      {"DSId = '5A1C-77'", T},
      {"quote = 'it''s'", T},
      {"uni = 'h\xC3\xA9llo'", T},
  });
}

TEST(Selector, BooleansAndLiterals) {
  check_table({
      {"t", T},
      {"f", F},
      {"TRUE", T},
      {"FALSE", F},
      {"NOT t", F},
      {"NOT f", T},
      {"(t)", T},
      {"((((t))))", T},
  });
}

TEST(Selector, AbsentNullAndMismatchedHeadersAreUnknown) {
  check_table({
      {"missing = 1", U},
      {"missing <> 1", U},
      {"NOT missing = 1", U},
      {"missing", U},
      {"nul = 1", U},
      {"undef = 1", U},
      {"nul <> 'x'", U},
      {"S = 'hello'", U},
      {"s = 5", U},
      {"s > 1", U},
      {"n = 'x'", U},
      {"s < s", U},
      {"s >= s", U},
      {"t < 1", U},
      {"t = 1", U},
      {"t > f", U},
      {"date = 1", U},
      {"date IS NULL", F},
      {"s", U},
      {"n", U},
      {"NOT s", U},
      {"t + 1 = 2", U},
      {"-s = 1", U},
      {"+s = 1", U},
      {"n LIKE '5'", U},
      {"n NOT LIKE '5'", U},
      {"n IN ('5')", U},
      {"n NOT IN ('5')", U},
      {"date LIKE '%'", U},
      {"s BETWEEN 1 AND 2", U},
      {"t BETWEEN 0 AND 1", U},
  });
}

TEST(Selector, IsNull) {
  check_table({
      {"nul IS NULL", T},
      {"undef IS NULL", T},
      {"missing IS NULL", T},
      {"s IS NULL", F},
      {"s IS NOT NULL", T},
      {"nul IS NOT NULL", F},
      {"missing IS NOT NULL", F},
      {"date IS NOT NULL", T},
      {"empty IS NULL", F},
      {"zero IS NULL", F},
      {"f IS NOT NULL", T},
  });
}

TEST(Selector, Arithmetic) {
  check_table({
      {"n + 1 = 6", T},
      {"n - 10 = -5", T},
      {"n * 2 = 10", T},
      {"n / 2 = 2", T},
      {"n / 2.0 = 2.5", T},
      {"d * 2 = 5", T},
      {"-n = -5", T},
      {"+n = 5", T},
      {"- -n = 5", T},
      {"-(-n) = 5", T},
      {"-d = -2.5", T},
      {"2 + 3 * 4 = 14", T},
      {"(2 + 3) * 4 = 20", T},
      {"10 - 4 - 3 = 3", T},
      {"24 / 4 / 2 = 3", T},
      {"-7 / 2 = -3", T},
      {"n + missing = 1", U},
      {"n + nul > 0", U},
      {"n * s = 1", U},
      // Division by zero is UNKNOWN, for integers and doubles alike.
      {"n / 0 = 1", U},
      {"NOT n / 0 = 1", U},
      {"d / 0 > 1", U},
      {"n / zero > 0", U},
      {"n / dzero > 0", U},
      {"d / 0.0 < 0", U},
      {"0 / n = 0", T},
      // Java long arithmetic: wraps around.
      {"big + 1 < 0", T},
      {"big * 2 = -2", T},
      {"-big - 1 = -9223372036854775808", T},
      {"(-big - 1) / -1 = -big - 1", T},
      {"-(-big - 1) = -big - 1", T},
      // Java literal syntax.
      {"0x10 = 16", T},
      {"0X1f = 31", T},
      {"010 = 8", T},
      {"5L = n", T},
      {"0xFFFFFFFFFFFFFFFF = -1", T},
      {"1e1 = 10", T},
      {".5 = 0.5", T},
      {"7. = 7", T},
      {"2.5f = d", T},
      {"d = 2.5D", T},
      {"1E+2 = 100", T},
      {"-9223372036854775808 < big", T},
      {"- 9223372036854775808 < 0", T},
      {"0 = -0", T},
      {"1.0 = 1", T},
  });
}

TEST(Selector, Between) {
  check_table({
      {"n BETWEEN 1 AND 10", T},
      {"n BETWEEN 5 AND 5", T},
      {"n BETWEEN 6 AND 10", F},
      {"n NOT BETWEEN 6 AND 10", T},
      {"n NOT BETWEEN 1 AND 10", F},
      {"d BETWEEN 2 AND 3", T},
      {"d BETWEEN 2.6 AND 3", F},
      {"missing BETWEEN 1 AND 2", U},
      {"missing NOT BETWEEN 1 AND 2", U},
      {"n BETWEEN missing AND 10", U},
      {"n BETWEEN missing AND 4", F},
      {"n NOT BETWEEN missing AND 4", T},
      {"n BETWEEN 1 AND 2 + 5", T},
      {"n + 1 BETWEEN n AND n * 2", T},
      {"n BETWEEN 10 AND 1", F},
      {"n BETWEEN 1 AND 10 AND t", T},
  });
}

TEST(Selector, In) {
  check_table({
      {"s IN ('a', 'hello')", T},
      {"s IN ('a')", F},
      {"s NOT IN ('a')", T},
      {"s NOT IN ('hello')", F},
      {"missing IN ('a')", U},
      {"missing NOT IN ('a')", U},
      {"nul IN ('a')", U},
      {"empty IN ('')", T},
      {"s IN ('hello', 'hello')", T},
      {"s IN ('HELLO')", F},
      {"quote IN ('it''s')", T},
      {"s IN ('z', 'y', 'x', 'hello', 'b')", T},
  });
}

TEST(Selector, Like) {
  check_table({
      {"s LIKE 'hello'", T},
      {"s LIKE 'h%'", T},
      {"s LIKE '%o'", T},
      {"s LIKE '%ll%'", T},
      {"s LIKE 'h_llo'", T},
      {"s LIKE 'h_lo'", F},
      {"s LIKE '_____'", T},
      {"s LIKE '______'", F},
      {"s LIKE '____'", F},
      {"s LIKE '%'", T},
      {"empty LIKE '%'", T},
      {"empty LIKE '_'", F},
      {"empty LIKE ''", T},
      {"s LIKE ''", F},
      {"s LIKE 'H%'", F},
      {"s NOT LIKE 'h%'", F},
      {"s NOT LIKE 'x%'", T},
      {"missing LIKE '%'", U},
      {"missing NOT LIKE '%'", U},
      {"s LIKE '%%%o'", T},
      {"s LIKE 'hel%lo'", T},
      {"s LIKE 'h%l%o'", T},
      {"s LIKE 'he%lo'", T},
      {"s LIKE '%l'", F},
      {"s LIKE '%lo%'", T},
      {"s LIKE 'hello%'", T},
      {"s LIKE '%hello'", T},
      {"s LIKE '_%_'", T},
      {"s LIKE '%_%_%_%_%_%'", T},
      {"s LIKE '%_%_%_%_%_%_%'", F},
      {"quote LIKE '%''%'", T},
      {"quote LIKE 'it''s'", T},
      {"pct LIKE '50\\%' ESCAPE '\\'", T},
      {"pct LIKE '5!%' ESCAPE '!'", F},
      {"pct LIKE '%!%' ESCAPE '!'", T},
      {"s LIKE '%!%' ESCAPE '!'", F},
      {"pct LIKE '50!%' escape '!'", T},
      {"s LIKE 'h!_llo' ESCAPE '!'", F},
      {"s LIKE 'he!!llo' ESCAPE '!'", F},
      {"pct LIKE '50%' ESCAPE '0'", F},
      {"pct LIKE '5%' ESCAPE '\xC3\xA9'", T},
      {"pct LIKE '50\xC3\xA9%' ESCAPE '\xC3\xA9'", T},
      // '_' is one character, whatever its UTF-8 length.
      {"uni LIKE 'h_llo'", T},
      {"uni LIKE 'h__llo'", F},
      {"uni LIKE '_\xC3\xA9%'", T},
  });
}

TEST(Selector, ThreeValuedLogicAndPrecedence) {
  check_table({
      {"TRUE AND missing", U},
      {"FALSE AND missing", F},
      {"missing AND FALSE", F},
      {"TRUE OR missing", T},
      {"missing OR TRUE", T},
      {"FALSE OR missing", U},
      {"NOT missing", U},
      {"missing OR missing", U},
      {"missing AND missing", U},
      {"NOT (n = 5)", F},
      {"NOT NOT t", T},
      {"NOT NOT NOT t", F},
      {"n = 5 AND s = 'hello' AND d > 1", T},
      {"n = 4 OR s = 'x' OR d > 1", T},
      {"n = 4 OR s = 'x'", F},
      {"TRUE OR FALSE AND FALSE", T},
      {"(TRUE OR FALSE) AND FALSE", F},
      {"NOT FALSE AND FALSE", F},
      {"NOT (FALSE AND FALSE)", T},
      {"NOT n = 4 AND n = 5", T},
      {"(missing > 1) = TRUE", U},
      {"NOT (missing = 1 OR n = 5)", F},
      {"NOT (missing = 1 AND n = 5)", U},
  });
}

TEST(Selector, KeywordsIgnoreCaseHeaderNamesDoNot) {
  check_table({
      {"s like 'h%' and n between 1 aNd 9 Or FALSE", T},
      {"nul is null", T},
      {"s Not In ('x')", T},
      {"t = true", T},
      {"NoT f", T},
      {"s LIKE 'a%' EsCaPe '!'", F},
      {"$x IS NULL", T},
      {"_x_1 IS NULL", T},
      {"D = 2.5", U},
      {"dsid = '5A1C-77'", U},
      {"n=5\tAND\ts='hello'\r\nAND\fd>1", T},
      {"n\xC3\xA9 IS NULL", T},
  });
}

TEST(Selector, SelectAllAndCopies) {
  const Headers headers;
  for (const char* text : {"", "   ", " \t\r\n\f"}) {
    const auto s = selector::parse(text);
    ASSERT_TRUE(s.has_value());
    EXPECT_TRUE(s->selects_all());
    EXPECT_EQ(s->text(), text);
    EXPECT_TRUE(s->matches(headers.lookup()));
    EXPECT_TRUE(s->matches(amf::value::null()));  // no headers at all
    EXPECT_EQ(s->evaluate(headers.lookup()), T);
  }
  const selector none;  // default: selects all
  EXPECT_TRUE(none.selects_all());
  EXPECT_EQ(none.text(), "");
  EXPECT_TRUE(none.matches(headers.value()));
  EXPECT_EQ(none.evaluate(headers.lookup()), T);
  const auto s = selector::parse("n = 5");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->selects_all());
  const selector copy = *s;  // shares the parsed tree
  EXPECT_EQ(copy.text(), "n = 5");
  EXPECT_EQ(copy.text().data(), s->text().data());
  EXPECT_TRUE(copy.matches(headers.value()));
  EXPECT_FALSE(copy.matches(amf::value::null()));  // headers not an object: all absent
  EXPECT_FALSE(copy.matches([](std::string_view) -> const amf::value* { return nullptr; }));
}

TEST(Selector, HeaderLookupSeesNamesAsWritten) {
  std::vector<std::string> asked;
  const amf::value five = amf::value::integer(5);
  const auto s = selector::parse("a = 5 AND (b_2 IS NULL OR $c LIKE 'x')");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->matches([&](std::string_view name) -> const amf::value* {
    asked.emplace_back(name);
    return name == "a" ? &five : nullptr;
  }));
  EXPECT_EQ(asked, (std::vector<std::string>{"a", "b_2"}));  // OR stops at the first TRUE
}

struct error_case {
  std::string text;
  std::size_t offset;
  const char* message;  // a part of the message
};

TEST(Selector, ErrorsSayWhatAndWhere) {
  const std::vector<error_case> cases{
      {"n =", 3, "unexpected end of selector"},
      {"n = = 1", 4, "unexpected '='"},
      {"(n = 1", 6, "expected ')', found end of selector"},
      {"n = 1)", 5, "unexpected ')'"},
      {"'abc", 0, "unterminated string"},
      {"n = 'abc", 4, "unterminated string"},
      {"n = 'it''", 4, "unterminated string"},
      {"n # 1", 2, "unexpected character '#'"},
      {"n != 1", 2, "'<>'"},
      {"s = \"x\"", 4, "single quotes"},
      {std::string("n = \0", 5), 4, "byte 0"},
      {"5", 0, "a number is not a condition"},
      {"'a'", 0, "a string is not a condition"},
      {"n + 1", 0, "a number is not a condition"},
      {"n = 1 AND 5", 10, "a number is not a condition"},
      {"n = 1 OR 'x'", 9, "a string is not a condition"},
      {"NOT 5", 4, "a number is not a condition"},
      {"'a' < 'b'", 0, "compare only with '=' and '<>'"},
      {"n < 'b'", 4, "compare only with '=' and '<>', not <"},
      {"TRUE > n", 0, "compare only"},
      {"(n = 1) <= TRUE", 1, "compare only"},  // a parenthesised operand: where it starts inside
      {"s >= 'a'", 5, "compare only"},
      {"'a' = 1", 4, "cannot compare a string with a number"},
      {"TRUE <> 'x'", 5, "cannot compare a condition with a string"},
      {"'a' + 1 = 2", 0, "arithmetic needs numbers, not a string"},
      {"n * TRUE = 2", 4, "arithmetic needs numbers, not a condition"},
      {"-'a' = 1", 1, "'-' needs numbers"},
      {"n BETWEEN 1 5", 12, "expected AND in BETWEEN, found '5'"},
      {"n BETWEEN 'a' AND 5", 10, "BETWEEN needs numbers"},
      {"'x' BETWEEN 1 AND 5", 0, "BETWEEN needs numbers"},
      {"n NOT BETWEEN 1 AND 'z'", 20, "BETWEEN needs numbers"},
      {"5 IN ('a')", 0, "IN needs a header name"},
      {"n + 1 IN ('a')", 0, "IN needs a header name"},
      {"s IN ()", 6, "IN lists string literals, found ')'"},
      {"s IN ('a', 5)", 11, "IN lists string literals, found '5'"},
      {"s IN 'a'", 5, "expected '(' after IN"},
      {"s IN ('a' 'b')", 10, "expected ',' or ')'"},
      {"s IN ('a',)", 10, "IN lists string literals"},
      {"'x' LIKE 'a'", 0, "LIKE needs a header name"},
      {"s LIKE 5", 7, "LIKE needs a string literal pattern"},
      {"s LIKE s", 7, "LIKE needs a string literal pattern"},
      {"s LIKE 'a' ESCAPE 'ab'", 18, "ESCAPE needs a string of one character"},
      {"s LIKE 'a' ESCAPE ''", 18, "ESCAPE needs a string of one character"},
      {"s LIKE 'a' ESCAPE", 17, "ESCAPE needs a string of one character"},
      {"s LIKE 'a!b' ESCAPE '!'", 9, "must be followed by '%', '_' or itself"},
      {"s LIKE 'ab!' ESCAPE '!'", 10, "ends the LIKE pattern"},
      {"s LIKE 'it''s!x' ESCAPE '!'", 13, "must be followed"},
      {"5 IS NULL", 0, "IS NULL needs a header name"},
      {"n IS 5", 5, "expected NULL after IS"},
      {"n IS NOT", 8, "expected NULL after IS"},
      {"n = NULL", 4, "NULL is only allowed in IS [NOT] NULL"},
      {"NULL", 0, "NULL is only allowed"},
      {"n = 9223372036854775808", 4, "integer out of range"},
      {"n = -9223372036854775809", 5, "out of range"},
      {"n = 99999999999999999999", 4, "out of range"},
      {"n = 0x1FFFFFFFFFFFFFFFF", 4, "out of range"},
      {"n = 1e400", 4, "out of range"},
      {"n = 12abc", 4, "malformed number"},
      {"n = 1.2.3", 4, "malformed number"},
      {"n = 5AND t", 4, "malformed number"},
      {"n = 1e", 5, "exponent without digits"},
      {"n = 1e+", 5, "exponent without digits"},
      {"n = 0x", 4, "hexadecimal number without digits"},
      {"n = 09", 4, "octal"},
      {"n = 1 n = 2", 6, "unexpected 'n'"},
      {"n = 1 AND", 9, "unexpected end of selector"},
      {"AND n = 1", 0, "unexpected 'AND'"},
      {"n NOT = 1", 2, "unexpected 'NOT'"},
      {"n = 1 = 2", 6, "unexpected '='"},
      {"n = 1,", 5, "unexpected ','"},
      {"()", 1, "unexpected ')'"},
      {"s LIKE 'a' ESCAPE '!' ESCAPE '!'", 22, "unexpected 'ESCAPE'"},
      {"s = 'a' 'b'", 8, "unexpected ''b''"},
      {"s = 'a' 'a very long string literal that goes on'", 8, "unexpected ''a very long string lite...'"},
  };
  for (const auto& c : cases) {
    selector_error error;
    const auto s = selector::parse(c.text, &error);
    EXPECT_FALSE(s.has_value()) << c.text;
    EXPECT_EQ(error.offset, c.offset) << c.text << ": " << error.message;
    EXPECT_NE(error.message.find(c.message), std::string::npos)
        << c.text << ": \"" << error.message << "\" does not say \"" << c.message << "\"";
    EXPECT_FALSE(selector::parse(c.text).has_value()) << c.text;  // no error out-parameter: fine too
  }
}

// ---- Hostile input ----

std::string repeat(std::string_view part, std::size_t n) {
  std::string out;
  out.reserve(part.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += part;
  return out;
}

selector_limits roomy() {
  selector_limits limits;
  limits.max_text = 16u << 20;
  return limits;
}

void expect_error(const std::string& text, std::size_t offset, const char* message,
                  const selector_limits& limits = {}) {
  selector_error error;
  EXPECT_FALSE(selector::parse(text, &error, limits).has_value());
  EXPECT_EQ(error.offset, offset) << error.message;
  EXPECT_NE(error.message.find(message), std::string::npos) << error.message;
}

TEST(SelectorHostile, TextLengthIsBounded) {
  const std::string at_limit = "s = '" + std::string(8192 - 6, 'x') + "'";
  ASSERT_EQ(at_limit.size(), 8192u);
  EXPECT_TRUE(selector::parse(at_limit).has_value());
  expect_error(at_limit + " ", 8192, "selector longer than 8192 bytes");
  selector_limits small;
  small.max_text = 10;
  expect_error("n = 1 OR n = 2", 10, "longer than 10 bytes", small);
  EXPECT_TRUE(selector::parse("n = 1", nullptr, small).has_value());
}

TEST(SelectorHostile, ParenthesesNestingIsBounded) {
  const std::size_t deep = 30000;
  expect_error(repeat("(", deep) + "t" + repeat(")", deep), 100, "nested too deeply (limit 100)", roomy());
  expect_error(repeat("(", deep), 100, "nested too deeply", roomy());
  const auto ok = selector::parse(repeat("(", 99) + "t" + repeat(")", 99));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->evaluate([](std::string_view) -> const amf::value* { return nullptr; }), U);
  selector_limits shallow;
  shallow.max_depth = 3;
  EXPECT_TRUE(selector::parse("(((t)))", nullptr, shallow).has_value());
  expect_error("((((t))))", 3, "limit 3", shallow);
}

TEST(SelectorHostile, NotAndSignChainsAreBounded) {
  const std::size_t deep = 30000;
  expect_error(repeat("NOT ", deep) + "t", 400, "nested too deeply", roomy());
  expect_error(repeat("- ", deep) + "n = 1", 200, "nested too deeply", roomy());
  expect_error(repeat("+(", deep) + "n", 100, "nested too deeply", roomy());
  const Headers headers;
  const auto even = selector::parse(repeat("NOT ", 50) + "t");
  ASSERT_TRUE(even.has_value());
  EXPECT_EQ(even->evaluate(headers.lookup()), T);
  const auto odd = selector::parse(repeat("- ", 51) + "n = -5");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->evaluate(headers.lookup()), T);
}

TEST(SelectorHostile, LongArithmeticChainsCountAsNesting) {
  // a + b + c ... is a left-deep tree: one level per operator.
  const auto ok = selector::parse(repeat("1 + ", 90) + "1 = 91");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->evaluate([](std::string_view) -> const amf::value* { return nullptr; }), T);
  selector_error error;
  EXPECT_FALSE(selector::parse(repeat("1 + ", 2000) + "1 = 0", &error).has_value());
  EXPECT_NE(error.message.find("nested too deeply"), std::string::npos) << error.message;
}

TEST(SelectorHostile, LongAndOrChainsAreFlat) {
  // AND / OR chains are one level whatever their length.
  std::string text = "n = 0";
  for (int i = 1; i < 5000; ++i) text += (i % 2 ? " OR n = " : " OR s = 'x' AND n = ") + std::to_string(i);
  const auto s = selector::parse(text, nullptr, roomy());
  ASSERT_TRUE(s.has_value());
  const Headers headers;
  EXPECT_EQ(s->evaluate(headers.lookup()), T);  // n = 5
}

TEST(SelectorHostile, InListLengthIsBounded) {
  auto list = [](std::size_t n) {
    std::string text = "s IN ('x0'";
    for (std::size_t i = 1; i < n; ++i) text += ", 'x" + std::to_string(i) + "'";
    return text + ")";
  };
  const auto ok = selector::parse(list(1000), nullptr, roomy());
  ASSERT_TRUE(ok.has_value());
  const amf::value x999 = amf::value::string("x999");
  EXPECT_TRUE(ok->matches([&](std::string_view) { return &x999; }));
  const std::string over = list(1001);
  expect_error(over, over.rfind(", '") + 2, "IN list longer than 1000 strings", roomy());
  selector_limits few;
  few.max_in_list = 2;
  expect_error("s IN ('a', 'b', 'c')", 16, "longer than 2", few);
}

TEST(SelectorHostile, LikeDoesNotBacktrackExponentially) {
  // A backtracking matcher takes ~C(n, k) steps on these; ours at most n x pattern length.
  const std::string text(20000, 'a');
  const amf::value v = amf::value::string(text);
  const auto lookup = [&](std::string_view) { return &v; };
  const auto stars = selector::parse("s LIKE '" + repeat("%a", 40) + "%b'");
  ASSERT_TRUE(stars.has_value());
  EXPECT_FALSE(stars->matches(lookup));
  const auto unders = selector::parse("s LIKE '" + repeat("%_", 40) + "b'");
  ASSERT_TRUE(unders.has_value());
  EXPECT_FALSE(unders->matches(lookup));
  const auto hit = selector::parse("s LIKE '" + repeat("%a", 40) + "%'");
  ASSERT_TRUE(hit.has_value());
  EXPECT_TRUE(hit->matches(lookup));
  const auto whole = selector::parse("s LIKE '" + repeat("%", 4000) + "'");
  ASSERT_TRUE(whole.has_value());
  EXPECT_TRUE(whole->matches(lookup));
}

TEST(SelectorHostile, InvalidUtf8AndOddBytesNeverCrash) {
  const std::string odd = "\xC3\xF0\x80\xFF";
  const amf::value v = amf::value::string(odd);
  const auto lookup = [&](std::string_view) { return &v; };
  for (const char* pattern : {"____", "___", "_", "%_", "\xF0%", "%\xFF", "\xC3\xF0%"}) {
    const auto s = selector::parse(std::string("s LIKE '") + pattern + "'");
    ASSERT_TRUE(s.has_value()) << pattern;
    (void)s->matches(lookup);
  }
  const auto s = selector::parse("s LIKE '\xC3' ESCAPE '\xC3'");  // a lone lead byte is a character
  EXPECT_FALSE(s.has_value());
  // Every single byte and every pair of bytes: a selector or an error, never a crash.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; b += 17) {
      const std::string text{static_cast<char>(a), static_cast<char>(b)};
      selector_error error;
      const auto parsed = selector::parse(text, &error);
      if (parsed) {
        (void)parsed->matches(lookup);
      } else {
        EXPECT_LE(error.offset, text.size());
        EXPECT_FALSE(error.message.empty());
      }
    }
  }
}

}  // namespace
}  // namespace amphora::messaging
