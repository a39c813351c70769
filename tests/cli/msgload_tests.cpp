// amphora msgload against a real `amphora serve` started on 127.0.0.1, port 0, for each test and
// always stopped: 50 subscribers, a few messages, every subscriber held and every message
// delivered to each, once and in order, on every channel and on a mix of them; and against the
// benchmark's baseline, `amphora fanout`, the same way. No timing is asserted: the
// figures are the benchmark's business (bench/messaging/run_messaging_bench.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "msgload_order.hpp"
#include "msgload_spread.hpp"
#include "process.hpp"

namespace amphora::cli::test {
namespace {

using ::testing::HasSubstr;

class Msgload : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = listening_port(server_);
    ASSERT_NE(port_, 0u) << server_.err();
  }

  // `amphora msgload` against this server with `args`, allowed a minute to set up and to drain.
  run_result msgload(std::vector<std::string> args) const {
    args.insert(args.begin(), {"msgload", "--port", std::to_string(port_)});
    args.insert(args.end(), {"--drain", "60", "--setup-timeout", "60"});
    return amphora(args);
  }

  background_process server_{{"serve", "--port", "0", "--log-level", "warn"}};
  unsigned port_ = 0;
};

TEST_F(Msgload, EverySubscriberGetsEveryMessageOnEveryChannel) {
  for (const std::string channel : {"longpoll", "streaming", "websocket"}) {
    SCOPED_TRACE(channel);
    const run_result r = msgload({"--channel", channel, "--clients", "50", "--threads", "2", "--messages",
                                  "4", "--hold", "0.2", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("\"channel\":\"" + channel + "\""));
    EXPECT_EQ(json_number(r.out, "held"), 50);
    EXPECT_EQ(json_number(r.out, "published"), 4);
    EXPECT_EQ(json_number(r.out, "deliveries"), 200);
    EXPECT_EQ(json_number(r.out, "expected"), 200);
    EXPECT_EQ(json_number(r.out, "lost"), 0);
    EXPECT_EQ(json_number(r.out, "faults"), 0);
    EXPECT_EQ(json_number(r.out, "misordered"), 0);
    EXPECT_EQ(json_number(r.out, "held_" + channel), 50);
    EXPECT_GT(json_number(r.out, "p99_ms"), 0);
    EXPECT_GE(json_number(r.out, "p99_ms"), json_number(r.out, "p90_ms"));
    EXPECT_GE(json_number(r.out, "p90_ms"), json_number(r.out, "p50_ms"));
    EXPECT_GE(json_number(r.out, "client_cpu_us_per_delivery"), 0);
    // Each message's spread over the 50 subscribers: first delivery, then the last.
    EXPECT_EQ(json_number(r.out, "spread_messages"), 4);
    EXPECT_GT(json_number(r.out, "first_delivery_ms"), 0);
    EXPECT_GE(json_number(r.out, "last_delivery_ms"), json_number(r.out, "first_delivery_ms"));
    EXPECT_GE(json_number(r.out, "last_delivery_max_ms"), json_number(r.out, "last_delivery_ms"));
    EXPECT_GE(json_number(r.out, "max_ms"), json_number(r.out, "last_delivery_max_ms"));
  }
  EXPECT_EQ(server_.stop(), 0) << server_.err();
}

// Several publishers at once (many producers): each message once to every subscriber, in order per
// publisher, and the report's figures by publisher (10 messages over 3 publishers: 4, 3 and 3).
TEST_F(Msgload, SeveralPublishersEachMessageOnceToEverySubscriberInOrderPerPublisher) {
  for (const std::string channel : {"longpoll", "streaming", "websocket"}) {
    SCOPED_TRACE(channel);
    const run_result r = msgload({"--channel", channel, "--clients", "30", "--messages", "10", "--publishers",
                                  "3", "--hold", "0.2", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(json_number(r.out, "held"), 30);
    EXPECT_EQ(json_number(r.out, "publishers"), 3);
    EXPECT_EQ(json_number(r.out, "published"), 10);
    EXPECT_EQ(json_number(r.out, "deliveries"), 300);
    EXPECT_EQ(json_number(r.out, "misordered"), 0);
    EXPECT_EQ(json_number(r.out, "faults"), 0);
    EXPECT_THAT(r.out, HasSubstr("\"published_by_publisher\":[4,3,3]"));
    EXPECT_THAT(r.out, HasSubstr("\"deliveries_by_publisher\":[120,90,90]"));
    EXPECT_THAT(r.out, HasSubstr("\"misordered_by_publisher\":[0,0,0]"));
  }
  const run_result text = msgload(
      {"--channel", "websocket", "--clients", "5", "--messages", "4", "--publishers", "2", "--hold", "0.1"});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("published:   4"));
  EXPECT_THAT(text.out, HasSubstr("by 2 publishers: 2 (10 delivered, 0 out of order) 2 (10 delivered"));
  EXPECT_EQ(server_.stop(), 0) << server_.err();
}

// The spread of each message over its subscribers, from the deliveries of two client threads: the
// earliest and the latest delivery of each message, then the medians and the largest over the
// messages delivered (message 3 never was; numbers past the messages asked for are ignored).
TEST(MsgloadSpread, FirstAndLastDeliveryOfEachMessageOverTheThreads) {
  msgload::message_spread a(4);
  msgload::message_spread b(4);
  a.add(0, 2'000'000);
  a.add(0, 9'000'000);
  b.add(0, 1'000'000);
  a.add(1, 4'000'000);
  b.add(1, 30'000'000);
  b.add(2, 6'000'000);
  b.add(7, 1);
  a.merge(b);
  const msgload::message_spread::summary s = a.summarize();
  EXPECT_EQ(s.messages, 3u);
  EXPECT_DOUBLE_EQ(s.first_p50_ms, 4);  // firsts 1, 4, 6 ms
  EXPECT_DOUBLE_EQ(s.first_max_ms, 6);
  EXPECT_DOUBLE_EQ(s.last_p50_ms, 9);  // lasts 9, 30, 6 ms
  EXPECT_DOUBLE_EQ(s.last_max_ms, 30);
  EXPECT_EQ(msgload::message_spread().summarize().messages, 0u);
}

// The order check itself: message s is publisher s % P's (s / P)-th message.
TEST(MsgloadOrder, PublishersInterleaveFreelyEachInItsOwnOrder) {
  msgload::order_check check(3);
  EXPECT_EQ(check.publisher_of(7), 1u);
  for (const std::uint64_t s : {2u, 0u, 1u, 5u, 3u, 4u, 8u, 11u, 6u, 9u, 7u})
    EXPECT_TRUE(check.accept(s)) << s;
}

TEST(MsgloadOrder, ADuplicateOrALateMessageOfOnePublisherIsCaught) {
  msgload::order_check check(2);
  EXPECT_TRUE(check.accept(0));
  EXPECT_TRUE(check.accept(4));   // publisher 0's third: its second (2) is skipped (late or lost)
  EXPECT_FALSE(check.accept(2));  // ... and comes late
  EXPECT_FALSE(check.accept(4));  // a duplicate
  EXPECT_TRUE(check.accept(1));   // publisher 1 is on its own
  EXPECT_FALSE(check.accept(1));
  msgload::order_check one(1);  // one publisher: the order of the numbers
  EXPECT_TRUE(one.accept(0));
  EXPECT_TRUE(one.accept(1));
  EXPECT_FALSE(one.accept(0));
}

TEST_F(Msgload, AMixOfLongPollAndStreamingSubscribersInOneRun) {
  const std::string pid = std::to_string(server_.pid());
  const run_result r = msgload({"--channel", "longpoll,streaming", "--clients", "20", "--messages", "3",
                                "--hold", "0.2", "--server-pid", pid, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"channel\":\"longpoll+streaming\""));
  EXPECT_EQ(json_number(r.out, "held"), 20);
  EXPECT_EQ(json_number(r.out, "held_longpoll"), 10);
  EXPECT_EQ(json_number(r.out, "held_streaming"), 10);
  EXPECT_EQ(json_number(r.out, "held_websocket"), 0);
  EXPECT_EQ(json_number(r.out, "deliveries"), 60);
  EXPECT_EQ(json_number(r.out, "expected"), 60);
  EXPECT_EQ(json_number(r.out, "misordered"), 0);
  EXPECT_GE(json_number(r.out, "server_cpu_us_per_delivery"), 0);
  EXPECT_EQ(server_.stop(), 0) << server_.err();
}

TEST_F(Msgload, TextReportWithSourceAddressesAndTheServersMemory) {
  // 127.0.0.1 twice: a source list without needing other loopback addresses configured.
  const std::string pid = std::to_string(server_.pid());
  const run_result r = amphora({"msgload", "--port", std::to_string(port_), "-c", "10", "--sources",
                                "127.0.0.1,127.0.0.1", "-n", "2", "--hold", "0", "--server-pid", pid});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("longpoll: 10 subscribers on 'chat', 2 source"));
  EXPECT_THAT(r.out, HasSubstr("held:        10 ("));
  EXPECT_THAT(r.out, HasSubstr("server RSS:  "));
  EXPECT_THAT(r.out, HasSubstr("deliveries:  20 of 20 ("));
  EXPECT_THAT(r.out, HasSubstr("after the publish (medians over 2 messages)"));
  EXPECT_THAT(r.out, HasSubstr("server CPU:  "));
  EXPECT_THAT(r.out, HasSubstr("msgload CPU: "));
  EXPECT_THAT(r.out, HasSubstr("errors:      0 lost connections, 0 faults, 0 out of order"));
}

TEST_F(Msgload, AnUnknownDestinationHoldsNoSubscriber) {
  const run_result r = amphora({"msgload", "--port", std::to_string(port_), "-c", "3", "--destination",
                                "nowhere", "-n", "0", "--hold", "0", "--setup-timeout", "30"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("SUBSCRIBE: not acknowledged"));
  EXPECT_THAT(r.err, HasSubstr("no subscriber was held"));
}

TEST(MsgloadServeLimits, MaxStreamingClientsRefusesTheNextStreamWith503) {
  background_process server{{"serve", "--port", "0", "--log-level", "warn", "--max-streaming-clients", "2"}};
  const unsigned port = listening_port(server);
  ASSERT_NE(port, 0u) << server.err();
  const run_result r =
      amphora({"msgload", "--port", std::to_string(port), "--channel", "streaming", "--clients", "3",
               "--messages", "0", "--hold", "0", "--setup-timeout", "30", "--json"});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;  // not every subscriber was held
  EXPECT_EQ(json_number(r.out, "held_streaming"), 2) << r.out;
  EXPECT_EQ(json_number(r.out, "setup_failed"), 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("open refused: HTTP/1.1 503"));
  EXPECT_EQ(server.stop(), 0) << server.err();
}

// The benchmark's baseline, `amphora fanout` (a bare fan-out server), driven by the same msgload
// as `amphora serve`: one write per delivery with one event loop; two loops, each message to
// every subscriber as one write; two loops writing every pending message of a subscriber in one
// writev(); frames padded to a given size.
TEST(MsgloadBaseline, TheBareFanoutServerPushesEveryMessageToEverySubscriber) {
  for (const std::vector<std::string>& mode : std::vector<std::vector<std::string>>{
           {"--threads", "1"}, {"--threads", "2", "--batch", "3"}, {"--threads", "2", "--coalesce"}}) {
    SCOPED_TRACE(mode.back());
    std::vector<std::string> args{"fanout", "--port", "0"};
    args.insert(args.end(), mode.begin(), mode.end());
    background_process server{args};
    const unsigned port = listening_port(server);
    ASSERT_NE(port, 0u) << server.err();
    const run_result r = amphora({"msgload",
                                  "--port",
                                  std::to_string(port),
                                  "--channel",
                                  "websocket",
                                  "--clients",
                                  "20",
                                  "--threads",
                                  "2",
                                  "--messages",
                                  "5",
                                  "--hold",
                                  "0.2",
                                  "--drain",
                                  "60",
                                  "--setup-timeout",
                                  "60",
                                  "--server-pid",
                                  std::to_string(server.pid()),
                                  "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(json_number(r.out, "held_websocket"), 20);
    EXPECT_EQ(json_number(r.out, "published"), 5);
    EXPECT_EQ(json_number(r.out, "deliveries"), 100);
    EXPECT_EQ(json_number(r.out, "expected"), 100);
    EXPECT_EQ(json_number(r.out, "lost"), 0);
    EXPECT_EQ(json_number(r.out, "faults"), 0);
    EXPECT_EQ(json_number(r.out, "misordered"), 0);
    EXPECT_GE(json_number(r.out, "server_cpu_us_per_delivery"), 0);
    EXPECT_EQ(server.stop(), 0) << server.err();
    EXPECT_THAT(server.err(),
                HasSubstr("fanout: 20 subscribers, 5 messages published, 100 frames pushed in "));
  }
}

TEST(MsgloadBaseline, FramesArePaddedToTheSizeAsked) {
  background_process server{{"fanout", "--port", "0", "--frame-bytes", "1000"}};
  const unsigned port = listening_port(server);
  ASSERT_NE(port, 0u) << server.err();
  const run_result r = amphora({"msgload", "--port", std::to_string(port), "--channel", "websocket", "-c",
                                "3", "-n", "2", "--hold", "0", "--drain", "60", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(json_number(r.out, "deliveries"), 6);
  EXPECT_EQ(json_number(r.out, "bytes_per_delivery"), 1000);
  EXPECT_EQ(server.stop(), 0) << server.err();
}

TEST(MsgloadBaseline, FanoutUsageErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"--host", "10.0.0.1"},
                                                                                    {"--host", "::1"},
                                                                                    {"--threads", "0"},
                                                                                    {"--frame-bytes", "x"},
                                                                                    {"--batch", "0"}}) {
    std::vector<std::string> argv{"fanout"};
    argv.insert(argv.end(), args.begin(), args.end());
    SCOPED_TRACE(args[0] + " " + args[1]);
    const run_result r = amphora(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("amphora fanout: "));
  }
}

TEST(MsgloadAlone, UsageErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--host", "10.0.0.1"},
           {"--channel", "carrier-pigeon"},
           {"--channel", "longpoll,"},
           {"--channel", "streaming", "--path", "amf"},
           {"--channel", "longpoll,websocket", "--path", "/x"},
           {"--port", "0"},
           {"--clients", "0"},
           {"--sources", "10.0.0.1-10.0.0.5"},
           {"--sources", "127.0.0.9-127.0.0.2"},
           {"--rate", "-1"},
           {"--publishers", "0"},
           {"--publishers", "65"},
           {"--hold", "601"},
           {"--path", "amf"},
           {"--destination", "a\"b"},
       }) {
    std::vector<std::string> argv{"msgload"};
    argv.insert(argv.end(), args.begin(), args.end());
    SCOPED_TRACE(args[0] + " " + args[1]);
    const run_result r = amphora(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("amphora msgload: "));
  }
}

}  // namespace
}  // namespace amphora::cli::test
