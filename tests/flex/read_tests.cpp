// read_message on real client bytes (royale.md §5) and on hostile values.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "amphora/amf.hpp"
#include "amphora/flex/messages.hpp"
#include "flex/captures.hpp"
#include "support/bytes.hpp"

namespace amphora::flex {
namespace {

using test::from_hex;

// The first body's value of a captured packet, decoded with the small-message codecs.
amf::value first_body(std::string_view hex, amf::arena& memory) {
  amf::decode_options options;
  options.registry = &registry();
  const test::bytes input = from_hex(hex);
  auto packet = amf::decode_packet(input, memory, options);
  EXPECT_TRUE(packet) << packet.error().message();
  if (!packet || packet->bodies.empty()) return {};
  return packet->bodies[0].val;
}

template <class T>
T read_as(const amf::value& v, amf::arena& memory) {
  auto m = read_message(v, memory);
  EXPECT_TRUE(m) << m.error().message();
  if (!m) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*m)) << "variant index " << m->index();
  return std::holds_alternative<T>(*m) ? std::get<T>(*m) : T{};
}

std::string_view header_string(const abstract_message& m, std::string_view name) {
  const amf::value* v = m.header(name);
  return v && v->is(amf::kind::string) ? v->as_string() : "<absent>";
}

TEST(ReadMessage, RoyalePingIsAClientPingCommand) {
  amf::arena memory;
  const auto ping = read_as<command_message>(first_body(test::captures::ping_request, memory), memory);
  EXPECT_EQ(ping.operation, command_operation::client_ping);
  EXPECT_EQ(ping.message_id, "6057E1F6-7F6D-7876-475B-6B06A7E13812");
  EXPECT_EQ(ping.client_id, "");
  EXPECT_EQ(ping.correlation_id, "");
  EXPECT_EQ(ping.destination, "");
  EXPECT_EQ(ping.timestamp, 0);
  EXPECT_EQ(ping.time_to_live, 0);
  EXPECT_TRUE(ping.body.is(amf::kind::object));  // Royale sends {} for commands
  EXPECT_EQ(header_string(ping, headers::ds_id), "nil");
  const amf::value* version = ping.header(headers::messaging_version);
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->to_double(), 1.0);
  EXPECT_EQ(ping.header("DSNoSuchHeader"), nullptr);
}

TEST(ReadMessage, RoyaleEchoIsARemotingMessageWithOneArgument) {
  amf::arena memory;
  const auto call = read_as<remoting_message>(first_body(test::captures::echo_request, memory), memory);
  EXPECT_EQ(call.destination, "EchoService");
  EXPECT_EQ(call.operation, "echo");
  EXPECT_EQ(call.source, "");
  EXPECT_EQ(call.message_id, "DD68CCFE-5830-E42A-411E-6B06A7E26239");
  EXPECT_EQ(call.client_id, "02dd2ef6-89df-4401-8409-7cd3cf1a6f78");  // adopted from the first ack
  EXPECT_EQ(header_string(call, headers::endpoint), "probe-amf");
  EXPECT_EQ(header_string(call, headers::ds_id), "6c6af83e-d4eb-49d5-a1bd-c68577edf90e");
  const auto args = call.arguments();
  ASSERT_EQ(args.size(), 1u);
  ASSERT_TRUE(args[0].is(amf::kind::string));
  EXPECT_EQ(args[0].as_string(), "h\xC3\xA9llo \xE2\x9C\x93 \xE4\xB8\x96\xE7\x95\x8C");
}

TEST(ReadMessage, Py3AmfPingReplyIsAnAcknowledgement) {
  amf::arena memory;
  const auto ack = read_as<acknowledge_message>(first_body(test::captures::ping_reply, memory), memory);
  EXPECT_EQ(ack.correlation_id, "6057E1F6-7F6D-7876-475B-6B06A7E13812");  // the ping's messageId
  EXPECT_EQ(ack.client_id, "220995ec-e72f-42d6-a08a-0e813670b38b");
  EXPECT_EQ(ack.message_id, "53f0acdb-fab6-41d2-ba85-5a7f4505daf5");
  EXPECT_TRUE(ack.body.is(amf::kind::boolean) && ack.body.as_bool());
  EXPECT_EQ(header_string(ack, headers::ds_id), "6c6af83e-d4eb-49d5-a1bd-c68577edf90e");
  EXPECT_EQ(ack.time_to_live, 0);  // null on the wire
  EXPECT_GT(ack.timestamp, 1e9);   // Py3AMF: seconds as a double
  EXPECT_EQ(ack.destination, "");
}

