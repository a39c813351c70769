// Parsing entry point and evaluation. Evaluation walks the tree recursively (its height is bounded
// by selector_limits::max_depth at parse time) and never allocates.
#include "amphora/messaging/selector.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "selector_program.hpp"

namespace amphora::messaging {
namespace {

using detail::node;
using detail::op;
using detail::selector_program;

// A value during evaluation. `unknown` stands for SQL's NULL: an absent or null header, a header of
// a kind selectors do not handle, an operation on mismatched types, a division by zero.
struct operand {
  enum class type : std::uint8_t { unknown, boolean, integer, real, string };
  type t = type::unknown;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view string;

  bool is_number() const noexcept { return t == type::integer || t == type::real; }
  double as_real() const noexcept { return t == type::integer ? static_cast<double>(integer) : real; }
};

operand of_boolean(bool b) noexcept {
  operand o;
  o.t = operand::type::boolean;
  o.boolean = b;
  return o;
}
operand of_integer(std::int64_t i) noexcept {
  operand o;
  o.t = operand::type::integer;
  o.integer = i;
  return o;
}
operand of_real(double d) noexcept {
  operand o;
  o.t = operand::type::real;
  o.real = d;
  return o;
}
operand of_truth(truth t) noexcept { return t == truth::unknown ? operand{} : of_boolean(t == truth::true_); }

truth as_truth(const operand& o) noexcept {
  if (o.t != operand::type::boolean) return truth::unknown;
  return o.boolean ? truth::true_ : truth::false_;
}
truth negate(truth t) noexcept {
  return t == truth::unknown ? t : t == truth::true_ ? truth::false_ : truth::true_;
}
truth of_bool(bool b) noexcept { return b ? truth::true_ : truth::false_; }

operand from_header(const amf::value* v) noexcept {
  if (v == nullptr) return {};
  switch (v->type()) {
    case amf::kind::boolean:
      return of_boolean(v->as_bool());
    case amf::kind::integer:
      return of_integer(v->as_int());
    case amf::kind::number:
      return of_real(v->as_double());
    case amf::kind::string: {
      operand o;
      o.t = operand::type::string;
      o.string = v->as_string();
      return o;
    }
    default:
      return {};  // null, undefined, or a kind selectors do not compare
  }
}

// Java's long arithmetic wraps around; so does ours (through unsigned, where wrapping is defined).
std::int64_t wrap(std::uint64_t bits) noexcept { return static_cast<std::int64_t>(bits); }

operand arithmetic(op code, const operand& a, const operand& b) noexcept {
  if (!a.is_number() || !b.is_number()) return {};
  if (a.t == operand::type::integer && b.t == operand::type::integer) {
    const auto x = static_cast<std::uint64_t>(a.integer);
    const auto y = static_cast<std::uint64_t>(b.integer);
    switch (code) {
      case op::add:
        return of_integer(wrap(x + y));
      case op::subtract:
        return of_integer(wrap(x - y));
      case op::multiply:
        return of_integer(wrap(x * y));
      default:
        if (b.integer == 0) return {};
        if (b.integer == -1) return of_integer(wrap(std::uint64_t{0} - x));  // INT64_MIN / -1 wraps
        return of_integer(a.integer / b.integer);
    }
  }
  const double x = a.as_real();
  const double y = b.as_real();
  switch (code) {
    case op::add:
      return of_real(x + y);
    case op::subtract:
      return of_real(x - y);
    case op::multiply:
      return of_real(x * y);
    default:
      return y == 0 ? operand{} : of_real(x / y);
  }
}

// One comparison of two numbers of the same C++ type (integers stay exact, others compare as doubles).
template <typename Number>
truth compare_numbers(op code, Number x, Number y) noexcept {
  switch (code) {
    case op::equal:
      return of_bool(x == y);
    case op::not_equal:
      return of_bool(x != y);
    case op::less:
      return of_bool(x < y);
    case op::less_equal:
      return of_bool(x <= y);
    case op::greater:
      return of_bool(x > y);
    default:
      return of_bool(x >= y);
  }
}

truth compare(op code, const operand& a, const operand& b) noexcept {
  using type = operand::type;
  if (a.is_number() && b.is_number()) {
    if (a.t == type::integer && b.t == type::integer) return compare_numbers(code, a.integer, b.integer);
    return compare_numbers(code, a.as_real(), b.as_real());
  }
  if (a.t != b.t || a.t == type::unknown) return truth::unknown;
  if (code != op::equal && code != op::not_equal) return truth::unknown;  // strings, booleans
  const bool same = a.t == type::string ? a.string == b.string : a.boolean == b.boolean;
  return of_bool(code == op::equal ? same : !same);
}

class evaluator {
 public:
  evaluator(const selector_program& program, const selector::header_lookup& headers) noexcept
      : nodes_(program.nodes), headers_(headers) {}

