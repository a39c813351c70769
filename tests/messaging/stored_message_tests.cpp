// stored_message::append: the bytes spliced for each subscriber from the one encoding of a
// published message are those a fresh encoding of that subscriber's copy gives, in full form and in
// small form, also when the subscription id cannot be spliced (full form: it is empty, or another
// string of the message holds it; small form: it is not a UUID).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/json.hpp"
#include "amphora/amf/value.hpp"
#include "amphora/flex/constants.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
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
  static std::vector<std::uint8_t> fresh_encoding(const stored_message& s, std::string_view client_id,
                                                  flex::form f = flex::form::full) {
    flex::async_message copy = s.message();
    copy.client_id = client_id;
    amf::arena memory(1024);
    amf::result<amf::value> v = flex::to_value(memory, copy, f);
    EXPECT_TRUE(v);
    amf::encode_options options;
    options.registry = &flex::registry();
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(amf::encode_amf3(*v, out, options));
    return out;
  }

  // What append writes for `client_id`, given as its text, which append converts, or as a
  // subscriber_id, whose UUID bytes were converted once (as the broker's consumers keep theirs):
  // both must write the same bytes.
  static std::vector<std::uint8_t> spliced(const stored_message& s, std::string_view client_id,
                                           flex::form f = flex::form::full) {
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(s.append(f, client_id, out));
    std::vector<std::uint8_t> from_id;
    EXPECT_TRUE(s.append(f, subscriber_id(std::string(client_id)), from_id));
    EXPECT_EQ(from_id, out) << "append of a subscriber_id and of its text differ";
    return out;
  }

  // What a subscriber reads from `bytes` (a failed check, and an empty message, if it cannot).
  static flex::message read_copy(const std::vector<std::uint8_t>& bytes, amf::arena& memory) {
    amf::decode_options options;
    options.registry = &flex::registry();
    amf::result<amf::value> v = amf::decode_amf3(bytes, memory, options);
    EXPECT_TRUE(v);
    if (!v) return flex::async_message{};
    amf::result<flex::message> m = flex::read_message(*v, memory);
    EXPECT_TRUE(m);
    return m ? *m : flex::async_message{};
  }

  // A value from amphora's lossless JSON.
  amf::value json(std::string_view text) {
    amf::result<amf::value> v = amf::value_from_json(text, memory_);
    EXPECT_TRUE(v) << text;
    return v ? *v : amf::value::null();
  }

  amf::arena memory_{1024};
};

TEST_F(stored_message_test, each_subscriber_gets_the_bytes_of_its_own_copy) {
  auto stored = stored_message::make(message("hello"), 1 << 20);
  ASSERT_TRUE(stored);
  const std::vector<std::string> ids = {"8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB",
                                        flex::new_uuid(),
                                        "sub-1",
                                        "x",
                                        std::string(200, 'q'),
                                        std::string(20000, 'z')};
  for (const std::string& id : ids) {
    for (const flex::form f : {flex::form::full, flex::form::small}) {
      SCOPED_TRACE(id.substr(0, 40) + (f == flex::form::small ? " small" : " full"));
      const std::vector<std::uint8_t> bytes = spliced(**stored, id, f);
      EXPECT_EQ(bytes, fresh_encoding(**stored, id, f));
      if (f == flex::form::small) {  // an externalizable DSA
        const std::array<std::uint8_t, 6> dsa = {0x0A, 0x07, 0x07, 'D', 'S', 'A'};
        ASSERT_GE(bytes.size(), dsa.size());
        EXPECT_TRUE(std::equal(dsa.begin(), dsa.end(), bytes.begin()));
      }
      // The copy decodes with the id as clientId.
      amf::arena memory(1024);
      const flex::message m = read_copy(bytes, memory);
      const auto& copy = std::get<flex::async_message>(m);
      EXPECT_EQ(copy.client_id, id);
      EXPECT_EQ(copy.message_id, "7A5C2E1B-0D4F-4C3A-9E8B-112233445566");
      EXPECT_EQ(copy.destination, "chat");
      EXPECT_EQ(copy.header(flex::headers::ds_id), nullptr);  // dropped when stored
    }
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
  ASSERT_TRUE((*stored)->append(flex::form::full, "sub-1", out));
  std::vector<std::uint8_t> expected = {1, 2, 3};
  const std::vector<std::uint8_t> fresh = fresh_encoding(**stored, "sub-1");
  expected.insert(expected.end(), fresh.begin(), fresh.end());
  EXPECT_EQ(out, expected);
}

TEST_F(stored_message_test, a_delivery_encodes_its_message_or_its_invalidation) {
  auto stored = stored_message::make(message("hello"), 1 << 20);
  ASSERT_TRUE(stored);
  const auto id = std::make_shared<const subscriber_id>("sub-9");
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE((delivery{*stored, id, false}.encode(flex::form::full, bytes)));
  EXPECT_EQ(bytes, fresh_encoding(**stored, "sub-9"));
  bytes.clear();
  ASSERT_TRUE((delivery{*stored, id, false}.encode(flex::form::small, bytes)));
  EXPECT_EQ(bytes, fresh_encoding(**stored, "sub-9", flex::form::small));

  bytes.clear();
  ASSERT_TRUE((delivery{*stored, id, true}.encode(flex::form::full, bytes)));
  amf::arena memory(1024);
  const flex::message m = read_copy(bytes, memory);
  const auto* notice = std::get_if<flex::command_message>(&m);
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->operation, flex::command_operation::subscription_invalidate);
  EXPECT_EQ(notice->client_id, "sub-9");
  EXPECT_EQ(notice->destination, "chat");
}

