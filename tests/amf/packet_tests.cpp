// The AMF packet envelope: AmFast's remoting packets, Royale's real request bytes, ignored length
// fields, fresh reference tables per header and body, malformed envelopes and tracing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "amphora/amf/packet.hpp"
#include "support/bytes.hpp"
#include "support/golden.hpp"

namespace amphora::amf {
namespace {

using test::builder;

test::bytes hex(std::string_view text) { return test::from_hex(text); }

// The bytes of a vector of tests/data/packet.golden (golden_tests.cpp checks every vector).
test::bytes golden_bytes(std::string_view name) {
  static const test::golden_file file = test::load_golden("packet.golden");
  for (const auto& v : file.vectors) {
    if (v.name == name) return v.input;
  }
  ADD_FAILURE() << "no golden vector " << name;
  return {};
}

void expect_error(const std::vector<std::uint8_t>& in, errc kind, std::size_t offset,
                  const decode_options& options = {}) {
  arena memory;
  auto r = decode_packet(in, memory, options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, make_error_code(kind)) << r.error().message();
  EXPECT_EQ(r.error().offset, offset) << r.error().message();
}

value strict_array_of(arena& memory, value v) {
  array_node* a = new_array(memory);
  a->dense.push_back(memory, v);
  return value::of(a);
}

TEST(Packet, AmFastRequest) {
  const auto bytes = golden_bytes("amfast-request");
  arena memory;
  auto r = decode_packet(bytes, memory);
  ASSERT_TRUE(r) << r.error().message();
  const packet& p = *r;
  EXPECT_EQ(p.version, 0);
  ASSERT_EQ(p.headers.size(), 2u);
  EXPECT_EQ(p.headers[0].name, "spam");
  EXPECT_FALSE(p.headers[0].must_understand);
  EXPECT_TRUE(deep_equal(p.headers[0].val, value::string("eggs")));
  EXPECT_EQ(p.headers[1].name, "eggs");
  EXPECT_TRUE(p.headers[1].must_understand);
  EXPECT_TRUE(deep_equal(p.headers[1].val, value::string("spam")));
  ASSERT_EQ(p.bodies.size(), 2u);
  arena expected;
  EXPECT_EQ(p.bodies[0].target, "spam");
  EXPECT_EQ(p.bodies[0].response, "eggs");
  EXPECT_TRUE(deep_equal(p.bodies[0].val, strict_array_of(expected, value::boolean(true))));
  EXPECT_EQ(p.bodies[1].target, "eggs");
  EXPECT_EQ(p.bodies[1].response, "spam");
  EXPECT_TRUE(deep_equal(p.bodies[1].val, strict_array_of(expected, value::boolean(false))));

  // AmFast's testRoundTripPacket: the lengths there are exact, so the bytes come back the same.
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_packet(p, out));
  EXPECT_EQ(out, bytes);
}

TEST(Packet, BuiltPacketEncodesExactLengths) {
  arena memory;
  packet p;
  p.version = 0;
  p.headers.push_back(memory, packet_header{"spam", false, value::string("eggs")});
  p.headers.push_back(memory, packet_header{"eggs", true, value::string("spam")});
  p.bodies.push_back(memory, packet_body{"spam", "eggs", strict_array_of(memory, value::boolean(true))});
  p.bodies.push_back(memory, packet_body{"eggs", "spam", strict_array_of(memory, value::boolean(false))});
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_packet(p, out));
  EXPECT_EQ(out, golden_bytes("amfast-request"));
}

TEST(Packet, RoyalePingRequest) {
  const auto bytes = golden_bytes("royale-ping-request");
  ASSERT_EQ(bytes.size(), 242u);
  arena memory;
  auto r = decode_packet(bytes, memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->version, 3);
  EXPECT_TRUE(r->headers.empty());
  ASSERT_EQ(r->bodies.size(), 1u);
  const packet_body& body = r->bodies[0];
  EXPECT_EQ(body.target, "null");
  EXPECT_EQ(body.response, "/1");
  // Royale's body is 0x11 + an AMF3 array of the arguments (not an AMF0 strict array).
  ASSERT_TRUE(body.val.avmplus());
  ASSERT_TRUE(body.val.is(kind::array));
  ASSERT_EQ(body.val.as_array().dense.size(), 1u);
  const value& message = body.val.as_array().dense[0];
  ASSERT_TRUE(message.is(kind::object));
  const object_node& command = message.as_object();
  EXPECT_EQ(command.alias(), "flex.messaging.messages.CommandMessage");
  EXPECT_EQ(command.sealed.size(), 9u);
  ASSERT_NE(command.find("operation"), nullptr);
  EXPECT_TRUE(deep_equal(*command.find("operation"), value::integer(5)));
  EXPECT_EQ(command.find("messageId")->as_string(), "6057E1F6-7F6D-7876-475B-6B06A7E13812");
  const value* headers = command.find("headers");
  ASSERT_NE(headers, nullptr);
  EXPECT_EQ(headers->as_object().find("DSId")->as_string(), "nil");

  // Re-encoded: the same graph, with an exact body length instead of Royale's 1.
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_packet(*r, out));
  arena again;
  auto back = decode_packet(out, again);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(deep_equal(back->bodies[0].val, body.val, true));
  ASSERT_GE(out.size(), 20u);
  const std::uint32_t length = (std::uint32_t{out[16]} << 24) | (std::uint32_t{out[17]} << 16) |
                               (std::uint32_t{out[18]} << 8) | out[19];
  EXPECT_EQ(length, out.size() - 20);
}

