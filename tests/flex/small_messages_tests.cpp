// DSK, DSA and DSC both ways: captured and observed bytes, every flag, multi-byte flags, skipping of
// unknown flag bits, hostile flag streams.
#include <gtest/gtest.h>

#include <string>

#include "amphora/amf.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "flex/captures.hpp"
#include "support/bytes.hpp"

namespace amphora::flex {
namespace {

using test::builder;
using test::bytes;
using test::from_hex;
using test::to_hex;

amf::decode_options flex_decoding() {
  amf::decode_options o;
  o.registry = &registry();
  return o;
}

amf::encode_options flex_encoding() {
  amf::encode_options o;
  o.registry = &registry();
  return o;
}

bytes encode(const amf::value& v) {
  bytes out;
  const amf::status s = amf::encode_amf3(v, out, flex_encoding());
  EXPECT_TRUE(s) << s.error().message();
  return out;
}

message decode_message(const bytes& input, amf::arena& memory) {
  auto v = amf::decode_amf3(input, memory, flex_decoding());
  EXPECT_TRUE(v) << v.error().message();
  if (!v) return {};
  auto m = read_message(*v, memory);
  EXPECT_TRUE(m) << m.error().message();
  return m ? *m : message{};
}

constexpr std::string_view client_uuid = "CBA70769-08F1-48F3-B519-4B1076D489D0";
constexpr std::string_view message_uuid = "EDAFE381-E4E9-4D00-A9F1-CADCE0190357";
constexpr std::string_view correlation_uuid = "44C26D05-2825-5083-A37B-6B06A7DA5191";

bytes uuid_byte_array(std::string_view text) {
  const auto b = uuid_to_bytes(text);
  EXPECT_TRUE(b);
  return builder{}.u8(0x0C).u8(0x21).raw(std::span<const std::uint8_t>(b->data(), b->size())).take();
}

TEST(SmallMessages, RegistryHasTheFlexCollectionsAndTheSmallMessages) {
  for (std::string_view alias : {aliases::array_collection, aliases::array_list, aliases::object_proxy,
                                 aliases::acknowledge_small, aliases::async_small, aliases::command_small}) {
    EXPECT_NE(registry().find(alias), nullptr) << alias;
  }
  EXPECT_EQ(registry().find("flex.messaging.messages.AcknowledgeMessage"), nullptr);
}

TEST(SmallMessages, Py3AmfSmallAckPacketReencodesToTheSameBytes) {
  amf::arena memory;
  const bytes input = from_hex(test::captures::small_ping_reply);
  auto packet = amf::decode_packet(input, memory, flex_decoding());
  ASSERT_TRUE(packet) << packet.error().message();
  bytes out;
  ASSERT_TRUE(amf::encode_packet(*packet, out, flex_encoding()));
  ASSERT_EQ(out.size(), input.size());
  const std::size_t length_field = 25;  // Py3AMF writes 0 there, we write the real length
  EXPECT_EQ(to_hex(std::span(out).first(length_field)), to_hex(std::span(input).first(length_field)));
  EXPECT_EQ(to_hex(std::span(out).subspan(length_field + 4)),
            to_hex(std::span(input).subspan(length_field + 4)));
}

TEST(SmallMessages, SmallAckWithoutTheRegistryIsAnUnknownExternalizable) {
  amf::arena memory;
  const bytes input = from_hex(test::captures::small_ping_reply);
  auto packet = amf::decode_packet(input, memory);  // the codec's flex() registry only
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().code, amf::errc::unknown_externalizable);
}

TEST(SmallMessages, OurAckInSmallFormHasBlazeDSBytes) {
  amf::arena memory;
  acknowledge_message ack;
  ack.client_id = client_uuid;
  ack.message_id = message_uuid;
  ack.correlation_id = correlation_uuid;
  ack.timestamp = 1.5e12;
  ASSERT_TRUE(set_header(memory, ack, headers::ds_id, amf::value::string("x")));
  auto v = to_value(memory, ack, form::small);
  ASSERT_TRUE(v);
  const bytes expected = builder{}
                             .hex("0a 07 07")
                             .raw("DSK")
                             .hex("a8 03")  // headers, timestamp, next; clientId bytes, messageId bytes
                             .hex("0a 0b 01 09")
                             .raw("DSId")
                             .hex("06 03 78 01")
                             .u8(0x05)
                             .f64(1.5e12)
                             .raw(uuid_byte_array(client_uuid))
                             .raw(uuid_byte_array(message_uuid))
                             .hex("02")  // AsyncMessage: correlationId bytes
                             .raw(uuid_byte_array(correlation_uuid))
                             .hex("00")  // AcknowledgeMessage
                             .take();
  EXPECT_EQ(to_hex(encode(*v)), to_hex(expected));
}

TEST(SmallMessages, AsyncWithEveryFieldRoundTrips) {
  amf::arena memory;
  async_message m;
  m.body = amf::value::string("payload");
  m.client_id = "not-a-uuid";  // string form
  m.destination = "chat";
  ASSERT_TRUE(set_header(memory, m, headers::subtopic, amf::value::string("news")));
  m.message_id = message_uuid;  // byte form
  m.timestamp = 1700000000123;
  m.time_to_live = 5000;
  m.correlation_id = "abc";  // string form
  auto v = to_value(memory, m, form::small);
  ASSERT_TRUE(v);
  const bytes wire = encode(*v);
  ASSERT_GE(wire.size(), 8u);
  EXPECT_EQ(to_hex(std::span(wire).first(8)),
            "0A 07 07 44 53 41 EF 02");  // all but messageId text; its bytes

  const message back = decode_message(wire, memory);
  ASSERT_TRUE(std::holds_alternative<async_message>(back));
  const auto& a = std::get<async_message>(back);
  EXPECT_EQ(a.body.as_string(), "payload");
  EXPECT_EQ(a.client_id, "not-a-uuid");
  EXPECT_EQ(a.destination, "chat");
  ASSERT_NE(a.header(headers::subtopic), nullptr);
  EXPECT_EQ(a.header(headers::subtopic)->as_string(), "news");
  EXPECT_EQ(a.message_id, message_uuid);
  EXPECT_EQ(a.timestamp, 1700000000123);
  EXPECT_EQ(a.time_to_live, 5000);
  EXPECT_EQ(a.correlation_id, "abc");
  EXPECT_EQ(to_hex(encode(amf::value(*amf::decode_amf3(wire, memory, flex_decoding())))), to_hex(wire));
}

TEST(SmallMessages, PollCommandIsDSCWithItsOperation) {
  amf::arena memory;
  command_message poll = make_command(command_operation::poll, memory);
  poll.client_id = client_uuid;
  auto v = to_value(memory, poll, form::small);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_object().alias(), "DSC");
  const bytes wire = encode(*v);
  // ... correlationId flags 00, then CommandMessage flags 01 and operation int 2.
  EXPECT_EQ(to_hex(std::span(wire).last(4)), "00 01 04 02");
  const message back = decode_message(wire, memory);
  ASSERT_TRUE(std::holds_alternative<command_message>(back));
  EXPECT_EQ(std::get<command_message>(back).operation, command_operation::poll);
  EXPECT_EQ(std::get<command_message>(back).client_id, client_uuid);
  EXPECT_EQ(std::get<command_message>(back).message_id, poll.message_id);
}

