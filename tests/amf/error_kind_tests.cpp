// One test for every error kind each decoder (AMF0, AMF3, packet, JSON) can produce, each with
// its byte offset, and a check that no producible kind is left without a test; then what the
// encoders refuse.
#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "support/checks.hpp"
#include "support/codec.hpp"

namespace amphora::test {
namespace {

using amf::arena;
using amf::decode_options;
using amf::errc;
using amf::value;

struct error_case {
  const char* what;
  std::string hex;
  errc code;
  std::size_t offset;
  decode_options options = {};
};

// A registry whose one class refuses its data, and one whose reader returns false silently.
const amf::externalizable_registry& refusing_registry() {
  static const amf::externalizable_registry r = [] {
    amf::externalizable_registry x;
    x.add("R", {[](amf::external_reader& in, value&) { return in.fail("refused by the test"); },
                [](amf::external_writer&, const value&) { return true; }});
    x.add("S", {[](amf::external_reader&, value&) { return false; },
                [](amf::external_writer&, const value&) { return true; }});
    return x;
  }();
  return r;
}

const amf::externalizable_registry empty_registry;

decode_options registry(const amf::externalizable_registry& r) {
  decode_options o;
  o.registry = &r;
  return o;
}

decode_options tight(std::size_t depth) {
  decode_options o;
  o.limits.max_depth = depth;
  o.limits.max_string_bytes = 2;
  return o;
}

void run(wire_format f, const std::vector<error_case>& cases, const std::set<errc>& producible) {
  std::set<errc> covered;
  for (const error_case& c : cases) {
    EXPECT_TRUE(fails_with(f, from_hex(c.hex), c.code, c.offset, c.options)) << c.what;
    covered.insert(c.code);
  }
  for (errc e : producible)
    EXPECT_TRUE(covered.count(e)) << format_name(f) << ": no test for " << errc_name(e);
}

TEST(error_kinds, every_amf3_error_kind) {
  const std::vector<error_case> cases = {
      {"empty input", "", errc::unexpected_end, 0},
      {"double cut short", "05 3F F0", errc::unexpected_end, 1},
      {"U29 cut short", "04 FF", errc::unexpected_end, 2},
      {"array element missing", "09 03 01", errc::unexpected_end, 3},
      {"string longer than the input", "06 07 61", errc::length_exceeds_input, 2},
      {"marker 0x12", "12", errc::unknown_marker, 0},
      {"marker 0xFF inside an array", "09 03 01 FF", errc::unknown_marker, 3},
      {"string reference into an empty table", "06 00", errc::bad_reference, 1},
      {"object reference into an empty table", "0A 00", errc::bad_reference, 1},
      {"traits reference into an empty table", "0A 05", errc::bad_reference, 1},
      {"nested past max_depth 1", "09 03 01 09 01 01", errc::depth_exceeded, 3, tight(1)},
      {"string past max_string_bytes 2", "06 07 61 61 61", errc::limit_exceeded, 2, tight(8)},
      {"string not UTF-8", "06 03 FF", errc::invalid_utf8, 2},
      {"date NaN", "08 01 7F F8 00 00 00 00 00 00", errc::invalid_date, 2},
      {"externalizable and dynamic traits", "0A 0F 03 52", errc::invalid_traits, 1},
      {"externalizable with sealed members", "0A 17 03 52", errc::invalid_traits, 1},
      {"externalizable alias not registered", "0A 07 07 66 6F 6F", errc::unknown_externalizable, 6},
      {"externalizable that refuses", "0A 07 03 52", errc::externalizable_failed, 4,
       registry(refusing_registry())},
      {"externalizable reader returns false", "0A 07 03 53", errc::externalizable_failed, 4,
       registry(refusing_registry())},
      {"an empty registry", "0A 07 03 52", errc::unknown_externalizable, 4, registry(empty_registry)},
      {"bytes after the value", "01 01", errc::trailing_bytes, 1},
  };
  run(wire_format::amf3, cases,
      {errc::unexpected_end, errc::length_exceeds_input, errc::unknown_marker, errc::bad_reference,
       errc::depth_exceeded, errc::limit_exceeded, errc::invalid_utf8, errc::invalid_date,
       errc::invalid_traits, errc::unknown_externalizable, errc::externalizable_failed,
       errc::trailing_bytes});
}

TEST(error_kinds, every_amf0_error_kind) {
  const std::vector<error_case> cases = {
      {"empty input", "", errc::unexpected_end, 0},
      {"number cut short", "00 3F", errc::unexpected_end, 1},
      {"object without its end", "03 00 01 61 05", errc::unexpected_end, 5},
      {"string longer than the input", "02 00 05 61", errc::length_exceeds_input, 3},
      {"marker 0x12", "12", errc::unknown_marker, 0},
      {"object-end marker as a value", "09", errc::unknown_marker, 0},
      {"movieclip", "04", errc::unsupported_marker, 0},
      {"unsupported", "0D", errc::unsupported_marker, 0},
      {"recordset", "0E", errc::unsupported_marker, 0},
      {"reference into an empty table", "07 00 00", errc::bad_reference, 1},
      {"dates take no reference slot", "0A 00 00 00 02 0B 00 00 00 00 00 00 00 00 00 00 07 00 01",
       errc::bad_reference, 17},
      {"nested past max_depth 1", "0A 00 00 00 01 0A 00 00 00 00", errc::depth_exceeded, 5, tight(1)},
      {"string past max_string_bytes 2", "02 00 03 61 61 61", errc::limit_exceeded, 3, tight(8)},
      {"string not UTF-8", "02 00 01 FF", errc::invalid_utf8, 3},
      {"date NaN", "0B 7F F8 00 00 00 00 00 00 00 00", errc::invalid_date, 1},
      {"AMF3 traits that contradict themselves", "11 0A 0F 03 52", errc::invalid_traits, 2},
      {"AMF3 externalizable not registered", "11 0A 07 07 66 6F 6F", errc::unknown_externalizable, 7},
      {"AMF3 externalizable that refuses", "11 0A 07 03 52", errc::externalizable_failed, 5,
       registry(refusing_registry())},
      {"bytes after the value", "05 05", errc::trailing_bytes, 1},
  };
  run(wire_format::amf0, cases,
      {errc::unexpected_end, errc::length_exceeds_input, errc::unknown_marker, errc::unsupported_marker,
       errc::bad_reference, errc::depth_exceeded, errc::limit_exceeded, errc::invalid_utf8,
       errc::invalid_date, errc::invalid_traits, errc::unknown_externalizable, errc::externalizable_failed,
       errc::trailing_bytes});
}

TEST(error_kinds, every_packet_error_kind) {
  // A packet with one body (target "", response "") whose value is `v`, for the value errors.
  const std::string body = "00 03 00 00 00 01 00 00 00 00 00 00 00 00 ";  // the value starts at 14
  const std::vector<error_case> cases = {
      {"empty input", "", errc::unexpected_end, 0},
      {"version cut short", "00", errc::unexpected_end, 0},
      {"no body count", "00 03 00 00", errc::unexpected_end, 4},
      {"header name longer than the input", "00 03 00 01 00 10 41 00 00 00 00 00 05 00 00",
       errc::length_exceeds_input, 6},
      {"version 2", "00 02 00 00 00 00", errc::invalid_packet, 0},
      {"version 0x0300", "03 00 00 00 00 00", errc::invalid_packet, 0},
      {"marker 0x12 as a body", body + "12", errc::unknown_marker, 14},
      {"movieclip as a body", body + "04", errc::unsupported_marker, 14},
      {"reference into the body's empty table", body + "07 00 00", errc::bad_reference, 15},
      {"nested past max_depth 2 (the packet is a level)", body + "0A 00 00 00 01 0A 00 00 00 00",
       errc::depth_exceeded, 19, tight(2)},
      {"header count past max_headers", "00 03 04 01", errc::limit_exceeded, 2,
       limits_with([](amf::limits& l) { l.max_headers = 1000; })},
      {"header name not UTF-8", "00 03 00 01 00 01 FF 00 00 00 00 00 05 00 00", errc::invalid_utf8, 6},
      {"date NaN as a body", body + "0B 7F F8 00 00 00 00 00 00 00 00", errc::invalid_date, 15},
      {"AMF3 traits that contradict themselves", body + "11 0A 0F 03 52", errc::invalid_traits, 16},
      {"AMF3 externalizable not registered", body + "11 0A 07 07 66 6F 6F", errc::unknown_externalizable, 21},
      {"AMF3 externalizable that refuses", body + "11 0A 07 03 52", errc::externalizable_failed, 19,
       registry(refusing_registry())},
      {"bytes after the last body", body + "05 05", errc::trailing_bytes, 15},
  };
  run(wire_format::packet, cases,
      {errc::unexpected_end, errc::length_exceeds_input, errc::unknown_marker, errc::unsupported_marker,
       errc::bad_reference, errc::depth_exceeded, errc::limit_exceeded, errc::invalid_utf8,
       errc::invalid_date, errc::invalid_traits, errc::unknown_externalizable, errc::externalizable_failed,
       errc::invalid_packet, errc::trailing_bytes});
}

TEST(error_kinds, packet_value_tables_are_fresh_for_each_body) {
  // Body 2 refers to the object of body 1: each body has its own table, so this is no reference.
  const bytes input = from_hex(
      "00 03 00 00 00 02 00 00 00 00 00 00 00 00 03 00 00 09"
      " 00 00 00 00 00 00 00 00 07 00 00");
  EXPECT_TRUE(fails_with(wire_format::packet, input, errc::bad_reference, 27));
}

TEST(error_kinds, every_json_error_kind) {
  amf::json_read_options tiny;
  tiny.max_input_bytes = 3;
  amf::json_read_options shallow;
  shallow.max_depth = 1;
  EXPECT_TRUE(json_fails_with("", errc::invalid_json, 0));
  EXPECT_TRUE(json_fails_with("{", errc::invalid_json, 1));
  EXPECT_TRUE(json_fails_with("[1,]", errc::invalid_json, 3));
  EXPECT_TRUE(json_fails_with("tru", errc::invalid_json, 0));
  EXPECT_TRUE(json_fails_with("1 2", errc::invalid_json, 2));
  EXPECT_TRUE(json_fails_with("\"\\x\"", errc::invalid_json, 1));
  EXPECT_TRUE(json_fails_with("{\"$ref\":5}", errc::invalid_json_mapping, 8));
  EXPECT_TRUE(json_fails_with("{\"$foo\":1}", errc::invalid_json_mapping, 1));
  EXPECT_TRUE(json_fails_with("{\"$date\":\"nope\"}", errc::invalid_json_mapping, 9));
  EXPECT_TRUE(json_fails_with("[[1]]", errc::depth_exceeded, 1, shallow));
  EXPECT_TRUE(json_fails_with("1234", errc::limit_exceeded, 0, tiny));
  EXPECT_TRUE(json_fails_with("\"\xFF\"", errc::invalid_utf8, 1));
  EXPECT_TRUE(json_fails_with("\"\\ud800\"", errc::invalid_utf8, 1));
  EXPECT_TRUE(json_fails_with("{\"$date\":1e300}", errc::invalid_date, 9));
}

// value_from_json accepts only dates that a decoder could have produced and an encoder can write.
TEST(error_kinds, json_dates_outside_ecmascript_range_are_refused) {
  for (const char* json :
       {"{\"$date\":1e300}", "{\"$date\":-8.64e15000}", "{\"$date\":8640000000000001.0}"}) {
    EXPECT_TRUE(json_fails_with(json, errc::invalid_date, 9));
  }
  arena memory;
  EXPECT_TRUE(amf::value_from_json("{\"$date\":8640000000000000.0}", memory));
}

// ---- encoders: what they refuse ----

testing::AssertionResult encode_fails(wire_format f, const value& v, errc want) {
  decoded d;
  d.format = f;
  d.val = v;
  bytes out;
  const amf::status s = encode_as(d, out);
  if (s) return testing::AssertionFailure() << format_name(f) << " encoded it as " << to_hex(out);
  const auto code = code_of(s.error());
  if (code != want) {
    return testing::AssertionFailure()
           << format_name(f) << ": " << describe(s.error()) << "; want " << errc_name(want);
  }
  return testing::AssertionSuccess();
}

TEST(encoder_refusals, refuse_unrepresentable_values) {
  arena memory;
  // Dates outside ECMAScript's range.
  const value nan_date = value::of(amf::new_date(memory, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_TRUE(encode_fails(wire_format::amf3, nan_date, errc::unencodable));
  EXPECT_TRUE(encode_fails(wire_format::amf0, nan_date, errc::invalid_date));
  // Names the wire cannot carry: an empty associative key or dynamic name ends the list in AMF3.
  amf::array_node* a = amf::new_array(memory);
  ASSERT_TRUE(a->assoc.push_back(memory, amf::member{"", value::null()}));
  EXPECT_TRUE(encode_fails(wire_format::amf3, value::of(a), errc::unencodable));
  amf::object_node* o = amf::new_object(memory);
  ASSERT_TRUE(amf::add_dynamic(memory, *o, "", value::null()));
  EXPECT_TRUE(encode_fails(wire_format::amf3, value::of(o), errc::unencodable));
  // AMF0 keys are u16-length strings.
  const std::string long_key(70000, 'k');
  amf::object_node* k = amf::new_object(memory);
  ASSERT_TRUE(amf::add_dynamic(memory, *k, long_key, value::null()));
  EXPECT_TRUE(encode_fails(wire_format::amf0, value::of(k), errc::unencodable));
  // Externalizable aliases the registry does not know.
  amf::object_node* e = amf::new_object(memory, "com.example.Unknown", false);
  e->type->externalizable = true;
  EXPECT_TRUE(encode_fails(wire_format::amf3, value::of(e), errc::unknown_externalizable));
  // An object whose values do not match its traits.
  amf::object_node* m = amf::new_object(memory, "T", false);
  ASSERT_TRUE(amf::add_sealed(memory, *m, "x", value::null()));
  m->sealed.clear();
  EXPECT_TRUE(encode_fails(wire_format::amf3, value::of(m), errc::unencodable));
  std::string json = "x";
  EXPECT_FALSE(amf::to_json(value::of(m), json));
  EXPECT_EQ(json, "x");
}

TEST(encoder_refusals, packets) {
  arena memory;
  amf::packet p;
  p.version = 2;
  bytes out;
  amf::status s = amf::encode_packet(p, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(errc_name(code_of(s.error())), "invalid_packet");
  p.version = 3;
  const std::string long_name(70000, 'n');
  ASSERT_TRUE(p.headers.push_back(memory, amf::packet_header{long_name, false, value::null()}));
  s = amf::encode_packet(p, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(errc_name(code_of(s.error())), "unencodable");
}

}  // namespace
}  // namespace amphora::test
