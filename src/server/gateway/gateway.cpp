#include "amphora/server/gateway.hpp"

#include <string>
#include <utility>

#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
#include "exchange.hpp"
#include "gateway_state.hpp"

namespace amphora::server {

amf::limits gateway_options::default_limits() noexcept {
  amf::limits l;
  l.max_input_bytes = 16u << 20;
  l.max_string_bytes = 16u << 20;
  l.max_elements = 1u << 20;
  l.max_string_refs = 1u << 20;
  l.max_object_refs = 1u << 20;
  l.max_trait_refs = 1u << 16;
  l.max_memory_bytes = 64u << 20;
  l.max_headers = 64;
  l.max_bodies = 256;
  return l;
}

namespace detail {

gateway_state::gateway_state(service_registry s, gateway_options o, blocking_runner r)
    : services(std::move(s)),
      options(std::move(o)),
      runner(std::move(r)),
      clients(options.max_clients, options.client_idle_timeout, [] { return flex::new_uuid(); }),
      sessions(options.authentication.max_sessions, options.authentication.session_idle_timeout,
               [] { return flex::new_uuid(); }),
      throttle(options.authentication.throttle) {
  decode.limits = options.limits;
  decode.registry = &flex::registry();
  encode.registry = &flex::registry();
  decode.copy_input = true;  // values outlive the request_view (async and blocking operations)
  for (const polling_channel& c : options.channels) channels.emplace_back(c);
}

channel_state* gateway_state::find_channel(std::string_view path) noexcept {
  for (channel_state& c : channels) {
    if (c.settings.path == path) return &c;
  }
  return nullptr;
}

std::uint64_t parked_polls::add(std::function<void()> end) {
  std::lock_guard lock(mutex_);
  ends_.emplace(++next_, std::move(end));
  return next_;
}

void parked_polls::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  ends_.erase(id);
}

std::vector<std::function<void()>> parked_polls::take_all() {
  std::lock_guard lock(mutex_);
  std::vector<std::function<void()>> out;
  for (auto& [id, end] : ends_) out.push_back(std::move(end));
  ends_.clear();
  return out;
}

}  // namespace detail

gateway::gateway(service_registry services, gateway_options options, blocking_runner runner)
    : state_(std::make_shared<detail::gateway_state>(std::move(services), std::move(options),
                                                     std::move(runner))) {}

// Parked polls hold the gateway's state (through their exchange) and the broker holds them: answer
// them so that nothing outlives the gateway in a cycle.
gateway::~gateway() { shutdown(); }

void gateway::shutdown() {
  state_->stopping = true;
  for (std::function<void()>& end : state_->parked.take_all()) end();
}

void gateway::handle(const request_view& request, reply_callback done) {
  auto ex = std::make_shared<detail::exchange>(state_, std::move(done));
  ex->run(request);
}

std::vector<std::string> gateway::destinations() const {
  std::vector<std::string> lines;
  for (const std::string& name : state_->services.destination_names()) {
    std::string line = name + ":";
    const destination* d = state_->services.find(name);
    bool first = true;
    for (const std::string& op : d->operation_names()) {
      line += first ? " " : ", ";
      line += op;
      first = false;
    }
    lines.push_back(std::move(line));
  }
  for (const auto& [name, target] : state_->services.aliases()) lines.push_back(name + " -> " + target);
  if (state_->options.broker) {
    for (const std::string& name : state_->options.broker->destination_names()) {
      lines.push_back(name + " (messaging)");
    }
  }
  return lines;
}

std::optional<gateway::known_client> gateway::find_client(std::string_view ds_id) {
  const std::optional<detail::client_registry::client> c = state_->clients.touch(ds_id);
  if (!c) return std::nullopt;
  return known_client{.small_messages = state_->options.small_messages && c->messaging_version >= 1};
}

const gateway_options& gateway::options() const noexcept { return state_->options; }

std::shared_ptr<gateway> make_amf_gateway(service_registry services, gateway_options options,
                                          blocking_runner runner) {
  return std::make_shared<gateway>(std::move(services), std::move(options), std::move(runner));
}

}  // namespace amphora::server