TEST(Packet, LengthFieldsAreIgnored) {
  // One header (value null) and one body ([true]) with these length fields.
  for (const char* length : {"00 00 00 01", "FF FF FF FF", "00 00 00 00", "00 00 03 E8", "00 00 00 06"}) {
    const auto bytes = builder{}
                           .hex("00 03 00 01 00 01 68 01")
                           .hex(length)
                           .hex("05 00 01 00 01 74 00 02 2F 31")
                           .hex(length)
                           .hex("0A 00 00 00 01 01 01")
                           .take();
    arena memory;
    auto r = decode_packet(bytes, memory);
    ASSERT_TRUE(r) << length << ": " << r.error().message();
    ASSERT_EQ(r->headers.size(), 1u);
    EXPECT_TRUE(r->headers[0].must_understand);
    EXPECT_TRUE(r->headers[0].val.is_null());
    ASSERT_EQ(r->bodies.size(), 1u);
    arena expected;
    EXPECT_TRUE(deep_equal(r->bodies[0].val, strict_array_of(expected, value::boolean(true))));
    // Written back with exact lengths: 1 and 7.
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(encode_packet(*r, out));
    EXPECT_EQ(out, hex("00 03 00 01 00 01 68 01 00 00 00 01 05 00 01 00 01 74 00 02 2F 31 00 00 00 07"
                       " 0A 00 00 00 01 01 01"));
  }
}

TEST(Packet, EachValueHasFreshTables) {
  // Body 1 holds an object; body 2's reference #0 must not reach it.
  expect_error(hex("00 00 00 00 00 02 00 00 00 00 00 00 00 04 03 00 00 09 00 00 00 00 00 00 00 03 07 00 00"),
               errc::bad_reference, 27);
  // Same between a header and a body, and between two headers.
  expect_error(hex("00 00 00 01 00 00 00 00 00 00 00 03 00 00 09 00 01 00 00 00 00 00 00 00 00 07 00 00"),
               errc::bad_reference, 26);
  expect_error(hex("00 00 00 02 00 00 00 00 00 00 00 03 00 00 09 00 00 00 00 00 00 00 07 00 00 00 00"),
               errc::bad_reference, 23);
  // Within one value, references work; AMF3 tables are fresh per value too.
  arena memory;
  auto r = decode_packet(hex("00 03 00 00 00 02 00 00 00 00 00 00 00 00 11 06 07 61 62 63"
                             " 00 00 00 00 00 00 00 00 0A 00 00 00 02 03 00 00 09 07 00 01"),
                         memory);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->bodies[1].val.as_array().dense[0].node(), r->bodies[1].val.as_array().dense[1].node());
  expect_error(hex("00 03 00 00 00 02 00 00 00 00 00 00 00 00 11 06 07 61 62 63"
                   " 00 00 00 00 00 00 00 00 11 06 00"),
               errc::bad_reference, 30);
}

TEST(Packet, EncodeResponseWithAmf3Bodies) {
  arena memory;
  packet p;
  value ok = value::boolean(true);
  ok.set_flags(value::flag_avmplus);
  p.bodies.push_back(memory, packet_body{"/1/onResult", "", ok});
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_packet(p, out));
  EXPECT_EQ(out, golden_bytes("response-amf3-body"));

  // An AMF0-only client gets plain AMF0.
  p.version = 0;
  p.bodies[0].val = value::boolean(true);
  out.clear();
  ASSERT_TRUE(encode_packet(p, out));
  EXPECT_EQ(
      out, builder{}.hex("00 00 00 00 00 01 00 0B").raw("/1/onResult").hex("00 00 00 00 00 02 01 01").take());
}

TEST(Packet, Versions) {
  for (std::uint16_t v : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{3}}) {
    arena memory;
    const std::vector<std::uint8_t> bytes = {0x00, static_cast<std::uint8_t>(v), 0, 0, 0, 0};
    auto r = decode_packet(bytes, memory);
    ASSERT_TRUE(r) << v;
    EXPECT_EQ(r->version, v);
  }
  expect_error(hex("00 02 00 00 00 00"), errc::invalid_packet, 0);
  expect_error(hex("01 00 00 00 00 00"), errc::invalid_packet, 0);
  expect_error(hex("FF FF 00 00 00 00"), errc::invalid_packet, 0);
  packet p;
  p.version = 2;
  std::vector<std::uint8_t> out;
  status s = encode_packet(p, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(errc::invalid_packet));
  EXPECT_TRUE(out.empty());
}

