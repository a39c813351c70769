// The selector of one subscription (header DSSelector), parsed once at subscribe time and
// evaluated against the headers of each published message. An empty filter matches everything.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "amphora/flex/messages.hpp"
#include "amphora/messaging/selector.hpp"

namespace amphora::messaging {

class subscription_filter {
 public:
  subscription_filter() = default;  // no selector: matches every message

  // The parsed selector, or nullopt with `why` saying what is wrong and where.
  static std::optional<subscription_filter> parse(std::string_view text, std::string& why);

  bool matches(const flex::abstract_message& m) const { return !selector_ || selector_->matches(m.headers); }

 private:
  std::optional<selector> selector_;  // none for a select-all text
};

}  // namespace amphora::messaging
