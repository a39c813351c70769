// What one call produced: a result value, or a fault. Faults carry only what may reach the
// client: a code, a message and a detail chosen by the gateway or by a service_error.
#pragma once

#include <string>
#include <utility>

#include "amphora/amf/value.hpp"

namespace amphora::server::detail {

struct fault {
  std::string code;     // "Server.Processing", "Server.ResourceUnavailable", ...
  std::string message;  // Flex faultString, NetConnection description
  std::string detail;   // Flex faultDetail, NetConnection details
};

struct outcome {
  bool ok = false;
  amf::value result;
  fault error;

  static outcome success(amf::value v) { return {true, v, {}}; }
  static outcome failure(fault f) { return {false, {}, std::move(f)}; }
  static outcome failure(std::string code, std::string message) {
    return failure(fault{std::move(code), std::move(message), {}});
  }
};

// Fault codes (BlazeDS's vocabulary).
inline constexpr const char* fault_processing = "Server.Processing";
inline constexpr const char* fault_unavailable = "Server.ResourceUnavailable";
inline constexpr const char* fault_encoding = "Client.Message.Encoding";

}  // namespace amphora::server::detail
