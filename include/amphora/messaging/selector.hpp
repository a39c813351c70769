// Message selectors: the JMS 1.1 (§3.8.1) / SQL-92 conditional-expression subset over message
// headers, as a Flex Consumer sends it in the `selector` header of a SUBSCRIBE CommandMessage.
//
//   auto s = selector::parse("priority > 3 AND region IN ('eu', 'us')", &err);
//   if (s && s->matches(headers_object)) deliver();
//
// A selector is parsed once (LIKE patterns are compiled then) into an immutable tree shared by
// copies; evaluating it never allocates. The language, its three-valued logic, its limits and
// where it differs from JMS are documented in docs/protocol.md, "Selectors".
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "amphora/amf/value.hpp"

namespace amphora::messaging {

// Why and where a selector text was refused.
struct selector_error {
  std::size_t offset = 0;  // byte offset into the text
  std::string message;     // e.g. "expected ')'"
};

// Bounds on hostile selector texts. parse refuses (with an error) anything beyond them.
struct selector_limits {
  std::size_t max_text = 8 * 1024;  // bytes of selector text
  std::size_t max_depth = 100;      // nesting of parentheses, NOT, signs and operators
  std::size_t max_in_list = 1000;   // strings in one IN (...) list
};

// SQL three-valued logic.
enum class truth : unsigned char { false_, true_, unknown };

namespace detail {
struct selector_program;
}

// Immutable once parsed: copies share the tree, and any number of threads may evaluate one selector
// at the same time.
class selector {
 public:
  // Selects every message (as the empty text does).
  selector() noexcept = default;

  // Parses a selector. An empty or all-blank text selects every message. nullopt on error;
  // *error (if given) says what and where.
  static std::optional<selector> parse(std::string_view text, selector_error* error = nullptr,
                                       const selector_limits& limits = {});

  // Looks a header up by name (case-sensitive); nullptr when absent.
  using header_lookup = std::function<const amf::value*(std::string_view name)>;

  // True only if the selector evaluates to TRUE (FALSE and UNKNOWN both reject the message).
  bool matches(const header_lookup& headers) const;
  // Same, over a message's `headers` value: an AMF object of name -> value (anything else has no
  // headers).
  bool matches(const amf::value& headers) const;
  // The three-valued result (TRUE for a select-all selector).
  truth evaluate(const header_lookup& headers) const;

  std::string_view text() const noexcept;
  bool selects_all() const noexcept;

 private:
  explicit selector(std::shared_ptr<const detail::selector_program> program) noexcept;
  std::shared_ptr<const detail::selector_program> program_;  // immutable, shared; null: select all
};

}  // namespace amphora::messaging
