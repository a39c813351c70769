// server::stop_on_signals with a hang-up handler: SIGHUP calls it (again and again) and the server
// keeps serving; the config keys of access control.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "amphora/server/server.hpp"
#include "net.hpp"

namespace amphora::server {
namespace {

using detail::error_code;
using detail::tcp;
namespace net = detail::net;

TEST(signals, sighup_calls_the_hangup_handler_and_the_server_keeps_running) {
  config cfg;
  cfg.port = 0;
  cfg.threads = 1;
  cfg.level = log_level::off;
  server srv(cfg);
  srv.start();
  std::mutex mutex;
  std::condition_variable changed;
  int hangups = 0;
  srv.stop_on_signals([&] {
    const std::lock_guard lock(mutex);
    ++hangups;
    changed.notify_all();
  });
  for (int expected = 1; expected <= 2; ++expected) {
    ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return hangups >= expected; }));
  }
  net::io_context ioc;
  tcp::socket socket(ioc);
  error_code ec;
  socket.connect({net::ip::make_address("127.0.0.1"), srv.port()}, ec);
  EXPECT_FALSE(ec) << ec.message();  // still accepting
  srv.stop();
  EXPECT_EQ(hangups, 2);
}

TEST(config, access_control_keys) {
  config cfg;
  EXPECT_EQ(cfg.acl, "");
  EXPECT_EQ(cfg.anonymous_role, "anonymous");
  EXPECT_EQ(apply_setting(cfg, "acl", " /etc/amphora/acl.xml "), "");
  EXPECT_EQ(cfg.acl, "/etc/amphora/acl.xml");
  EXPECT_EQ(apply_setting(cfg, "anonymous_role", "guest"), "");
  EXPECT_EQ(cfg.anonymous_role, "guest");
  EXPECT_NE(apply_setting(cfg, "anonymous_role", " "), "");
  EXPECT_EQ(cfg.anonymous_role, "guest");
}

}  // namespace
}  // namespace amphora::server
