#include "router.hpp"

#include <algorithm>
#include <utility>

namespace amphora::server::detail {
namespace {

constexpr std::string_view health_path = "/health";

std::string allow_list(const std::vector<std::string>& methods) {
  std::string allow;
  for (const std::string& m : methods) {
    allow += m;
    allow += ", ";
  }
  return allow + "OPTIONS";
}

}  // namespace

void router::add(route_info r) {
  const auto same = [&](const route_info& x) { return x.path == r.path; };
  if (const auto at = std::find_if(routes_.begin(), routes_.end(), same); at != routes_.end()) {
    *at = std::move(r);  // mounting a path again replaces its handler
  } else {
    routes_.push_back(std::move(r));
  }
}

void router::add_websocket(websocket_route r) {
  const auto same = [&](const websocket_route& x) { return x.path == r.path; };
  if (const auto at = std::find_if(websockets_.begin(), websockets_.end(), same); at != websockets_.end()) {
    *at = std::move(r);
  } else {
    websockets_.push_back(std::move(r));
  }
}

router::match router::find(std::string_view method, std::string_view path) const {
  for (const websocket_route& w : websockets_) {
    if (w.path != path) continue;
    if (method == "GET") return {outcome::websocket, nullptr, {}, &w};
    return {outcome::method_not_allowed, nullptr, "GET", nullptr};
  }
  for (const route_info& r : routes_) {
    if (r.path != path) continue;
    if (std::find(r.methods.begin(), r.methods.end(), method) != r.methods.end()) {
      return {outcome::handler, &r, {}, nullptr};
    }
    if (method == "OPTIONS") return {outcome::preflight, &r, {}, nullptr};
    return {outcome::method_not_allowed, &r, allow_list(r.methods), nullptr};
  }
  if (path == health_path) {
    if (method == "GET") return {outcome::health, nullptr, {}, nullptr};
    return {outcome::method_not_allowed, nullptr, "GET", nullptr};
  }
  return {};
}

}  // namespace amphora::server::detail
