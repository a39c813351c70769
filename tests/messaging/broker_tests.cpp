// The broker without I/O: subscriptions, subtopics and wildcards, DSDstClientId, TTL, the queue
// policy, idle release, waiters and listeners (docs/protocol.md, "Messaging").
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "amphora/amf/value.hpp"
#include "amphora/flex/uuid.hpp"
#include "amphora/messaging/broker.hpp"

namespace amphora::messaging {
namespace {

using namespace std::chrono_literals;

class broker_test : public ::testing::Test {
 protected:
  broker_config config() {
    broker_config c;
    c.destinations.resize(4);
    c.destinations[0].name = "chat";
    c.destinations[1].name = "flat";
    c.destinations[1].allow_subtopics = false;
    c.destinations[2].name = "strict";
    c.destinations[2].allow_wildcard_subtopics = false;
    c.destinations[3].name = "short";
    c.destinations[3].message_ttl = 100ms;
    c.max_queue = 4;
    c.client_idle_timeout = 60s;
    return c;
  }

  // config() with a publish's wakes handed over to `posted` in batches of 2 (post_wakes).
  broker_config posting_config(std::vector<std::function<void()>>& posted) {
    broker_config c = config();
    c.post_wakes = [&posted](std::function<void()> batch) { posted.push_back(std::move(batch)); };
    c.wake_batch = 2;
    return c;
  }

  // Runs what was posted, and what that posts, in order; how many batches ran.
  static std::size_t run_posted(std::vector<std::function<void()>>& posted) {
    std::size_t ran = 0;
    for (; ran < posted.size(); ++ran) {
      std::function<void()> batch = std::move(posted[ran]);  // it may post the next one
      batch();
    }
    posted.clear();
    return ran;
  }

  std::function<broker::clock::time_point()> clock() {
    return [this] { return now_; };
  }

  // A message to `destination` with body `text` and optional headers (name, string value).
  flex::async_message message(std::string_view destination, std::string_view text,
                              std::vector<std::pair<std::string_view, amf::value>> headers = {}) {
    flex::async_message m;
    m.destination = destination;
    m.message_id = memory_.copy("MSG-" + std::to_string(++count_));
    m.body = amf::make_string(memory_, text);
    for (auto& [name, v] : headers) EXPECT_TRUE(flex::set_header(memory_, m, name, v));
    return m;
  }

  amf::value str(std::string_view s) { return amf::make_string(memory_, s); }

  static subscribe_request request(std::string_view ds_id, std::string_view destination,
                                   std::string_view subtopic = {}, std::string_view client_id = {}) {
    subscribe_request r;
    r.ds_id = ds_id;
    r.destination = destination;
    r.subtopic = subtopic;
    r.client_id = client_id;
    return r;
  }

  std::string subscribe(broker& b, std::string_view ds_id, std::string_view destination,
                        std::string_view subtopic = {}, std::string_view client_id = {}) {
    auto r = b.subscribe(request(ds_id, destination, subtopic, client_id));
    EXPECT_TRUE(std::holds_alternative<std::string>(r)) << std::get<error>(r).message;
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
  }

  static std::vector<std::string> bodies(const std::vector<delivery>& ds) {
    std::vector<std::string> out;
    for (const delivery& d : ds) out.emplace_back(d.message->message().body.as_string());
    return out;
  }

  amf::arena memory_;
  int count_ = 0;
  broker::clock::time_point now_{};
};

TEST_F(broker_test, subscribers_get_each_message_once_with_their_own_client_id) {
  broker b(config(), clock());
  const std::string a = subscribe(b, "DS-A", "chat");
  const std::string c = subscribe(b, "DS-C", "chat");
  EXPECT_EQ(a.size(), 36u);  // a fresh UUID
  EXPECT_NE(a, c);
  auto published = b.publish(
      message("chat", "hello", {{"DSId", str("DS-P")}, {"DSEndpoint", str("amf")}, {"kept", str("yes")}}));
  ASSERT_EQ(std::get<std::size_t>(published), 2u);
  std::vector<delivery> got = b.take("DS-A");
  ASSERT_EQ(got.size(), 1u);
  flex::async_message m = got[0].to_message();
  EXPECT_EQ(m.client_id, a);
  EXPECT_EQ(m.body.as_string(), "hello");
  EXPECT_EQ(m.message_id, "MSG-1");
  EXPECT_EQ(m.header("DSId"), nullptr);
  EXPECT_EQ(m.header("DSEndpoint"), nullptr);
  ASSERT_NE(m.header("kept"), nullptr);
  EXPECT_EQ(m.header("kept")->as_string(), "yes");
  EXPECT_TRUE(b.take("DS-A").empty());  // taken once
  EXPECT_EQ(b.take("DS-C")[0].to_message().client_id, c);
  EXPECT_TRUE(b.take("DS-nobody").empty());
}

TEST_F(broker_test, a_delivery_carries_its_consumers_uuid_bytes_parsed_at_the_subscribe) {
  // The small form writes a UUID clientId as its 16 bytes: the consumer converts its id once, and
  // each delivery hands the bytes on. Other ids (lower case, not a UUID) have none.
  broker b(config(), clock());
  const std::string fresh = subscribe(b, "DS-A", "chat");
  const std::string given = "8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB";
  const std::string lower = "8e1f0c3b-4a2d-4b6e-9c7f-0123456789ab";
  EXPECT_EQ(subscribe(b, "DS-B", "chat", {}, given), given);
  EXPECT_EQ(subscribe(b, "DS-C", "chat", {}, lower), lower);
  EXPECT_EQ(subscribe(b, "DS-D", "chat", {}, "sub-1"), "sub-1");
  ASSERT_EQ(std::get<std::size_t>(b.publish(message("chat", "hello"))), 4u);
  for (const auto& [ds_id, id] : std::vector<std::pair<std::string, std::string>>{
           {"DS-A", fresh}, {"DS-B", given}, {"DS-C", lower}, {"DS-D", "sub-1"}}) {
    SCOPED_TRACE(ds_id);
    const std::vector<delivery> got = b.take(ds_id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].client_id->text(), id);
    EXPECT_EQ(got[0].client_id->bytes(), flex::uuid_to_bytes(id));
    EXPECT_EQ(got[0].client_id->bytes().has_value(), ds_id == "DS-A" || ds_id == "DS-B");
  }
}

TEST_F(broker_test, the_stored_copy_outlives_the_publishers_memory) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  {
    amf::arena scratch;
    flex::async_message m;
    m.destination = "chat";
    m.message_id = "X";
    amf::object_node* o = amf::new_object(scratch);
    ASSERT_TRUE(amf::add_dynamic(scratch, *o, "self", amf::value::of(o)));  // a cycle
    ASSERT_TRUE(amf::add_dynamic(scratch, *o, "n", amf::value::integer(7)));
    m.body = amf::value::of(o);
    ASSERT_EQ(std::get<std::size_t>(b.publish(m)), 1u);
  }
  std::vector<delivery> got = b.take("DS-A");
  ASSERT_EQ(got.size(), 1u);
  const amf::object_node& o = got[0].message->message().body.as_object();
  EXPECT_EQ(o.find("self")->node(), &o);
  EXPECT_EQ(o.find("n")->as_int(), 7);
}

