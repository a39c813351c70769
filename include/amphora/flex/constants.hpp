// Names and numbers of the Flex messaging protocol (BlazeDS's flex.messaging.messages.*): class
// aliases, CommandMessage operations, message header names and fault codes.
// Sources: reference/blazeds.md §2.2-2.5, reference/amfast.md §1d.
#pragma once

#include <cstdint>
#include <string_view>

namespace amphora::flex {

// AMF class aliases of the message classes. Full forms are typed AMF3 objects with sealed members;
// the small forms (ISmallMessage) are externalizable.
namespace aliases {
inline constexpr std::string_view remoting_message = "flex.messaging.messages.RemotingMessage";
inline constexpr std::string_view command_message = "flex.messaging.messages.CommandMessage";
inline constexpr std::string_view async_message = "flex.messaging.messages.AsyncMessage";
inline constexpr std::string_view acknowledge_message = "flex.messaging.messages.AcknowledgeMessage";
inline constexpr std::string_view error_message = "flex.messaging.messages.ErrorMessage";
inline constexpr std::string_view acknowledge_small = "DSK";  // AcknowledgeMessageExt
inline constexpr std::string_view async_small = "DSA";        // AsyncMessageExt
inline constexpr std::string_view command_small = "DSC";      // CommandMessageExt
inline constexpr std::string_view array_collection = "flex.messaging.io.ArrayCollection";
inline constexpr std::string_view array_list = "flex.messaging.io.ArrayList";
inline constexpr std::string_view object_proxy = "flex.messaging.io.ObjectProxy";
}  // namespace aliases

// CommandMessage.operation. The wire carries any int; values not listed here stay representable.
enum class command_operation : std::int32_t {
  subscribe = 0,
  unsubscribe = 1,
  poll = 2,
  client_sync = 4,  // server -> client: poll result, body = array of messages
  client_ping = 5,  // connect handshake; the ack carries DSId and DSMessagingVersion
  cluster_request = 7,
  login = 8,
  logout = 9,
  subscription_invalidate = 10,
  multi_subscribe = 11,
  disconnect = 12,
  trigger_connect = 13,
  unknown = 10000,  // the default of a CommandMessage whose operation was never set
};

// Message header names (keys of AbstractMessage.headers).
namespace headers {
inline constexpr std::string_view ds_id = "DSId";  // FlexClient id; "nil" before the first ping
inline constexpr std::string_view messaging_version = "DSMessagingVersion";
inline constexpr std::string_view endpoint = "DSEndpoint";
inline constexpr std::string_view validate_endpoint = "DSValidateEndpoint";
inline constexpr std::string_view dst_client_id = "DSDstClientId";
inline constexpr std::string_view priority = "DSPriority";
inline constexpr std::string_view request_timeout = "DSRequestTimeoutMillis";
inline constexpr std::string_view remote_credentials = "DSRemoteCredentials";
inline constexpr std::string_view remote_credentials_charset = "DSRemoteCredentialsCharset";
inline constexpr std::string_view credentials_charset = "DSCredentialsCharset";
inline constexpr std::string_view status_code = "DSStatusCode";
inline constexpr std::string_view subtopic = "DSSubtopic";
inline constexpr std::string_view selector = "DSSelector";
inline constexpr std::string_view max_frequency = "DSMaxFrequency";
inline constexpr std::string_view preserve_durable = "DSPreserveDurable";
inline constexpr std::string_view add_sub = "DSAddSub";
inline constexpr std::string_view rem_sub = "DSRemSub";
inline constexpr std::string_view subscription_invalidated = "DSSubscriptionInvalidated";
inline constexpr std::string_view poll_wait = "DSPollWait";
inline constexpr std::string_view no_op_poll = "DSNoOpPoll";
inline constexpr std::string_view suppress_poll_wait = "DSSuppressPollWait";
inline constexpr std::string_view needs_config = "DSNeedsConfig";
inline constexpr std::string_view error_hint = "DSErrorHint";
inline constexpr std::string_view sync = "sync";
// DSAddSub/DSRemSub entries are "subtopic" + separator + "selector".
inline constexpr std::string_view subtopic_separator = "_;_";
// The DSId a client sends before it has one.
inline constexpr std::string_view null_ds_id = "nil";
}  // namespace headers

// ErrorMessage.faultCode values BlazeDS sends.
namespace faults {
inline constexpr std::string_view server_processing = "Server.Processing";
inline constexpr std::string_view server_processing_duplicate_session =
    "Server.Processing.DuplicateSessionDetected";
inline constexpr std::string_view server_processing_not_subscribed = "Server.Processing.NotSubscribed";
inline constexpr std::string_view server_processing_null_id = "Server.Processing.NullId";
inline constexpr std::string_view server_processing_duplicate_id = "Server.Processing.DuplicateId";
inline constexpr std::string_view server_resource_unavailable = "Server.ResourceUnavailable";
inline constexpr std::string_view server_resource_not_found = "Server.ResourceNotFound";
inline constexpr std::string_view server_poll_not_supported = "Server.PollNotSupported";
inline constexpr std::string_view server_authentication = "Server.Authentication";
inline constexpr std::string_view server_authorization = "Server.Authorization";
inline constexpr std::string_view client_authentication = "Client.Authentication";
inline constexpr std::string_view client_authorization = "Client.Authorization";
inline constexpr std::string_view client_message_encoding = "Client.Message.Encoding";
inline constexpr std::string_view client_header_encoding = "Client.Header.Encoding";
inline constexpr std::string_view client_packet_encoding = "Client.Packet.Encoding";
inline constexpr std::string_view client_invalid_type = "Client.Message.Deserialize.InvalidType";
inline constexpr std::string_view version_mismatch = "VersionMismatch";
}  // namespace faults

}  // namespace amphora::flex
