// What every request of one gateway shares: the services, options, worker pool and known clients.
#pragma once

#include "amphora/amf/options.hpp"
#include "amphora/security/login_throttle.hpp"
#include "amphora/server/gateway.hpp"
#include "client_registry.hpp"

namespace amphora::server::detail {

struct gateway_state {
  gateway_state(service_registry s, gateway_options o, blocking_runner r);

  const service_registry services;
  const gateway_options options;
  const blocking_runner runner;
  amf::decode_options decode;  // options.limits, the Flex externalizables (ArrayCollection, DSK, ...)
  amf::encode_options encode;  // the same externalizables
  client_registry clients;
  client_registry sessions;  // login sessions by cookie id (authentication.cpp)
  security::login_throttle throttle;
};

}  // namespace amphora::server::detail