TEST(ReadMessage, Py3AmfEchoReplyCarriesTheResult) {
  amf::arena memory;
  const auto ack = read_as<acknowledge_message>(first_body(test::captures::echo_reply, memory), memory);
  EXPECT_EQ(ack.correlation_id, "DD68CCFE-5830-E42A-411E-6B06A7E26239");
  ASSERT_TRUE(ack.body.is(amf::kind::string));
  EXPECT_EQ(ack.body.as_string(), "h\xC3\xA9llo \xE2\x9C\x93 \xE4\xB8\x96\xE7\x95\x8C");
}

TEST(ReadMessage, RoyalePollAndItsClientSyncReply) {
  amf::arena memory;
  const auto poll = read_as<command_message>(first_body(test::captures::poll_request, memory), memory);
  EXPECT_EQ(poll.operation, command_operation::poll);
  EXPECT_EQ(poll.client_id, "");
  EXPECT_EQ(header_string(poll, headers::ds_id), "3ff2292b-89e0-42e4-9aff-acf85108eb7d");

  const auto sync = read_as<command_message>(first_body(test::captures::poll_reply, memory), memory);
  EXPECT_EQ(sync.operation, command_operation::client_sync);
  EXPECT_EQ(sync.correlation_id, "2A6966E2-16CF-9CA3-759F-6B06A7CD4D29");
  ASSERT_TRUE(sync.body.is(amf::kind::array));
  ASSERT_EQ(sync.body.as_array().dense.size(), 1u);
  // One pushed AsyncMessage: clientId is the consumer's subscription id.
  const auto pushed = read_as<async_message>(sync.body.as_array().dense[0], memory);
  EXPECT_EQ(pushed.destination, "chat");
  EXPECT_EQ(pushed.message_id, "29D04C47-8C10-D645-1F5F-6B06A7CC2DE2");
  EXPECT_EQ(pushed.client_id, "DCC2FEC6-2A9F-470D-9785-1E5439685312");
  EXPECT_EQ(header_string(pushed, "probeHeader"), "probe-value");
  ASSERT_TRUE(pushed.body.is(amf::kind::object));
  const amf::value* text = pushed.body.as_object().find("text");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->as_string(), "hello from royale");
}

TEST(ReadMessage, Py3AmfSmallAckCarriesIdsAsBytes) {
  amf::arena memory;
  const auto request =
      read_as<command_message>(first_body(test::captures::small_ping_request, memory), memory);
  const amf::value reply = first_body(test::captures::small_ping_reply, memory);
  ASSERT_TRUE(reply.is(amf::kind::object));
  EXPECT_EQ(reply.as_object().alias(), "DSK");
  const auto ack = read_as<acknowledge_message>(reply, memory);
  EXPECT_EQ(ack.correlation_id, request.message_id);  // 16 bytes on the wire, uppercase text here
  EXPECT_EQ(ack.correlation_id, "44C26D05-2825-5083-A37B-6B06A7DA5191");
  EXPECT_EQ(ack.client_id, "CBA70769-08F1-48F3-B519-4B1076D489D0");
  EXPECT_EQ(ack.message_id, "EDAFE381-E4E9-4D00-A9F1-CADCE0190357");
  EXPECT_TRUE(ack.body.is(amf::kind::boolean) && ack.body.as_bool());
  EXPECT_EQ(header_string(ack, headers::ds_id), "05afc13e-98cf-4b53-ad6f-6b60a72253e9");
  EXPECT_GT(ack.timestamp, 1e12);  // ms
}

// ---- Shapes other clients send ----

amf::object_node& typed(amf::arena& memory, std::string_view alias, bool dynamic = false) {
  amf::object_node* o = amf::new_object(memory, alias, dynamic);
  EXPECT_NE(o, nullptr);
  return *o;
}

TEST(ReadMessage, AcceptsAnyOrderExtraMembersAndMissingMembers) {
  amf::arena memory;
  amf::object_node& o = typed(memory, aliases::remoting_message, /*dynamic=*/true);
  ASSERT_TRUE(amf::add_sealed(memory, o, "timestamp", amf::value::number(1700000000123.0)));
  ASSERT_TRUE(amf::add_sealed(memory, o, "operation", amf::value::string("add")));
  ASSERT_TRUE(amf::add_sealed(memory, o, "remoteUsername", amf::value::null()));  // BlazeDS extra
  ASSERT_TRUE(amf::add_dynamic(memory, o, "destination", amf::value::string("calc")));
  ASSERT_TRUE(amf::add_dynamic(memory, o, "parameters", amf::value::integer(1)));
  const auto m = read_as<remoting_message>(amf::value::of(&o), memory);
  EXPECT_EQ(m.operation, "add");
  EXPECT_EQ(m.destination, "calc");
  EXPECT_EQ(m.timestamp, 1700000000123.0);
  EXPECT_EQ(m.time_to_live, 0);
  EXPECT_TRUE(m.body.is_null());
  EXPECT_TRUE(m.arguments().empty());
  EXPECT_EQ(m.message_id, "");
}

