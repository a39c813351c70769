// Messaging through the gateway without sockets (docs/protocol.md, "Messaging"): subscribe,
// publish, polls that return each message once, long polls that park and are answered by a
// publish, their wait's end (a fake timer), DSNoOpPoll, batches, unsubscribe, disconnect,
// shutdown, MULTI_SUBSCRIBE; and a no-loss, no-duplicate run with publishers and subscribers on
// several threads.
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "amphora/amf/amf3.hpp"
#include "amphora/security/policy_store.hpp"
#include "amphora/server/stream.hpp"
#include "amphora/server/streaming_channel.hpp"
#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using namespace std::chrono_literals;
using test::decode_reply;
using test::encode_request;
using test::fake_timers;
using test::header_string;

constexpr std::string_view polling = "/messagebroker/amfpolling";
constexpr std::string_view long_polling = "/messagebroker/amflongpolling";

// The stream side of the HTTP streaming channel without a socket: keeps each chunk written.
class collecting_sink final : public stream_sink {
 public:
  bool write(std::vector<std::uint8_t> bytes) override {
    std::lock_guard lock(mutex_);
    chunks_.push_back(std::move(bytes));
    changed_.notify_all();
    return !ended_;
  }
  void end() override {
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }
  // Waits (bounded: only reached if something is broken) until `count` chunks were written.
  std::vector<std::vector<std::uint8_t>> wait_for(std::size_t count, std::chrono::seconds limit = 60s) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return chunks_.size() >= count; });
    return chunks_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<std::uint8_t>> chunks_;
  bool ended_ = false;
};

// The message in one inner frame of the streaming channel (`<hex size>\r\n<AMF3>\r\n`).
std::optional<flex::message> streamed_message(const std::vector<std::uint8_t>& chunk, amf::arena& memory) {
  const std::string_view text(reinterpret_cast<const char*>(chunk.data()), chunk.size());
  const std::size_t eol = text.find("\r\n");
  if (eol == std::string_view::npos || chunk.size() < eol + 4) return std::nullopt;
  amf::decode_options options;
  options.registry = &flex::registry();
  const std::span<const std::uint8_t> payload{chunk.data() + eol + 2, chunk.size() - eol - 4};
  amf::result<amf::value> v = amf::decode_amf3(payload, memory, options);
  if (!v) return std::nullopt;
  amf::result<flex::message> m = flex::read_message(*v, memory);
  if (!m) return std::nullopt;
  return *m;
}

// A reply that may come later, from another thread.
class pending_reply {
 public:
  reply_callback callback() {
    return [this](reply r) {
      std::lock_guard lock(mutex_);
      reply_ = std::move(r);
      ready_.notify_all();
    };
  }
  bool ready() {
    std::lock_guard lock(mutex_);
    return reply_.has_value();
  }
  // Waits (bounded: only reached if the gateway is broken) for the reply.
  std::optional<reply> get(std::chrono::seconds limit = 30s) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, limit, [this] { return reply_.has_value(); });
    return reply_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<reply> reply_;
};

class messaging_gateway : public ::testing::Test {
 protected:
  messaging_gateway() {
    messaging::broker_config bc;
    bc.destinations.resize(2);
    bc.destinations[0].name = "chat";
    bc.destinations[1].name = "news";
    bc.max_queue = 100000;
    broker_ = std::make_shared<messaging::broker>(bc);
    gw_ = std::make_shared<gateway>(service_registry{}, options());
  }

  // Publishers, pollers and a stream at once: each subscriber gets every message once, in order.
  void expect_no_message_lost_or_duplicated();

  // The gateway's options: the broker, the fake timers, a polling and a long-polling endpoint.
  gateway_options options() {
    gateway_options o;
    o.broker = broker_;
    o.timers = timers_;
    polling_channel p;
    p.path = polling;
    polling_channel lp;
    lp.path = long_polling;
    lp.wait_interval = 30s;
    lp.max_waiting_polls = 2;
    lp.client_wait_interval = 1ms;
    o.channels = {p, lp};
    return o;
  }