TEST_F(stored_message_test, both_forms_give_the_bytes_of_a_fresh_encoding_for_every_kind_of_message) {
  // Bodies of every AMF3 kind (shared nodes, a typed and an externalizable object, a 16-byte
  // ByteArray like a small-form id), header sets from none to many (DSId and DSEndpoint are dropped
  // when stored), ids as UUIDs (the small form's byte arrays) or not, zero and non-zero numbers.
  const std::string uuid_a = "8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB";
  const std::string uuid_b = "7A5C2E1B-0D4F-4C3A-9E8B-112233445566";
  const std::vector<std::string> bodies = {
      "null",
      R"({"$undefined":true})",
      "true",
      "42",
      "-1.5",
      R"("text")",
      R"("")",
      R"({"$date":"2005-03-18T01:58:31.000Z"})",
      R"({"$xml":"<a/>"})",
      R"({"$xmldoc":"<b/>"})",
      R"({"$bytes":"jh8MO0otS26cfwEjRWeJqw=="})",  // uuid_a's 16 bytes
      R"([{"$id":0,"text":"hi"},{"$ref":0},"chat","8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB"])",
      R"({"$array":[1,"x"],"$assoc":{"k":"v"}})",
      R"({"$class":"com.example.Item","name":"x","n":1,"when":{"$date":0}})",
      R"({"$vector":"int","$items":[1,-2]})",
      R"({"$vector":"object","$type":"com.example.Item","$items":[{"$class":"com.example.Item","name":"y"}]})",
      R"({"$dictionary":[["k",1],[2,"two"]]})",
      R"({"$class":"flex.messaging.io.ArrayCollection","$external":["a",{"b":2}]})",
      R"({"all":[null,true,3,4.5,"s",{"$bytes":"AQI="},{"$xml":"<c/>"},{"$vector":"double","$items":[0.5]}]})",
  };
  const std::vector<std::string> header_sets = {
      "null",
      "{}",
      R"({"DSId":"publisher","DSEndpoint":"my-amf"})",
      R"({"DSId":"publisher","DSSubtopic":"a.b","user":"ann","n":3,"ids":["8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB"],)"
      R"("when":{"$date":1},"raw":{"$bytes":"AAECAwQFBgcICQoLDA0ODw=="}})",
  };
  struct ids {
    std::string message_id;
    std::string correlation_id;
    double timestamp;
    double time_to_live;
  };
  const std::vector<ids> id_sets = {
      {uuid_b, uuid_a, 1733350000123.0, 0},
      {"msg-1", "corr", 0, 5000},
      {uuid_b, "", 1733350000123.5, 0},
  };
  const std::vector<std::string> client_ids = {
      uuid_a,
      uuid_b,
      flex::new_uuid(),
      flex::new_uuid(),
      "8e1f0c3b-4a2d-4b6e-9c7f-0123456789ab",  // lower case: a string
      "8e1f0c3b-4a2d-4b6e-9c7f-0123456789AB",  // partly lower case: a string too
      "sub-1",
      "chat",
      "",
      std::string(300, 'q')};
  int checked = 0;
  for (const std::string& body : bodies) {
    for (const std::string& headers : header_sets) {
      for (const ids& i : id_sets) {
        flex::async_message m;
        m.destination = "chat";
        m.message_id = i.message_id;
        m.correlation_id = i.correlation_id;
        m.timestamp = i.timestamp;
        m.time_to_live = i.time_to_live;
        m.body = json(body);
        m.headers = json(headers);
        auto stored = stored_message::make(m, 1 << 20);
        ASSERT_TRUE(stored) << body << " " << headers;
        for (const std::string& id : client_ids) {
          for (const flex::form f : {flex::form::full, flex::form::small}) {
            SCOPED_TRACE(body + " " + headers + " " + i.message_id + " " + id.substr(0, 40) +
                         (f == flex::form::small ? " small" : " full"));
            ASSERT_EQ(spliced(**stored, id, f), fresh_encoding(**stored, id, f));
            ++checked;
          }
        }
        // Appended after what a buffer holds, several messages in one buffer (as a drain writes).
        std::vector<std::uint8_t> all;
        std::vector<std::uint8_t> expected;
        for (const std::string& id : client_ids) {
          ASSERT_TRUE((*stored)->append(flex::form::small, subscriber_id(id), all));
          const std::vector<std::uint8_t> fresh = fresh_encoding(**stored, id, flex::form::small);
          expected.insert(expected.end(), fresh.begin(), fresh.end());
        }
        ASSERT_EQ(all, expected);
      }
    }
  }
  EXPECT_EQ(checked, 19 * 4 * 3 * 10 * 2);
}

TEST_F(stored_message_test, threads_that_ask_for_the_small_form_at_once_get_the_same_bytes) {
  // The small form's template is built by the first call; calls racing it wait for it.
  for (int round = 0; round < 20; ++round) {
    auto stored = stored_message::make(message("race"), 1 << 20);
    ASSERT_TRUE(stored);
    const std::string id = flex::new_uuid();
    std::vector<std::vector<std::uint8_t>> results(4);
    std::vector<std::thread> threads;
    for (auto& out : results) {
      threads.emplace_back([&stored, &id, &out] { (void)(*stored)->append(flex::form::small, id, out); });
    }
    for (std::thread& t : threads) t.join();
    const std::vector<std::uint8_t> fresh = fresh_encoding(**stored, id, flex::form::small);
    for (const auto& out : results) ASSERT_EQ(out, fresh);
  }
}

}  // namespace
}  // namespace amphora::messaging