TEST(ReadMessage, TimestampAndOperationMayBeIntsOrDoubles) {
  amf::arena memory;
  amf::object_node& o = typed(memory, aliases::command_message);
  ASSERT_TRUE(amf::add_sealed(memory, o, "operation", amf::value::number(2.0)));
  ASSERT_TRUE(amf::add_sealed(memory, o, "timestamp", amf::value::integer(5)));
  ASSERT_TRUE(amf::add_sealed(memory, o, "timeToLive", amf::value::number(0.5)));
  const auto m = read_as<command_message>(amf::value::of(&o), memory);
  EXPECT_EQ(m.operation, command_operation::poll);
  EXPECT_EQ(m.timestamp, 5);
  EXPECT_EQ(m.time_to_live, 0.5);
}

TEST(ReadMessage, CommandWithoutOperationIsUnknown) {
  amf::arena memory;
  const auto m = read_as<command_message>(amf::value::of(&typed(memory, aliases::command_message)), memory);
  EXPECT_EQ(m.operation, command_operation::unknown);
}

TEST(ReadMessage, UnlistedOperationNumbersSurvive) {
  amf::arena memory;
  amf::object_node& o = typed(memory, aliases::command_message);
  ASSERT_TRUE(amf::add_sealed(memory, o, "operation", amf::value::integer(3)));
  EXPECT_EQ(static_cast<int>(read_as<command_message>(amf::value::of(&o), memory).operation), 3);
}

TEST(ReadMessage, ArgumentsOfEveryBodyShape) {
  amf::arena memory;
  amf::array_node* args = amf::new_array(memory);
  ASSERT_TRUE(args->dense.push_back(memory, amf::value::integer(1)));
  ASSERT_TRUE(args->dense.push_back(memory, amf::value::string("two")));
  remoting_message m;
  m.body = amf::value::of(args);
  EXPECT_EQ(m.arguments().size(), 2u);

  amf::object_node& collection = typed(memory, aliases::array_collection);
  collection.type->externalizable = true;
  collection.external = amf::value::of(args);
  m.body = amf::value::of(&collection);
  ASSERT_EQ(m.arguments().size(), 2u);
  EXPECT_EQ(m.arguments()[1].as_string(), "two");

  m.body = amf::value::string("alone");  // BlazeDS: a non-list body is the only argument
  ASSERT_EQ(m.arguments().size(), 1u);
  EXPECT_EQ(m.arguments()[0].as_string(), "alone");

  m.body = amf::value::undefined();
  EXPECT_TRUE(m.arguments().empty());
}

TEST(ReadMessage, ErrorMessageFields) {
  amf::arena memory;
  amf::object_node& o = typed(memory, aliases::error_message);
  ASSERT_TRUE(amf::add_sealed(memory, o, "faultCode", amf::value::string("Server.Processing")));
  ASSERT_TRUE(amf::add_sealed(memory, o, "faultString", amf::value::string("boom")));
  ASSERT_TRUE(amf::add_sealed(memory, o, "faultDetail", amf::value::null()));
  ASSERT_TRUE(amf::add_sealed(memory, o, "rootCause", amf::value::integer(7)));
  ASSERT_TRUE(amf::add_sealed(memory, o, "correlationId", amf::value::string("X")));
  const auto e = read_as<error_message>(amf::value::of(&o), memory);
  EXPECT_EQ(e.fault_code, faults::server_processing);
  EXPECT_EQ(e.fault_string, "boom");
  EXPECT_EQ(e.fault_detail, "");
  EXPECT_EQ(e.root_cause.as_int(), 7);
  EXPECT_TRUE(e.extended_data.is_null());
  EXPECT_EQ(e.correlation_id, "X");
}

// ---- Hostile values: errors that say what is wrong, never a crash ----

struct hostile_case {
  const char* member;
  amf::value val;
  const char* detail;
};

