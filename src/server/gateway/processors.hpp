// The two kinds of request body: NetConnection calls ("Service.method") and Flex messages
// (target "null"). Each runs one body of an exchange and answers it through exchange::answer.
#pragma once

#include <cstddef>

#include "amphora/amf/packet.hpp"
#include "exchange.hpp"
#include "outcome.hpp"

namespace amphora::server::detail {

inline bool is_flex_body(const amf::packet_body& body) noexcept { return body.target == "null"; }

void run_netconnection_body(exchange& ex, std::size_t index);
// `/N/onStatus` with the status object of `f`.
amf::packet_body netconnection_fault(exchange& ex, std::size_t index, const fault& f);

void run_flex_body(exchange& ex, std::size_t index);
// `/N/onStatus` with an ErrorMessage for `f`, correlated with the body's message if readable.
amf::packet_body flex_fault(exchange& ex, std::size_t index, const fault& f);

}  // namespace amphora::server::detail
