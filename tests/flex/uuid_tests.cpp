#include <gtest/gtest.h>

#include <set>
#include <string>

#include "amphora/flex/uuid.hpp"

namespace amphora::flex {
namespace {

TEST(Uuid, HasBlazeDSShapeUppercaseVersion4) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_uuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_TRUE(is_uuid(id)) << id;
    for (std::size_t k = 0; k < id.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        EXPECT_EQ(id[k], '-') << id;
      } else {
        EXPECT_TRUE((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'A' && id[k] <= 'F')) << id;
      }
    }
    EXPECT_EQ(id[14], '4') << id;                                          // version 4
    EXPECT_NE(std::string("89AB").find(id[19]), std::string::npos) << id;  // RFC 4122 variant
  }
}

TEST(Uuid, ManyIdsAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(new_uuid()).second);
}

TEST(Uuid, ArenaFormIsAFreshIdInTheArena) {
  amf::arena memory;
  const std::string_view a = new_uuid(memory);
  const std::string_view b = new_uuid(memory);
  EXPECT_TRUE(is_uuid(a));
  EXPECT_TRUE(is_uuid(b));
  EXPECT_NE(a, b);
}

TEST(Uuid, ArenaFormIsEmptyWhenTheArenaRefuses) {
  amf::arena memory;
  memory.set_limit(0);
  EXPECT_EQ(new_uuid(memory), "");
}

TEST(Uuid, BytesRoundTrip) {
  const std::string_view text = "6057E1F6-7F6D-7876-475B-6B06A7E13812";  // Royale's (not RFC 4122)
  const auto bytes = uuid_to_bytes(text);
  ASSERT_TRUE(bytes);
  EXPECT_EQ((*bytes)[0], 0x60);
  EXPECT_EQ((*bytes)[15], 0x12);
  const auto back = uuid_from_bytes(*bytes);
  EXPECT_EQ(std::string_view(back.data(), back.size()), text);
}

TEST(Uuid, OnlyUppercaseUuidTextIsAUuid) {
  EXPECT_FALSE(is_uuid("6057e1f6-7f6d-7876-475b-6b06a7e13812"));  // Py3AMF's lowercase ids stay text
  EXPECT_FALSE(is_uuid("6057E1F6-7F6D-7876-475B-6B06A7E1381"));
  EXPECT_FALSE(is_uuid("6057E1F6-7F6D-7876-475B-6B06A7E138123"));
  EXPECT_FALSE(is_uuid("6057E1F6_7F6D-7876-475B-6B06A7E13812"));
  EXPECT_FALSE(is_uuid("6057E1F6-7F6D-7876-475B-6B06A7E1381G"));
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("nil"));
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000000"));
}

TEST(Uuid, EveryByteAtEveryPositionIsCheckedAsTheShapeSays) {
  // Each of the 36 positions takes each of the 256 byte values: a UUID exactly when the position
  // is a dash and the byte '-', or a digit position and the byte 0-9 or A-F (its value then in
  // the right half of the right byte).
  const std::string base = "6057E1F6-7F6D-7876-475B-6B06A7E13812";
  const auto base_bytes = uuid_to_bytes(base);
  ASSERT_TRUE(base_bytes);
  for (std::size_t k = 0; k < base.size(); ++k) {
    const bool dash = k == 8 || k == 13 || k == 18 || k == 23;
    const std::size_t digit = k - (k > 8) - (k > 13) - (k > 18) - (k > 23);  // among the 32
    for (int c = 0; c < 256; ++c) {
      std::string text = base;
      text[k] = static_cast<char>(c);
      const bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
      const auto bytes = uuid_to_bytes(text);
      ASSERT_EQ(bytes.has_value(), dash ? c == '-' : hex) << k << " " << c;
      if (!bytes || dash) continue;
      uuid_bytes expected = *base_bytes;
      const int value = c <= '9' ? c - '0' : c - 'A' + 10;
      std::uint8_t& b = expected[digit / 2];
      b = static_cast<std::uint8_t>(digit % 2 == 0 ? (b & 0x0F) | value << 4 : (b & 0xF0) | value);
      ASSERT_EQ(*bytes, expected) << k << " " << c;
    }
  }
}

TEST(Uuid, RandomBytesFillsLargeBuffers) {
  std::array<std::uint8_t, 4096> buffer{};
  random_bytes(buffer);
  int zeros = 0;
  for (auto b : buffer) zeros += b == 0;
  EXPECT_LT(zeros, 100);  // about 16 expected; all-zero means nothing was written
}

}  // namespace
}  // namespace amphora::flex
