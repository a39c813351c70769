// AMF3 encoding: canonical bytes for every type, reference tables, errors, round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "support/bytes.hpp"

namespace amf = amphora::amf;
using amf::errc;
using amf::kind;
using amf::value;
using amphora::test::from_hex;
using amphora::test::to_hex;

namespace {

class Amf3Encode : public ::testing::Test {
 protected:
  // The hex of v's encoding ("" and a test failure if it does not encode).
  std::string encode(const value& v, const amf::encode_options& options = {}) {
    std::vector<std::uint8_t> out;
    amf::status s = amf::encode_amf3(v, out, options);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return to_hex(out);
  }

  void fails(const value& v, errc e, const amf::encode_options& options = {}) {
    std::vector<std::uint8_t> out{0xAA};
    amf::status s = amf::encode_amf3(v, out, options);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, e) << s.error().message();
    EXPECT_FALSE(s.error().detail.empty());
    EXPECT_EQ(out, std::vector<std::uint8_t>{0xAA});  // nothing half-written is left
  }

  // v encodes, decodes back to a graph deep_equal to v, and that graph re-encodes to the same bytes.
  void round_trips(const value& v) {
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(amf::encode_amf3(v, bytes).ok());
    amf::arena decoded;
    auto back = amf::decode_amf3(bytes, decoded);
    ASSERT_TRUE(back.has_value()) << back.error().message() << " in " << to_hex(bytes);
    EXPECT_TRUE(deep_equal(*back, v)) << to_hex(bytes);
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(amf::encode_amf3(*back, again).ok());
    EXPECT_EQ(to_hex(again), to_hex(bytes));
  }

  // Canonical bytes decode and re-encode to themselves.
  void canonical(std::string_view hex) {
    const auto bytes = from_hex(hex);
    amf::arena a;
    auto v = amf::decode_amf3(bytes, a);
    ASSERT_TRUE(v.has_value()) << v.error().message() << " in " << hex;
    EXPECT_EQ(encode(*v), to_hex(bytes));
  }

  value str(std::string_view s) { return amf::make_string(a_, s); }

  amf::array_node& array(std::initializer_list<value> items) {
    amf::array_node* n = amf::new_array(a_);
    for (const value& v : items) EXPECT_TRUE(n->dense.push_back(a_, v));
    return *n;
  }

  amf::object_node& object(std::string_view alias = {}, bool dynamic = true) {
    return *amf::new_object(a_, alias, dynamic);
  }

  amf::object_node& externalizable(std::string_view alias, value body) {
    amf::object_node& o = object(alias, false);
    o.type->externalizable = true;
    o.external = body;
    return o;
  }

  amf::arena a_;
};

