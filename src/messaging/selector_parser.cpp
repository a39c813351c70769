// Recursive descent over the token list, lowest precedence first:
//   condition   := conjunction { OR conjunction }
//   conjunction := negation { AND negation }
//   negation    := NOT negation | predicate
//   predicate   := sum [ comparison-op sum | [NOT] BETWEEN sum AND sum | IS [NOT] NULL
//                      | [NOT] IN ( string {, string} ) | [NOT] LIKE string [ESCAPE string] ]
//   sum         := product { (+|-) product }
//   product     := signed { (*|/) signed }
//   signed      := (+|-) signed | primary
//   primary     := literal | identifier | ( condition )
// Parentheses, NOT and signs count one nesting level each, and every node one tree level: both are
// bounded by limits.max_depth, so neither parsing nor evaluation can exhaust the stack.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "selector_lexer.hpp"
#include "selector_program.hpp"

namespace amphora::messaging::detail {
namespace {

constexpr std::uint32_t failed = static_cast<std::uint32_t>(-1);

const char* type_name(static_type t) noexcept {
  switch (t) {
    case static_type::boolean:
      return "a condition";
    case static_type::number:
      return "a number";
    case static_type::string:
      return "a string";
    case static_type::any:
      break;
  }
  return "a header";
}

bool is_comparison(token_kind k) noexcept {
  return k == token_kind::equal || k == token_kind::not_equal || k == token_kind::less ||
         k == token_kind::less_equal || k == token_kind::greater || k == token_kind::greater_equal;
}

op comparison_op(token_kind k) noexcept {
  switch (k) {
    case token_kind::equal:
      return op::equal;
    case token_kind::not_equal:
      return op::not_equal;
    case token_kind::less:
      return op::less;
    case token_kind::less_equal:
      return op::less_equal;
    case token_kind::greater:
      return op::greater;
    default:
      return op::greater_equal;
  }
}

// Offset in the selector text of byte `at` of a string literal's value ('' counts as one byte).
std::size_t offset_in_literal(const token& t, std::size_t at) noexcept {
  std::size_t raw = 1;  // past the opening quote
  for (std::size_t value = 0; value < at && raw < t.raw.size(); ++value) {
    raw += t.raw[raw] == '\'' ? std::size_t{2} : std::size_t{1};
  }
  return t.offset + raw;
}

class parser {
 public:
  parser(std::vector<token> tokens, const selector_limits& limits, selector_program& out,
         selector_error& error)
      : tokens_(std::move(tokens)), limits_(limits), out_(out), error_(error) {}

  bool run() {
    const std::uint32_t root = condition();
    if (root == failed || !check_condition(root)) return false;
    if (peek().kind != token_kind::end) {
      fail(peek().offset, "unexpected " + describe(peek()));
      return false;
    }
    out_.root = root;
    return true;
  }

