// Subtopic validation and matching (BlazeDS's Subtopic semantics, docs/protocol.md "Messaging").
#include <gtest/gtest.h>

#include "amphora/messaging/subtopic.hpp"

namespace amphora::messaging {
namespace {

TEST(subtopic, validity) {
  EXPECT_TRUE(valid_subtopic("chat", ".", false));
  EXPECT_TRUE(valid_subtopic("chat.rooms.lobby", ".", false));
  EXPECT_FALSE(valid_subtopic("", ".", true));
  EXPECT_FALSE(valid_subtopic(".chat", ".", true));
  EXPECT_FALSE(valid_subtopic("chat.", ".", true));
  EXPECT_FALSE(valid_subtopic("chat..rooms", ".", true));
  EXPECT_TRUE(valid_subtopic("chat.*", ".", true));
  EXPECT_TRUE(valid_subtopic("*", ".", true));
  EXPECT_FALSE(valid_subtopic("chat.*", ".", false));  // no wildcard when publishing
  EXPECT_FALSE(valid_subtopic("chat.r*", ".", true));  // `*` is a whole token or nothing
  EXPECT_TRUE(valid_subtopic("a::b::*", "::", true));
  EXPECT_FALSE(valid_subtopic("a::::b", "::", true));
}

TEST(subtopic, exact_and_wildcard_matching) {
  EXPECT_TRUE(subtopic_matches("chat.lobby", "chat.lobby", "."));
  EXPECT_FALSE(subtopic_matches("chat.lobby", "chat.lobby2", "."));
  // A trailing `*` covers one or more trailing tokens, never zero.
  EXPECT_TRUE(subtopic_matches("chatrooms.*", "chatrooms.lobby", "."));
  EXPECT_TRUE(subtopic_matches("chatrooms.*", "chatrooms.us.ca", "."));
  EXPECT_FALSE(subtopic_matches("chatrooms.*", "chatrooms", "."));
  // A `*` in the middle is exactly one token.
  EXPECT_TRUE(subtopic_matches("chatrooms.*.ca", "chatrooms.us.ca", "."));
  EXPECT_FALSE(subtopic_matches("chatrooms.*.ca", "chatrooms.us.ma", "."));
  EXPECT_FALSE(subtopic_matches("chatrooms.*.ca", "chatrooms.us.x.ca", "."));
  EXPECT_FALSE(subtopic_matches("a.b.c", "a.b", "."));
  EXPECT_FALSE(subtopic_matches("a.b", "a.b.c", "."));
  EXPECT_TRUE(subtopic_matches("*", "anything.at.all", "."));
  EXPECT_TRUE(subtopic_matches("*", "one", "."));
  EXPECT_TRUE(subtopic_matches("a/*", "a/b/c", "/"));
  EXPECT_FALSE(subtopic_matches("a.*", "a/b", "/"));
}

TEST(subtopic, has_wildcard) {
  EXPECT_TRUE(has_wildcard("a.*", "."));
  EXPECT_TRUE(has_wildcard("*", "."));
  EXPECT_FALSE(has_wildcard("a.b", "."));
}

}  // namespace
}  // namespace amphora::messaging