TEST_F(broker_test, subtopics_and_wildcards_route_as_blazeds) {
  broker b(config(), clock());
  subscribe(b, "DS-none", "chat");
  subscribe(b, "DS-lobby", "chat", "rooms.lobby");
  subscribe(b, "DS-rooms", "chat", "rooms.*");
  subscribe(b, "DS-any", "chat", "*");
  subscribe(b, "DS-mid", "chat", "rooms.*.ca");
  b.publish(message("chat", "global"));
  b.publish(message("chat", "lobby", {{"DSSubtopic", str("rooms.lobby")}}));
  b.publish(message("chat", "ca", {{"DSSubtopic", str("rooms.us.ca")}}));
  b.publish(message("chat", "rooms", {{"DSSubtopic", str("rooms")}}));
  EXPECT_EQ(bodies(b.take("DS-none")), (std::vector<std::string>{"global"}));
  EXPECT_EQ(bodies(b.take("DS-lobby")), (std::vector<std::string>{"lobby"}));
  EXPECT_EQ(bodies(b.take("DS-rooms")), (std::vector<std::string>{"lobby", "ca"}));
  EXPECT_EQ(bodies(b.take("DS-any")), (std::vector<std::string>{"lobby", "ca", "rooms"}));
  EXPECT_EQ(bodies(b.take("DS-mid")), (std::vector<std::string>{"ca"}));
}

TEST_F(broker_test, a_message_to_several_subtopics_reaches_a_consumer_once) {
  broker b(config(), clock());
  const std::string id = subscribe(b, "DS-A", "chat", "a");
  subscribe(b, "DS-A", "chat", "b", id);  // a second subscription of the same consumer
  amf::array_node* list = amf::new_array(memory_);
  ASSERT_TRUE(list->dense.push_back(memory_, str("a")));
  ASSERT_TRUE(list->dense.push_back(memory_, str("b")));
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "both", {{"DSSubtopic", amf::value::of(list)}}))),
            1u);
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"both"}));
  EXPECT_TRUE(b.remove_subscription("DS-A", id, "a", ""));
  b.publish(message("chat", "to-a", {{"DSSubtopic", str("a")}}));
  b.publish(message("chat", "to-b", {{"DSSubtopic", str("b")}}));
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"to-b"}));
  EXPECT_TRUE(b.remove_subscription("DS-A", id, "b", ""));  // the last one: the consumer goes
  EXPECT_EQ(b.stats().consumers, 0u);
}

TEST_F(broker_test, refusals) {
  broker b(config(), clock());
  auto code = [](const std::variant<std::string, error>& r) {
    return std::holds_alternative<error>(r) ? std::get<error>(r).code : errc::too_many;
  };
  EXPECT_EQ(code(b.subscribe(request("D", "nope"))), errc::unknown_destination);
  EXPECT_EQ(code(b.subscribe(request("D", "flat", "a"))), errc::subtopics_not_allowed);
  EXPECT_EQ(code(b.subscribe(request("D", "chat", "a..b"))), errc::invalid_subtopic);
  EXPECT_EQ(code(b.subscribe(request("D", "strict", "a.*"))), errc::wildcard_not_allowed);
  EXPECT_EQ(code(b.subscribe(request("D", "chat", {}, std::string(200, 'x')))), errc::invalid_client_id);
  const std::string id = subscribe(b, "DS-A", "chat");
  EXPECT_EQ(code(b.subscribe(request("DS-B", "chat", {}, id))), errc::client_id_in_use);
  EXPECT_EQ(code(b.subscribe(request("DS-A", "strict", {}, id))), errc::client_id_in_use);

  auto perr = [](const std::variant<std::size_t, error>& r) {
    return std::holds_alternative<error>(r) ? std::get<error>(r).code : errc::too_many;
  };
  EXPECT_EQ(perr(b.publish(message("nope", "x"))), errc::unknown_destination);
  EXPECT_EQ(perr(b.publish(message("chat", "x", {{"DSSubtopic", str("a.*")}}))), errc::invalid_subtopic);
  EXPECT_EQ(perr(b.publish(message("flat", "x", {{"DSSubtopic", str("a")}}))), errc::subtopics_not_allowed);
}