 private:
  const token& peek(std::size_t ahead = 0) const noexcept {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const token& take() noexcept {
    const token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool accept(token_kind k) noexcept {
    if (peek().kind != k) return false;
    take();
    return true;
  }
  bool expect(token_kind k, const char* what) {
    if (accept(k)) return true;
    fail(peek().offset, std::string("expected ") + what + ", found " + describe(peek()));
    return false;
  }

  std::uint32_t fail(std::size_t offset, std::string message) {
    error_.offset = offset;
    error_.message = std::move(message);
    return failed;
  }

  std::string too_deep() const {
    return "nested too deeply (limit " + std::to_string(limits_.max_depth) + ")";
  }

  // One more level of parentheses, NOT or sign.
  bool enter(std::size_t offset) {
    if (++nesting_ <= limits_.max_depth) return true;
    fail(offset, too_deep());
    return false;
  }
  void leave() noexcept { --nesting_; }

  std::uint32_t make(node n, std::size_t offset) {
    std::size_t depth = 1;
    for (const std::uint32_t child : n.children) depth = std::max(depth, depths_[child] + 1);
    if (depth > limits_.max_depth) return fail(offset, too_deep());
    out_.nodes.push_back(std::move(n));
    depths_.push_back(depth);
    offsets_.push_back(offset);
    return static_cast<std::uint32_t>(out_.nodes.size() - 1);
  }

  static_type type_of(std::uint32_t index) const noexcept { return out_.nodes[index].type; }

  bool check_condition(std::uint32_t index) {
    const static_type t = type_of(index);
    if (t == static_type::any || t == static_type::boolean) return true;
    fail(offsets_[index], std::string(type_name(t)) + " is not a condition");
    return false;
  }
  bool check_number(std::uint32_t index, const char* context) {
    const static_type t = type_of(index);
    if (t == static_type::any || t == static_type::number) return true;
    fail(offsets_[index], std::string(context) + " needs numbers, not " + type_name(t));
    return false;
  }
  bool check_identifier(std::uint32_t index, const char* context) {
    if (out_.nodes[index].code == op::identifier) return true;
    fail(offsets_[index], std::string(context) + " needs a header name on its left");
    return false;
  }

  std::uint32_t logical(op code, token_kind separator, std::uint32_t (parser::*operand)()) {
    const std::size_t offset = peek().offset;
    const std::uint32_t first = (this->*operand)();
    if (first == failed || peek().kind != separator) return first;
    node n;
    n.code = code;
    n.type = static_type::boolean;
    n.children.push_back(first);
    if (!check_condition(first)) return failed;
    while (accept(separator)) {
      const std::uint32_t next = (this->*operand)();
      if (next == failed || !check_condition(next)) return failed;
      n.children.push_back(next);
    }
    return make(std::move(n), offset);
  }

  std::uint32_t condition() { return logical(op::logical_or, token_kind::kw_or, &parser::conjunction); }
  std::uint32_t conjunction() { return logical(op::logical_and, token_kind::kw_and, &parser::negation); }

  std::uint32_t negation() {
    if (peek().kind != token_kind::kw_not) return predicate();
    const std::size_t offset = take().offset;
    if (!enter(offset)) return failed;
    const std::uint32_t operand = negation();
    leave();
    if (operand == failed || !check_condition(operand)) return failed;
    node n;
    n.code = op::logical_not;
    n.type = static_type::boolean;
    n.children.push_back(operand);
    return make(std::move(n), offset);
  }

  std::uint32_t predicate() {
    const std::size_t offset = peek().offset;
    const std::uint32_t left = sum();
    if (left == failed) return failed;
    bool negated = false;
    if (peek().kind == token_kind::kw_not &&
        (peek(1).kind == token_kind::kw_between || peek(1).kind == token_kind::kw_in ||
         peek(1).kind == token_kind::kw_like)) {
      take();
      negated = true;
    }
    const token_kind k = peek().kind;
    if (is_comparison(k)) return comparison(left, offset);
    switch (k) {
      case token_kind::kw_between:
        return between(left, negated, offset);
      case token_kind::kw_in:
        return in(left, negated, offset);
      case token_kind::kw_like:
        return like(left, negated, offset);
      case token_kind::kw_is:
        return is_null(left, offset);
      default:
        return left;
    }
  }

  std::uint32_t comparison(std::uint32_t left, std::size_t offset) {
    const token& op_token = take();
    const op code = comparison_op(op_token.kind);
    const std::size_t op_offset = op_token.offset;
    const std::uint32_t right = sum();
    if (right == failed) return failed;
    const static_type lt = type_of(left);
    const static_type rt = type_of(right);
    if (code == op::equal || code == op::not_equal) {
      if (lt != static_type::any && rt != static_type::any && lt != rt) {
        return fail(op_offset, std::string("cannot compare ") + type_name(lt) + " with " + type_name(rt));
      }
    } else {
      for (const std::uint32_t side : {left, right}) {
        const static_type t = type_of(side);
        if (t == static_type::string || t == static_type::boolean) {
          return fail(offsets_[side],
                      std::string("strings and conditions compare only with '=' and '<>', not ") +
                          std::string(op_token.raw));
        }
      }
    }
    node n;
    n.code = code;
    n.type = static_type::boolean;
    n.children = {left, right};
    return make(std::move(n), offset);
  }

  std::uint32_t between(std::uint32_t value, bool negated, std::size_t offset) {
    take();
    const std::uint32_t low = sum();
    if (low == failed || !expect(token_kind::kw_and, "AND in BETWEEN")) return failed;
    const std::uint32_t high = sum();
    if (high == failed) return failed;
    for (const std::uint32_t x : {value, low, high}) {
      if (!check_number(x, "BETWEEN")) return failed;
    }
    node n;
    n.code = op::between;
    n.type = static_type::boolean;
    n.negated = negated;
    n.children = {value, low, high};
    return make(std::move(n), offset);
  }

  std::uint32_t in(std::uint32_t value, bool negated, std::size_t offset) {
    if (!check_identifier(value, "IN")) return failed;
    take();
    if (!expect(token_kind::left_paren, "'(' after IN")) return failed;
    node n;
    n.code = op::in;
    n.type = static_type::boolean;
    n.negated = negated;
    n.children.push_back(value);
    do {
      if (peek().kind != token_kind::string) {
        return fail(peek().offset, "IN lists string literals, found " + describe(peek()));
      }
      if (n.set.size() == limits_.max_in_list) {
        return fail(peek().offset, "IN list longer than " + std::to_string(limits_.max_in_list) + " strings");
      }
      n.set.push_back(take().text);
    } while (accept(token_kind::comma));
    if (!expect(token_kind::right_paren, "',' or ')' in the IN list")) return failed;
    std::sort(n.set.begin(), n.set.end());
    n.set.erase(std::unique(n.set.begin(), n.set.end()), n.set.end());
    return make(std::move(n), offset);
  }

  std::uint32_t like(std::uint32_t value, bool negated, std::size_t offset) {
    if (!check_identifier(value, "LIKE")) return failed;
    take();
    if (peek().kind != token_kind::string) {
      return fail(peek().offset, "LIKE needs a string literal pattern, found " + describe(peek()));
    }
    const token& pattern = take();
    std::string escape;
    if (accept(token_kind::kw_escape)) {
      const token& e = peek();
      if (e.kind != token_kind::string || e.text.empty() || utf8_length_at(e.text, 0) != e.text.size()) {
        return fail(e.offset, "ESCAPE needs a string of one character, found " + describe(e));
      }
      escape = take().text;
    }
    std::string reason;
    std::size_t at = 0;
    auto compiled = like_pattern::compile(pattern.text, escape, &reason, &at);
    if (!compiled) return fail(offset_in_literal(pattern, at), std::move(reason));
    node n;
    n.code = op::like;
    n.type = static_type::boolean;
    n.negated = negated;
    n.children.push_back(value);
    n.pattern = std::move(compiled);
    return make(std::move(n), offset);
  }

  std::uint32_t is_null(std::uint32_t value, std::size_t offset) {
    if (!check_identifier(value, "IS NULL")) return failed;
    take();
    const bool negated = accept(token_kind::kw_not);
    if (!expect(token_kind::kw_null, "NULL after IS")) return failed;
    node n;
    n.code = op::is_null;
    n.type = static_type::boolean;
    n.negated = negated;
    n.children.push_back(value);
    return make(std::move(n), offset);
  }

  std::uint32_t arithmetic(std::uint32_t (parser::*operand)(), token_kind first_op, op first_code,
                           token_kind second_op, op second_code) {
    const std::size_t offset = peek().offset;
    std::uint32_t left = (this->*operand)();
    while (left != failed && (peek().kind == first_op || peek().kind == second_op)) {
      const op code = take().kind == first_op ? first_code : second_code;
      const std::uint32_t right = (this->*operand)();
      if (right == failed || !check_number(left, "arithmetic") || !check_number(right, "arithmetic")) {
        return failed;
      }
      node n;
      n.code = code;
      n.type = static_type::number;
      n.children = {left, right};
      left = make(std::move(n), offset);
    }
    return left;
  }

  std::uint32_t sum() {
    return arithmetic(&parser::product, token_kind::plus, op::add, token_kind::minus, op::subtract);
  }
  std::uint32_t product() {
    return arithmetic(&parser::signed_term, token_kind::star, op::multiply, token_kind::slash, op::divide);
  }

  std::uint32_t signed_term() {
    const token_kind k = peek().kind;
    if (k != token_kind::plus && k != token_kind::minus) return primary();
    const std::size_t offset = take().offset;
    const bool minus = k == token_kind::minus;
    // A sign directly before a number literal is part of it (so -9223372036854775808 is a long).
    if (peek().kind == token_kind::exact || peek().kind == token_kind::approximate) {
      const token& t = take();
      node n;
      n.type = static_type::number;
      if (t.kind == token_kind::approximate) {
        n.code = op::literal_real;
        n.real = minus ? -t.real : t.real;
      } else {
        if (t.decimal && t.bits > (minus ? std::uint64_t{1} << 63 : std::uint64_t{INT64_MAX})) {
          return fail(t.offset, "integer out of range");
        }
        n.code = op::literal_integer;
        n.integer = static_cast<std::int64_t>(minus ? std::uint64_t{0} - t.bits : t.bits);
      }
      return make(std::move(n), offset);
    }
    if (!enter(offset)) return failed;
    const std::uint32_t operand = signed_term();
    leave();
    if (operand == failed || !check_number(operand, minus ? "'-'" : "'+'")) return failed;
    node n;
    n.code = minus ? op::negate : op::unary_plus;
    n.type = static_type::number;
    n.children.push_back(operand);
    return make(std::move(n), offset);
  }

  std::uint32_t primary() {
    const token& t = peek();
    const std::size_t offset = t.offset;
    node n;
    switch (t.kind) {
      case token_kind::left_paren: {
        take();
        if (!enter(offset)) return failed;
        const std::uint32_t inner = condition();
        leave();
        if (inner == failed || !expect(token_kind::right_paren, "')'")) return failed;
        return inner;
      }
      case token_kind::exact:
        if (t.decimal && t.bits > std::uint64_t{INT64_MAX}) return fail(offset, "integer out of range");
        n.code = op::literal_integer;
        n.type = static_type::number;
        n.integer = static_cast<std::int64_t>(t.bits);
        break;
      case token_kind::approximate:
        n.code = op::literal_real;
        n.type = static_type::number;
        n.real = t.real;
        break;
      case token_kind::string:
        n.code = op::literal_string;
        n.type = static_type::string;
        n.text = t.text;
        break;
      case token_kind::kw_true:
      case token_kind::kw_false:
        n.code = op::literal_boolean;
        n.type = static_type::boolean;
        n.boolean = t.kind == token_kind::kw_true;
        break;
      case token_kind::identifier:
        n.code = op::identifier;
        n.text = std::string(t.raw);
        break;
      case token_kind::kw_null:
        return fail(offset, "NULL is only allowed in IS [NOT] NULL");
      case token_kind::end:
        return fail(offset, "unexpected end of selector");
      default:
        return fail(offset, "unexpected " + describe(t));
    }
    take();
    return make(std::move(n), offset);
  }

  std::vector<token> tokens_;
  const selector_limits& limits_;
  selector_program& out_;
  selector_error& error_;
  std::size_t pos_ = 0;
  std::size_t nesting_ = 0;
  std::vector<std::size_t> depths_;   // per node: its height in the tree
  std::vector<std::size_t> offsets_;  // per node: where it starts in the text
};

}  // namespace

bool parse_selector(std::string_view text, const selector_limits& limits, selector_program& out,
                    selector_error& error) {
  std::vector<token> tokens;
  if (!tokenize(text, tokens, error)) return false;
  return parser(std::move(tokens), limits, out, error).run();
}

}  // namespace amphora::messaging::detail