  // Sends one Flex message to `path`; the reply may come later.
  std::shared_ptr<pending_reply> post(std::string_view path, std::vector<flex::message> messages) {
    std::vector<test::request_body> bodies;
    std::vector<std::string> responses;
    responses.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) responses.push_back("/" + std::to_string(i + 1));
    amf::arena memory;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      bodies.push_back({"null", responses[i], test::flex_body(memory, messages[i])});
    }
    const test::bytes body = encode_request(3, bodies);
    request_view req;
    req.method = "POST";
    req.target = req.path = path;
    req.content_type = "application/x-amf";
    req.remote_address = "127.0.0.1";
    req.body = body;
    auto out = std::make_shared<pending_reply>();
    gw_->handle(req, out->callback());
    return out;
  }

  // The messages of a reply, one per body.
  std::vector<flex::message> messages(const std::optional<reply>& r, amf::arena& memory) {
    std::vector<flex::message> out;
    EXPECT_TRUE(r.has_value());
    if (!r) return out;
    amf::packet p = decode_reply(*r, memory);
    for (const amf::packet_body& b : p.bodies) {
      amf::result<flex::message> m = flex::read_message(b.val, memory);
      EXPECT_TRUE(m.has_value());
      if (m) out.push_back(*m);
    }
    return out;
  }
  flex::message one(const std::shared_ptr<pending_reply>& r) {
    std::vector<flex::message> all = messages(r->get(), memory_);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? flex::message{} : all[0];
  }

  flex::command_message command(flex::command_operation op, std::string_view ds_id,
                                std::string_view destination = {}) {
    flex::command_message c;
    c.operation = op;
    c.destination = destination;
    c.message_id = memory_.copy(flex::new_uuid());
    if (!ds_id.empty()) set(c, flex::headers::ds_id, amf::value::string(memory_.copy(ds_id)));
    return c;
  }

  std::string ping(int messaging_version = 0) {
    flex::command_message c = command(flex::command_operation::client_ping, "nil");
    if (messaging_version > 0)
      set(c, flex::headers::messaging_version, amf::value::integer(messaging_version));
    flex::message m = one(post("/amf", {c}));
    auto* a = std::get_if<flex::acknowledge_message>(&m);
    return a ? header_string(*a, flex::headers::ds_id) : std::string{};
  }

  std::string subscribe(std::string_view ds_id, std::string_view destination = "chat",
                        std::string_view subtopic = {}, std::string_view selector = {}) {
    flex::command_message c = command(flex::command_operation::subscribe, ds_id, destination);
    if (!subtopic.empty()) set(c, flex::headers::subtopic, amf::value::string(memory_.copy(subtopic)));
    if (!selector.empty()) set(c, flex::headers::selector, amf::value::string(memory_.copy(selector)));
    flex::message m = one(post(polling, {c}));
    auto* a = std::get_if<flex::acknowledge_message>(&m);
    EXPECT_NE(a, nullptr);
    return a ? std::string(a->client_id) : std::string{};
  }

  flex::async_message message(std::string_view ds_id, std::string_view text,
                              std::string_view destination = "chat") {
    flex::async_message m;
    m.destination = destination;
    m.message_id = memory_.copy(flex::new_uuid());
    m.body = amf::make_string(memory_, text);
    if (!ds_id.empty()) set(m, flex::headers::ds_id, amf::value::string(memory_.copy(ds_id)));
    set(m, flex::headers::endpoint, amf::value::string("my-amf"));
    return m;
  }

  void publish(std::string_view ds_id, std::string_view text, std::string_view destination = "chat") {
    flex::message m = one(post("/amf", {message(ds_id, text, destination)}));
    EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(m));
  }

  flex::command_message poll(std::string_view ds_id) { return command(flex::command_operation::poll, ds_id); }

  // The bodies (strings) of a CLIENT_SYNC reply; empty for an acknowledgement.
  static std::vector<std::string> texts(const flex::message& m, std::string_view client_id = {}) {
    std::vector<std::string> out;
    const auto* sync = std::get_if<flex::command_message>(&m);
    if (sync == nullptr) return out;
    EXPECT_EQ(sync->operation, flex::command_operation::client_sync);
    if (!sync->body.is(amf::kind::array)) return out;
    for (const amf::value& v : sync->body.as_array().dense) {
      EXPECT_TRUE(v.is(amf::kind::object));
      EXPECT_EQ(v.as_object().alias(), flex::aliases::async_message);  // nested: full form
      amf::arena scratch;
      amf::result<flex::message> inner = flex::read_message(v, scratch);
      EXPECT_TRUE(inner.has_value());
      const auto* a = inner ? std::get_if<flex::async_message>(&*inner) : nullptr;
      if (a == nullptr) continue;
      if (!client_id.empty()) {
        EXPECT_EQ(a->client_id, client_id);
      }
      EXPECT_EQ(a->header(flex::headers::ds_id), nullptr);
      EXPECT_EQ(a->header(flex::headers::endpoint), nullptr);
      out.emplace_back(a->body.is(amf::kind::string) ? a->body.as_string() : "<not a string>");
    }
    return out;
  }

  static const amf::value* header(const flex::message& m, std::string_view name) {
    return std::visit([&](const auto& x) { return x.header(name); }, m);
  }

  void set(flex::abstract_message& m, std::string_view name, amf::value v) {
    ASSERT_TRUE(flex::set_header(memory_, m, name, v));
  }

  std::shared_ptr<messaging::broker> broker_;
  std::shared_ptr<fake_timers> timers_ = std::make_shared<fake_timers>();
  std::shared_ptr<gateway> gw_;
  amf::arena memory_;
};

TEST_F(messaging_gateway, subscribe_publish_and_poll_return_each_message_once) {
  const std::string a = ping();
  const std::string b = ping();
  const std::string sub = subscribe(a);
  EXPECT_EQ(sub.size(), 36u);
  publish(b, "one");
  publish(b, "two");
  flex::message r = one(post(polling, {poll(a)}));
  EXPECT_EQ(texts(r, sub), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(header(r, flex::headers::poll_wait), nullptr);  // a polling endpoint: no DSPollWait
  flex::message again = one(post(polling, {poll(a)}));
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(again));
  EXPECT_TRUE(texts(one(post(polling, {poll(b)}))).empty());  // b subscribed to nothing
}

