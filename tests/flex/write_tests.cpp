// to_value (full form), round trips through the codec, and the reply helpers.
#include <gtest/gtest.h>

#include <string>

#include "amphora/amf.hpp"
#include "amphora/flex/messages.hpp"
#include "flex/captures.hpp"
#include "support/bytes.hpp"

namespace amphora::flex {
namespace {

using test::builder;
using test::bytes;
using test::from_hex;
using test::to_hex;

bytes encode(const amf::value& v) {
  amf::encode_options o;
  o.registry = &registry();
  bytes out;
  const amf::status s = amf::encode_amf3(v, out, o);
  EXPECT_TRUE(s) << s.error().message();
  return out;
}

message round_trip(const message& m, form f, amf::arena& memory) {
  auto v = to_value(memory, m, f);
  EXPECT_TRUE(v) << v.error().message();
  if (!v) return {};
  const bytes wire = encode(*v);
  amf::decode_options o;
  o.registry = &registry();
  auto back = amf::decode_amf3(wire, memory, o);
  EXPECT_TRUE(back) << back.error().message();
  if (!back) return {};
  auto read = read_message(*back, memory);
  EXPECT_TRUE(read) << read.error().message();
  return read ? *read : message{};
}

void expect_same_abstract(const abstract_message& a, const abstract_message& b) {
  EXPECT_TRUE(amf::deep_equal(a.body, b.body));
  EXPECT_EQ(a.client_id, b.client_id);
  EXPECT_EQ(a.destination, b.destination);
  EXPECT_TRUE(amf::deep_equal(a.headers, b.headers));
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.time_to_live, b.time_to_live);
}

TEST(WriteMessage, FullAcknowledgeHasSortedSealedMembers) {
  amf::arena memory;
  acknowledge_message ack;
  ack.body = amf::value::boolean(true);
  ack.client_id = "C";
  ack.correlation_id = "R";
  ack.message_id = "M";
  ack.timestamp = 1700000000000;
  auto v = to_value(memory, ack);
  ASSERT_TRUE(v);
  builder expected;
  expected.hex("0a 81 03 55").raw(aliases::acknowledge_message);  // 8 sealed, not dynamic
  for (std::string_view name : {"body", "clientId", "correlationId", "destination", "headers", "messageId",
                                "timeToLive", "timestamp"}) {
    expected.u29(static_cast<std::uint32_t>(name.size() * 2 + 1)).raw(name);
  }
  expected
      .hex("03 06 03 43 06 03 52 01 01 06 03 4d")  // true, "C", "R", null, null, "M"
      .hex("04 00")                                // timeToLive 0 as an int
      .u8(0x05)
      .f64(1700000000000.0);  // timestamp: too wide for an AMF3 int
  EXPECT_EQ(to_hex(encode(*v)), to_hex(expected.get()));
}

TEST(WriteMessage, MemberOrderOfEachClass) {
  amf::arena memory;
  const auto names = [&](const message& m) {
    auto v = to_value(memory, m);
    EXPECT_TRUE(v);
    std::string out;
    for (std::string_view n : v->as_object().type->sealed) out += std::string(n) + " ";
    EXPECT_FALSE(v->as_object().type->dynamic);
    return out;
  };
  EXPECT_EQ(names(remoting_message{}),
            "body clientId destination headers messageId operation source timeToLive timestamp ");
  EXPECT_EQ(names(command_message{}),
            "body clientId correlationId destination headers messageId operation timeToLive timestamp ");
  EXPECT_EQ(names(async_message{}),
            "body clientId correlationId destination headers messageId timeToLive timestamp ");
  EXPECT_EQ(names(error_message{}),
            "body clientId correlationId destination extendedData faultCode faultDetail faultString headers "
            "messageId rootCause timeToLive timestamp ");
}

TEST(WriteMessage, RoyaleRequestsSurviveReadWriteRead) {
  for (std::string_view hex :
       {test::captures::ping_request, test::captures::echo_request, test::captures::poll_request}) {
    amf::arena memory;
    amf::decode_options o;
    o.registry = &registry();
    const bytes input = from_hex(hex);
    auto packet = amf::decode_packet(input, memory, o);
    ASSERT_TRUE(packet);
    auto first = read_message(packet->bodies[0].val, memory);
    ASSERT_TRUE(first);
    const message second = round_trip(*first, form::full, memory);
    ASSERT_EQ(first->index(), second.index());
    std::visit(
        [&](const auto& a) {
          const auto& b = std::get<std::decay_t<decltype(a)>>(second);
          expect_same_abstract(a, b);
        },
        *first);
  }
}

TEST(WriteMessage, EveryClassRoundTripsInBothForms) {
  for (form f : {form::full, form::small}) {
    amf::arena memory;
    remoting_message r;
    r.destination = "calc";
    r.operation = "add";
    r.source = "com.example.Calc";
    r.message_id = new_uuid(memory);
    r.timestamp = 12.5;
    auto r2 = std::get<remoting_message>(round_trip(r, f, memory));
    expect_same_abstract(r, r2);
    EXPECT_EQ(r2.operation, "add");
    EXPECT_EQ(r2.source, "com.example.Calc");

    command_message c = make_command(command_operation::poll, memory);
    c.correlation_id = "lowercase-is-not-a-uuid";
    auto c2 = std::get<command_message>(round_trip(c, f, memory));
    expect_same_abstract(c, c2);
    EXPECT_EQ(c2.operation, command_operation::poll);
    EXPECT_EQ(c2.correlation_id, c.correlation_id);

    error_message e = make_error(r, memory, faults::server_resource_unavailable, "no such destination", "d");
    e.extended_data = amf::value::integer(3);
    auto e2 = std::get<error_message>(round_trip(e, f, memory));
    expect_same_abstract(e, e2);
    EXPECT_EQ(e2.fault_code, "Server.ResourceUnavailable");
    EXPECT_EQ(e2.fault_string, "no such destination");
    EXPECT_EQ(e2.fault_detail, "d");
    EXPECT_EQ(e2.extended_data.as_int(), 3);
    EXPECT_TRUE(e2.root_cause.is_null());

    acknowledge_message a = make_acknowledge(r, memory);
    a.body = amf::value::number(-0.0);
    auto a2 = std::get<acknowledge_message>(round_trip(a, f, memory));
    expect_same_abstract(a, a2);
    EXPECT_EQ(a2.correlation_id, r.message_id);
  }
}

TEST(WriteMessage, FailsCleanlyWhenTheArenaRefuses) {
  for (std::size_t limit : {0u, 64u, 256u, 1024u}) {
    amf::arena memory;
    acknowledge_message ack;
    ack.message_id = "6057E1F6-7F6D-7876-475B-6B06A7E13812";
    memory.set_limit(limit);
    for (form f : {form::full, form::small}) {
      auto v = to_value(memory, ack, f);
      EXPECT_TRUE(limit > 0 || !v);
      if (!v) {
        EXPECT_EQ(v.error().code, errc::out_of_memory);
      }
    }
  }
}

// ---- Helpers ----

TEST(Replies, AcknowledgeCorrelatesWithTheRequest) {
  amf::arena memory;
  remoting_message request;
  request.message_id = "DD68CCFE-5830-E42A-411E-6B06A7E26239";
  request.client_id = "client-1";
  request.destination = "EchoService";
  const double before = now_ms();
  const acknowledge_message ack = make_acknowledge(request, memory);
  const double after = now_ms();
  EXPECT_EQ(ack.correlation_id, request.message_id);
  EXPECT_EQ(ack.client_id, "client-1");
  EXPECT_TRUE(is_uuid(ack.message_id));
  EXPECT_NE(ack.message_id, request.message_id);
  EXPECT_GE(ack.timestamp, before);
  EXPECT_LE(ack.timestamp, after);
  EXPECT_GT(ack.timestamp, 1.6e12);  // ms, not seconds
  EXPECT_TRUE(ack.body.is_null());
  EXPECT_TRUE(ack.headers.is_null());
  EXPECT_EQ(ack.destination, "");
}

TEST(Replies, AcknowledgeGivesAFreshClientIdWhenTheRequestHasNone) {
  amf::arena memory;
  command_message ping;
  ping.operation = command_operation::client_ping;
  const acknowledge_message a = make_acknowledge(ping, memory);
  const acknowledge_message b = make_acknowledge(ping, memory);
  EXPECT_TRUE(is_uuid(a.client_id));
  EXPECT_NE(a.client_id, b.client_id);
  EXPECT_NE(a.client_id, a.message_id);
}

TEST(Replies, ErrorCopiesDestinationAndSetsFaults) {
  amf::arena memory;
  remoting_message request;
  request.message_id = "M";
  request.destination = "Nope";
  const error_message e = make_error(request, memory, faults::server_resource_unavailable, "unknown");
  EXPECT_EQ(e.correlation_id, "M");
  EXPECT_EQ(e.destination, "Nope");
  EXPECT_EQ(e.fault_code, "Server.ResourceUnavailable");
  EXPECT_EQ(e.fault_string, "unknown");
  EXPECT_EQ(e.fault_detail, "");
  EXPECT_TRUE(e.root_cause.is_null());
  EXPECT_TRUE(is_uuid(e.client_id));
}

TEST(Replies, SetHeaderCreatesReplacesAndExtends) {
  amf::arena memory;
  acknowledge_message ack;
  ASSERT_TRUE(set_header(memory, ack, headers::ds_id, amf::value::string("A")));
  ASSERT_TRUE(set_header(memory, ack, headers::messaging_version, amf::value::number(1.0)));
  ASSERT_TRUE(set_header(memory, ack, headers::ds_id, amf::value::string("B")));
  ASSERT_NE(ack.header(headers::ds_id), nullptr);
  EXPECT_EQ(ack.header(headers::ds_id)->as_string(), "B");
  EXPECT_EQ(ack.header(headers::messaging_version)->as_double(), 1.0);
  EXPECT_EQ(ack.headers.as_object().dynamic.size(), 2u);
  EXPECT_EQ(ack.headers.as_object().alias(), "");
}

TEST(Replies, SetHeaderCopiesASealedHeadersObject) {
  amf::arena memory;
  amf::object_node* sealed = amf::new_object(memory, "", /*dynamic=*/false);  // BlazeDS's HashMap form
  ASSERT_TRUE(amf::add_sealed(memory, *sealed, "DSId", amf::value::string("old")));
  ASSERT_TRUE(amf::add_sealed(memory, *sealed, "keep", amf::value::integer(1)));
  async_message m;
  m.headers = amf::value::of(sealed);
  ASSERT_TRUE(set_header(memory, m, headers::ds_id, amf::value::string("new")));
  EXPECT_EQ(m.header("DSId")->as_string(), "new");
  EXPECT_EQ(m.header("keep")->as_int(), 1);
  EXPECT_EQ(sealed->find("DSId")->as_string(), "old");  // the original is untouched
  EXPECT_TRUE(m.headers.as_object().type->dynamic);
}

TEST(Replies, SetHeaderFailsCleanlyWithoutMemory) {
  amf::arena memory;
  memory.set_limit(0);
  acknowledge_message ack;
  EXPECT_FALSE(set_header(memory, ack, headers::ds_id, amf::value::string("A")));
  EXPECT_TRUE(ack.headers.is_null());
}

TEST(Replies, CommandHasAnIdAndATimestamp) {
  amf::arena memory;
  const command_message c = make_command(command_operation::client_sync, memory);
  EXPECT_EQ(c.operation, command_operation::client_sync);
  EXPECT_TRUE(is_uuid(c.message_id));
  EXPECT_GT(c.timestamp, 1.6e12);
}

}  // namespace
}  // namespace amphora::flex