TEST(ReadMessage, WrongKindsAreInvalidFields) {
  amf::arena memory;
  const hostile_case cases[] = {
      {"clientId", amf::value::integer(1), "clientId is not a string or 16-byte id"},
      {"messageId", amf::value::boolean(true), "messageId is not a string or 16-byte id"},
      {"correlationId", amf::value::number(1), "correlationId is not a string or 16-byte id"},
      {"destination", amf::value::integer(1), "destination is not a string"},
      {"headers", amf::value::string("DSId"), "headers is not an object"},
      {"timestamp", amf::value::string("now"), "timestamp is not a number"},
      {"timeToLive", amf::value::boolean(false), "timeToLive is not a number"},
      {"operation", amf::value::string("5"), "operation is not an int"},
      {"operation", amf::value::number(2.5), "operation is not an int"},
      {"operation", amf::value::number(std::nan("")), "operation is not an int"},
      {"operation", amf::value::number(1e10), "operation is not an int"},
      {"operation", amf::value::integer(-3000000000), "operation is not an int"},
  };
  for (const hostile_case& c : cases) {
    amf::object_node& o = typed(memory, aliases::command_message);
    ASSERT_TRUE(amf::add_sealed(memory, o, c.member, c.val));
    auto m = read_message(amf::value::of(&o), memory);
    ASSERT_FALSE(m) << c.member;
    EXPECT_EQ(m.error().code, errc::invalid_field) << c.member;
    EXPECT_EQ(m.error().detail, c.detail);
  }
}

TEST(ReadMessage, IdBytesMustBeSixteen) {
  amf::arena memory;
  const std::uint8_t five[5] = {1, 2, 3, 4, 5};
  amf::object_node& o = typed(memory, aliases::async_message);
  ASSERT_TRUE(amf::add_sealed(memory, o, "messageId", amf::value::of(amf::new_bytes(memory, five))));
  auto m = read_message(amf::value::of(&o), memory);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, errc::invalid_field);
}

TEST(ReadMessage, RemotingFieldsOfTheWrongKind) {
  amf::arena memory;
  amf::object_node& o = typed(memory, aliases::remoting_message);
  ASSERT_TRUE(amf::add_sealed(memory, o, "operation", amf::value::integer(1)));
  auto m = read_message(amf::value::of(&o), memory);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().detail, "operation is not a string");
}

TEST(ReadMessage, NonMessagesAreRejected) {
  amf::arena memory;
  amf::array_node* two = amf::new_array(memory);
  ASSERT_TRUE(two->dense.push_back(memory, amf::value::null()));
  ASSERT_TRUE(two->dense.push_back(memory, amf::value::null()));
  amf::array_node* empty = amf::new_array(memory);
  amf::object_node& external_without_body = typed(memory, "DSK");
  external_without_body.type->externalizable = true;
  amf::object_node& typed_dsk = typed(memory, "DSK");  // not externalizable: not a small message

  const struct {
    amf::value v;
    errc code;
  } cases[] = {
      {amf::value::null(), errc::not_a_message},
      {amf::value::undefined(), errc::not_a_message},
      {amf::value::string("flex.messaging.messages.RemotingMessage"), errc::not_a_message},
      {amf::value::integer(5), errc::not_a_message},
      {amf::value::of(two), errc::not_a_message},
      {amf::value::of(empty), errc::not_a_message},
      {amf::value::of(amf::new_object(memory)), errc::unknown_class},
      {amf::value::of(&typed(memory, "flex.messaging.messages.HTTPMessage")), errc::unknown_class},
      {amf::value::of(&typed(memory, "flex.messaging.io.ArrayCollection")), errc::unknown_class},
      {amf::value::of(&external_without_body), errc::not_a_message},
      {amf::value::of(&typed_dsk), errc::unknown_class},
  };
  for (const auto& c : cases) {
    auto m = read_message(c.v, memory);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, c.code) << m.error().message();
    EXPECT_FALSE(m.error().detail.empty());
  }
}

TEST(ReadMessage, AMessageInsideAOneElementArray) {
  amf::arena memory;
  amf::array_node* body = amf::new_array(memory);
  ASSERT_TRUE(body->dense.push_back(memory, amf::value::of(&typed(memory, aliases::async_message))));
  auto m = read_message(amf::value::of(body), memory);
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::holds_alternative<async_message>(*m));
}

TEST(ReadMessage, ErrorsHaveReadableMessages) {
  amf::arena memory;
  auto m = read_message(amf::value::integer(1), memory);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message(), "not a Flex message at byte 0: not an object");
}

}  // namespace
}  // namespace amphora::flex
