// The one-shot entry points keep one reader and one writer per thread (src/amf/thread_spare.hpp).
// A call made while the thread's state is in use gets a state of its own: here an externalizable
// class whose bytes are a whole AMF packet (or AMF3 value) decodes and encodes it with the same
// one-shot functions in the middle of the outer call, and the outer call's tables and position
// must come through untouched.
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "amphora/amf.hpp"

namespace amphora::amf {
namespace {

// A nested call's bytes: a u32 length, then the bytes. The nested calls use no registry.
bool read_nested(external_reader& in, std::span<const std::uint8_t>& bytes) {
  std::uint32_t n = 0;
  return in.read_u32(n) && in.read_bytes(n, bytes);
}
bool write_nested(external_writer& out, const std::vector<std::uint8_t>& bytes) {
  out.write_u32(static_cast<std::uint32_t>(bytes.size()));
  out.write_bytes(bytes);
  return true;
}
template <class Options>
Options without_registry() {
  Options o;
  o.registry = nullptr;
  return o;
}

// Alias "P": an AMF packet whose one body is the externalizable's body. Alias "V": one AMF3
// value, the body.
externalizable_registry nested_registry() {
  externalizable_registry r;
  r.add("P", {[](external_reader& in, value& body) {
                std::span<const std::uint8_t> bytes;
                if (!read_nested(in, bytes)) return false;
                auto p = decode_packet(bytes, in.memory(), without_registry<decode_options>());
                if (!p || p->bodies.size() != 1) return false;
                body = p->bodies[0].val;
                return true;
              },
              [](external_writer& out, const value& body) {
                arena a;
                packet p;
                std::vector<std::uint8_t> bytes;
                return p.bodies.push_back(a, packet_body{"inner", "/9", body}) &&
                       encode_packet(p, bytes, without_registry<encode_options>()) &&
                       write_nested(out, bytes);
              }});
  r.add("V", {[](external_reader& in, value& body) {
                std::span<const std::uint8_t> bytes;
                if (!read_nested(in, bytes)) return false;
                auto v = decode_amf3(bytes, in.memory(), without_registry<decode_options>());
                if (v) body = *v;
                return v.has_value();
              },
              [](external_writer& out, const value& body) {
                std::vector<std::uint8_t> bytes;
                return encode_amf3(body, bytes, without_registry<encode_options>()) &&
                       write_nested(out, bytes);
              }});
  return r;
}

// ["shared name", {alias}(body {"shared name": "shared name", "n": 7.5}), "shared name", "after"]:
// the strings after the nested call are references into the outer call's table.
value outer_value(arena& a, std::string_view alias) {
  object_node* inner = new_object(a);
  EXPECT_TRUE(add_dynamic(a, *inner, "shared name", value::string("shared name")));
  EXPECT_TRUE(add_dynamic(a, *inner, "n", value::number(7.5)));
  object_node* ext = new_object(a, alias, false);
  ext->type->externalizable = true;
  ext->external = value::of(inner);
  array_node* list = new_array(a);
  EXPECT_TRUE(list->dense.push_back(a, value::string("shared name")));
  EXPECT_TRUE(list->dense.push_back(a, value::of(ext)));
  EXPECT_TRUE(list->dense.push_back(a, value::string("shared name")));
  EXPECT_TRUE(list->dense.push_back(a, value::string("after")));
  value v = value::of(list);
  v.set_flags(value::flag_avmplus);
  return v;
}

// Options with the registry of the nested aliases, an arena for the values and one to decode into.
class thread_spare : public ::testing::Test {
 protected:
  thread_spare() {
    eo.registry = &registry;
    dopt.registry = &registry;
  }
  const externalizable_registry registry = nested_registry();
  encode_options eo;
  decode_options dopt;
  arena a;
  arena memory;
};

TEST_F(thread_spare, a_packet_decoded_and_encoded_inside_another_leaves_the_outer_one_intact) {
  const value v = outer_value(a, "P");
  packet p;
  ASSERT_TRUE(p.bodies.push_back(a, packet_body{"outer", "/1", v}));
  ASSERT_TRUE(p.bodies.push_back(a, packet_body{"second", "/2", v}));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(encode_packet(p, bytes, eo));
  auto back = decode_packet(bytes, memory, dopt);
  ASSERT_TRUE(back) << back.error().message();
  ASSERT_EQ(back->bodies.size(), 2u);
  EXPECT_EQ(back->bodies[1].target, "second");
  for (const packet_body& b : back->bodies) EXPECT_TRUE(deep_equal(b.val, v));
  // And the same bytes again: the thread's states were given back in order.
  std::vector<std::uint8_t> again;
  ASSERT_TRUE(encode_packet(*back, again, eo));
  EXPECT_EQ(again, bytes);
}

TEST_F(thread_spare, an_amf3_value_decoded_and_encoded_inside_another_leaves_the_outer_one_intact) {
  const value v = outer_value(a, "V");
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(encode_amf3(v, bytes, eo));
  auto back = decode_amf3(bytes, memory, dopt);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(deep_equal(*back, v));
  std::vector<std::uint8_t> again;
  ASSERT_TRUE(encode_amf3(*back, again, eo));
  EXPECT_EQ(again, bytes);
}

}  // namespace
}  // namespace amphora::amf
