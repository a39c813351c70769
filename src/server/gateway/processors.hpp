// The two kinds of request body: NetConnection calls ("Service.method") and Flex messages
// (target "null"). Each runs one body of an exchange and answers it through exchange::answer.
#pragma once

#include <cstddef>
#include <string_view>

#include "amphora/amf/packet.hpp"
#include "amphora/flex/messages.hpp"
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

// The replies of a Flex body (flex_remoting.cpp): `/N/onResult` carrying `reply` (an ack, or a
// command such as a poll's CLIENT_SYNC; in small form when `small` and it has one), and
// `/N/onStatus` carrying an ErrorMessage that answers `request` (clientId `client_id` if given).
amf::packet_body flex_result(exchange& ex, std::size_t index, const flex::message& reply, bool small);
amf::packet_body flex_error(exchange& ex, std::size_t index, const flex::abstract_message& request,
                            std::string_view code, std::string_view message, std::string_view detail = {},
                            std::string_view client_id = {});

// Messaging (flex_messaging.cpp): the running Flex body, for the gateway's broker.
struct messaging_call {
  exchange& ex;
  std::size_t index;
  std::string_view ds_id;  // a DSId this gateway issued, or ""
  bool small;              // acknowledgements may be small (DSK)
};
// SUBSCRIBE, UNSUBSCRIBE, MULTI_SUBSCRIBE, POLL.
void run_messaging_command(const messaging_call& call, const flex::command_message& command);
// A published AsyncMessage (Producer.send).
void run_publish(const messaging_call& call, const flex::async_message& message);
// DISCONNECT: the FlexClient's subscriptions and queue go; a parked poll is answered.
void release_messaging(exchange& ex, std::string_view ds_id);

}  // namespace amphora::server::detail