TEST_F(messaging_gateway, the_poll_reply_correlates_with_the_poll) {
  const std::string a = ping();
  subscribe(a);
  publish(a, "x");
  flex::command_message p = poll(a);
  flex::message r = one(post(polling, {p}));
  ASSERT_TRUE(std::holds_alternative<flex::command_message>(r));
  EXPECT_EQ(std::get<flex::command_message>(r).correlation_id, p.message_id);
}

TEST_F(messaging_gateway, small_clients_get_small_acks_and_full_poll_results) {
  const std::string a = ping(1);
  subscribe(a);
  publish(a, "x");
  amf::arena memory;
  amf::packet p = decode_reply(*post(polling, {poll(a)})->get(), memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].val.as_object().alias(), flex::aliases::command_message);
  amf::packet q = decode_reply(*post(polling, {poll(a)})->get(), memory);
  EXPECT_EQ(q.bodies[0].val.as_object().alias(), flex::aliases::acknowledge_small);
}

TEST_F(messaging_gateway, subtopics_route_and_unsubscribe_stops_delivery) {
  const std::string a = ping();
  const std::string sub = subscribe(a, "chat", "rooms.*");
  flex::async_message lobby = message(a, "lobby");
  set(lobby, flex::headers::subtopic, amf::value::string("rooms.lobby"));
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post("/amf", {lobby}))));
  publish(a, "no-subtopic");
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), (std::vector<std::string>{"lobby"}));

  flex::command_message unsub = command(flex::command_operation::unsubscribe, a, "chat");
  unsub.client_id = sub;
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post(polling, {unsub}))));
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post("/amf", {lobby}))));
  EXPECT_TRUE(texts(one(post(polling, {poll(a)}))).empty());
}

TEST_F(messaging_gateway, faults) {
  const std::string a = ping();
  auto fault = [&](flex::message m) {
    flex::message r = one(post(polling, {m}));
    auto* e = std::get_if<flex::error_message>(&r);
    EXPECT_NE(e, nullptr);
    return e ? std::string(e->fault_code) : std::string{};
  };
  EXPECT_EQ(fault(command(flex::command_operation::subscribe, "", "chat")), "Server.Processing");  // no DSId
  EXPECT_EQ(fault(command(flex::command_operation::subscribe, "NOT-ISSUED", "chat")), "Server.Processing");
  EXPECT_EQ(fault(command(flex::command_operation::subscribe, a, "nowhere")), "Server.ResourceUnavailable");
  flex::command_message bad_topic = command(flex::command_operation::subscribe, a, "chat");
  set(bad_topic, flex::headers::subtopic, amf::value::string("a..b"));
  EXPECT_EQ(fault(bad_topic), "Server.Processing");
  EXPECT_EQ(fault(message(a, "x", "nowhere")), "Server.ResourceUnavailable");
  flex::async_message no_id = message(a, "x");
  no_id.message_id = {};
  EXPECT_EQ(fault(no_id), "Server.Processing");
  flex::command_message bad_selector = command(flex::command_operation::subscribe, a, "chat");
  set(bad_selector, flex::headers::selector, amf::value::string("price >"));
  EXPECT_EQ(fault(bad_selector), "Server.Processing");
  flex::async_message wildcard = message(a, "x");
  set(wildcard, flex::headers::subtopic, amf::value::string("rooms.*"));
  EXPECT_EQ(fault(wildcard), "Server.Processing");
}

TEST_F(messaging_gateway, a_long_poll_parks_until_a_message_arrives) {
  const std::string a = ping();
  const std::string sub = subscribe(a);
  auto parked = post(long_polling, {poll(a)});
  EXPECT_FALSE(parked->ready());
  EXPECT_EQ(timers_->pending(), 1u);
  publish(a, "wake up");
  ASSERT_TRUE(parked->ready());  // answered by the publish, on the publishing thread
  flex::message r = one(parked);
  EXPECT_EQ(texts(r, sub), (std::vector<std::string>{"wake up"}));
  ASSERT_NE(header(r, flex::headers::poll_wait), nullptr);  // client-wait-interval-millis
  EXPECT_EQ(header(r, flex::headers::poll_wait)->to_double(), 1);
  EXPECT_EQ(timers_->pending(), 0u);  // the wait's timer was cancelled
}

TEST_F(messaging_gateway, a_long_poll_with_messages_queued_is_answered_at_once) {
  const std::string a = ping();
  subscribe(a);
  publish(a, "ready");
  auto r = post(long_polling, {poll(a)});
  ASSERT_TRUE(r->ready());
  EXPECT_EQ(texts(one(r)), (std::vector<std::string>{"ready"}));
}