TEST_F(broker_test, selectors_filter_on_message_headers) {
  broker b(config(), clock());
  subscribe_request urgent = request("DS-urgent", "chat");
  urgent.selector = "priority > 3 AND region IN ('eu', 'us')";
  ASSERT_TRUE(std::holds_alternative<std::string>(b.subscribe(urgent)));
  subscribe_request blank = request("DS-all", "chat");
  blank.selector = "   ";  // selects everything
  ASSERT_TRUE(std::holds_alternative<std::string>(b.subscribe(blank)));
  b.publish(message("chat", "p5-eu", {{"priority", amf::value::integer(5)}, {"region", str("eu")}}));
  b.publish(message("chat", "p1-eu", {{"priority", amf::value::integer(1)}, {"region", str("eu")}}));
  b.publish(message("chat", "p9-asia", {{"priority", amf::value::number(9)}, {"region", str("asia")}}));
  b.publish(message("chat", "no-headers"));
  EXPECT_EQ(bodies(b.take("DS-urgent")), (std::vector<std::string>{"p5-eu"}));
  EXPECT_EQ(bodies(b.take("DS-all")).size(), 4u);

  subscribe_request bad = request("DS-bad", "chat");
  bad.selector = "priority >";
  auto r = b.subscribe(bad);
  ASSERT_TRUE(std::holds_alternative<error>(r));
  EXPECT_EQ(std::get<error>(r).code, errc::invalid_selector);
  EXPECT_FALSE(std::get<error>(r).detail.empty());
  EXPECT_FALSE(b.has_client("DS-bad") && b.stats().consumers > 2);
}

TEST_F(broker_test, client_chosen_consumer_ids_are_kept_and_resubscribing_is_harmless) {
  broker b(config(), clock());
  EXPECT_EQ(subscribe(b, "DS-A", "chat", {}, "MY-CONSUMER"), "MY-CONSUMER");
  EXPECT_EQ(subscribe(b, "DS-A", "chat", {}, "MY-CONSUMER"), "MY-CONSUMER");
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "once"))), 1u);
  EXPECT_FALSE(b.unsubscribe("DS-B", "MY-CONSUMER"));  // not this client's
  EXPECT_TRUE(b.unsubscribe("DS-A", "MY-CONSUMER"));
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "nobody"))), 0u);
}

TEST_F(broker_test, dst_client_id_reaches_only_that_consumer) {
  broker b(config(), clock());
  const std::string a = subscribe(b, "DS-A", "chat", "x");
  subscribe(b, "DS-B", "chat");
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "private", {{"DSDstClientId", str(a)}}))), 1u);
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"private"}));
  EXPECT_TRUE(b.take("DS-B").empty());
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "lost", {{"DSDstClientId", str("unknown")}}))),
            0u);
}

TEST_F(broker_test, a_full_queue_drops_its_oldest_and_counts) {
  broker b(config(), clock());  // max_queue 4
  subscribe(b, "DS-A", "chat");
  for (int i = 0; i < 6; ++i) b.publish(message("chat", std::to_string(i)));
  EXPECT_EQ(b.stats().dropped, 2u);
  EXPECT_EQ(b.stats().queued, 4u);
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"2", "3", "4", "5"}));
  EXPECT_EQ(b.stats().queued, 0u);
}

TEST_F(broker_test, take_honours_max) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  for (int i = 0; i < 3; ++i) b.publish(message("chat", std::to_string(i)));
  EXPECT_EQ(bodies(b.take("DS-A", 2)), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(bodies(b.take("DS-A", 2)), (std::vector<std::string>{"2"}));
}

TEST_F(broker_test, take_into_appends_the_queue_and_says_whether_the_client_is_there) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  for (int i = 0; i < 3; ++i) b.publish(message("chat", std::to_string(i)));
  std::vector<delivery> out;
  EXPECT_TRUE(b.take_into("DS-A", out, 2));
  EXPECT_EQ(bodies(out), (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(b.take_into("DS-A", out));  // appended after what `out` held
  EXPECT_EQ(bodies(out), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(b.take_into("DS-A", out));  // an empty queue: nothing added, the client is there
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(b.stats().delivered, 3u);
  b.disconnect("DS-A");
  EXPECT_FALSE(b.take_into("DS-A", out));  // released
  EXPECT_FALSE(b.take_into("DS-never", out));
  EXPECT_EQ(out.size(), 3u);
}

// A channel keeps its vector between drains: a backlog grows it once, to the backlog's size (or
// `max`), not by doubling from what it held.
TEST_F(broker_test, take_into_grows_the_vector_once_for_the_backlog) {
  broker_config c = config();
  c.max_queue = 20;
  broker b(c, clock());
  subscribe(b, "DS-A", "chat");
  for (int i = 0; i < 20; ++i) b.publish(message("chat", std::to_string(i)));
  std::vector<delivery> out;
  EXPECT_TRUE(b.take_into("DS-A", out, 5));
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(out.capacity(), 5u);
  EXPECT_TRUE(b.take_into("DS-A", out));
  EXPECT_EQ(out.size(), 20u);
  EXPECT_EQ(out.capacity(), 20u);
  EXPECT_EQ(bodies(out).back(), "19");
}

TEST_F(broker_test, messages_past_their_time_to_live_are_not_delivered) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  subscribe(b, "DS-A", "short");
  flex::async_message ttl = message("chat", "ttl-50");
  ttl.time_to_live = 50;
  b.publish(ttl);
  b.publish(message("chat", "forever"));
  flex::async_message capped = message("short", "destination-ttl");  // destination: 100 ms
  capped.time_to_live = 10'000;
  b.publish(capped);
  now_ += 60ms;
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"forever", "destination-ttl"}));
  b.publish(capped);
  now_ += 101ms;
  EXPECT_TRUE(b.take("DS-A").empty());
  EXPECT_EQ(b.stats().expired, 2u);
}