TEST(Packet, MalformedEnvelopes) {
  expect_error(hex(""), errc::unexpected_end, 0);
  expect_error(hex("00 03 00"), errc::unexpected_end, 2);
  expect_error(hex("00 03 00 05 00 00"), errc::length_exceeds_input, 4);
  expect_error(hex("00 03 00 00 00 05 00 00"), errc::length_exceeds_input, 6);
  expect_error(hex("00 03 00 00 00 01 00 04 6E 75"), errc::length_exceeds_input, 6);  // body count: < 9 bytes
  expect_error(hex("00 03 00 00 00 01 00 0A 6E 75 6C 6C 00 00 00 00 00"), errc::length_exceeds_input, 8);
  expect_error(hex("00 03 00 00 00 01 00 00 00 00 00 00 00 00"), errc::length_exceeds_input, 6);  // < 9 bytes
  expect_error(hex("00 03 00 00 00 01 00 00 00 00 00 00 00 00 04"), errc::unsupported_marker, 14);
  expect_error(hex("00 03 00 00 00 00 05"), errc::trailing_bytes, 6);
  expect_error(hex("00 03 00 01 00 02 C3 28 00 00 00 00 00 05 00 00"), errc::invalid_utf8, 6);
  expect_error(hex("00 03 00 00 00 01 00 00 00 00 00 00 00 00 0B 7F F8 00 00 00 00 00 00 00 00"),
               errc::invalid_date, 15);
  decode_options options;
  options.allow_trailing = true;
  arena memory;
  EXPECT_TRUE(decode_packet(hex("00 03 00 00 00 00 05"), memory, options));
}

TEST(Packet, CountLimits) {
  decode_options options;
  options.limits.max_headers = 1;
  expect_error(hex("00 03 00 02 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 05 00 00"), errc::limit_exceeded,
               2, options);
  options = {};
  options.limits.max_bodies = 1;
  expect_error(hex("00 03 00 00 00 02 00 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 00 05"),
               errc::limit_exceeded, 4, options);
  options.limits.max_input_bytes = 5;
  expect_error(hex("00 03 00 00 00 00"), errc::limit_exceeded, 0, options);
}

TEST(Packet, TruncationAtEveryOffsetFails) {
  for (const char* name : {"amfast-request", "royale-ping-request", "py3amf-ping-response"}) {
    const auto full = golden_bytes(name);
    arena memory;
    ASSERT_TRUE(decode_packet(full, memory)) << name;
    for (std::size_t n = 0; n < full.size(); ++n) {
      std::vector<std::uint8_t> part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      memory.reset();
      EXPECT_FALSE(decode_packet(part, memory).has_value())
          << name << ": prefix of " << n << " bytes decoded";
    }
  }
}

TEST(Packet, DeepNestingInABodyIsBounded) {
  std::vector<std::uint8_t> bytes = hex("00 03 00 00 00 01 00 00 00 00 FF FF FF FF");
  for (int i = 0; i < 200000; ++i) bytes.insert(bytes.end(), {0x0A, 0x00, 0x00, 0x00, 0x01});
  arena memory;
  auto r = decode_packet(bytes, memory);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::depth_exceeded));
}

class recorder : public trace_sink {
 public:
  void item(std::size_t offset, std::size_t length, std::size_t depth, std::string_view text) override {
    lines.push_back(std::to_string(offset) + "+" + std::to_string(length) + " d" + std::to_string(depth) +
                    " " + std::string(text));
  }
  std::vector<std::string> lines;
};

TEST(Packet, Tracing) {
  recorder sink;
  decode_options options;
  options.trace = &sink;
  arena memory;
  // A Credentials header (value null, true length 1) and a Flex body with length -1.
  const auto bytes =
      builder{}
          .hex("00 03 00 01 00 0B")
          .raw("Credentials")
          .hex("00 00 00 00 01 05 00 01 00 04 6E 75 6C 6C 00 02 2F 31 FF FF FF FF 0A 00 00 00 00")
          .take();
  auto r = decode_packet(bytes, memory, options);
  ASSERT_TRUE(r) << r.error().message();
  const std::vector<std::string> expected = {
      "0+2 d0 version 3",
      "2+2 d0 header count 1",
      "4+18 d0 header 1/1 name \"Credentials\" must-understand 0 length 1",
      "22+1 d1 null",
      "23+2 d0 body count 1",
      "25+14 d0 body 1/1 target \"null\" response \"/1\" length 4294967295 (ignored)",
      "39+5 d1 strict-array (#0) count 0",
  };
  EXPECT_EQ(sink.lines, expected);
}

}  // namespace
}  // namespace amphora::amf