std::string hex_of(std::string_view text) {
  return to_hex(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// ---- scalars ----

TEST_F(Amf3Encode, Constants) {
  EXPECT_EQ(encode(value::undefined()), "00");
  EXPECT_EQ(encode(value::null()), "01");
  EXPECT_EQ(encode(value::boolean(false)), "02");
  EXPECT_EQ(encode(value::boolean(true)), "03");
}

// AmFast tests/amf3_encoder_test.py (amfast.md §3).
TEST_F(Amf3Encode, IntegerU29) {
  const std::pair<std::int64_t, const char*> cases[] = {
      {0, "04 00"},
      {127, "04 7F"},
      {0x80, "04 81 00"},
      {0x3FFF, "04 FF 7F"},
      {0x4000, "04 81 80 00"},
      {0x1FFFFF, "04 FF FF 7F"},
      {0x200000, "04 80 C0 80 00"},
      {0xFFFFFFF, "04 BF FF FF FF"},
      {-1, "04 FF FF FF FF"},
      {-(1 << 28), "04 C0 80 80 00"},
  };
  for (auto [i, hex] : cases) EXPECT_EQ(encode(value::integer(i)), hex) << i;
}

TEST_F(Amf3Encode, IntegersOutside29BitsAreDoubles) {
  EXPECT_EQ(encode(value::integer(1 << 28)), "05 41 B0 00 00 00 00 00 00");
  EXPECT_EQ(encode(value::integer(-(1 << 28) - 1)), "05 C1 B0 00 00 01 00 00 00");
  EXPECT_EQ(encode(value::integer(std::int64_t{1} << 40)), "05 42 70 00 00 00 00 00 00");
}

TEST_F(Amf3Encode, Doubles) {
  EXPECT_EQ(encode(value::number(0.1)), "05 3F B9 99 99 99 99 99 9A");  // AmFast
  EXPECT_EQ(encode(value::number(1.0)), "05 3F F0 00 00 00 00 00 00");  // a number stays a double
  EXPECT_EQ(encode(value::number(-0.0)), "05 80 00 00 00 00 00 00 00");
  EXPECT_EQ(encode(value::number(std::numeric_limits<double>::infinity())), "05 7F F0 00 00 00 00 00 00");
}

TEST_F(Amf3Encode, Strings) {
  EXPECT_EQ(encode(str("")), "06 01");
  EXPECT_EQ(encode(str("spam")), "06 09 73 70 61 6D");
  std::string long_string(200, 'x');
  EXPECT_EQ(encode(str(long_string)).substr(0, 8), "06 83 11");  // 200 << 1 | 1 = 0x191
}

// ---- reference tables ----

TEST_F(Amf3Encode, StringsAreDeduplicatedByContent) {
  // Two distinct buffers holding "spam", and "" twice: "" is never referenced.
  const value v = value::of(&array({str("spam"), str("spam"), str(""), str("")}));
  EXPECT_EQ(encode(v), "09 09 01 06 09 73 70 61 6D 06 00 06 01 06 01");
}

TEST_F(Amf3Encode, KeysMemberAndClassNamesShareTheStringTable) {
  amf::object_node& o = object("com.A", false);
  ASSERT_TRUE(amf::add_sealed(a_, o, "x", str("com.A")));
  const value v = value::of(&array({value::of(&o), str("x")}));
  EXPECT_EQ(encode(v), "09 05 01 0A 13 0B 63 6F 6D 2E 41 03 78 06 00 06 02");
}

TEST_F(Amf3Encode, NodesAreReferencedByIdentity) {
  amf::array_node& shared = array({});
  const value v = value::of(&array({value::of(&shared), value::of(&shared), value::of(&array({}))}));
  EXPECT_EQ(encode(v), "09 07 01 09 01 01 09 02 09 01 01");
  round_trips(v);
}

TEST_F(Amf3Encode, NodesSharedAfterManyOthersKeepTheirIndexes) {
  // An object, 200 other arrays (the object table grows several times), the object again and the
  // 101st array again: references to indexes 1 and 102 (the list itself is 0).
  amf::object_node& shared = object();
  amf::array_node& list = array({value::of(&shared)});
  std::vector<amf::array_node*> others;
  for (int i = 0; i < 200; ++i) {
    others.push_back(&array({}));
    ASSERT_TRUE(list.dense.push_back(a_, value::of(others.back())));
  }
  ASSERT_TRUE(list.dense.push_back(a_, value::of(&shared)));
  ASSERT_TRUE(list.dense.push_back(a_, value::of(others[100])));
  const std::string hex = encode(value::of(&list));
  EXPECT_EQ(hex.substr(hex.size() - 14), "0A 02 09 81 4C");  // 102 << 1 = 0xCC: 0x81 0x4C
  round_trips(value::of(&list));
}

TEST_F(Amf3Encode, CyclicGraph) {
  amf::object_node& o = object();
  ASSERT_TRUE(amf::add_dynamic(a_, o, "self", value::of(&o)));
  EXPECT_EQ(encode(value::of(&o)), "0A 0B 01 09 73 65 6C 66 0A 00 01");
  round_trips(value::of(&o));
}

TEST_F(Amf3Encode, MixedArrayNumbering) {
  // Array #0 {"a": object #1}, dense [object #1]: the dense item is a reference to #1.
  amf::object_node& o = object();
  amf::array_node& arr = array({value::of(&o)});
  ASSERT_TRUE(arr.assoc.push_back(a_, amf::member{"a", value::of(&o)}));
  EXPECT_EQ(encode(value::of(&arr)), "09 03 03 61 0A 0B 01 01 01 0A 02");
  round_trips(value::of(&arr));
}

TEST_F(Amf3Encode, TraitsAreDeduplicatedByContent) {
  // Each object has its own traits (new_object), with the same content.
  amf::object_node& p1 = object("com.P", false);
  amf::object_node& p2 = object("com.P", false);
  ASSERT_TRUE(amf::add_sealed(a_, p1, "x", value::integer(1)));
  ASSERT_TRUE(amf::add_sealed(a_, p2, "x", value::integer(2)));
  amf::object_node& q = object("com.P", true);  // same alias, but dynamic: other traits
  ASSERT_TRUE(amf::add_sealed(a_, q, "x", value::integer(3)));
  const value v = value::of(
      &array({value::of(&p1), value::of(&p2), value::of(&object()), value::of(&object()), value::of(&q)}));
  EXPECT_EQ(
      encode(v),
      "09 0B 01 0A 13 0B 63 6F 6D 2E 50 03 78 04 01 0A 01 04 02 0A 0B 01 01 0A 05 01 0A 1B 00 02 04 03 01");
  round_trips(v);
}

TEST_F(Amf3Encode, AlternatingTraitsKeepTheirIndexes) {
  // Objects of two shapes in turn, each with traits of its own: the third and fourth refer to the
  // traits of the first and second (indexes 0 and 1), not to the traits written just before.
  amf::object_node* objects[4];
  for (int i = 0; i < 4; ++i) {
    objects[i] = &object(i % 2 == 0 ? "com.A" : "com.B", false);
    ASSERT_TRUE(amf::add_sealed(a_, *objects[i], "x", value::integer(i + 1)));
  }
  const value v = value::of(
      &array({value::of(objects[0]), value::of(objects[1]), value::of(objects[2]), value::of(objects[3])}));
  EXPECT_EQ(encode(v),
            "09 09 01 0A 13 0B 63 6F 6D 2E 41 03 78 04 01 0A 13 0B 63 6F 6D 2E 42 02 04 02 0A 01 04 03 0A 05 "
            "04 04");
  round_trips(v);
}

TEST_F(Amf3Encode, StringLengthsAndReferencesAtTheOneByteLimits) {
  // 63 bytes: a one-byte length (0x7F); 64: two bytes (0x81 0x01). The 65th distinct string
  // (index 64) is referenced with two bytes (64 << 1 = 0x80: 0x81 0x00), index 63 with one (0x7E).
  EXPECT_EQ(encode(str(std::string(63, 'a'))).substr(0, 5), "06 7F");
  EXPECT_EQ(encode(str(std::string(64, 'a'))).substr(0, 8), "06 81 01");
  amf::array_node& list = array({});
  for (int i = 0; i < 70; ++i) ASSERT_TRUE(list.dense.push_back(a_, str("s" + std::to_string(100 + i))));
  ASSERT_TRUE(list.dense.push_back(a_, str("s163")));
  ASSERT_TRUE(list.dense.push_back(a_, str("s164")));
  const std::string hex = encode(value::of(&list));
  EXPECT_EQ(hex.substr(hex.size() - 14), "06 7E 06 81 00");
  round_trips(value::of(&list));
}

TEST_F(Amf3Encode, SimilarShortStringsKeepTheirOwnIndexes) {
  // Strings of 1-20 bytes that share their first and last bytes, or differ in one byte only (the
  // table keys strings of up to 16 bytes by words of their bytes and their length), each written
  // twice: every second occurrence is a reference to its own string, and the graph round-trips.
  std::vector<std::string> distinct;
  for (std::size_t n = 1; n <= 20; ++n) {
    distinct.emplace_back(n, 'a');
    for (std::size_t i = 0; i < n; ++i) {
      distinct.emplace_back(n, 'a');
      distinct.back()[i] = 'b';
    }
  }
  amf::array_node& list = array({});
  for (const std::string& s : distinct) ASSERT_TRUE(list.dense.push_back(a_, str(s)));
  for (std::size_t i = distinct.size(); i-- > 0;) ASSERT_TRUE(list.dense.push_back(a_, str(distinct[i])));
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(amf::encode_amf3(value::of(&list), bytes).ok());
  auto u29_size = [](std::size_t v) -> std::size_t { return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3; };
  std::size_t expected = 1 + u29_size(distinct.size() * 2 << 1 | 1) + 1;  // marker, length, empty key
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    expected += 1 + 1 + distinct[i].size() + 1 + u29_size(i << 1);  // new string; its reference
  }
  EXPECT_EQ(bytes.size(), expected);
  round_trips(value::of(&list));
}

TEST_F(Amf3Encode, EveryComplexTypeSharesTheObjectTable) {
  value items[] = {
      value::of(amf::new_date(a_, 1111111111000.0)),
      value::of(kind::xml_document, amf::new_text(a_, "<a/>")),
      value::of(kind::xml, amf::new_text(a_, "<b/>")),
      value::of(amf::new_bytes(a_, from_hex("01 02"))),
      value::of(amf::new_vector<std::int32_t>(a_)),
      value::of(amf::new_dictionary(a_)),
  };
  amf::array_node& arr = array({});
  for (const value& v : items) ASSERT_TRUE(arr.dense.push_back(a_, v));
  for (int i = 5; i >= 0; --i) ASSERT_TRUE(arr.dense.push_back(a_, items[i]));
  EXPECT_EQ(encode(value::of(&arr)),
            "09 19 01 08 01 42 70 2B 36 21 15 80 00 07 09 3C 61 2F 3E 0B 09 3C 62 2F 3E 0C 05 01 02 0D 01 00 "
            "11 01 00 "
            "11 0C 0D 0A 0C 08 0B 06 07 04 08 02");
  round_trips(value::of(&arr));
}

// ---- objects ----

TEST_F(Amf3Encode, AnonymousObject) {
  amf::object_node& o = object();
  ASSERT_TRUE(amf::add_dynamic(a_, o, "spam", str("eggs")));
  EXPECT_EQ(encode(value::of(&o)), "0A 0B 01 09 73 70 61 6D 06 09 65 67 67 73 01");  // AmFast
}

TEST_F(Amf3Encode, SealedAndDynamicMembers) {
  amf::object_node& o = object("com.Foo", true);
  ASSERT_TRUE(amf::add_sealed(a_, o, "a", value::integer(1)));
  ASSERT_TRUE(amf::add_sealed(a_, o, "b", str("x")));
  ASSERT_TRUE(amf::add_dynamic(a_, o, "c", value::null()));
  EXPECT_EQ(encode(value::of(&o)), "0A 2B 0F 63 6F 6D 2E 46 6F 6F 03 61 03 62 04 01 06 03 78 03 63 01 01");
  amf::object_node& sealed_only = object("com.S", false);
  ASSERT_TRUE(amf::add_sealed(a_, sealed_only, "a", value::null()));
  EXPECT_EQ(encode(value::of(&sealed_only)), "0A 13 0B 63 6F 6D 2E 53 03 61 01");
}

TEST_F(Amf3Encode, ObjectsThatDoNotMatchTheirTraitsAreUnencodable) {
  amf::object_node& missing = object("com.S", false);
  ASSERT_TRUE(amf::add_sealed(a_, missing, "a", value::null()));
  missing.sealed.clear();
  fails(value::of(&missing), errc::unencodable);

  amf::object_node& not_dynamic = object("com.S", false);
  ASSERT_TRUE(amf::add_dynamic(a_, not_dynamic, "a", value::null()));
  fails(value::of(&not_dynamic), errc::unencodable);

  amf::object_node& empty_name = object();
  ASSERT_TRUE(amf::add_dynamic(a_, empty_name, "", value::null()));
  fails(value::of(&empty_name), errc::unencodable);

  amf::array_node& empty_key = array({});
  ASSERT_TRUE(empty_key.assoc.push_back(a_, amf::member{"", value::null()}));
  fails(value::of(&empty_key), errc::unencodable);

  amf::object_node& no_traits = object();
  no_traits.type = nullptr;
  fails(value::of(&no_traits), errc::unencodable);

  amf::object_node& ext_members = externalizable("flex.messaging.io.ArrayCollection", value::of(&array({})));
  ASSERT_TRUE(amf::add_dynamic(a_, ext_members, "a", value::null()));
  fails(value::of(&ext_members), errc::unencodable);
}

TEST_F(Amf3Encode, ArrayCollectionTakesTwoSlots) {
  amf::array_node& source = array({value::integer(1)});
  amf::object_node& ac = externalizable("flex.messaging.io.ArrayCollection", value::of(&source));
  const value v = value::of(&array({value::of(&ac), value::of(&ac), value::of(&source)}));
  EXPECT_EQ(encode(v), "09 07 01 0A 07 43 " + hex_of("flex.messaging.io.ArrayCollection") +
                           " 09 03 01 04 01 0A 02 09 04");
  round_trips(v);
}

TEST_F(Amf3Encode, ExternalizableTraitsAreReferencedToo) {
  amf::object_node& a = externalizable("flex.messaging.io.ObjectProxy", value::of(&object()));
  amf::object_node& b = externalizable("flex.messaging.io.ObjectProxy", value::null());
  const value v = value::of(&array({value::of(&a), value::of(&b)}));
  EXPECT_EQ(encode(v),
            "09 05 01 0A 07 3B " + hex_of("flex.messaging.io.ObjectProxy") + " 0A 0B 01 01 0A 01 01");
  round_trips(v);
}

TEST_F(Amf3Encode, UnknownExternalizable) {
  fails(value::of(&externalizable("com.Unknown", value::null())), errc::unknown_externalizable);
  amf::encode_options none;
  none.registry = nullptr;
  fails(value::of(&externalizable("flex.messaging.io.ArrayCollection", value::of(&array({})))),
        errc::unknown_externalizable, none);
}

TEST_F(Amf3Encode, CustomExternalizableWritesRawData) {
  amf::externalizable_registry registry;
  registry.add("R", {[](amf::external_reader& in, value& body) {
                       std::uint8_t a;
                       std::uint16_t b;
                       std::uint32_t c;
                       double d;
                       std::span<const std::uint8_t> bytes;
                       std::string_view s;
                       if (!in.read_u8(a) || !in.read_u16(b) || !in.read_u32(c) || !in.read_double(d) ||
                           !in.read_bytes(2, bytes) || !in.read_utf(s) || !in.read_value(body)) {
                         return false;
                       }
                       return a == 1 && b == 2 && c == 3 && d == 2.5 && bytes[0] == 0xA && s == "hi";
                     },
                     [](amf::external_writer& out, const value& body) {
                       out.write_u8(1);
                       out.write_u16(2);
                       out.write_u32(3);
                       out.write_double(2.5);
                       const std::uint8_t raw[] = {0xA, 0xB};
                       out.write_bytes(raw);
                       return out.write_utf("hi") && out.write_value(body);
                     }});
  amf::encode_options eo;
  eo.registry = &registry;
  const value v = value::of(&externalizable("R", value::integer(7)));
  const std::string expected =
      "0A 07 03 52 01 00 02 00 00 00 03 40 04 00 00 00 00 00 00 0A 0B 00 02 68 69 04 07";
  EXPECT_EQ(encode(v, eo), expected);

  amf::decode_options dopt;
  dopt.registry = &registry;
  amf::arena memory;
  const auto bytes = from_hex(expected);
  auto back = amf::decode_amf3(bytes, memory, dopt);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_TRUE(deep_equal(*back, v));
}

TEST_F(Amf3Encode, ExternalizableWriterFailures) {
  amf::externalizable_registry registry;
  registry.add("Q", {{}, [](amf::external_writer&, const value&) { return false; }});
  registry.add("F", {{}, [](amf::external_writer& out, const value&) { return out.fail("F refuses"); }});
  registry.add("U", {{}, [](amf::external_writer& out, const value&) {
                       return out.write_utf(std::string(70000, 'x'));
                     }});
  amf::encode_options eo;
  eo.registry = &registry;
  fails(value::of(&externalizable("Q", value::null())), errc::externalizable_failed, eo);
  fails(value::of(&externalizable("F", value::null())), errc::externalizable_failed, eo);
  fails(value::of(&externalizable("U", value::null())), errc::unencodable, eo);
}

// ---- other types ----

TEST_F(Amf3Encode, Dates) {
  EXPECT_EQ(encode(value::of(amf::new_date(a_, 1111111111000.0))),
            "08 01 42 70 2B 36 21 15 80 00");  // AmFast
  EXPECT_EQ(encode(value::of(amf::new_date(a_, -8.64e15))), "08 01 C3 3E B2 08 C2 DC 00 00");
  fails(value::of(amf::new_date(a_, std::numeric_limits<double>::quiet_NaN())), errc::unencodable);
  fails(value::of(amf::new_date(a_, std::numeric_limits<double>::infinity())), errc::unencodable);
  fails(value::of(amf::new_date(a_, 8.64e15 + 1)), errc::unencodable);
}

TEST_F(Amf3Encode, XmlAndByteArray) {
  EXPECT_EQ(encode(value::of(kind::xml, amf::new_text(a_, "<a/>"))), "0B 09 3C 61 2F 3E");
  EXPECT_EQ(encode(value::of(kind::xml_document, amf::new_text(a_, "<a/>"))), "07 09 3C 61 2F 3E");
  EXPECT_EQ(encode(value::of(amf::new_bytes(a_, from_hex("00 FF 80")))), "0C 07 00 FF 80");
  EXPECT_EQ(encode(value::of(amf::new_bytes(a_, {}))), "0C 01");
}

TEST_F(Amf3Encode, Vectors) {
  auto* i = amf::new_vector<std::int32_t>(a_);
  ASSERT_TRUE(i->items.push_back(a_, 1) && i->items.push_back(a_, -1));
  EXPECT_EQ(encode(value::of(i)), "0D 05 00 00 00 00 01 FF FF FF FF");
  auto* u = amf::new_vector<std::uint32_t>(a_);
  u->fixed = true;
  ASSERT_TRUE(u->items.push_back(a_, 0xFFFFFFFFu));
  EXPECT_EQ(encode(value::of(u)), "0E 03 01 FF FF FF FF");
  auto* d = amf::new_vector<double>(a_);
  ASSERT_TRUE(d->items.push_back(a_, 0.1));
  EXPECT_EQ(encode(value::of(d)), "0F 03 00 3F B9 99 99 99 99 99 9A");

  amf::object_node& p = object("com.P", false);
  ASSERT_TRUE(amf::add_sealed(a_, p, "x", value::integer(1)));
  auto* o = amf::new_vector_object(a_, "com.P");
  o->fixed = true;
  ASSERT_TRUE(o->items.push_back(a_, value::of(&p)) && o->items.push_back(a_, value::null()));
  EXPECT_EQ(encode(value::of(o)), "10 05 01 0B 63 6F 6D 2E 50 0A 13 00 03 78 04 01 01");
  EXPECT_EQ(encode(value::of(amf::new_vector_object(a_))), "10 01 00 01");
  round_trips(value::of(o));
}

TEST_F(Amf3Encode, Dictionary) {
  auto* d = amf::new_dictionary(a_, true);
  ASSERT_TRUE(d->entries.push_back(a_, {value::integer(1), str("a")}));
  ASSERT_TRUE(d->entries.push_back(a_, {str("k"), value::boolean(true)}));
  ASSERT_TRUE(d->entries.push_back(a_, {value::of(&array({})), value::null()}));
  EXPECT_EQ(encode(value::of(d)), "11 07 01 04 01 06 03 61 06 03 6B 03 09 01 01 01");
  round_trips(value::of(d));
}

// ---- limits and errors ----

TEST_F(Amf3Encode, DepthIsBounded) {
  amf::array_node* outer = &array({});
  const value root = value::of(outer);
  for (int i = 0; i < 600; ++i) {
    amf::array_node* inner = &array({});
    ASSERT_TRUE(outer->dense.push_back(a_, value::of(inner)));
    outer = inner;
  }
  fails(root, errc::depth_exceeded);
  amf::encode_options deep;
  deep.max_depth = 601;
  EXPECT_FALSE(encode(root, deep).empty());
  deep.max_depth = 600;
  fails(root, errc::depth_exceeded, deep);
}

TEST_F(Amf3Encode, NodeValueWithoutANodeIsUnencodable) {
  fails(value::of(static_cast<amf::array_node*>(nullptr)), errc::unencodable);
}

// ---- canonical form ----

TEST_F(Amf3Encode, DecodedCanonicalStreamsReencodeIdentically) {
  canonical(
      "09 0B 01 0A 1B 17 63 6F 6D 2E 66 6F 6F 2E 42 61 72 03 61 06 07 61 62 63 01 0A 02 06 04 04 07 0A 0B 01 "
      "01");
  canonical("09 03 03 61 0A 0B 01 01 01 0A 02");
  canonical("0A 0B 01 09 73 65 6C 66 0A 00 01");
  canonical("11 07 01 04 01 06 03 61 06 03 6B 03 09 01 01 01");
  // Royale's CLIENT_PING (royale.md §5, request body from offset 0x15).
  canonical(
      "09 03 01 0a 81 13 4d 66 6c 65 78 2e 6d 65 73 73 61 67 69 6e 67 2e 6d 65 73 73 61 67 65 73 2e 43 6f 6d "
      "6d 61 6e "
      "64 4d 65 73 73 61 67 65 09 62 6f 64 79 11 63 6c 69 65 6e 74 49 64 1b 63 6f 72 72 65 6c 61 74 69 6f 6e "
      "49 64 17 "
      "64 65 73 74 69 6e 61 74 69 6f 6e 0f 68 65 61 64 65 72 73 13 6d 65 73 73 61 67 65 49 64 13 6f 70 65 72 "
      "61 74 69 "
      "6f 6e 15 74 69 6d 65 54 6f 4c 69 76 65 13 74 69 6d 65 73 74 61 6d 70 0a 0b 01 01 01 06 01 06 01 0a 05 "
      "25 44 53 "
      "4d 65 73 73 61 67 69 6e 67 56 65 72 73 69 6f 6e 04 01 09 44 53 49 64 06 07 6e 69 6c 01 06 49 36 30 35 "
      "37 45 31 "
      "46 36 2d 37 46 36 44 2d 37 38 37 36 2d 34 37 35 42 2d 36 42 30 36 41 37 45 31 33 38 31 32 04 05 04 00 "
      "04 00");
}

TEST_F(Amf3Encode, ComplexGraphRoundTrips) {
  amf::object_node& rec = object("com.example.Record", true);
  ASSERT_TRUE(amf::add_sealed(a_, rec, "id", value::integer(42)));
  ASSERT_TRUE(amf::add_sealed(a_, rec, "name", str("h\xC3\xA9llo")));
  ASSERT_TRUE(amf::add_sealed(a_, rec, "total", value::number(12.5)));
  ASSERT_TRUE(amf::add_sealed(a_, rec, "due", value::of(amf::new_date(a_, 1.5e12))));
  ASSERT_TRUE(amf::add_dynamic(a_, rec, "tags", value::of(&array({str("a"), str("b"), str("a")}))));
  ASSERT_TRUE(amf::add_dynamic(a_, rec, "self", value::of(&rec)));
  amf::array_node& list = array({value::of(&rec), value::of(&rec), value::undefined(), value::integer(-5)});
  ASSERT_TRUE(list.assoc.push_back(a_, amf::member{"name", str("name")}));
  amf::object_node& ac = externalizable("flex.messaging.io.ArrayCollection", value::of(&list));
  round_trips(value::of(&array({value::of(&ac), value::of(&list), value::of(&ac)})));
}

TEST_F(Amf3Encode, ReusedOutputGrowsPastTheLastWindow) {
  // The output window of a reused vector reaches a little beyond what the last encode took: small,
  // large, small and large again (into the cleared vector, then appended) give a fresh encoder's bytes.
  amf::array_node& large_list = array({});
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(large_list.dense.push_back(a_, str("s" + std::to_string(i))));
  const value small = str("spam"), large = value::of(&large_list);
  std::vector<std::uint8_t> fresh_small, fresh_large;
  ASSERT_TRUE(amf::encode_amf3(small, fresh_small).ok());
  ASSERT_TRUE(amf::encode_amf3(large, fresh_large).ok());
  amf::amf3_encoder encoder;
  std::vector<std::uint8_t> out;
  for (const value* v : {&small, &large, &small, &large}) {
    out.clear();
    ASSERT_TRUE(encoder.encode(*v, out).ok());
    EXPECT_EQ(out, v == &small ? fresh_small : fresh_large);
  }
  ASSERT_TRUE(encoder.encode(small, out).ok());
  ASSERT_TRUE(encoder.encode(large, out).ok());
  std::vector<std::uint8_t> expected = fresh_large;
  expected.insert(expected.end(), fresh_small.begin(), fresh_small.end());
  expected.insert(expected.end(), fresh_large.begin(), fresh_large.end());
  EXPECT_EQ(out, expected);
}

TEST_F(Amf3Encode, ReusedEncoderStartsWithEmptyTablesAndAppends) {
  amf::amf3_encoder encoder;
  amf::object_node& o = object();
  ASSERT_TRUE(amf::add_dynamic(a_, o, "spam", str("eggs")));
  std::vector<std::uint8_t> out{0xAA};
  ASSERT_TRUE(encoder.encode(value::of(&o), out).ok());
  ASSERT_TRUE(encoder.encode(value::of(&o), out).ok());
  const std::string one = "0A 0B 01 09 73 70 61 6D 06 09 65 67 67 73 01";
  EXPECT_EQ(to_hex(out), "AA " + one + " " + one);
}

}  // namespace
