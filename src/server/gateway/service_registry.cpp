// The service registry, destinations, call_context lookups and the typed-operation errors.
#include <string>
#include <utility>

#include "amphora/server/service.hpp"

namespace amphora::server {
namespace {

const amf::value* find_member(const amf::value& object, std::string_view name) noexcept {
  if (!object.is(amf::kind::object)) return nullptr;
  return object.as_object().find(name);
}

std::string ordinal(std::size_t index) { return std::to_string(index + 1); }

}  // namespace

const amf::value* call_context::header(std::string_view name) const noexcept {
  if (const amf::value* v = find_member(message_headers, name)) return v;
  for (const amf::packet_header& h : packet_headers) {
    if (h.name == name) return &h.val;
  }
  return nullptr;
}

destination& destination::raw_operation(std::string name, raw_handler handler, operation_options options) {
  async_handler call = [handler = std::move(handler)](call_context& ctx, std::span<const amf::value> args,
                                                      amf::arena& memory, completion done) {
    amf::result<amf::value> r = handler(ctx, args, memory);
    if (r) {
      done.succeed(*r);
    } else {  // a codec error (arena limit, unencodable input): nothing the client should see
      done.fail(service_error("The operation failed to produce its result"));
    }
  };
  return async_operation(std::move(name), std::move(call), options);
}

destination& destination::async_operation(std::string name, async_handler handler,
                                          operation_options options) {
  operations_.insert_or_assign(std::move(name), entry{std::move(handler), options});
  return *this;
}

const destination::entry* destination::find(std::string_view operation) const noexcept {
  auto it = operations_.find(operation);
  return it == operations_.end() ? nullptr : &it->second;
}

std::vector<std::string> destination::operation_names() const {
  std::vector<std::string> names;
  names.reserve(operations_.size());
  for (const auto& [name, op] : operations_) names.push_back(name);
  return names;
}

destination& service_registry::add(std::string name) {
  auto it = destinations_.find(name);
  if (it == destinations_.end()) it = destinations_.emplace(name, destination(name)).first;
  return it->second;
}

const destination* service_registry::find(std::string_view name) const noexcept {
  auto it = destinations_.find(name);
  if (it != destinations_.end()) return &it->second;
  auto alias = aliases_.find(name);
  if (alias == aliases_.end()) return nullptr;
  it = destinations_.find(alias->second);
  return it == destinations_.end() ? nullptr : &it->second;
}

bool service_registry::alias(std::string name, std::string_view target) {
  auto it = destinations_.find(target);
  if (it == destinations_.end()) return false;
  aliases_.insert_or_assign(std::move(name), it->first);
  return true;
}

std::vector<std::string> service_registry::destination_names() const {
  std::vector<std::string> names;
  names.reserve(destinations_.size());
  for (const auto& [name, d] : destinations_) names.push_back(name);
  return names;
}

namespace detail {

void throw_argument_count(std::string_view operation, std::size_t expected, std::size_t got) {
  throw service_error("Operation '" + std::string(operation) + "' expects " + std::to_string(expected) +
                          (expected == 1 ? " argument" : " arguments") + " but " + std::to_string(got) +
                          (got == 1 ? " was" : " were") + " sent",
                      "Server.ResourceUnavailable");
}

void throw_argument_kind(std::string_view operation, std::size_t index, const amf::value& got,
                         std::string_view why) {
  std::string message = "Argument " + ordinal(index) + " of operation '" + std::string(operation) +
                        "' cannot be converted from " + std::string(amf::kind_name(got.type()));
  if (!why.empty()) message += ": " + std::string(why);
  throw service_error(message, "Server.ResourceUnavailable");
}

void throw_result_failed(std::string_view operation, const amf::error_info& error) {
  (void)error;  // codec details stay on the server
  throw service_error("The result of operation '" + std::string(operation) + "' cannot be sent");
}

}  // namespace detail
}  // namespace amphora::server