TEST_F(messaging_gateway, a_long_poll_ends_with_an_ack_when_its_wait_ends) {
  const std::string a = ping();
  subscribe(a);
  auto parked = post(long_polling, {poll(a)});
  EXPECT_FALSE(parked->ready());
  EXPECT_EQ(timers_->fire_all(), 1u);
  ASSERT_TRUE(parked->ready());
  flex::message r = one(parked);
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(r));
  ASSERT_NE(header(r, flex::headers::poll_wait), nullptr);
  // The client's next poll parks again, and the late publish reaches it.
  auto next = post(long_polling, {poll(a)});
  EXPECT_FALSE(next->ready());
  publish(a, "late");
  EXPECT_EQ(texts(one(next)), (std::vector<std::string>{"late"}));
}

TEST_F(messaging_gateway, a_second_parked_poll_of_a_client_is_a_no_op_poll) {
  const std::string a = ping();
  subscribe(a);
  auto first = post(long_polling, {poll(a)});
  auto second = post(long_polling, {poll(a)});
  ASSERT_TRUE(second->ready());
  flex::message r = one(second);
  ASSERT_TRUE(std::holds_alternative<flex::command_message>(r));
  EXPECT_EQ(std::get<flex::command_message>(r).operation, flex::command_operation::client_sync);
  ASSERT_NE(header(r, flex::headers::no_op_poll), nullptr);
  EXPECT_TRUE(header(r, flex::headers::no_op_poll)->as_bool());
  EXPECT_TRUE(std::get<flex::command_message>(r).body.is_null());
  EXPECT_FALSE(first->ready());
  publish(a, "x");
  EXPECT_EQ(texts(one(first)), (std::vector<std::string>{"x"}));
}

TEST_F(messaging_gateway, polls_inside_a_batch_never_wait) {
  const std::string a = ping();
  subscribe(a);
  auto r = post(long_polling, {poll(a), command(flex::command_operation::client_ping, a)});
  ASSERT_TRUE(r->ready());
  amf::arena memory;
  std::vector<flex::message> both = messages(r->get(), memory);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(both[0]));
  ASSERT_NE(header(both[0], flex::headers::poll_wait), nullptr);
  EXPECT_EQ(header(both[0], flex::headers::poll_wait)->to_double(), 3000);  // do not busy-poll
  EXPECT_EQ(timers_->pending(), 0u);
}

TEST_F(messaging_gateway, polls_beyond_max_waiting_polls_do_not_park) {
  std::vector<std::shared_ptr<pending_reply>> parked;
  for (int i = 0; i < 2; ++i) {
    const std::string c = ping();
    subscribe(c);
    parked.push_back(post(long_polling, {poll(c)}));
    EXPECT_FALSE(parked.back()->ready());
  }
  const std::string third = ping();
  subscribe(third);
  auto r = post(long_polling, {poll(third)});
  ASSERT_TRUE(r->ready());
  const flex::message busy = one(r);
  ASSERT_NE(header(busy, flex::headers::poll_wait), nullptr);
  EXPECT_EQ(header(busy, flex::headers::poll_wait)->to_double(), 3000);
  timers_->fire_all();
  for (auto& p : parked) EXPECT_TRUE(p->ready());
  // The slots are free again.
  auto again = post(long_polling, {poll(third)});
  EXPECT_FALSE(again->ready());
  timers_->fire_all();
  EXPECT_TRUE(again->ready());
}

TEST_F(messaging_gateway, disconnect_answers_the_parked_poll_and_releases_subscriptions) {
  const std::string a = ping();
  subscribe(a);
  auto parked = post(long_polling, {poll(a)});
  EXPECT_FALSE(parked->ready());
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(
      one(post("/amf", {command(flex::command_operation::disconnect, a)}))));
  ASSERT_TRUE(parked->ready());
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(parked)));
  EXPECT_EQ(broker_->stats().consumers, 0u);
  EXPECT_EQ(timers_->pending(), 0u);
}

TEST_F(messaging_gateway, shutdown_answers_parked_polls_and_later_polls_do_not_park) {
  const std::string a = ping();
  subscribe(a);
  auto parked = post(long_polling, {poll(a)});
  EXPECT_FALSE(parked->ready());
  gw_->shutdown();
  ASSERT_TRUE(parked->ready());
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(parked)));
  EXPECT_TRUE(post(long_polling, {poll(a)})->ready());
}

