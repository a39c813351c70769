#include "cors.hpp"

#include <algorithm>

namespace amphora::server::detail {

cors_policy::cors_policy(const config& cfg)
    : origins_(cfg.cors_origins), credentials_(cfg.cors_credentials), headers_(cfg.cors_headers) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool cors_policy::allows(std::string_view origin) const noexcept {
  if (origin.empty()) return false;
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void cors_policy::add_headers(std::string_view origin, header_list& out) const {
  if (!allows(origin)) return;
  // The origin itself, never "*": browsers refuse "*" on requests with credentials.
  out.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  if (credentials_) out.emplace_back("Access-Control-Allow-Credentials", "true");
  out.emplace_back("Vary", "Origin");
}

void cors_policy::add_preflight_headers(std::string_view origin, std::string_view methods,
                                        header_list& out) const {
  if (!allows(origin)) return;
  out.emplace_back("Access-Control-Allow-Methods", std::string(methods));
  out.emplace_back("Access-Control-Allow-Headers", headers_);
  out.emplace_back("Access-Control-Max-Age", "600");
}

}  // namespace amphora::server::detail