TEST(SmallMessages, DSCWithoutOperationFlagIsOperationZero) {
  amf::arena memory;
  const bytes wire = builder{}.hex("0a 07 07").raw("DSC").hex("00 00 00").take();
  const message back = decode_message(wire, memory);
  ASSERT_TRUE(std::holds_alternative<command_message>(back));
  EXPECT_EQ(std::get<command_message>(back).operation, command_operation::subscribe);
  EXPECT_EQ(to_hex(encode(*amf::decode_amf3(wire, memory, flex_decoding()))), to_hex(wire));
}

TEST(SmallMessages, OnlyAckAsyncAndPollHaveASmallForm) {
  amf::arena memory;
  EXPECT_TRUE(has_small_form(acknowledge_message{}));
  EXPECT_TRUE(has_small_form(async_message{}));
  command_message c;
  c.operation = command_operation::poll;
  EXPECT_TRUE(has_small_form(c));
  c.operation = command_operation::client_sync;
  EXPECT_FALSE(has_small_form(c));
  EXPECT_FALSE(has_small_form(error_message{}));
  EXPECT_FALSE(has_small_form(remoting_message{}));

  auto v = to_value(memory, error_message{}, form::small);  // ErrorMessage is never small
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_object().alias(), aliases::error_message);
  EXPECT_EQ(v->as_object().type->sealed.size(), 13u);
}

