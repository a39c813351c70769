// CORS for browser clients (Apache Royale): which origins may call, and the headers that say so.
// Headers are only ever added for a request whose Origin is allowed; pure, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amphora/server/config.hpp"

namespace amphora::server::detail {

using header_list = std::vector<std::pair<std::string, std::string>>;

class cors_policy {
 public:
  explicit cors_policy(const config& cfg);

  bool allows(std::string_view origin) const noexcept;
  // Access-Control-Allow-Origin (and -Credentials, Vary) for every response; nothing if not allowed.
  void add_headers(std::string_view origin, header_list& out) const;
  // What an OPTIONS preflight answer has besides those: Allow-Methods, Allow-Headers and Max-Age
  // (nothing if not allowed). Each header once: browsers refuse a preflight answer with two
  // Access-Control-Allow-Origin values.
  void add_preflight_headers(std::string_view origin, std::string_view methods, header_list& out) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
  bool credentials_ = true;
  std::string headers_;
};

}  // namespace amphora::server::detail