TEST_F(messaging_gateway, multi_subscribe_adds_and_removes_subtopic_selector_pairs) {
  const std::string a = ping();
  flex::command_message multi = command(flex::command_operation::multi_subscribe, a, "chat");
  amf::array_node* add = amf::new_array(memory_);
  ASSERT_TRUE(add->dense.push_back(memory_, amf::value::string("red_;_")));
  ASSERT_TRUE(add->dense.push_back(memory_, amf::value::string("blue_;__;_5")));  // with DSMaxFrequency
  set(multi, flex::headers::add_sub, amf::value::of(add));
  flex::message r = one(post(polling, {multi}));
  ASSERT_TRUE(std::holds_alternative<flex::acknowledge_message>(r));
  const std::string sub(std::get<flex::acknowledge_message>(r).client_id);
  EXPECT_EQ(sub.size(), 36u);
  auto to = [&](std::string_view subtopic, std::string_view text) {
    flex::async_message m = message(a, text);
    set(m, flex::headers::subtopic, amf::value::string(memory_.copy(subtopic)));
    EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post("/amf", {m}))));
  };
  to("red", "r1");
  to("blue", "b1");
  to("green", "g1");
  EXPECT_EQ(texts(one(post(polling, {poll(a)})), sub), (std::vector<std::string>{"r1", "b1"}));

  flex::command_message remove = command(flex::command_operation::multi_subscribe, a, "chat");
  remove.client_id = memory_.copy(sub);
  amf::array_node* rem = amf::new_array(memory_);
  ASSERT_TRUE(rem->dense.push_back(memory_, amf::value::string("red_;_")));
  set(remove, flex::headers::rem_sub, amf::value::of(rem));
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post(polling, {remove}))));
  to("red", "r2");
  to("blue", "b2");
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), (std::vector<std::string>{"b2"}));
}

TEST_F(messaging_gateway, a_selector_filters_what_a_consumer_receives) {
  const std::string a = ping();
  subscribe(a, "chat", {}, "price > 10");
  for (int price : {5, 20}) {
    flex::async_message m = message(a, "price " + std::to_string(price));
    set(m, "price", amf::value::integer(price));
    EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post("/amf", {m}))));
  }
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), (std::vector<std::string>{"price 20"}));
}

TEST_F(messaging_gateway, dst_client_id_reaches_one_consumer) {
  const std::string a = ping();
  const std::string b = ping();
  const std::string sub_a = subscribe(a);
  subscribe(b);
  flex::async_message m = message(b, "just for a");
  set(m, flex::headers::dst_client_id, amf::value::string(memory_.copy(sub_a)));
  EXPECT_TRUE(std::holds_alternative<flex::acknowledge_message>(one(post("/amf", {m}))));
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), (std::vector<std::string>{"just for a"}));
  EXPECT_TRUE(texts(one(post(polling, {poll(b)}))).empty());
}

// With an access policy (docs/security.md, "Access control"), subscribing needs "subscribe" and
// publishing "publish" on "destination" or "destination.subtopic"; an anonymous caller who is
// denied gets Client.Authentication, as for remoting calls.
TEST_F(messaging_gateway, subscribe_and_publish_are_checked_against_the_access_policy) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("amphora-messaging-acl-" + std::to_string(::getpid()) + ".xml"))
                               .string();
  {
    std::ofstream out(path, std::ios::trunc);
    out << R"(<config>
  <roleSet><role><name>guest</name></role></roleSet>
  <permissions>
    <permission>
      <resources><resource>chat.sports</resource></resources>
      <roles><role>guest</role></roles>
      <privileges><privilege>subscribe</privilege><privilege>publish</privilege></privileges>
    </permission>
  </permissions>
</config>
)";
  }
  gateway_options o = options();
  o.access = std::make_shared<security::policy_store>(path);
  o.anonymous_role = "guest";
  std::filesystem::remove(path);
  gw_ = std::make_shared<gateway>(service_registry{}, o);

  const std::string a = ping();
  auto reply_to = [&](flex::message m) {
    flex::message r = one(post(polling, {m}));
    if (auto* e = std::get_if<flex::error_message>(&r)) return std::string(e->fault_code);
    return std::string(std::holds_alternative<flex::acknowledge_message>(r) ? "ack" : "other");
  };
  flex::command_message whole = command(flex::command_operation::subscribe, a, "chat");
  EXPECT_EQ(reply_to(whole), "Client.Authentication");  // the destination itself: not granted
  flex::command_message sports = command(flex::command_operation::subscribe, a, "chat");
  set(sports, flex::headers::subtopic, amf::value::string("sports.football"));
  EXPECT_EQ(reply_to(sports), "ack");  // below chat.sports
  flex::command_message multi = command(flex::command_operation::multi_subscribe, a, "chat");
  amf::array_node* adds = amf::new_array(memory_);
  ASSERT_NE(adds, nullptr);
  ASSERT_TRUE(adds->dense.push_back(memory_, amf::value::string("news_;_")));
  set(multi, flex::headers::add_sub, amf::value::of(adds));
  EXPECT_EQ(reply_to(multi), "Client.Authentication");

  flex::async_message to_sports = message(a, "goal");
  set(to_sports, flex::headers::subtopic, amf::value::string("sports.football"));
  EXPECT_EQ(reply_to(to_sports), "ack");
  EXPECT_EQ(reply_to(message(a, "hello")), "Client.Authentication");  // no subtopic: "chat"
  flex::async_message to_news = message(a, "x");
  set(to_news, flex::headers::subtopic, amf::value::string("news"));
  EXPECT_EQ(reply_to(to_news), "Client.Authentication");
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), (std::vector<std::string>{"goal"}));
}

