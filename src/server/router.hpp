// Routing: which handler answers a method and path. Exact paths only; pure, no I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/server/server.hpp"

namespace amphora::server::detail {

class router {
 public:
  enum class outcome {
    handler,             // route.target answers
    websocket,           // a GET on a WebSocket endpoint: `websocket` serves it after the upgrade
    health,              // built-in GET /health
    preflight,           // OPTIONS on a mounted path: the CORS preflight
    not_found,           // 404
    method_not_allowed,  // 405; `allow` lists what the path takes
  };
  struct match {
    outcome what = outcome::not_found;
    const route_info* route = nullptr;  // for handler and preflight
    std::string allow;                  // for method_not_allowed: "POST, OPTIONS"
    const websocket_route* websocket = nullptr;
  };

  void add(route_info r);
  void add_websocket(websocket_route r);
  const std::vector<route_info>& routes() const noexcept { return routes_; }
  const std::vector<websocket_route>& websocket_routes() const noexcept { return websockets_; }

  match find(std::string_view method, std::string_view path) const;

 private:
  std::vector<route_info> routes_;
  std::vector<websocket_route> websockets_;
};

}  // namespace amphora::server::detail
