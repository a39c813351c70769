// MULTI_SUBSCRIBE (CommandMessage op 11), shared by the AMF and WebSocket channels: the
// subscriptions a consumer adds (header DSAddSub) and removes (DSRemSub), each an entry
// "subtopic_;_selector" (BlazeDS may append "_;_maxFrequency", ignored).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "amphora/flex/messages.hpp"
#include "amphora/messaging/broker.hpp"

namespace amphora::server::detail {

struct subscription_entry {
  std::string_view subtopic;
  std::string_view selector;
};

// The entries of array header `name`; entries without the separator are skipped (as BlazeDS does).
std::vector<subscription_entry> subscription_entries(const flex::abstract_message& m, std::string_view name);

// For FlexClient `ds_id`: adds every DSAddSub entry to the consumer command.clientId (a fresh one
// when empty), then removes the DSRemSub entries. Returns the consumer's id ("" when there was
// none and nothing was added), or the first broker error (the entries added before it stay).
std::variant<std::string, messaging::error> multi_subscribe(messaging::broker& b, std::string_view ds_id,
                                                            const flex::command_message& command);

}  // namespace amphora::server::detail