TEST_F(broker_test, idle_clients_are_released_with_their_subscriptions) {
  broker b(config(), clock());  // idle timeout 60 s
  subscribe(b, "DS-idle", "chat");
  subscribe(b, "DS-busy", "chat");
  now_ += 40s;
  b.touch("DS-busy");
  now_ += 30s;  // DS-idle: 70 s without a call, DS-busy: 30 s
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "x"))), 1u);
  EXPECT_FALSE(b.has_client("DS-idle"));
  EXPECT_TRUE(b.has_client("DS-busy"));
  EXPECT_EQ(b.stats().consumers, 1u);
  EXPECT_EQ(b.stats().released, 1u);
}

TEST_F(broker_test, disconnect_releases_everything_and_wakes_the_waiter) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  int woken = 0;
  auto r = b.take_or_wait("DS-A", [&] { ++woken; });
  EXPECT_EQ(r.status, broker::wait_status::parked);
  b.disconnect("DS-A");
  EXPECT_EQ(woken, 1);
  EXPECT_FALSE(b.has_client("DS-A"));
  EXPECT_EQ(b.stats().consumers, 0u);
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "x"))), 0u);
}

TEST_F(broker_test, a_parked_waiter_is_woken_once_and_a_second_one_is_busy) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  int woken = 0;
  auto first = b.take_or_wait("DS-A", [&] { ++woken; });
  ASSERT_EQ(first.status, broker::wait_status::parked);
  EXPECT_EQ(b.stats().waiting, 1u);
  EXPECT_EQ(b.take_or_wait("DS-A", [] {}).status, broker::wait_status::busy);
  b.publish(message("chat", "1"));
  b.publish(message("chat", "2"));
  EXPECT_EQ(woken, 1);                               // one-shot
  EXPECT_FALSE(b.cancel_wait("DS-A", first.token));  // already woken
  auto again = b.take_or_wait("DS-A", [&] { ++woken; });
  EXPECT_EQ(again.status, broker::wait_status::ready);
  EXPECT_EQ(bodies(again.messages), (std::vector<std::string>{"1", "2"}));
  auto third = b.take_or_wait("DS-A", [&] { ++woken; });
  ASSERT_EQ(third.status, broker::wait_status::parked);
  EXPECT_TRUE(b.cancel_wait("DS-A", third.token));
  b.publish(message("chat", "3"));
  EXPECT_EQ(woken, 1);
}

TEST_F(broker_test, a_listener_is_woken_each_time_the_queue_fills_again) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  int woken = 0;
  std::optional<std::uint64_t> token = b.listen("DS-A", [&] { ++woken; });
  ASSERT_TRUE(token.has_value());
  EXPECT_FALSE(b.listen("DS-A", [] {}).has_value());
  b.publish(message("chat", "1"));
  b.publish(message("chat", "2"));  // queue not empty: no second wake
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(b.take("DS-A").size(), 2u);
  b.publish(message("chat", "3"));
  EXPECT_EQ(woken, 2);
  EXPECT_TRUE(b.cancel_wait("DS-A", *token));
  b.take("DS-A");
  b.publish(message("chat", "4"));
  EXPECT_EQ(woken, 2);
}

TEST_F(broker_test, max_clients_releases_the_least_recently_seen) {
  broker_config c = config();
  c.max_clients = 2;
  broker b(c, clock());
  subscribe(b, "DS-1", "chat");
  subscribe(b, "DS-2", "chat");
  b.touch("DS-1");
  subscribe(b, "DS-3", "chat");
  EXPECT_TRUE(b.has_client("DS-1"));
  EXPECT_FALSE(b.has_client("DS-2"));
  EXPECT_TRUE(b.has_client("DS-3"));
}

TEST_F(broker_test, per_client_limits) {
  broker_config c = config();
  c.max_consumers_per_client = 2;
  c.max_subscriptions_per_consumer = 2;
  broker b(c, clock());
  const std::string id = subscribe(b, "DS-A", "chat", "a");
  subscribe(b, "DS-A", "chat", "b", id);
  auto third = b.subscribe(request("DS-A", "chat", "c", id));
  ASSERT_TRUE(std::holds_alternative<error>(third));
  EXPECT_EQ(std::get<error>(third).code, errc::too_many);
  subscribe(b, "DS-A", "chat");
  auto over = b.subscribe(request("DS-A", "chat"));
  ASSERT_TRUE(std::holds_alternative<error>(over));
  EXPECT_EQ(std::get<error>(over).code, errc::too_many);
}

}  // namespace
}  // namespace amphora::messaging