// blazeds.md §2.5, observed: the streaming open ack.
TEST(SmallMessages, BlazeDSOpenStreamAck) {
  amf::arena memory;
  const std::string stream_id = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";
  const bytes wire = builder{}
                         .hex("0a 07 07")
                         .raw("DSK")
                         .hex("a1 02 06 49")
                         .raw(stream_id)
                         .u8(0x05)
                         .f64(1764062305000.0)
                         .raw(uuid_byte_array(message_uuid))
                         .hex("01 06 09")
                         .raw("open")
                         .hex("00")
                         .take();
  const message back = decode_message(wire, memory);
  ASSERT_TRUE(std::holds_alternative<acknowledge_message>(back));
  const auto& ack = std::get<acknowledge_message>(back);
  EXPECT_EQ(ack.body.as_string(), stream_id);  // bodies are never turned into bytes
  EXPECT_EQ(ack.correlation_id, "open");
  EXPECT_EQ(ack.message_id, message_uuid);
  EXPECT_EQ(ack.timestamp, 1764062305000.0);
  EXPECT_EQ(to_hex(encode(*amf::decode_amf3(wire, memory, flex_decoding()))), to_hex(wire));

  auto ours = to_value(memory, ack, form::small);  // and our writer makes the same bytes
  ASSERT_TRUE(ours);
  EXPECT_EQ(to_hex(encode(*ours)), to_hex(wire));
}

// blazeds.md §2.5, observed: a pushed message (headers as BlazeDS's sealed HashMap form).
TEST(SmallMessages, BlazeDSPushedMessage) {
  amf::arena memory;
  const bytes wire = builder{}
                         .hex("0a 07 07")
                         .raw("DSA")
                         .hex("ad 03 06 1d")
                         .raw("pushed-payload")
                         .hex("06 09")
                         .raw("chat")
                         .hex("0a 03 01 05")
                         .f64(1764062306000.0)
                         .raw(uuid_byte_array(client_uuid))
                         .raw(uuid_byte_array(message_uuid))
                         .hex("00")
                         .take();
  const message back = decode_message(wire, memory);
  ASSERT_TRUE(std::holds_alternative<async_message>(back));
  const auto& a = std::get<async_message>(back);
  EXPECT_EQ(a.body.as_string(), "pushed-payload");
  EXPECT_EQ(a.destination, "chat");
  EXPECT_EQ(a.client_id, client_uuid);
  EXPECT_EQ(a.message_id, message_uuid);
  EXPECT_TRUE(a.headers.is(amf::kind::object));
  EXPECT_EQ(a.correlation_id, "");
  EXPECT_EQ(to_hex(encode(*amf::decode_amf3(wire, memory, flex_decoding()))), to_hex(wire));
}

TEST(SmallMessages, UnknownFlagBitsAreSkippedOneValuePerBit) {
  amf::arena memory;
  const bytes wire = builder{}
                         .hex("0a 07 07")
                         .raw("DSK")
                         .hex("81 c4 44")     // body+next; bit 2, bit 6 (unknown)+next; bits 2, 6 (unknown)
                         .hex("06 05 6f 6b")  // body "ok"
                         .hex("04 01 04 02")  // byte 2's unknown values
                         .hex("06 03 78 0a 0b 01 01")  // byte 3's: a string, an object
                         .hex("41 06 03 63 04 03")     // AsyncMessage: correlationId "c", unknown bit 6
                         .hex("83 01")     // AcknowledgeMessage: unknown bits 0, 1, then byte 2 bit 0
                         .hex("02 02 02")  // three values: true, false... (02 = false)
                         .take();
  const message back = decode_message(wire, memory);
  ASSERT_TRUE(std::holds_alternative<acknowledge_message>(back));
  const auto& ack = std::get<acknowledge_message>(back);
  EXPECT_EQ(ack.body.as_string(), "ok");
  EXPECT_EQ(ack.correlation_id, "c");
  EXPECT_EQ(ack.client_id, "");
}

