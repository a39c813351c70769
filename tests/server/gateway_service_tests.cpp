// The service API through the gateway: blocking operations on the runner, async operations,
// exact echo of typed objects and ArrayCollections, argument checks.
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

using test::args;
using test::call_now;
using test::decode_reply;
using test::encode_request;
using test::member_string;

flex::acknowledge_message only_ack(const reply& r, amf::arena& memory) {
  amf::packet p = decode_reply(r, memory);
  EXPECT_EQ(p.bodies.size(), 1u);
  if (p.bodies.size() != 1) return {};
  EXPECT_EQ(p.bodies[0].target, "/1/onResult");
  amf::result<flex::message> m = flex::read_message(p.bodies[0].val, memory);
  EXPECT_TRUE(m && std::holds_alternative<flex::acknowledge_message>(*m));
  return m && std::holds_alternative<flex::acknowledge_message>(*m) ? std::get<flex::acknowledge_message>(*m)
                                                                    : flex::acknowledge_message{};
}

test::bytes flex_call(amf::arena& memory, std::string_view destination, std::string_view operation,
                      std::initializer_list<amf::value> arguments) {
  flex::remoting_message m;
  m.destination = destination;
  m.operation = operation;
  m.message_id = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
  m.body = args(memory, arguments);
  return encode_request(3, {{"null", "/1", test::flex_body(memory, m)}});
}

TEST(gateway_service, echo_keeps_the_alias_of_an_unregistered_typed_object) {
  amf::arena memory;
  amf::object_node* order = amf::new_object(memory, "com.example.Order", false);
  ASSERT_TRUE(amf::add_sealed(memory, *order, "id", amf::value::integer(42)));
  ASSERT_TRUE(amf::add_sealed(memory, *order, "note", amf::value::string("rush")));
  const amf::value sent = amf::value::of(order);

  service_registry services;
  add_echo_service(services);
  gateway gw(std::move(services));
  std::optional<reply> r = call_now(gw, flex_call(memory, "EchoService", "echo", {sent}));
  ASSERT_TRUE(r);
  flex::acknowledge_message a = only_ack(*r, memory);
  ASSERT_TRUE(a.body.is(amf::kind::object));
  EXPECT_EQ(a.body.as_object().alias(), "com.example.Order");
  EXPECT_TRUE(amf::deep_equal(a.body, sent));
}