// A destination with a channel list (services-config.xml <channels>) is reached only through
// the endpoints of those channels: subscribe, MULTI_SUBSCRIBE and publish elsewhere get BlazeDS's
// Server.Processing "Destination 'x' not accessible over channel 'y'." (error 10005); a
// destination without a list, unsubscribe, polls and pings are not restricted.
TEST_F(messaging_gateway, a_destination_is_refused_on_channels_it_does_not_list) {
  auto rules = std::make_shared<destination_channels>();
  rules->add_endpoint(polling, "my-polling-amf");
  rules->add_endpoint(long_polling, "my-longpolling-amf");
  rules->set_channels("chat", {"my-polling-amf"});
  gateway_options o = options();
  o.allowed_channels = rules;
  gw_ = std::make_shared<gateway>(service_registry{}, o);

  const std::string a = ping();
  auto reply_to = [&](std::string_view path, flex::message m) {
    flex::message r = one(post(path, {m}));
    if (auto* e = std::get_if<flex::error_message>(&r)) {
      EXPECT_EQ(e->fault_code, "Server.Processing");
      return std::string(e->fault_string);
    }
    return std::string(std::holds_alternative<flex::acknowledge_message>(r) ? "ack" : "other");
  };
  const std::string refused_lp = "Destination 'chat' not accessible over channel 'my-longpolling-amf'.";
  const std::string refused_amf =
      "Destination 'chat' not accessible over channel '/amf'.";  // no channel there
  EXPECT_EQ(reply_to(long_polling, command(flex::command_operation::subscribe, a, "chat")), refused_lp);
  EXPECT_EQ(reply_to("/amf", command(flex::command_operation::subscribe, a, "chat")), refused_amf);
  flex::command_message multi = command(flex::command_operation::multi_subscribe, a, "chat");
  amf::array_node* adds = amf::new_array(memory_);
  ASSERT_NE(adds, nullptr);
  ASSERT_TRUE(adds->dense.push_back(memory_, amf::value::string("sports_;_")));
  set(multi, flex::headers::add_sub, amf::value::of(adds));
  EXPECT_EQ(reply_to(long_polling, multi), refused_lp);
  EXPECT_EQ(reply_to("/amf", message(a, "not here")), refused_amf);
  EXPECT_EQ(reply_to(long_polling, message(a, "nor here")), refused_lp);
  EXPECT_EQ(broker_->stats().consumers, 0u);

  const std::string id = subscribe(a);  // through my-polling-amf: listed
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(reply_to(polling, message(a, "hello")), "ack");
  EXPECT_EQ(reply_to("/amf", message(a, "news are anywhere", "news")), "ack");  // no list: every channel
  EXPECT_EQ(texts(one(post("/amf", {poll(a)}))), (std::vector<std::string>{"hello"}));
  flex::command_message unsubscribe = command(flex::command_operation::unsubscribe, a, "chat");
  unsubscribe.client_id = memory_.copy(id);
  EXPECT_EQ(reply_to(long_polling, unsubscribe), "ack");
  EXPECT_EQ(broker_->stats().consumers, 0u);
}

TEST_F(messaging_gateway, without_a_broker_messaging_is_refused) {
  gateway plain{service_registry{}};
  request_view req;
  req.method = "POST";
  req.target = req.path = "/amf";
  flex::command_message c = command(flex::command_operation::poll, "x");
  const test::bytes body = encode_request(3, {{"null", "/1", test::flex_body(memory_, c)}});
  req.body = body;
  std::optional<reply> out;
  plain.handle(req, [&](reply r) { out = std::move(r); });
  std::vector<flex::message> all = messages(out, memory_);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<flex::error_message>(all[0]));
  EXPECT_EQ(std::get<flex::error_message>(all[0]).fault_code, "Server.ResourceUnavailable");
}

