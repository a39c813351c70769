// Message selectors: text -> selector::parse -> evaluate over fixed header sets. Checks: no crash,
// hang or unbounded recursion; a refused text has a message and an offset inside it; what parses
// evaluates the same in a copy, matches() agrees with evaluate(), and NOT (text) evaluates to the
// negation in three-valued logic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf.hpp"
#include "amphora/messaging/selector.hpp"
#include "fuzz_support.hpp"

namespace {

namespace amf = amphora::amf;
namespace messaging = amphora::messaging;
using amphora::fuzz::check;
using messaging::truth;

// Three header objects over the names of fuzz/dict/selector.dict: the usual types, the same names
// with other types (mismatches), and nulls.
struct header_sets {
  amf::arena memory;
  std::vector<amf::value> sets;

  header_sets() {
    const std::vector<std::pair<std::string_view, amf::value>> typical{
        {"s", amf::value::string("hello")},      {"n", amf::value::integer(5)},
        {"d", amf::value::number(2.5)},          {"t", amf::value::boolean(true)},
        {"f", amf::value::boolean(false)},       {"u", amf::value::string("h\xC3\xA9llo%_!")},
        {"big", amf::value::integer(INT64_MIN)},
    };
    const std::vector<std::pair<std::string_view, amf::value>> swapped{
        {"s", amf::value::integer(0)},
        {"n", amf::value::string("5")},
        {"d", amf::value::boolean(true)},
        {"t", amf::value::number(-0.0)},
        {"f", amf::value::of(amf::new_array(memory))},
        {"u", amf::value::string("")},
        {"big", amf::value::number(1e308)},
    };
    const std::vector<std::pair<std::string_view, amf::value>> nulls{
        {"s", amf::value::null()},
        {"n", amf::value::undefined()},
        {"d", amf::value::null()},
    };
    for (const auto* members : {&typical, &swapped, &nulls}) {
      amf::object_node* o = amf::new_object(memory);
      check(o != nullptr, "arena refused the header object");
      for (const auto& [name, v] : *members) check(amf::add_dynamic(memory, *o, name, v), "add_dynamic");
      sets.push_back(amf::value::of(o));
    }
    sets.push_back(amf::value::null());  // no headers at all
  }
};

messaging::selector::header_lookup lookup_in(const amf::value& headers) {
  return [&headers](std::string_view name) -> const amf::value* {
    return headers.is(amf::kind::object) ? headers.as_object().find(name) : nullptr;
  };
}

truth negation(truth t) { return t == truth::unknown ? t : t == truth::true_ ? truth::false_ : truth::true_; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const header_sets headers;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  messaging::selector_error error;
  const auto s = messaging::selector::parse(text, &error);
  if (!s) {
    check(!error.message.empty(), "a refused selector without a message");
    check(error.offset <= text.size(), "an error offset past the end of the text");
    return 0;
  }
  check(s->text() == text, "text() differs from the parsed text");
  const messaging::selector copy = *s;  // NOLINT(performance-unnecessary-copy-initialization)
  const auto negated = messaging::selector::parse("NOT (" + std::string(text) + "\n)");
  for (const amf::value& h : headers.sets) {
    const auto lookup = lookup_in(h);
    const truth t = s->evaluate(lookup);
    check(copy.evaluate(lookup) == t, "a copy evaluates differently");
    check(s->matches(lookup) == (t == truth::true_), "matches() disagrees with evaluate()");
    check(s->matches(h) == (t == truth::true_), "matches(value) disagrees with evaluate()");
    if (s->selects_all()) check(t == truth::true_, "a select-all selector did not select");
    if (negated && !s->selects_all()) {
      check(negated->evaluate(lookup) == negation(t), "NOT (selector) is not the negation");
    }
  }
  return 0;
}
