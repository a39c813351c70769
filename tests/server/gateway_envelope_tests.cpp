// What the gateway answers to bodies that are not (readable) AMF packets, and envelope quirks.
#include <algorithm>

#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::call_now;
using test::decode_reply;
using test::from_hex;
using test::member_string;

gateway echo_gateway(gateway_options options = {}) {
  service_registry services;
  add_echo_service(services);
  return gateway(std::move(services), options);
}

TEST(gateway_envelope, a_body_that_is_not_amf_is_http_400) {
  gateway gw = echo_gateway();
  for (std::string_view text : {"", "hello world", "00 03", "00 05 00 00 00 00", "{\"json\": true}"}) {
    const test::bytes body = text.starts_with("00") ? from_hex(text) : test::bytes(text.begin(), text.end());
    std::optional<reply> r = call_now(gw, body);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(r->status, 400u) << text;
    EXPECT_NE(r->content_type, "application/x-amf");
  }
}

TEST(gateway_envelope, an_undecodable_flex_body_is_a_client_message_encoding_error_message) {
  gateway gw = echo_gateway();
  // Royale's envelope, then an AMF3 object cut short.
  std::optional<reply> r = call_now(
      gw, from_hex("00 03 00 00 00 01 00 04 6e 75 6c 6c 00 02 2f 39 00 00 00 01 11 09 03 01 0a 81 13 4d 66"));
  ASSERT_TRUE(r);
  amf::arena memory;
  amf::packet p = decode_reply(*r, memory);
  EXPECT_EQ(p.version, 3);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/9/onStatus");
  amf::result<flex::message> m = flex::read_message(p.bodies[0].val, memory);
  ASSERT_TRUE(m);
  ASSERT_TRUE(std::holds_alternative<flex::error_message>(*m));
  EXPECT_EQ(std::get<flex::error_message>(*m).fault_code, "Client.Message.Encoding");
}

TEST(gateway_envelope, an_undecodable_netconnection_body_is_a_status_fault) {
  gateway gw = echo_gateway();
  // Version 0, "EchoService.echo" "/5", a strict array claiming 1000 elements with none there.
  test::builder b;
  b.u16(0).u16(0).u16(1).str16("EchoService.echo").str16("/5").u32(0xFFFFFFFF).u8(0x0A).u32(1000);
  std::optional<reply> r = call_now(gw, b.get());
  ASSERT_TRUE(r);
  amf::arena memory;
  amf::packet p = decode_reply(*r, memory);
  EXPECT_EQ(p.version, 0);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/5/onStatus");
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "Client.Message.Encoding");
  EXPECT_EQ(member_string(p.bodies[0].val, "level"), "error");
}

TEST(gateway_envelope, an_undecodable_packet_with_headers_is_http_400) {
  gateway gw = echo_gateway();
  test::builder b;
  b.u16(3).u16(1).str16("Credentials").u8(0).u32(1).u8(0x0A).u32(1000);
  std::optional<reply> r = call_now(gw, b.get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
}

TEST(gateway_envelope, an_undecodable_packet_whose_uris_are_not_utf8_is_http_400) {
  // The first body's URIs would be echoed in the fault's target: not when they are not UTF-8.
  gateway gw = echo_gateway();
  for (std::string_view bad_target : {"", "\xC0\xAF"}) {
    const std::string_view bad_response = bad_target.empty() ? "/1\xFF" : "/1";
    test::builder b;
    b.u16(0).u16(0).u16(1).str16(bad_target.empty() ? "EchoService.echo" : bad_target).str16(bad_response);
    b.u32(0xFFFFFFFF).u8(0x0A).u32(1000);  // a strict array claiming 1000 elements with none there
    std::optional<reply> r = call_now(gw, b.get());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
  }
}

TEST(gateway_envelope, a_packet_over_the_body_limit_gets_a_fault) {
  gateway_options options;
  options.limits.max_input_bytes = 64;
  gateway gw = echo_gateway(options);
  amf::arena memory;
  const test::bytes body = test::encode_request(
      0, {{"EchoService.echo", "/1", test::args(memory, {amf::value::string(std::string(100, 'x'))})}});
  std::optional<reply> r = call_now(gw, body);
  ASSERT_TRUE(r);
  amf::packet p = decode_reply(*r, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onStatus");
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "Client.Message.Encoding");
}

TEST(gateway_envelope, length_fields_of_any_value_are_accepted) {
  gateway gw = echo_gateway();
  for (std::uint32_t length : {0u, 1u, 0xFFFFFFFFu, 12345u}) {
    test::builder b;
    b.u16(0).u16(0).u16(1).str16("EchoService.echo").str16("/1").u32(length);
    b.hex("0A 00 00 00 01 00 3F F0 00 00 00 00 00 00");  // [1.0]
    std::optional<reply> r = call_now(gw, b.get());
    ASSERT_TRUE(r);
    amf::arena memory;
    amf::packet p = decode_reply(*r, memory);
    ASSERT_EQ(p.bodies.size(), 1u);
    EXPECT_EQ(p.bodies[0].target, "/1/onResult") << length;
    EXPECT_EQ(p.bodies[0].val.to_double(), 1.0);
  }
}

TEST(gateway_envelope, replies_have_no_headers_and_length_fields_are_exact) {
  gateway gw = echo_gateway();
  amf::arena memory;
  std::optional<reply> r = call_now(
      gw,
      test::encode_request(3, {{"EchoService.echo", "/1", test::args(memory, {amf::value::integer(1)})}}));
  ASSERT_TRUE(r);
  // 00 03 | no headers | 1 body | "/1/onResult" | "" | u32 length 10 | 0x11, AMF3 double 1.0 (AMF0 had no
  // int)
  EXPECT_EQ(test::to_hex(r->body),
            "00 03 00 00 00 01 00 0B 2F 31 2F 6F 6E 52 65 73 75 6C 74 00 00 00 00 00 0A 11 05 3F F0 00 00 00 "
            "00 00 00");
}

}  // namespace
}  // namespace amphora::server