namespace amphora::messaging {
namespace {

class broker_timeout_test : public broker_test {
 protected:
  broker_config timeout_config() {
    broker_config c = config();
    c.destinations[0].subscription_timeout = 10s;  // "chat"; "flat" has none
    return c;
  }
};

TEST_F(broker_timeout_test, an_idle_consumer_is_invalidated_and_told) {
  broker b(timeout_config(), clock());
  const std::string chat = subscribe(b, "DS-idle", "chat");
  const std::string flat = subscribe(b, "DS-idle", "flat");
  subscribe(b, "DS-busy", "chat");
  int woken = 0;
  ASSERT_TRUE(b.listen("DS-idle", [&] { ++woken; }).has_value());
  now_ += 8s;
  b.touch("DS-busy");
  now_ += 8s;  // DS-idle: 16 s without a call, DS-busy: 8 s
  b.touch("DS-busy");
  EXPECT_EQ(woken, 1);  // the notice filled the empty queue
  EXPECT_EQ(b.stats().invalidated, 1u);
  EXPECT_TRUE(b.has_client("DS-idle"));          // the FlexClient stays (idle timeout 60 s)
  EXPECT_FALSE(b.unsubscribe("DS-idle", chat));  // gone
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "x"))), 1u);  // DS-busy only
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("flat", "y"))), 1u);  // no timeout there

  const std::vector<delivery> got = b.take("DS-idle");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].invalidated);
  EXPECT_EQ(got[0].client_id->text(), chat);
  amf::arena memory;
  const flex::message notice = got[0].to_flex(memory);
  ASSERT_TRUE(std::holds_alternative<flex::command_message>(notice));
  const auto& command = std::get<flex::command_message>(notice);
  EXPECT_EQ(command.operation, flex::command_operation::subscription_invalidate);
  EXPECT_EQ(command.client_id, chat);
  EXPECT_EQ(command.destination, "chat");
  EXPECT_FALSE(command.message_id.empty());
  EXPECT_FALSE(got[1].invalidated);
  EXPECT_EQ(got[1].client_id->text(), flat);
  EXPECT_TRUE(std::holds_alternative<flex::async_message>(got[1].to_flex(memory)));

  // Resubscribing with the same id (what a Flex Consumer does) works again.
  EXPECT_EQ(subscribe(b, "DS-idle", "chat", {}, chat), chat);
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "z"))), 2u);
}

TEST_F(broker_timeout_test, what_waited_for_a_timed_out_consumer_comes_before_its_notice) {
  broker b(timeout_config(), clock());
  const std::string chat = subscribe(b, "DS-idle", "chat");
  b.publish(message("chat", "a"));
  b.publish(message("chat", "b"));
  now_ += 16s;
  b.touch("DS-other");  // the sweep: chat's consumer goes, its notice queued after a and b
  EXPECT_EQ(b.stats().invalidated, 1u);
  EXPECT_EQ(b.stats().consumers, 0u);
  const std::vector<delivery> got = b.take("DS-idle");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].message->message().body.as_string(), "a");
  EXPECT_EQ(got[1].message->message().body.as_string(), "b");
  EXPECT_TRUE(got[2].invalidated);
  for (const delivery& d : got) EXPECT_EQ(d.client_id->text(), chat);
  EXPECT_FALSE(got[0].invalidated);
}

TEST_F(broker_timeout_test, calls_keep_a_consumer_alive) {
  broker b(timeout_config(), clock());
  const std::string chat = subscribe(b, "DS-A", "chat");
  for (int i = 0; i < 5; ++i) {
    now_ += 6s;
    b.touch("DS-A");  // a heartbeat or a poll
  }
  EXPECT_EQ(b.stats().invalidated, 0u);
  EXPECT_TRUE(b.unsubscribe("DS-A", chat));
}

TEST_F(broker_test, a_destination_max_queue_bounds_each_consumer) {
  broker_config c = config();  // max_queue 4 per client
  c.destinations[1].max_queue = 2;
  broker b(c, clock());
  subscribe(b, "DS-A", "flat");
  subscribe(b, "DS-A", "chat");
  b.publish(message("flat", "f1"));
  b.publish(message("chat", "c1"));
  b.publish(message("flat", "f2"));
  b.publish(message("flat", "f3"));  // drops f1, not c1
  EXPECT_EQ(b.stats().dropped, 1u);
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"c1", "f2", "f3"}));
  b.publish(message("flat", "f4"));  // the count went back down with take()
  b.publish(message("flat", "f5"));
  EXPECT_EQ(b.stats().dropped, 1u);
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"f4", "f5"}));
}

}  // namespace

