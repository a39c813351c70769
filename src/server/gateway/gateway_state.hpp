// What every request of one gateway shares: the services, options, worker pool and known clients.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amphora/amf/options.hpp"
#include "amphora/security/login_throttle.hpp"
#include "amphora/server/gateway.hpp"
#include "client_registry.hpp"

namespace amphora::server::detail {

// A polling endpoint and the polls parked on it now.
struct channel_state {
  explicit channel_state(polling_channel s) : settings(std::move(s)) {}
  const polling_channel settings;
  std::atomic<std::size_t> waiting{0};

  bool can_wait() const noexcept {
    return settings.wait_interval.count() > 0 && settings.max_waiting_polls > 0;
  }
};

// The parked polls, so that shutdown() can answer them. Each entry ends its poll (at most once).
class parked_polls {
 public:
  std::uint64_t add(std::function<void()> end);
  void remove(std::uint64_t id);
  std::vector<std::function<void()>> take_all();

 private:
  std::mutex mutex_;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> ends_;
};

struct gateway_state {
  gateway_state(service_registry s, gateway_options o, blocking_runner r);

  const service_registry services;
  const gateway_options options;
  const blocking_runner runner;
  amf::decode_options decode;  // options.limits, the Flex externalizables (ArrayCollection, DSK, ...)
  amf::encode_options encode;  // the same externalizables
  client_registry clients;
  std::deque<channel_state> channels;  // one per options.channels
  std::atomic<bool> stopping{false};   // shutdown() ran: polls no longer park
  parked_polls parked;

  // The polling endpoint mounted at `path`, or nullptr (a plain AMF endpoint).
  channel_state* find_channel(std::string_view path) noexcept;

  client_registry sessions;  // login sessions by cookie id (authentication.cpp)
  security::login_throttle throttle;
};

}  // namespace amphora::server::detail