TEST(gateway_service, echo_returns_an_array_collection_as_one) {
  amf::arena memory;
  amf::array_node* source = amf::new_array(memory);
  ASSERT_TRUE(source->dense.push_back(memory, amf::value::string("a")));
  ASSERT_TRUE(source->dense.push_back(memory, amf::value::integer(2)));
  amf::object_node* collection = amf::new_object(memory, flex::aliases::array_collection, false);
  collection->type->externalizable = true;
  collection->external = amf::value::of(source);
  const amf::value sent = amf::value::of(collection);

  service_registry services;
  add_echo_service(services);
  gateway gw(std::move(services));
  // Both client styles.
  std::optional<reply> r = call_now(gw, flex_call(memory, "EchoService", "echo", {sent}));
  ASSERT_TRUE(r);
  flex::acknowledge_message a = only_ack(*r, memory);
  ASSERT_TRUE(a.body.is(amf::kind::object));
  EXPECT_EQ(a.body.as_object().alias(), flex::aliases::array_collection);
  EXPECT_TRUE(a.body.as_object().type->externalizable);
  EXPECT_TRUE(amf::deep_equal(a.body, sent));

  std::optional<reply> nc =
      call_now(gw, encode_request(3, {{"EchoService.echo", "/1", args(memory, {sent})}}));
  ASSERT_TRUE(nc);
  amf::packet p = decode_reply(*nc, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_TRUE(amf::deep_equal(p.bodies[0].val, sent));
}

TEST(gateway_service, blocking_operations_run_on_the_runner_and_others_do_not) {
  std::vector<std::function<void()>> queued;
  blocking_runner runner = [&queued](std::function<void()> task) {
    queued.push_back(std::move(task));
    return true;
  };
  service_registry services;
  services.add("Work")
      .operation("slow", []() { return amf::value::string("done"); }, {.blocking = true})
      .operation("fast", []() { return amf::value::string("quick"); });
  gateway gw(std::move(services), {}, runner);
  amf::arena memory;

  std::optional<reply> fast = call_now(gw, flex_call(memory, "Work", "fast", {}));
  ASSERT_TRUE(fast);
  EXPECT_TRUE(queued.empty());

  std::optional<reply> out;
  server::request_view req;
  const test::bytes body = flex_call(memory, "Work", "slow", {});
  req.body = body;
  gw.handle(req, [&out](reply r) { out = std::move(r); });
  EXPECT_FALSE(out);  // waiting for the worker
  ASSERT_EQ(queued.size(), 1u);
  std::thread worker(std::move(queued[0]));
  worker.join();
  ASSERT_TRUE(out);
  flex::acknowledge_message a = only_ack(*out, memory);
  ASSERT_TRUE(a.body.is(amf::kind::string));
  EXPECT_EQ(a.body.as_string(), "done");
}

TEST(gateway_service, a_runner_that_refuses_work_gives_a_fault) {
  blocking_runner runner = [](std::function<void()>) { return false; };  // queue full
  service_registry services;
  services.add("Work").operation("slow", []() { return amf::value::null(); }, {.blocking = true});
  gateway gw(std::move(services), {}, runner);
  amf::arena memory;
  std::optional<reply> r = call_now(gw, encode_request(0, {{"Work.slow", "/1", args(memory, {})}}));
  ASSERT_TRUE(r);
  amf::packet p = decode_reply(*r, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onStatus");
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "Server.Processing");
}

TEST(gateway_service, a_runner_that_refuses_work_gives_a_busy_error_message_to_flex_clients) {
  bool offered = false;
  blocking_runner runner = [&offered](std::function<void()>) {  // stopping: refuses everything
    offered = true;
    return false;
  };
  service_registry services;
  services.add("Work").operation("slow", []() { return amf::value::null(); }, {.blocking = true});
  gateway gw(std::move(services), {}, runner);
  amf::arena memory;
  std::optional<reply> r = call_now(gw, flex_call(memory, "Work", "slow", {}));
  ASSERT_TRUE(r);  // answered at once, not left waiting for a task that will never run
  EXPECT_TRUE(offered);
  amf::packet p = decode_reply(*r, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(p.bodies[0].target, "/1/onStatus");
  amf::result<flex::message> m = flex::read_message(p.bodies[0].val, memory);
  ASSERT_TRUE(m && std::holds_alternative<flex::error_message>(*m));
  const flex::error_message& e = std::get<flex::error_message>(*m);
  EXPECT_EQ(e.fault_code, "Server.Processing");
  EXPECT_EQ(e.fault_string, "The server is too busy to run the operation");
  EXPECT_EQ(e.correlation_id, "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE");
}

struct parked_calls {
  std::vector<completion> waiting;
  std::vector<amf::arena*> memory;
};

service_registry async_services(parked_calls& parked) {
  service_registry services;
  add_echo_service(services);
  services.add("Later").async_operation(
      "value", [&parked](call_context&, std::span<const amf::value>, amf::arena& memory, completion done) {
        parked.waiting.push_back(std::move(done));
        parked.memory.push_back(&memory);
      });
  return services;
}

TEST(gateway_service, async_operations_complete_later_from_another_thread) {
  parked_calls parked;
  gateway gw(async_services(parked));
  amf::arena memory;
  const test::bytes body =
      encode_request(0, {
                            {"EchoService.echo", "/1", args(memory, {amf::value::integer(1)})},
                            {"Later.value", "/2", args(memory, {})},
                            {"EchoService.echo", "/3", args(memory, {amf::value::integer(3)})},
                        });
  std::promise<reply> promise;
  server::request_view req;
  req.body = body;
  gw.handle(req, [&promise](reply r) { promise.set_value(std::move(r)); });
  ASSERT_EQ(parked.waiting.size(), 1u);
  std::future<reply> future = promise.get_future();
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  std::thread later([&parked] {
    parked.waiting[0].succeed(amf::make_string(*parked.memory[0], "from another thread"));
    parked.waiting[0].succeed(amf::value::null());  // ignored: the first answer wins
  });
  later.join();
  reply r = future.get();
  amf::packet p = decode_reply(r, memory);
  ASSERT_EQ(p.bodies.size(), 3u);
  EXPECT_EQ(p.bodies[0].target, "/1/onResult");
  EXPECT_EQ(p.bodies[1].target, "/2/onResult");
  ASSERT_TRUE(p.bodies[1].val.is(amf::kind::string));
  EXPECT_EQ(p.bodies[1].val.as_string(), "from another thread");
  EXPECT_EQ(p.bodies[2].target, "/3/onResult");
}

TEST(gateway_service, async_failures_and_abandoned_completions_are_faults) {
  parked_calls parked;
  gateway gw(async_services(parked));
  amf::arena memory;
  std::optional<reply> failed, abandoned;
  const test::bytes body = encode_request(0, {{"Later.value", "/1", args(memory, {})}});
  server::request_view req;
  req.body = body;
  gw.handle(req, [&failed](reply r) { failed = std::move(r); });
  gw.handle(req, [&abandoned](reply r) { abandoned = std::move(r); });
  ASSERT_EQ(parked.waiting.size(), 2u);
  parked.waiting[0].fail(service_error("try again", "App.Busy"));
  parked.waiting.pop_back();  // the last copy of the second call's completion dies
  ASSERT_TRUE(failed);
  ASSERT_TRUE(abandoned);
  amf::packet p = decode_reply(*failed, memory);
  ASSERT_EQ(p.bodies.size(), 1u);
  EXPECT_EQ(member_string(p.bodies[0].val, "code"), "App.Busy");
  EXPECT_EQ(member_string(p.bodies[0].val, "description"), "try again");
  amf::packet q = decode_reply(*abandoned, memory);
  ASSERT_EQ(q.bodies.size(), 1u);
  EXPECT_EQ(member_string(q.bodies[0].val, "code"), "Server.Processing");
}

TEST(gateway_service, destinations_lists_each_destination_and_its_operations) {
  service_registry services;
  add_echo_service(services);
  services.add("Work").operation("b", []() { return amf::value::null(); }).operation("a", []() {
    return amf::value::null();
  });
  gateway gw(std::move(services));
  std::vector<std::string> lines = gw.destinations();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("EchoService: ", 0), 0u);
  EXPECT_NE(lines[0].find("echo"), std::string::npos);
  EXPECT_EQ(lines[1], "Work: a, b");
}

}  // namespace
}  // namespace amphora::server
