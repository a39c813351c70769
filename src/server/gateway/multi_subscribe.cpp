#include "multi_subscribe.hpp"

#include <optional>

#include "amphora/flex/constants.hpp"

namespace amphora::server::detail {
namespace {

std::optional<subscription_entry> parse_entry(std::string_view entry) {
  const std::string_view sep = flex::headers::subtopic_separator;
  const std::size_t at = entry.find(sep);
  if (at == std::string_view::npos) return std::nullopt;
  subscription_entry e{entry.substr(0, at), entry.substr(at + sep.size())};
  if (const std::size_t more = e.selector.find(sep); more != std::string_view::npos) {
    e.selector = e.selector.substr(0, more);
  }
  return e;
}

}  // namespace

std::vector<subscription_entry> subscription_entries(const flex::abstract_message& m, std::string_view name) {
  std::vector<subscription_entry> out;
  const amf::value* v = m.header(name);
  if (v == nullptr || !v->is(amf::kind::array)) return out;
  for (const amf::value& item : v->as_array().dense) {
    if (!item.is(amf::kind::string)) continue;
    if (std::optional<subscription_entry> e = parse_entry(item.as_string())) out.push_back(*e);
  }
  return out;
}

std::variant<std::string, messaging::error> multi_subscribe(messaging::broker& b, std::string_view ds_id,
                                                            const flex::command_message& command) {
  std::string client_id(command.client_id);
  for (const subscription_entry& e : subscription_entries(command, flex::headers::add_sub)) {
    auto r = b.subscribe({.ds_id = ds_id,
                          .destination = command.destination,
                          .client_id = client_id,
                          .subtopic = e.subtopic,
                          .selector = e.selector});
    if (auto* failed = std::get_if<messaging::error>(&r)) return std::move(*failed);
    client_id = std::get<std::string>(r);
  }
  for (const subscription_entry& e : subscription_entries(command, flex::headers::rem_sub)) {
    b.remove_subscription(ds_id, client_id, e.subtopic, e.selector);
  }
  return client_id;
}

}  // namespace amphora::server::detail
