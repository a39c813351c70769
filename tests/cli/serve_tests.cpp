// `amphora serve` as a user runs it: started as a child process on 127.0.0.1 port 0, its banner
// read (the actual port, endpoints, destinations), called over HTTP, stopped with SIGINT (Ctrl+C).
// Every wait is bounded; a server that does not stop is killed and the test fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

extern char** environ;

namespace amphora::cli::test {
namespace {

using namespace std::chrono_literals;
constexpr auto generous = 20s;  // only reached when something is broken

const std::string blazeds_sample = std::string(AMPHORA_EXAMPLES_DIR) + "/../blazeds/services-config.xml";

// One running `amphora serve`, its stdout and stderr in files.
class server_process {
 public:
  explicit server_process(const std::vector<std::string>& args)
      : out_(scratch_file("serve-out", "")), err_(scratch_file("serve-err", "")) {
    std::vector<std::string> argv{amphora_path(), "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_TRUNC, 0);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_TRUNC, 0);
    std::vector<char*> raw;
    for (std::string& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    if (::posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~server_process() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  // The banner once complete (it ends with "press Ctrl+C to stop"), or "" if it never came.
  std::string banner() {
    const auto deadline = std::chrono::steady_clock::now() + generous;
    while (std::chrono::steady_clock::now() < deadline && !exited()) {
      const std::string text = read_file(out_);
      if (text.find("press Ctrl+C to stop\n") != std::string::npos) return text;
      std::this_thread::sleep_for(20ms);
    }
    return {};
  }

  static std::uint16_t port_of(const std::string& banner) {
    const std::string key = "listening on http://127.0.0.1:";
    const std::size_t at = banner.find(key);
    return at == std::string::npos ? 0
                                   : static_cast<std::uint16_t>(std::stoul(banner.substr(at + key.size())));
  }

  // Ctrl+C, then the exit code (nullopt if it did not stop within the bound: then killed).
  std::optional<int> interrupt() {
    ::kill(pid_, SIGINT);
    const auto deadline = std::chrono::steady_clock::now() + generous;
    while (std::chrono::steady_clock::now() < deadline) {
      if (exited()) return exit_code_;
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

  std::string err() const { return read_file(err_); }
  bool started() const { return pid_ > 0; }
  void hangup() const { ::kill(pid_, SIGHUP); }
  // Waits (bounded) until stderr holds `text`.
  bool err_shows(const std::string& text) const {
    const auto deadline = std::chrono::steady_clock::now() + generous;
    while (std::chrono::steady_clock::now() < deadline) {
      if (err().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  bool exited() {
    if (exit_code_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }

  std::string out_;
  std::string err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// One HTTP/1.1 request with Connection: close; the whole raw response ("" on failure).
std::string http(std::uint16_t port, const std::string& method, const std::string& path,
                 const std::string& body = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval limit{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
        "Content-Type: application/x-amf\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
        body;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char chunk[4096];
      for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;)
        response.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

std::string body_of(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

TEST(serve, banner_health_echo_and_ctrl_c) {
  server_process server({"--port", "0"});
  ASSERT_TRUE(server.started());
  const std::string banner = server.banner();
  ASSERT_NE(banner, "") << server.err();
  const std::uint16_t port = server_process::port_of(banner);
  ASSERT_NE(port, 0) << banner;  // port 0: the actual port is printed
  EXPECT_NE(banner.find("  POST  /amf\n"), std::string::npos) << banner;
  EXPECT_NE(banner.find("  POST  /messagebroker/amf\n"), std::string::npos) << banner;
  EXPECT_NE(banner.find("  GET   /health\n"), std::string::npos) << banner;
  EXPECT_NE(banner.find("  EchoService: add, echo, now, reverse, sum\n"), std::string::npos) << banner;

  const std::string health = http(port, "GET", "/health");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << health;
  EXPECT_EQ(body_of(health), R"({"status":"ok"})");

  // The README's tour: EchoService.echo from a NetConnection-style request built by `amphora encode`.
  const run_result request = amphora(
      {"encode", "--packet"},
      R"({"version":0,"headers":[],"bodies":[{"target":"EchoService.echo","response":"/1","value":["hi"]}]})");
  ASSERT_EQ(request.exit_code, 0) << request.err;
  const std::string answer = http(port, "POST", "/amf", request.out);
  const run_result decoded = amphora({"decode", "--packet"}, body_of(answer));
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_NE(decoded.out.find(R"("target":"/1/onResult")"), std::string::npos) << decoded.out;
  EXPECT_NE(decoded.out.find(R"("value":"hi")"), std::string::npos) << decoded.out;

  EXPECT_EQ(server.interrupt(), std::optional<int>(0));
  EXPECT_NE(server.err().find(" GET /health 200 "), std::string::npos) << server.err();  // the request log
  EXPECT_NE(server.err().find(" POST /amf 200 "), std::string::npos) << server.err();
}

TEST(serve, services_config_mounts_its_endpoints_and_destination_ids) {
  server_process server({"--port", "0", "--services-config", blazeds_sample});
  ASSERT_TRUE(server.started());
  const std::string banner = server.banner();
  ASSERT_NE(banner, "") << server.err();
  EXPECT_NE(banner.find("  POST  /messagebroker/amfsecure\n"), std::string::npos) << banner;
  EXPECT_NE(banner.find("  POST  /messagebroker/streamingamf\n"), std::string::npos) << banner;
  EXPECT_NE(banner.find("  echoService -> EchoService\n"), std::string::npos) << banner;
  // A Flex RemotingMessage for the BlazeDS destination id "echoService", on its channel's path
  // (my-amf, the remoting service's default channel).
  const run_result request = amphora({"encode", "--packet"}, R"({"version":3,"headers":[],"bodies":[
      {"target":"null","response":"/1","value":[{"$amf3":{"$class":"flex.messaging.messages.RemotingMessage",
       "body":["hello"],"clientId":null,"destination":"echoService","headers":{"DSId":"nil"},
       "messageId":"6D1F5D8A-2B4E-4C8A-9E3F-0A1B2C3D4E5F","operation":"echo","source":null,
       "timeToLive":0,"timestamp":0}}]}]})");
  ASSERT_EQ(request.exit_code, 0) << request.err;
  const std::string answer = http(server_process::port_of(banner), "POST", "/messagebroker/amf", request.out);
  const run_result decoded = amphora({"decode", "--packet"}, body_of(answer));
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_NE(decoded.out.find(R"("target":"/1/onResult")"), std::string::npos) << decoded.out;
  EXPECT_NE(decoded.out.find(R"("correlationId":"6D1F5D8A-2B4E-4C8A-9E3F-0A1B2C3D4E5F")"), std::string::npos)
      << decoded.out;
  EXPECT_NE(decoded.out.find(R"("body":"hello")"), std::string::npos) << decoded.out;
  // Another channel's path: refused, as BlazeDS refuses a destination over a channel it does not list.
  const std::string refused =
      http(server_process::port_of(banner), "POST", "/messagebroker/amfsecure", request.out);
  const run_result fault = amphora({"decode", "--packet"}, body_of(refused));
  ASSERT_EQ(fault.exit_code, 0) << fault.err;
  EXPECT_NE(fault.out.find(R"("target":"/1/onStatus")"), std::string::npos) << fault.out;
  EXPECT_NE(fault.out.find("Destination 'echoService' not accessible over channel 'my-secure-amf'."),
            std::string::npos)
      << fault.out;
  EXPECT_EQ(server.interrupt(), std::optional<int>(0));
  const std::string log = server.err();
  EXPECT_NE(log.find("services-config: destination 'echoService' -> EchoService"), std::string::npos) << log;
  EXPECT_NE(log.find("ignored <security>"), std::string::npos) << log;
  EXPECT_NE(log.find("channel 'my-secure-amf' is secure: give --tls-cert and --tls-key"), std::string::npos)
      << log;
}

TEST(serve, a_missing_tls_certificate_stops_startup) {
  const run_result r = amphora({"serve", "--port", "0", "--tls-port", "0", "--tls-cert",
                                "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tls_cert /nonexistent/cert.pem: No such file or directory"), std::string::npos)
      << r.err;
}

TEST(serve, sighup_reloads_the_user_file) {
  const std::string users = scratch_file("sighup-users.txt", "");
  ASSERT_EQ(amphora({"passwd", "--users", users, "--cost", "min", "alice"}, "one\n").exit_code, 0);
  server_process server({"--port", "0", "--users", users});
  ASSERT_TRUE(server.started());
  ASSERT_NE(server.banner(), "") << server.err();
  ASSERT_EQ(amphora({"passwd", "--users", users, "--cost", "min", "bob"}, "two\n").exit_code, 0);
  server.hangup();
  EXPECT_TRUE(server.err_shows("SIGHUP: users reloaded from " + users + " (2 users)")) << server.err();
  std::ofstream(users, std::ios::app) << "broken line\n";
  server.hangup();
  EXPECT_TRUE(server.err_shows("SIGHUP: user file reload failed, the old users stay: " + users + ":"))
      << server.err();
  EXPECT_EQ(server.interrupt(), std::optional<int>(0));
}

TEST(serve, a_malformed_services_config_stops_startup_with_file_and_line) {
  const std::string broken = scratch_file("broken.xml", "<services-config>\n<channels>\n</services>\n");
  const run_result r = amphora({"serve", "--port", "0", "--services-config", broken});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(broken + ":3: malformed XML"), std::string::npos) << r.err;
}

TEST(serve, the_config_file_takes_the_services_config_key) {
  const std::string conf =
      scratch_file("amphora.conf", "port = 0\nservices_config = /nonexistent/services.xml\n");
  const run_result r = amphora({"serve", "--config", conf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/services.xml: cannot open"), std::string::npos) << r.err;
}

TEST(serve, messaging_destinations_come_from_the_services_config) {
  const std::string file = scratch_file("messaging.xml", R"(<services-config>
<services>
<service id="message-service" class="flex.messaging.services.MessageService">
<destination id="news"><properties><server><allow-subtopics>false</allow-subtopics></server></properties></destination>
</service>
</services>
<channels>
<channel-definition id="lp" class="mx.messaging.channels.AMFChannel">
<endpoint url="http://{server.name}:{server.port}/{context.root}/lp" class="flex.messaging.endpoints.AMFEndpoint"/>
<properties><polling-enabled>true</polling-enabled><wait-interval-millis>1000</wait-interval-millis>
<max-waiting-poll-requests>10</max-waiting-poll-requests></properties>
</channel-definition>
</channels>
</services-config>
)");
  server_process server({"--port", "0", "--services-config", file});
  ASSERT_TRUE(server.started());
  const std::string banner = server.banner();
  ASSERT_NE(banner, "") << server.err();
  EXPECT_NE(banner.find("  news (messaging)\n"), std::string::npos) << banner;
  EXPECT_EQ(banner.find("chat (messaging)"), std::string::npos) << banner;  // replaced
  EXPECT_NE(banner.find("  POST  /lp\n"), std::string::npos) << banner;
  EXPECT_EQ(server.interrupt(), std::optional<int>(0));
}

TEST(serve, an_unknown_messaging_key_stops_startup_with_file_and_line) {
  const std::string file = scratch_file("typo.xml", R"(<services-config>
<services>
<service id="message-service" class="flex.messaging.services.MessageService">
<destination id="news"><properties><server>
<alow-subtopics>true</alow-subtopics>
</server></properties></destination>
</service>
</services>
</services-config>
)");
  const run_result r = amphora({"serve", "--port", "0", "--services-config", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file + ":5: unknown property <alow-subtopics> in <server> of destination 'news'"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace amphora::cli::test