// Publishers on their own threads send numbered messages; subscribers poll (plain and long) on
// theirs until they hold every message, and one more gets them pushed over a stream. Each must receive every
// message exactly once, in order per publisher. Bounded in count; the only wait bound is a safety net against
// a hang.
void messaging_gateway::expect_no_message_lost_or_duplicated() {
  constexpr int publishers = 4;
  constexpr int per_publisher = 150;
  constexpr int total = publishers * per_publisher;
  struct subscriber {
    std::string ds_id;
    std::string_view path;
    std::map<int, std::vector<int>> seen;  // publisher -> sequence numbers in arrival order
    int count = 0;
  };
  std::vector<subscriber> subs;
  for (std::string_view path : {polling, polling, long_polling, long_polling}) {
    subscriber s;
    s.ds_id = ping();
    s.path = path;
    subscribe(s.ds_id);
    subs.push_back(std::move(s));
  }
  // And one over the HTTP streaming channel: every message is pushed as it is published.
  const std::string streamer = ping();
  subscribe(streamer);
  const std::shared_ptr<handler> streaming = make_streaming_channel(gw_);  // no timers: no heartbeats
  const std::string open_body = "DSId=" + streamer;
  request_view open;
  open.method = "POST";
  open.target = "/messagebroker/streamingamf?command=open&version=1";
  open.path = "/messagebroker/streamingamf";
  open.query = "command=open&version=1";
  open.content_type = "application/x-www-form-urlencoded";
  open.body = {reinterpret_cast<const std::uint8_t*>(open_body.data()), open_body.size()};
  std::optional<reply> opened;
  streaming->handle(open, [&](reply r) { opened = std::move(r); });
  ASSERT_TRUE(opened && opened->stream);
  auto sink = std::make_shared<collecting_sink>();
  opened->stream->on_open(sink);

  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (subscriber& each : subs) {
    threads.emplace_back([&, &s = each] {
      const auto deadline = std::chrono::steady_clock::now() + 60s;
      while (s.count < total && !failed && std::chrono::steady_clock::now() < deadline) {
        amf::arena memory;
        flex::command_message p;
        p.operation = flex::command_operation::poll;
        p.message_id = "POLL";
        if (!flex::set_header(memory, p, flex::headers::ds_id, amf::value::string(s.ds_id))) failed = true;
        auto r = post(s.path, {p});
        std::optional<reply> got = r->get();
        if (!got) {
          failed = true;
          break;
        }
        for (const flex::message& m : messages(got, memory)) {
          for (const std::string& text : texts(m)) {
            const std::size_t dash = text.find('-');
            s.seen[std::stoi(text.substr(0, dash))].push_back(std::stoi(text.substr(dash + 1)));
            ++s.count;
          }
        }
      }
    });
  }
  std::vector<std::thread> senders;
  for (int p = 0; p < publishers; ++p) {
    senders.emplace_back([&, p] {
      const std::string ds_id = "publisher-" + std::to_string(p);
      for (int i = 0; i < per_publisher; ++i) {
        amf::arena memory;
        flex::async_message m;
        m.destination = "chat";
        m.message_id = memory.copy(flex::new_uuid());
        m.body = amf::make_string(memory, std::to_string(p) + "-" + std::to_string(i));
        std::vector<test::request_body> bodies{{"null", "/1", test::flex_body(memory, m)}};
        const test::bytes body = encode_request(3, bodies);
        request_view req;
        req.method = "POST";
        req.target = req.path = "/amf";
        req.body = body;
        std::promise<void> answered;
        gw_->handle(req, [&](reply) { answered.set_value(); });
        answered.get_future().wait();
      }
    });
  }
  for (std::thread& t : senders) t.join();
  // Long polls still parked (a subscriber that already has everything does not poll again).
  for (std::thread& t : threads) t.join();
  ASSERT_FALSE(failed);
  subscriber streamed;
  streamed.path = "streaming";
  const std::vector<std::vector<std::uint8_t>> chunks = sink->wait_for(1 + total);  // the open ack first
  opened->stream->on_close();
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    amf::arena memory;
    std::optional<flex::message> m = streamed_message(chunks[i], memory);
    const auto* a = m ? std::get_if<flex::async_message>(&*m) : nullptr;
    ASSERT_NE(a, nullptr) << "chunk " << i;
    const std::string text(a->body.as_string());
    const std::size_t dash = text.find('-');
    streamed.seen[std::stoi(text.substr(0, dash))].push_back(std::stoi(text.substr(dash + 1)));
    ++streamed.count;
  }
  subs.push_back(std::move(streamed));
  for (const subscriber& s : subs) {
    EXPECT_EQ(s.count, total) << s.path;
    for (int p = 0; p < publishers; ++p) {
      std::vector<int> expected(per_publisher);
      for (int i = 0; i < per_publisher; ++i) expected[static_cast<std::size_t>(i)] = i;
      auto it = s.seen.find(p);
      ASSERT_NE(it, s.seen.end()) << s.path;
      EXPECT_EQ(it->second, expected) << s.path << " publisher " << p;
    }
  }
  EXPECT_EQ(broker_->stats().dropped, 0u);
}

TEST_F(messaging_gateway, no_message_is_lost_or_duplicated) { expect_no_message_lost_or_duplicated(); }

// The same with the broker's wakes handed over in batches of 3 to a pool of two threads (what
// amphora serve does with its I/O threads): long polls are answered and the stream is written from
// there, while the publishers go on.
class messaging_gateway_posted_wakes : public messaging_gateway {
 protected:
  messaging_gateway_posted_wakes() {
    messaging::broker_config bc;
    bc.destinations.resize(2);
    bc.destinations[0].name = "chat";
    bc.destinations[1].name = "news";
    bc.max_queue = 100000;
    bc.post_wakes = [this](std::function<void()> batch) { boost::asio::post(pool_, std::move(batch)); };
    bc.wake_batch = 3;
    broker_ = std::make_shared<messaging::broker>(bc);
    gw_ = std::make_shared<gateway>(service_registry{}, options());
  }
  ~messaging_gateway_posted_wakes() override { pool_.join(); }

  boost::asio::thread_pool pool_{2};
};

TEST_F(messaging_gateway_posted_wakes, no_message_is_lost_or_duplicated) {
  expect_no_message_lost_or_duplicated();
}

}  // namespace
}  // namespace amphora::server