TEST_F(broker_test, a_publish_hands_its_wakes_over_in_batches) {
  std::vector<std::function<void()>> posted;
  broker b(posting_config(posted), clock());
  int woken = 0;
  std::vector<std::string> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back("DS-" + std::to_string(i));
    subscribe(b, clients.back(), "chat");
    ASSERT_TRUE(b.listen(clients.back(), [&] { ++woken; }).has_value());
  }
  ASSERT_EQ(std::get<std::size_t>(b.publish(message("chat", "one"))), 5u);
  EXPECT_EQ(woken, 0);           // nothing ran on the publishing thread
  ASSERT_EQ(posted.size(), 2u);  // two batches handed over at once; each hands over the next
  std::function<void()> first = std::move(posted.front());
  posted.erase(posted.begin());
  first();
  EXPECT_EQ(woken, 2);
  ASSERT_EQ(posted.size(), 2u);  // the second batch, and the third (1 wake) that the first handed over
  EXPECT_EQ(run_posted(posted), 2u);
  EXPECT_EQ(woken, 5);
  for (const std::string& ds : clients) EXPECT_EQ(bodies(b.take(ds)), std::vector<std::string>{"one"});
  ASSERT_EQ(std::get<std::size_t>(b.publish(message("chat", "two"))), 5u);
  ASSERT_EQ(posted.size(), 2u);
  // Queues that were not empty wake nobody: nothing more is posted.
  ASSERT_EQ(std::get<std::size_t>(b.publish(message("chat", "three"))), 5u);
  EXPECT_EQ(posted.size(), 2u);
  EXPECT_EQ(run_posted(posted), 3u);
  EXPECT_EQ(woken, 10);
  for (const std::string& ds : clients)
    EXPECT_EQ(bodies(b.take(ds)), (std::vector<std::string>{"two", "three"}));
}

}  // namespace amphora::messaging

// The broker's delivery structures (docs/performance.md, "Broker queues"): the consumers of a
// destination in one vector (removal by swap), the per-client ring queue, drains by listen token.
namespace amphora::messaging {
namespace {

TEST_F(broker_test, consumers_removed_in_any_order_stop_getting_messages) {
  broker b(config(), clock());
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(subscribe(b, "DS-" + std::to_string(i), "chat"));
  // The first, a middle one, the last (by subscription order), by three different calls.
  EXPECT_TRUE(b.unsubscribe("DS-0", ids[0]));
  EXPECT_TRUE(b.remove_subscription("DS-3", ids[3], "", ""));
  b.disconnect("DS-5");
  EXPECT_FALSE(b.unsubscribe("DS-0", ids[0]));  // gone already
  ASSERT_EQ(std::get<std::size_t>(b.publish(message("chat", "1"))), 3u);
  for (int i : {1, 2, 4}) EXPECT_EQ(bodies(b.take("DS-" + std::to_string(i))), std::vector<std::string>{"1"});
  for (int i : {0, 3}) EXPECT_TRUE(b.take("DS-" + std::to_string(i)).empty());
  // The ones that moved into the freed places can go too; new ones join.
  EXPECT_TRUE(b.unsubscribe("DS-4", ids[4]));
  EXPECT_TRUE(b.unsubscribe("DS-1", ids[1]));
  subscribe(b, "DS-6", "chat");
  ASSERT_EQ(std::get<std::size_t>(b.publish(message("chat", "2"))), 2u);
  EXPECT_EQ(bodies(b.take("DS-2")), std::vector<std::string>{"2"});
  EXPECT_EQ(bodies(b.take("DS-6")), std::vector<std::string>{"2"});
  EXPECT_TRUE(b.take("DS-1").empty());
  EXPECT_TRUE(b.take("DS-4").empty());
  EXPECT_EQ(b.stats().consumers, 2u);
}

TEST_F(broker_test, a_consumer_without_its_plain_subscription_gets_only_its_subtopics) {
  broker b(config(), clock());
  const std::string id = subscribe(b, "DS-A", "chat");
  subscribe(b, "DS-A", "chat", "news", id);
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "plain"))), 1u);
  EXPECT_TRUE(b.remove_subscription("DS-A", id, "", ""));  // "news" stays
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "plain again"))), 0u);
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "news", {{"DSSubtopic", str("news")}}))), 1u);
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"plain", "news"}));
}

TEST_F(broker_test, consumers_come_and_go_while_another_thread_publishes) {
  broker_config c = config();
  c.max_queue = 100000;  // nothing dropped: every delivery is counted below
  broker b(c);
  for (int i = 0; i < 4; ++i) subscribe(b, "DS-stable-" + std::to_string(i), "chat");
  constexpr int messages = 300;
  std::thread publisher([&] {
    amf::arena memory;
    for (int i = 0; i < messages; ++i) {
      flex::async_message m;
      m.destination = "chat";
      m.message_id = "M";
      m.body = amf::make_string(memory, std::to_string(i));
      b.publish(m);
    }
  });
  std::size_t churned = 0;  // deliveries to the consumers that come and go
  for (int round = 0; round < 200; ++round) {
    const std::string ds = "DS-churn-" + std::to_string(round % 7);
    const std::string id = subscribe(b, ds, "chat");
    churned += b.take(ds).size();
    b.unsubscribe(ds, id);
    churned += b.take(ds).size();  // what was queued before the unsubscribe is still delivered
  }
  publisher.join();
  for (int i = 0; i < 7; ++i) churned += b.take("DS-churn-" + std::to_string(i)).size();
  std::vector<std::string> expected;
  for (int i = 0; i < messages; ++i) expected.push_back(std::to_string(i));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(bodies(b.take("DS-stable-" + std::to_string(i))), expected);
  const broker_stats s = b.stats();
  EXPECT_EQ(s.delivered, 4u * messages + churned);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.consumers, 4u);
}

