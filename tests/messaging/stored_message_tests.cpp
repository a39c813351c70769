// stored_message::append_full_form: the bytes spliced for each subscriber from the one encoding
// of a published message are those a fresh encoding of that subscriber's copy gives, also when
// the subscription id cannot be spliced (it is empty, or another string of the message holds it).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/value.hpp"
#include "amphora/flex/constants.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/messaging/stored_message.hpp"

namespace amphora::messaging {
namespace {

class stored_message_test : public ::testing::Test {
 protected:
  // A message with a string body, a shared object (referenced twice) and a few headers.
  flex::async_message message(std::string_view body_text) {
    flex::async_message m;
    m.destination = "chat";
    m.message_id = "7A5C2E1B-0D4F-4C3A-9E8B-112233445566";
    m.correlation_id = "corr";
    m.timestamp = 1733350000123.0;
    m.time_to_live = 0;
    amf::array_node* body = amf::new_array(memory_);
    amf::object_node* shared = amf::new_object(memory_);
    EXPECT_TRUE(amf::add_dynamic(memory_, *shared, "text", amf::make_string(memory_, body_text)));
    EXPECT_TRUE(body->dense.push_back(memory_, amf::value::of(shared)));
    EXPECT_TRUE(body->dense.push_back(memory_, amf::value::of(shared)));
    EXPECT_TRUE(body->dense.push_back(memory_, amf::make_string(memory_, "chat")));
    m.body = amf::value::of(body);
    EXPECT_TRUE(flex::set_header(memory_, m, flex::headers::ds_id, amf::make_string(memory_, "publisher")));
    EXPECT_TRUE(flex::set_header(memory_, m, "user", amf::make_string(memory_, "ann")));
    return m;
  }

  // What a channel sent before: the subscriber's copy turned into a value and encoded.
  static std::vector<std::uint8_t> fresh_encoding(const stored_message& s, std::string_view client_id) {
    flex::async_message copy = s.message();
    copy.client_id = client_id;
    amf::arena memory(1024);
    amf::result<amf::value> v = flex::to_value(memory, copy, flex::form::full);
    EXPECT_TRUE(v);
    amf::encode_options options;
    options.registry = &flex::registry();
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(amf::encode_amf3(*v, out, options));
    return out;
  }

  static std::vector<std::uint8_t> spliced(const stored_message& s, std::string_view client_id) {
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(s.append_full_form(client_id, out));
    return out;
  }

  amf::arena memory_{1024};
};

TEST_F(stored_message_test, each_subscriber_gets_the_bytes_of_its_own_copy) {
  auto stored = stored_message::make(message("hello"), 1 << 20);
  ASSERT_TRUE(stored);
  const std::vector<std::string> ids = {"8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB", "sub-1", "x",
                                        std::string(200, 'q'), std::string(20000, 'z')};
  for (const std::string& id : ids) {
    SCOPED_TRACE(id.substr(0, 40));
    const std::vector<std::uint8_t> bytes = spliced(**stored, id);
    EXPECT_EQ(bytes, fresh_encoding(**stored, id));
    // The id is in the bytes once, and the copy decodes with it as clientId.
    amf::arena memory(1024);
    amf::decode_options options;
    options.registry = &flex::registry();
    amf::result<amf::value> v = amf::decode_amf3(bytes, memory, options);
    ASSERT_TRUE(v);
    amf::result<flex::message> m = flex::read_message(*v, memory);
    ASSERT_TRUE(m);
    const auto& copy = std::get<flex::async_message>(*m);
    EXPECT_EQ(copy.client_id, id);
    EXPECT_EQ(copy.destination, "chat");
    EXPECT_EQ(copy.header(flex::headers::ds_id), nullptr);  // dropped when stored
  }
}

TEST_F(stored_message_test, ids_that_other_strings_hold_are_encoded_afresh) {
  // The subscriber's id is the body text, a header value, the destination, the messageId, a
  // member name or part of one: the fresh encoding refers to (or from) it, and so must the copy.
  auto stored = stored_message::make(message("sub-7"), 1 << 20);
  ASSERT_TRUE(stored);
  for (std::string_view id : {"sub-7", "ann", "chat", "7A5C2E1B-0D4F-4C3A-9E8B-112233445566", "text", "ub-",
                              "flex.messaging.messages.AsyncMessage", "corr", ""}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(spliced(**stored, id), fresh_encoding(**stored, id));
  }
}

TEST_F(stored_message_test, ids_that_share_bytes_with_the_message_are_searched_for) {
  // The splice skips the search for an id whose first or last four bytes occur nowhere in the
  // message; ids that begin or end like a string of the message, or lie inside one, are searched
  // for, and those found are encoded afresh.
  auto stored = stored_message::make(message("sub-7 and more text"), 1 << 20);
  ASSERT_TRUE(stored);
  for (std::string_view id : {"sub-7 and", "ub-7", "and more text", "7A5C2E1B", "AsyncMessage", "chat!",
                              "!chat", "chatter", "hat", "text!", "more", "ore t", "sub-8", "8E1F0C3B"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(spliced(**stored, id), fresh_encoding(**stored, id));
  }
  // Pieces of a longer body, and pieces changed by one byte, against a fresh encoding.
  std::string text;
  std::mt19937 pick(7);  // fixed: the same cases every run
  for (int i = 0; i < 600; ++i) text.push_back(static_cast<char>('a' + pick() % 6));
  auto long_body = stored_message::make(message(text), 1 << 20);
  ASSERT_TRUE(long_body);
  for (int i = 0; i < 400; ++i) {
    const std::size_t length = 1 + pick() % 40;
    std::string id = text.substr(pick() % (text.size() - length), length);
    if (i % 2 == 1) id[pick() % id.size()] = 'z';  // most likely in the message no more
    SCOPED_TRACE(id);
    ASSERT_EQ(spliced(**long_body, id), fresh_encoding(**long_body, id));
  }
}

TEST_F(stored_message_test, appends_after_what_the_buffer_holds) {
  auto stored = stored_message::make(message("hello"), 1 << 20);
  ASSERT_TRUE(stored);
  std::vector<std::uint8_t> out = {1, 2, 3};
  ASSERT_TRUE((*stored)->append_full_form("sub-1", out));
  std::vector<std::uint8_t> expected = {1, 2, 3};
  const std::vector<std::uint8_t> fresh = fresh_encoding(**stored, "sub-1");
  expected.insert(expected.end(), fresh.begin(), fresh.end());
  EXPECT_EQ(out, expected);
}

TEST_F(stored_message_test, a_delivery_encodes_its_message_or_its_invalidation) {
  auto stored = stored_message::make(message("hello"), 1 << 20);
  ASSERT_TRUE(stored);
  const auto id = std::make_shared<const std::string>("sub-9");
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE((delivery{*stored, id, false}.encode_full_form(bytes)));
  EXPECT_EQ(bytes, fresh_encoding(**stored, "sub-9"));

  bytes.clear();
  ASSERT_TRUE((delivery{*stored, id, true}.encode_full_form(bytes)));
  amf::arena memory(1024);
  amf::decode_options options;
  options.registry = &flex::registry();
  amf::result<amf::value> v = amf::decode_amf3(bytes, memory, options);
  ASSERT_TRUE(v);
  amf::result<flex::message> m = flex::read_message(*v, memory);
  ASSERT_TRUE(m);
  const auto* notice = std::get_if<flex::command_message>(&*m);
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->operation, flex::command_operation::subscription_invalidate);
  EXPECT_EQ(notice->client_id, "sub-9");
  EXPECT_EQ(notice->destination, "chat");
}

}  // namespace
}  // namespace amphora::messaging