namespace amphora::server {
namespace {

// The broker's clock is the test's; "chat" subscriptions time out after 10 s without a call.
class messaging_gateway_timeout : public messaging_gateway {
 protected:
  messaging_gateway_timeout() {
    messaging::broker_config bc;
    bc.destinations.resize(2);
    bc.destinations[0].name = "chat";
    bc.destinations[0].subscription_timeout = 10s;
    bc.destinations[1].name = "news";
    broker_ = std::make_shared<messaging::broker>(bc, [this] { return now_; });
    gw_ = std::make_unique<gateway>(service_registry{}, options());
  }

  // The SUBSCRIPTION_INVALIDATE commands of a CLIENT_SYNC reply, as "clientId destination".
  static std::vector<std::string> invalidations(const flex::message& m) {
    std::vector<std::string> out;
    const auto* sync = std::get_if<flex::command_message>(&m);
    if (sync == nullptr || !sync->body.is(amf::kind::array)) return out;
    for (const amf::value& v : sync->body.as_array().dense) {
      amf::arena scratch;
      amf::result<flex::message> inner = flex::read_message(v, scratch);
      const auto* c = inner ? std::get_if<flex::command_message>(&*inner) : nullptr;
      if (c != nullptr && c->operation == flex::command_operation::subscription_invalidate) {
        out.push_back(std::string(c->client_id) + " " + std::string(c->destination));
      }
    }
    return out;
  }

  messaging::broker::clock::time_point now_{};
};

TEST_F(messaging_gateway_timeout, a_client_back_from_idle_polls_a_subscription_invalidate) {
  const std::string a = ping();
  const std::string chat = subscribe(a);
  const std::string news = subscribe(a, "news");
  now_ += 11s;
  const flex::message r = one(post(polling, {poll(a)}));
  EXPECT_EQ(invalidations(r), std::vector<std::string>{chat + " chat"});  // news has no timeout
  EXPECT_EQ(broker_->stats().consumers, 1u);
  publish(a, "later");
  EXPECT_TRUE(texts(one(post(polling, {poll(a)}))).empty());  // chat's consumer is gone
  EXPECT_NE(subscribe(a), "");                                // resubscribing works
  publish(a, "again");
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), std::vector<std::string>{"again"});
  (void)news;
}

TEST_F(messaging_gateway_timeout, a_parked_long_poll_is_answered_with_the_invalidation) {
  const std::string a = ping();
  const std::string b = ping();
  const std::string chat = subscribe(a);
  auto parked = post(long_polling, {poll(a)});
  EXPECT_FALSE(parked->ready());
  now_ += 11s;
  publish(b, "x");  // any call looks for timed-out subscriptions: a's is, and a's poll wakes
  ASSERT_TRUE(parked->ready());
  EXPECT_EQ(invalidations(one(parked)), std::vector<std::string>{chat + " chat"});
  EXPECT_EQ(timers_->pending(), 0u);
}

TEST_F(messaging_gateway_timeout, polls_alone_keep_subscriptions_alive) {
  // A poll makes one broker call, whose take (or take_or_wait) keeps the FlexClient alive: polls
  // 6 s apart keep a subscription with a 10 s timeout, answered at once or on a long-polling
  // endpoint with a message queued.
  const std::string a = ping();
  const std::string b = ping();
  subscribe(a);
  for (int i = 0; i < 3; ++i) {
    now_ += 6s;
    EXPECT_TRUE(invalidations(one(post(polling, {poll(a)}))).empty()) << i;
  }
  for (int i = 0; i < 3; ++i) {
    now_ += 6s;
    const std::string text = "m" + std::to_string(i);
    publish(b, text);
    EXPECT_EQ(texts(one(post(long_polling, {poll(a)}))), std::vector<std::string>{text}) << i;
  }
  EXPECT_EQ(broker_->stats().invalidated, 0u);
  EXPECT_EQ(timers_->pending(), 0u);
}

TEST_F(messaging_gateway_timeout, heartbeat_pings_keep_subscriptions_alive) {
  const std::string a = ping();
  subscribe(a);
  for (int i = 0; i < 4; ++i) {
    now_ += 6s;
    // A channel heartbeat: CLIENT_PING with the client's DSId (and DS<3, not special).
    flex::command_message heartbeat = command(flex::command_operation::client_ping, a);
    set(heartbeat, "DS<3", amf::value::boolean(true));
    flex::message r = one(post("/amf", {heartbeat}));
    auto* ack = std::get_if<flex::acknowledge_message>(&r);
    ASSERT_NE(ack, nullptr);
    EXPECT_EQ(header_string(*ack, flex::headers::ds_id), a);  // the same FlexClient
  }
  EXPECT_EQ(broker_->stats().invalidated, 0u);
  publish(a, "alive");
  EXPECT_EQ(texts(one(post(polling, {poll(a)}))), std::vector<std::string>{"alive"});
}

TEST_F(messaging_gateway_timeout, without_heartbeats_the_subscription_times_out) {
  const std::string a = ping();
  subscribe(a);
  now_ += 11s;
  publish(ping(), "x");  // another client's calls
  EXPECT_EQ(broker_->stats().invalidated, 1u);
}

}  // namespace
}  // namespace amphora::server