TEST_F(broker_test, a_queue_wraps_around_with_drops_and_expiry) {
  broker_config c = config();  // max_queue 4 per client
  c.destinations[1].max_queue = 2;
  broker b(c, clock());
  subscribe(b, "DS-A", "chat");
  subscribe(b, "DS-A", "flat");
  for (const char* body : {"a", "b", "c"}) b.publish(message("chat", body));
  EXPECT_EQ(bodies(b.take("DS-A", 2)), (std::vector<std::string>{"a", "b"}));  // the front moves on
  flex::async_message brief = message("chat", "brief");
  brief.time_to_live = 50;
  b.publish(brief);
  b.publish(message("flat", "f1"));
  b.publish(message("chat", "d"));   // the queue holds c, brief, f1, d: wrapped around
  b.publish(message("flat", "f2"));  // full: c goes
  b.publish(message("flat", "f3"));  // flat's bound: f1 goes from the middle
  EXPECT_EQ(b.stats().dropped, 2u);
  EXPECT_EQ(b.stats().queued, 4u);
  now_ += 60ms;  // brief expires in the queue
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"d", "f2", "f3"}));
  EXPECT_EQ(b.stats().expired, 1u);
  EXPECT_EQ(b.stats().queued, 0u);
  // The queue is usable again after a wrap: order kept, a larger backlog still bounded.
  for (int i = 0; i < 7; ++i) b.publish(message("chat", std::to_string(i)));
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"3", "4", "5", "6"}));
  EXPECT_EQ(b.stats().dropped, 5u);
}

TEST_F(broker_test, a_deep_queue_wraps_across_blocks_with_drops_and_expiry) {
  broker_config c = config();
  c.max_queue = 40;                  // five of the queue's blocks (8 deliveries each)
  c.destinations[1].max_queue = 10;  // flat
  broker b(c, clock());
  subscribe(b, "DS-A", "chat");
  subscribe(b, "DS-A", "flat");
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) b.publish(message("chat", "c" + std::to_string(i)));
  EXPECT_EQ(b.take("DS-A", 20).size(), 20u);  // the front moves into the second block
  for (int i = 0; i < 5; ++i) {
    flex::async_message brief = message("chat", "b" + std::to_string(i));
    brief.time_to_live = 50;
    b.publish(brief);
  }
  for (int i = 0; i < 12; ++i) b.publish(message("flat", "f" + std::to_string(i)));  // f0, f1 go
  EXPECT_EQ(b.stats().dropped, 2u);
  EXPECT_EQ(b.stats().queued, 25u);
  for (int i = 30; i < 50; ++i) b.publish(message("chat", "c" + std::to_string(i)));  // c20-c24 go
  EXPECT_EQ(b.stats().dropped, 7u);
  EXPECT_EQ(b.stats().queued, 40u);
  now_ += 60ms;  // b0-b4 expire in the queue
  for (int i = 25; i < 30; ++i) expected.push_back("c" + std::to_string(i));
  for (int i = 2; i < 12; ++i) expected.push_back("f" + std::to_string(i));
  for (int i = 30; i < 50; ++i) expected.push_back("c" + std::to_string(i));
  EXPECT_EQ(bodies(b.take("DS-A")), expected);
  EXPECT_EQ(b.stats().expired, 5u);
  EXPECT_EQ(b.stats().queued, 0u);
  // flat's count went back to zero with the drain: ten more are all kept.
  for (int i = 0; i < 10; ++i) b.publish(message("flat", "g" + std::to_string(i)));
  EXPECT_EQ(b.take("DS-A").size(), 10u);
  EXPECT_EQ(b.stats().dropped, 7u);
}

// What waits for a consumer when it goes (UNSUBSCRIBE, its last subscription removed, a
// subscription timeout) is still delivered, with its id; a consumer subscribed afresh under the
// same id is another one (its destination's max_queue counts its own deliveries only).
TEST_F(broker_test, deliveries_queued_before_an_unsubscribe_are_delivered_with_its_id) {
  broker_config c = config();
  c.max_queue = 100;
  c.destinations[1].max_queue = 2;  // flat
  broker b(c, clock());
  const std::string chat = subscribe(b, "DS-A", "chat");
  const std::string flat = subscribe(b, "DS-A", "flat", {}, "FLAT-ID");
  const std::string other = subscribe(b, "DS-B", "chat");
  b.publish(message("chat", "c1"));
  b.publish(message("flat", "f1"));
  b.publish(message("flat", "f2"));
  b.publish(message("chat", "c2"));
  EXPECT_TRUE(b.unsubscribe("DS-A", chat));
  EXPECT_TRUE(b.remove_subscription("DS-A", flat, "", ""));  // its last one: the consumer goes
  EXPECT_EQ(b.stats().consumers, 1u);
  EXPECT_EQ(std::get<std::size_t>(b.publish(message("chat", "c3"))), 1u);        // DS-B's only
  EXPECT_EQ(subscribe(b, "DS-A", "flat", {}, "FLAT-ID"), "FLAT-ID");             // afresh, same id
  for (const char* body : {"g1", "g2", "g3"}) b.publish(message("flat", body));  // g1 goes, not f1
  EXPECT_EQ(b.stats().dropped, 1u);
  std::vector<delivery> got = b.take("DS-A");
  EXPECT_EQ(bodies(got), (std::vector<std::string>{"c1", "f1", "f2", "c2", "g2", "g3"}));
  std::vector<std::string> ids;
  for (const delivery& d : got) ids.push_back(d.client_id->text());
  EXPECT_EQ(ids, (std::vector<std::string>{chat, flat, flat, chat, flat, flat}));
  EXPECT_EQ(got[0].to_message().client_id, chat);
  EXPECT_EQ(bodies(b.take("DS-B")), (std::vector<std::string>{"c1", "c2", "c3"}));
  EXPECT_EQ(b.stats().queued, 0u);
  // A client released with deliveries waiting for a consumer it unsubscribed: all gone with it.
  b.publish(message("flat", "h1"));
  EXPECT_TRUE(b.unsubscribe("DS-A", flat));
  b.disconnect("DS-A");
  EXPECT_EQ(b.stats().queued, 0u);
  EXPECT_FALSE(b.has_client("DS-A"));
}