  operand eval(std::uint32_t index) const {
    const node& n = nodes_[index];
    switch (n.code) {
      case op::literal_boolean:
        return of_boolean(n.boolean);
      case op::literal_integer:
        return of_integer(n.integer);
      case op::literal_real:
        return of_real(n.real);
      case op::literal_string: {
        operand o;
        o.t = operand::type::string;
        o.string = n.text;
        return o;
      }
      case op::identifier:
        return from_header(headers_(n.text));
      case op::negate: {
        const operand a = eval(n.children[0]);
        if (a.t == operand::type::integer)
          return of_integer(wrap(std::uint64_t{0} - static_cast<std::uint64_t>(a.integer)));
        if (a.t == operand::type::real) return of_real(-a.real);
        return {};
      }
      case op::unary_plus: {
        const operand a = eval(n.children[0]);
        return a.is_number() ? a : operand{};
      }
      case op::add:
      case op::subtract:
      case op::multiply:
      case op::divide:
        return arithmetic(n.code, eval(n.children[0]), eval(n.children[1]));
      case op::equal:
      case op::not_equal:
      case op::less:
      case op::less_equal:
      case op::greater:
      case op::greater_equal:
        return of_truth(compare(n.code, eval(n.children[0]), eval(n.children[1])));
      case op::logical_not:
        return of_truth(negate(as_truth(eval(n.children[0]))));
      case op::logical_and:
        return of_truth(fold(n, truth::false_));
      case op::logical_or:
        return of_truth(fold(n, truth::true_));
      case op::between: {
        const operand x = eval(n.children[0]);
        const truth low = compare(op::less_equal, eval(n.children[1]), x);
        const truth high = compare(op::less_equal, x, eval(n.children[2]));
        const truth both = low == truth::false_ || high == truth::false_ ? truth::false_
                           : low == truth::true_ && high == truth::true_ ? truth::true_
                                                                         : truth::unknown;
        return of_truth(n.negated ? negate(both) : both);
      }
      case op::in: {
        const operand x = eval(n.children[0]);
        if (x.t != operand::type::string) return {};
        const bool found = std::binary_search(n.set.begin(), n.set.end(), x.string);
        return of_boolean(found != n.negated);
      }
      case op::like: {
        const operand x = eval(n.children[0]);
        if (x.t != operand::type::string) return {};
        return of_boolean(n.pattern->matches(x.string) != n.negated);
      }
      case op::is_null: {
        const amf::value* v = headers_(nodes_[n.children[0]].text);
        const bool null = v == nullptr || v->is_null() || v->is_undefined();
        return of_boolean(null != n.negated);
      }
    }
    return {};
  }

 private:
  // AND (decisive = FALSE) or OR (decisive = TRUE) over the children, in SQL's three-valued logic:
  // the decisive value wins, else UNKNOWN if any child is UNKNOWN.
  truth fold(const node& n, truth decisive) const {
    bool unknown = false;
    for (const std::uint32_t child : n.children) {
      const truth t = as_truth(eval(child));
      if (t == decisive) return decisive;
      unknown = unknown || t == truth::unknown;
    }
    return unknown ? truth::unknown : negate(decisive);
  }

  const std::vector<node>& nodes_;
  const selector::header_lookup& headers_;
};

bool all_blank(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; });
}

}  // namespace

selector::selector(std::shared_ptr<const detail::selector_program> program) noexcept
    : program_(std::move(program)) {}

std::optional<selector> selector::parse(std::string_view text, selector_error* error,
                                        const selector_limits& limits) {
  selector_error ignored;
  selector_error& err = error ? *error : ignored;
  if (text.size() > limits.max_text) {
    err.offset = limits.max_text;
    err.message = "selector longer than " + std::to_string(limits.max_text) + " bytes";
    return std::nullopt;
  }
  auto program = std::make_shared<selector_program>();
  program->text = std::string(text);
  if (!all_blank(text) && !detail::parse_selector(program->text, limits, *program, err)) {
    return std::nullopt;
  }
  return selector(std::move(program));
}

truth selector::evaluate(const header_lookup& headers) const {
  if (selects_all()) return truth::true_;
  return as_truth(evaluator(*program_, headers).eval(program_->root));
}

bool selector::matches(const header_lookup& headers) const { return evaluate(headers) == truth::true_; }

bool selector::matches(const amf::value& headers) const {
  if (selects_all()) return true;
  const amf::object_node* object = headers.is(amf::kind::object) ? &headers.as_object() : nullptr;
  return matches(
      [object](std::string_view name) -> const amf::value* { return object ? object->find(name) : nullptr; });
}

std::string_view selector::text() const noexcept {
  return program_ ? std::string_view(program_->text) : std::string_view();
}

bool selector::selects_all() const noexcept {
  return !program_ || program_->root == selector_program::no_root;
}

}  // namespace amphora::messaging
