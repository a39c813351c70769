// The HTTP layer's pure parts: routing, CORS, settings, the request log line, the worker pool.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>

#include "amphora/server/config.hpp"
#include "cors.hpp"
#include "request_log.hpp"
#include "router.hpp"
#include "worker_pool.hpp"

namespace amphora::server::detail {
namespace {

class null_handler final : public handler {
 public:
  void handle(const request_view&, reply_callback done) override { done(reply{}); }
};

router make_router() {
  router r;
  r.add({"/amf", {"POST"}, std::make_shared<null_handler>()});
  r.add({"/messagebroker/amf", {"POST"}, std::make_shared<null_handler>()});
  return r;
}

TEST(router, exact_paths_and_methods) {
  const router r = make_router();
  EXPECT_EQ(r.find("POST", "/amf").what, router::outcome::handler);
  EXPECT_EQ(r.find("POST", "/messagebroker/amf").what, router::outcome::handler);
  EXPECT_EQ(r.find("POST", "/amf/").what, router::outcome::not_found);
  EXPECT_EQ(r.find("POST", "/AMF").what, router::outcome::not_found);
  EXPECT_EQ(r.find("GET", "/health").what, router::outcome::health);
  EXPECT_EQ(r.find("OPTIONS", "/amf").what, router::outcome::preflight);
  const router::match get = r.find("GET", "/amf");
  EXPECT_EQ(get.what, router::outcome::method_not_allowed);
  EXPECT_EQ(get.allow, "POST, OPTIONS");
  EXPECT_EQ(r.find("POST", "/health").what, router::outcome::method_not_allowed);
}

TEST(router, mounting_again_replaces) {
  router r = make_router();
  auto h = std::make_shared<null_handler>();
  r.add({"/amf", {"POST", "PUT"}, h});
  EXPECT_EQ(r.routes().size(), 2u);
  const router::match m = r.find("PUT", "/amf");
  ASSERT_EQ(m.what, router::outcome::handler);
  EXPECT_EQ(m.route->target, h);
}

header_list::const_iterator find_header(const header_list& h, std::string_view name) {
  return std::find_if(h.begin(), h.end(), [&](const auto& p) { return p.first == name; });
}

TEST(cors, only_for_allowed_origins) {
  config cfg;
  cfg.cors_origins = {"http://app.example", "https://other.example"};
  const cors_policy cors(cfg);
  header_list h;
  cors.add_headers("http://evil.example", h);
  cors.add_headers("", h);
  EXPECT_TRUE(h.empty());
  cors.add_headers("https://other.example", h);
  ASSERT_NE(find_header(h, "Access-Control-Allow-Origin"), h.end());
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Origin")->second, "https://other.example");
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Credentials")->second, "true");
}

TEST(cors, wildcard_echoes_the_origin_and_preflight_lists_methods) {
  config cfg;
  cfg.cors_origins = {"*"};
  cfg.cors_credentials = false;
  const cors_policy cors(cfg);
  header_list h;
  cors.add_headers("http://x.example", h);
  cors.add_preflight_headers("http://x.example", "POST, OPTIONS", h);
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Origin")->second, "http://x.example");
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Credentials"), h.end());
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Methods")->second, "POST, OPTIONS");
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Headers")->second, "Content-Type");
}

// The session adds add_headers to every answer, preflights included: the preflight part must not
// add them again (Chromium refuses "Access-Control-Allow-Origin: a, a" and so every Royale call).
TEST(cors, preflight_headers_leave_the_origin_to_add_headers) {
  config cfg;
  cfg.cors_origins = {"http://app.example"};
  const cors_policy cors(cfg);
  header_list h;
  cors.add_preflight_headers("http://app.example", "POST, OPTIONS", h);
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Origin"), h.end());
  EXPECT_EQ(find_header(h, "Access-Control-Allow-Credentials"), h.end());
  EXPECT_EQ(find_header(h, "Vary"), h.end());
  EXPECT_EQ(find_header(h, "Access-Control-Max-Age")->second, "600");
}

TEST(cors, no_origins_configured_means_no_headers) {
  const cors_policy cors(config{});
  header_list h;
  cors.add_preflight_headers("http://x.example", "POST", h);
  EXPECT_TRUE(h.empty());
}

TEST(config, settings_from_text) {
  config cfg;
  EXPECT_EQ(apply_setting(cfg, "port", "0"), "");
  EXPECT_EQ(cfg.port, 0);
  EXPECT_EQ(apply_setting(cfg, "max_body", "2M"), "");
  EXPECT_EQ(cfg.max_body, 2u * 1024 * 1024);
  EXPECT_EQ(apply_setting(cfg, "header_timeout_ms", " 250 "), "");
  EXPECT_EQ(cfg.header_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(apply_setting(cfg, "cors_origins", "http://a, http://b ,"), "");
  EXPECT_EQ(cfg.cors_origins, (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_EQ(apply_setting(cfg, "log_level", "debug"), "");
  EXPECT_EQ(cfg.level, log_level::debug);

  EXPECT_NE(apply_setting(cfg, "port", "65536"), "");
  EXPECT_NE(apply_setting(cfg, "port", "-1"), "");
  EXPECT_NE(apply_setting(cfg, "port", "80x"), "");
  EXPECT_NE(apply_setting(cfg, "threads", ""), "");
  EXPECT_NE(apply_setting(cfg, "pipeline_limit", "0"), "");
  EXPECT_NE(apply_setting(cfg, "log_level", "loud"), "");
  EXPECT_EQ(apply_setting(cfg, "nope", "1"), "unknown key 'nope'");
  EXPECT_EQ(cfg.port, 0);  // failed settings leave the value alone
}

std::string write_temp(const std::string& text) {
  const std::string path = ::testing::TempDir() + "amphora_server_config_test.conf";
  std::ofstream(path) << text;
  return path;
}

TEST(config, file_of_key_value_lines) {
  const std::string path = write_temp(
      "# amphora serve settings\n"
      "host = 0.0.0.0\n"
      "\n"
      "port=9000   # trailing comment\n"
      "cors_origins = http://localhost:3000\n");
  config cfg;
  EXPECT_EQ(load_config_file(path, cfg), "");
  EXPECT_EQ(cfg.host, "0.0.0.0");
  EXPECT_EQ(cfg.port, 9000);
  EXPECT_EQ(cfg.cors_origins, std::vector<std::string>{"http://localhost:3000"});
  std::remove(path.c_str());
}

TEST(config, file_errors_name_the_line) {
  const std::string path = write_temp("port = 1\nthreads\n");
  config cfg;
  EXPECT_EQ(load_config_file(path, cfg), path + ":2: expected key = value");
  std::remove(path.c_str());
  EXPECT_EQ(load_config_file(path, cfg), path + ": cannot open");
}

TEST(request_log, one_line_with_every_field) {
  request_record r;
  r.received = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  r.remote = "127.0.0.1:5000";
  r.method = "POST";
  r.path = "/amf";
  r.status = 200;
  r.request_bytes = 312;
  r.response_bytes = 245;
  r.elapsed = std::chrono::microseconds(1500);
  EXPECT_EQ(format_request_line(r), "2023-11-14T22:13:20.123Z 127.0.0.1:5000 POST /amf 200 312 245 1.50ms");
}

TEST(request_log, levels_filter_and_sink_gets_lines) {
  std::vector<std::string> lines;
  request_log log(log_level::warn, [&](std::string_view line) { lines.emplace_back(line); });
  log.request(request_record{});
  log.event(log_level::info, "not shown");
  log.event(log_level::error, "shown");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" shown"), std::string::npos);
}

TEST(worker_pool, runs_tasks_and_refuses_when_full) {
  worker_pool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.post([&] {
    started.set_value();
    released.wait();
    ++ran;
  }));
  started.get_future().wait();                   // the only worker is busy
  EXPECT_TRUE(pool.post([&] { ++ran; }));        // queued
  EXPECT_FALSE(pool.post([&] { ran += 100; }));  // queue full: refused, never run
  release.set_value();
  pool.stop();
  EXPECT_GE(ran.load(), 1);
  EXPECT_LE(ran.load(), 2);
  EXPECT_FALSE(pool.post([] {}));  // stopped
}

TEST(worker_pool, a_throwing_task_does_not_kill_the_worker) {
  worker_pool pool(1, 4);
  std::promise<void> second;
  ASSERT_TRUE(pool.post([] { throw std::runtime_error("x"); }));
  ASSERT_TRUE(pool.post([&] { second.set_value(); }));
  EXPECT_EQ(second.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

}  // namespace
}  // namespace amphora::server::detail