TEST(SmallMessages, TooManyFlagBytesIsAnError) {
  amf::arena memory;
  builder b;
  b.hex("0a 07 07").raw("DSA");
  for (int i = 0; i < 16; ++i) b.u8(0x80);
  b.u8(0x00).u8(0x00);
  auto v = amf::decode_amf3(b.get(), memory, flex_decoding());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, amf::errc::externalizable_failed);
  EXPECT_EQ(v.error().detail, "too many small-message flag bytes");

  builder ok;  // 15 continuation bytes and a last one: 16 in all is accepted
  ok.hex("0a 07 07").raw("DSA");
  for (int i = 0; i < 15; ++i) ok.u8(0x80);
  ok.u8(0x00).u8(0x00);
  EXPECT_TRUE(amf::decode_amf3(ok.get(), memory, flex_decoding()));
}

TEST(SmallMessages, TruncatedSmallMessagesAreErrors) {
  const bytes full = builder{}.hex("0a 07 07").raw("DSK").hex("81 02 06 05 6f 6b 0c 21").take();
  for (std::size_t n = 6; n <= full.size(); ++n) {
    amf::arena memory;
    auto v = amf::decode_amf3(std::span(full).first(n), memory, flex_decoding());
    EXPECT_FALSE(v) << n;
  }
}

TEST(SmallMessages, HostileFieldKindsDecodeButDoNotReadAsMessages) {
  amf::arena memory;
  // DSK whose clientId (string slot) holds an int, and whose headers hold a string.
  const bytes wire = builder{}.hex("0a 07 07").raw("DSK").hex("0a 04 07 06 03 78 00 00").take();
  auto v = amf::decode_amf3(wire, memory, flex_decoding());
  ASSERT_TRUE(v) << v.error().message();
  auto m = read_message(*v, memory);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, errc::invalid_field);
  EXPECT_EQ(m.error().detail, "clientId is not a string or 16-byte id");
}

TEST(SmallMessages, WriterRefusesABodyThatIsNotAnObject) {
  amf::arena memory;
  amf::object_node* dsk = amf::new_object(memory, "DSK", false);
  ASSERT_NE(dsk, nullptr);
  dsk->type->externalizable = true;
  dsk->external = amf::value::integer(1);
  bytes out;
  const amf::status s = amf::encode_amf3(amf::value::of(dsk), out, flex_encoding());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, amf::errc::externalizable_failed);
}

TEST(SmallMessages, TwoSmallMessagesInOneStreamKeepTheirOwnIds) {
  // Both DSKs write ByteArrays through the shared object table: each keeps its own bytes.
  amf::arena memory;
  acknowledge_message a;
  a.message_id = message_uuid;
  acknowledge_message b;
  b.message_id = client_uuid;
  amf::array_node* list = amf::new_array(memory);
  ASSERT_TRUE(list->dense.push_back(memory, *to_value(memory, a, form::small)));
  ASSERT_TRUE(list->dense.push_back(memory, *to_value(memory, b, form::small)));
  ASSERT_TRUE(list->dense.push_back(memory, list->dense[0]));  // a shared node after them
  const bytes wire = encode(amf::value::of(list));
  auto v = amf::decode_amf3(wire, memory, flex_decoding());
  ASSERT_TRUE(v) << v.error().message();
  const auto& items = v->as_array().dense;
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(std::get<acknowledge_message>(*read_message(items[0], memory)).message_id, message_uuid);
  EXPECT_EQ(std::get<acknowledge_message>(*read_message(items[1], memory)).message_id, client_uuid);
  EXPECT_EQ(items[2].node(), items[0].node());
}

}  // namespace
}  // namespace amphora::flex
