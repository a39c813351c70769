#include "subscription_filter.hpp"

namespace amphora::messaging {

std::optional<subscription_filter> subscription_filter::parse(std::string_view text, std::string& why) {
  selector_error error;
  std::optional<selector> s = selector::parse(text, &error);
  if (!s) {
    why = error.message + " at byte " + std::to_string(error.offset);
    return std::nullopt;
  }
  subscription_filter f;
  if (!s->selects_all()) f.selector_ = std::move(*s);
  return f;
}

}  // namespace amphora::messaging