TEST_F(broker_test, take_into_by_listen_token_drains_that_listeners_client) {
  broker b(config(), clock());
  subscribe(b, "DS-A", "chat");
  subscribe(b, "DS-B", "chat");
  std::optional<std::uint64_t> a = b.listen("DS-A", [] {});
  std::optional<std::uint64_t> other = b.listen("DS-B", [] {});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(*a, *other);
  for (int i = 0; i < 3; ++i) b.publish(message("chat", std::to_string(i)));
  std::vector<delivery> out;
  EXPECT_TRUE(b.take_into(*a, out, 2));
  EXPECT_EQ(bodies(out), (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(b.take_into(*a, out));
  EXPECT_EQ(bodies(out), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(b.take("DS-B").size(), 3u);  // DS-B's queue was its own
  EXPECT_TRUE(b.cancel_wait("DS-A", *a));
  EXPECT_FALSE(b.take_into(*a, out));  // cancelled
  EXPECT_TRUE(b.has_client("DS-A"));
  std::optional<std::uint64_t> again = b.listen("DS-A", [] {});
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(*again, *a);
  EXPECT_FALSE(b.take_into(*a, out));  // the old token stays dead
  EXPECT_TRUE(b.take_into(*again, out));
  // A released client's token stays dead when another client takes its place.
  b.disconnect("DS-A");
  EXPECT_FALSE(b.take_into(*again, out));
  subscribe(b, "DS-C", "chat");
  std::optional<std::uint64_t> c = b.listen("DS-C", [] {});
  ASSERT_TRUE(c.has_value());
  b.publish(message("chat", "to C"));
  EXPECT_FALSE(b.take_into(*again, out));
  EXPECT_FALSE(b.take_into(0, out));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_TRUE(b.take_into(*c, out));
  EXPECT_EQ(bodies(out).back(), "to C");
  EXPECT_TRUE(b.take_into(*other, out));
  EXPECT_EQ(bodies(out).back(), "to C");
  EXPECT_EQ(out.size(), 5u);
}

// A publish's loop sees each consumer through its destination's vector, which also says whether
// the consumer takes every message without a subtopic (docs/performance.md, "Broker counts"): it
// follows the consumer's subscriptions as they are added and removed.
TEST_F(broker_test, a_consumer_takes_messages_without_subtopic_only_while_it_has_such_a_subscription) {
  broker b(config(), clock());
  const std::string id = subscribe(b, "DS-A", "chat", "news");
  subscribe(b, "DS-B", "chat");  // another member of the destination, before and after it
  b.publish(message("chat", "plain 1"));
  b.publish(message("chat", "news 1", {{"DSSubtopic", str("news")}}));
  EXPECT_EQ(bodies(b.take("DS-A")), std::vector<std::string>{"news 1"});
  EXPECT_EQ(subscribe(b, "DS-A", "chat", {}, id), id);  // the same consumer, now also without subtopic
  b.publish(message("chat", "plain 2"));
  b.publish(message("chat", "news 2", {{"DSSubtopic", str("news")}}));
  EXPECT_EQ(bodies(b.take("DS-A")), (std::vector<std::string>{"plain 2", "news 2"}));
  EXPECT_TRUE(b.remove_subscription("DS-A", id, "", ""));
  b.publish(message("chat", "plain 3"));
  b.publish(message("chat", "news 3", {{"DSSubtopic", str("news")}}));
  EXPECT_EQ(bodies(b.take("DS-A")), std::vector<std::string>{"news 3"});
  EXPECT_EQ(bodies(b.take("DS-B")), (std::vector<std::string>{"plain 1", "plain 2", "plain 3"}));
}

// A publish's wakes go in a vector that the broker keeps for the next publish once they have run:
// the next publish wakes only its own listeners, and a kept vector holds no listener.
TEST_F(broker_test, a_publish_wakes_only_its_own_listeners_and_keeps_none_of_them) {
  std::vector<std::function<void()>> posted;
  broker b(posting_config(posted), clock());
  std::vector<int> woken(5, 0);
  auto held = std::make_shared<int>(0);  // each listener holds a count of it
  std::vector<std::uint64_t> tokens;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::string ds = "DS-" + std::to_string(i);
    subscribe(b, ds, "chat", i < 3 ? "" : "news");
    tokens.push_back(b.listen(ds, [&woken, i, held] { ++woken[i]; }).value_or(0));
  }
  std::vector<delivery> out;
  for (int round = 1; round <= 3; ++round) {
    b.publish(message("chat", "all", {{"DSSubtopic", str("news")}}));  // DS-3 and DS-4
    run_posted(posted);
    b.publish(message("chat", "plain"));  // DS-0, DS-1, DS-2: in the first one's vector
    run_posted(posted);
    EXPECT_EQ(woken, (std::vector<int>{round, round, round, round, round}));
    for (std::uint64_t t : tokens) EXPECT_TRUE(b.take_into(t, out));
  }
  for (std::size_t i = 0; i < 5; ++i) EXPECT_TRUE(b.cancel_wait("DS-" + std::to_string(i), tokens[i]));
  EXPECT_EQ(held.use_count(), 1);  // no listener is left in a kept vector
}

}  // namespace
}  // namespace amphora::messaging
