// services-config.xml: the sample in examples/blazeds/ (channels, an included remoting-config.xml,
// ignored parts), destination ids resolved to registered services and callable through the
// gateway, and broken files refused with FILE:LINE.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "amphora/server/services_config.hpp"
#include "gateway_test_util.hpp"

namespace amphora::server {
namespace {

const std::string sample = std::string(AMPHORA_EXAMPLES_DIR) + "/blazeds/services-config.xml";

bool has_note(const std::vector<std::string>& notes, const std::string& part) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

// A scratch directory of XML files, removed afterwards.
class scratch {
 public:
  scratch() : dir_(std::filesystem::temp_directory_path() / ("amphora-sc-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

 private:
  std::filesystem::path dir_;
};

std::string load_error(const std::string& path) {
  services_config cfg;
  return load_services_config(path, cfg);
}

TEST(services_config, reads_the_sample_channels) {
  services_config cfg;
  ASSERT_EQ(load_services_config(sample, cfg), "");
  ASSERT_EQ(cfg.channels.size(), 4u);
  EXPECT_EQ(cfg.channels[0].id, "my-amf");
  EXPECT_EQ(cfg.channels[0].endpoint_url,
            "http://{server.name}:{server.port}/{context.root}/messagebroker/amf");
  EXPECT_EQ(cfg.channels[0].path, "/messagebroker/amf");
  EXPECT_EQ(cfg.channels[0].kind, "amf");
  EXPECT_TRUE(cfg.channels[0].mounted);
  EXPECT_EQ(cfg.channels[1].path, "/messagebroker/amfsecure");  // TLS is a proxy's job: served too
  EXPECT_TRUE(cfg.channels[1].mounted);
  EXPECT_EQ(cfg.channels[2].kind, "polling");
  EXPECT_FALSE(cfg.channels[2].mounted);
  EXPECT_EQ(cfg.channels[3].kind, "streaming");
  EXPECT_EQ(cfg.channels[3].path, "/messagebroker/streamingamf");
  EXPECT_FALSE(cfg.channels[3].mounted);
  EXPECT_EQ(cfg.amf_paths(), (std::vector<std::string>{"/messagebroker/amf", "/messagebroker/amfsecure"}));
}

TEST(services_config, reads_included_remoting_destinations_and_notes_the_rest) {
  services_config cfg;
  ASSERT_EQ(load_services_config(sample, cfg), "");
  ASSERT_EQ(cfg.destinations.size(), 3u);
  EXPECT_EQ(cfg.destinations[0].id, "echoService");
  EXPECT_EQ(cfg.destinations[0].source, "com.example.EchoService");
  EXPECT_NE(cfg.destinations[0].where.find("remoting-config.xml:"), std::string::npos);
  EXPECT_EQ(cfg.destinations[1].source, "EchoService");
  EXPECT_EQ(cfg.destinations[2].id, "productService");
  // Ignored, each with a line: other services, sections, properties, unmounted channels.
  EXPECT_TRUE(has_note(cfg.notes, "services-config.xml:14: ignored <security>"));
  EXPECT_TRUE(has_note(cfg.notes, "ignored <logging>"));
  EXPECT_TRUE(has_note(cfg.notes, "ignored <default-channels> in <services>"));
  EXPECT_TRUE(has_note(cfg.notes, "messaging-config.xml:3: ignored service 'message-service'"));
  EXPECT_TRUE(has_note(cfg.notes, "ignored <scope> of destination 'echoService'"));
  EXPECT_TRUE(has_note(cfg.notes, "channel 'my-streaming-amf' (streaming"));
}

TEST(services_config, destination_ids_call_the_registered_services) {
  services_config cfg;
  ASSERT_EQ(load_services_config(sample, cfg), "");
  service_registry services;
  add_echo_service(services);
  const std::vector<std::string> notes = apply_services_config(cfg, services);
  EXPECT_TRUE(has_note(notes, "destination 'echoService' -> EchoService"));  // by the class's last part
  EXPECT_TRUE(has_note(notes, "destination 'calculator' -> EchoService"));   // by <source>
  EXPECT_TRUE(has_note(notes,
                       "destination 'productService': no registered service "
                       "'com.example.ProductService'; not callable"));
  EXPECT_NE(services.find("echoService"), nullptr);
  EXPECT_EQ(services.find("productService"), nullptr);
  EXPECT_EQ(services.destination_names(), std::vector<std::string>{"EchoService"});

  gateway gw(std::move(services));
  EXPECT_TRUE(has_note(gw.destinations(), "echoService -> EchoService"));
  amf::arena memory;
  const auto call = [&](std::string_view target) {
    std::optional<reply> r = test::call_now(
        gw, test::encode_request(0, {{target, "/1", test::args(memory, {amf::value::string("hi")})}}));
    EXPECT_TRUE(r);
    return r ? test::decode_reply(*r, memory).bodies[0] : amf::packet_body{};
  };
  const amf::packet_body ok = call("echoService.echo");
  EXPECT_EQ(ok.target, "/1/onResult");
  EXPECT_EQ(ok.val.as_string(), "hi");
  const amf::packet_body missing = call("productService.echo");
  EXPECT_EQ(missing.target, "/1/onStatus");
  EXPECT_EQ(test::member_string(missing.val, "code"), "Server.ResourceUnavailable");
}

TEST(services_config, a_destination_named_like_a_service_needs_no_alias) {
  scratch dir;
  const std::string path = dir.write("s.xml", R"(<services-config><services>
    <service id="remoting-service" class="flex.messaging.services.RemotingService">
      <destination id="EchoService"/>
    </service></services></services-config>)");
  services_config cfg;
  ASSERT_EQ(load_services_config(path, cfg), "");
  service_registry services;
  add_echo_service(services);
  EXPECT_EQ(apply_services_config(cfg, services),
            std::vector<std::string>{"destination 'EchoService': registered"});
  EXPECT_TRUE(services.aliases().empty());
}

TEST(services_config, endpoint_urls_become_paths) {
  scratch dir;
  const std::string path = dir.write("s.xml", R"(<services-config><channels>
    <channel-definition id="a" class="mx.messaging.channels.AMFChannel">
      <endpoint url="http://localhost:8400/app/messagebroker/amf?x=1" class="flex.messaging.endpoints.AMFEndpoint"/>
    </channel-definition>
    <channel-definition id="b" class="mx.messaging.channels.AMFChannel">
      <endpoint url="/{context.root}//gateway" class="flex.messaging.endpoints.AMFEndpoint"/>
    </channel-definition>
    <channel-definition id="c" class="mx.messaging.channels.AMFChannel">
      <endpoint url="http://{server.name}:{server.port}/{unknown.token}/amf" class="flex.messaging.endpoints.AMFEndpoint"/>
    </channel-definition>
    <channel-definition id="d" class="mx.messaging.channels.HTTPChannel">
      <endpoint url="http://{server.name}:{server.port}/{context.root}/messagebroker/http" class="flex.messaging.endpoints.HTTPEndpoint"/>
    </channel-definition>
  </channels></services-config>)");
  services_config cfg;
  ASSERT_EQ(load_services_config(path, cfg), "");
  ASSERT_EQ(cfg.channels.size(), 4u);
  EXPECT_EQ(cfg.channels[0].path, "/app/messagebroker/amf");
  EXPECT_EQ(cfg.channels[1].path, "/gateway");
  EXPECT_EQ(cfg.channels[2].path, "");  // a token we cannot fill: not mounted, noted
  EXPECT_FALSE(cfg.channels[2].mounted);
  EXPECT_EQ(cfg.channels[3].kind, "other");  // AMFX over HTTP: not served
  EXPECT_EQ(cfg.amf_paths(), (std::vector<std::string>{"/app/messagebroker/amf", "/gateway"}));
  EXPECT_TRUE(has_note(cfg.notes, "channel 'c' (amf"));
}

TEST(services_config, malformed_files_are_refused_with_file_and_line) {
  scratch dir;
  const std::string broken = dir.write("broken.xml", "<services-config>\n  <services>\n  </channels>\n");
  EXPECT_EQ(load_error(broken), broken + ":3: malformed XML: Start-end tags mismatch");
  const std::string other = dir.write("other.xml", "<beans/>");
  EXPECT_EQ(load_error(other), other + ":1: expected <services-config>, found <beans>");
  const std::string empty = dir.write("empty.xml", "");
  EXPECT_EQ(load_error(empty).rfind(empty + ":1: malformed XML: ", 0), 0u) << load_error(empty);
  const std::string missing = (std::filesystem::path(broken).parent_path() / "nope.xml").string();
  EXPECT_EQ(load_error(missing), missing + ": cannot open");
}

TEST(services_config, includes_are_relative_missing_or_cyclic_ones_refused) {
  scratch dir;
  const std::string main =
      dir.write("main.xml",
                "<services-config>\n<services>\n<service-include file-path=\"inc.xml\"/>\n"
                "</services>\n</services-config>\n");
  const std::string inc = (std::filesystem::path(main).parent_path() / "inc.xml").string();
  EXPECT_EQ(load_error(main), main + ":3: " + inc + ": cannot open");
  dir.write("inc.xml", "<services>\n<service-include file-path=\"main-loop.xml\"/>\n</services>\n");
  dir.write("main-loop.xml", "<services>\n<service-include file-path=\"inc.xml\"/>\n</services>\n");
  const std::string error = load_error(main);
  EXPECT_NE(error.find("main-loop.xml:2: service-include cycle through"), std::string::npos) << error;
}

TEST(services_config, no_entity_or_dtd_is_expanded) {
  scratch dir;
  const std::string secret = dir.write("secret.txt", "TOP-SECRET");
  const std::string path =
      dir.write("xxe.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file://" + secret +
                               "\">]>\n<services-config><services>"
                               "<service id=\"r\" class=\"flex.messaging.services.RemotingService\">"
                               "<destination id=\"d\"><properties><source>&x;</source>"
                               "</properties></destination></service></services>"
                               "</services-config>");
  services_config cfg;
  ASSERT_EQ(load_services_config(path, cfg), "");
  ASSERT_EQ(cfg.destinations.size(), 1u);
  EXPECT_EQ(cfg.destinations[0].source, "&x;");  // left as written, never the file's content
}

}  // namespace
}  // namespace amphora::server
