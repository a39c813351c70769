// The parsed form of a selector: a tree of nodes stored in one vector (children by index, so
// neither evaluation nor destruction recurses more than the tree is deep, which parsing bounds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/messaging/selector.hpp"
#include "like_pattern.hpp"

namespace amphora::messaging::detail {

enum class op : std::uint8_t {
  literal_boolean,  // boolean
  literal_integer,  // integer
  literal_real,     // real
  literal_string,   // text
  identifier,       // text: the header name
  negate,           // - child
  unary_plus,       // + child
  add,
  subtract,
  multiply,
  divide,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  logical_not,
  logical_and,  // any number of children
  logical_or,   // any number of children
  between,      // children: value, low, high
  in,           // child: identifier; set
  like,         // child: identifier; pattern
  is_null,      // child: identifier
};

// What parsing knows of a node's type: literals and operators fix it, a header can be anything.
enum class static_type : std::uint8_t { any, boolean, number, string };

struct node {
  op code = op::literal_boolean;
  static_type type = static_type::any;
  bool negated = false;  // NOT BETWEEN, NOT IN, NOT LIKE, IS NOT NULL
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<std::uint32_t> children;
  std::vector<std::string> set;  // IN: sorted, unique
  std::optional<like_pattern> pattern;
};

struct selector_program {
  static constexpr std::uint32_t no_root = static_cast<std::uint32_t>(-1);

  std::string text;
  std::vector<node> nodes;
  std::uint32_t root = no_root;  // no_root: select all
};

// Parses `text` (already checked against limits.max_text) into `out`; false with *error set.
bool parse_selector(std::string_view text, const selector_limits& limits, selector_program& out,
                    selector_error& error);

}  // namespace amphora::messaging::detail
