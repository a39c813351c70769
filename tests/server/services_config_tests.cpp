// services-config.xml: the sample in examples/blazeds/ (channels, an included remoting-config.xml,
// ignored parts), destination ids resolved to registered services and callable through the
// gateway, and broken files refused with FILE:LINE.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "amphora/server/services_config.hpp"
#include "gateway_test_util.hpp"

using namespace std::chrono_literals;

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
  EXPECT_FALSE(cfg.channels[0].secure);
  EXPECT_EQ(cfg.channels[1].path, "/messagebroker/amfsecure");  // served on both listeners
  EXPECT_TRUE(cfg.channels[1].mounted);
  EXPECT_TRUE(cfg.channels[1].secure);  // SecureAMFChannel: for the TLS listener
  EXPECT_FALSE(cfg.channels[2].secure);
  EXPECT_EQ(cfg.channels[2].kind, "polling");
  EXPECT_TRUE(cfg.channels[2].mounted);
  EXPECT_EQ(cfg.channels[2].polling_interval, std::chrono::seconds(4));
  EXPECT_EQ(cfg.channels[3].kind, "streaming");
  EXPECT_EQ(cfg.channels[3].path, "/messagebroker/streamingamf");
  EXPECT_TRUE(cfg.channels[3].mounted);  // the streaming channel (streaming_channel.hpp)
  EXPECT_EQ(cfg.amf_paths(), (std::vector<std::string>{"/messagebroker/amf", "/messagebroker/amfsecure",
                                                       "/messagebroker/amfpolling"}));
  EXPECT_EQ(cfg.streaming_paths(), (std::vector<std::string>{"/messagebroker/streamingamf"}));
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
  EXPECT_FALSE(has_note(cfg.notes, "ignored <default-channels>"));  // read: the destinations' channels
  EXPECT_TRUE(has_note(cfg.notes, "messaging-config.xml:5: ignored <adapters> of service 'message-service'"));
  EXPECT_TRUE(has_note(cfg.notes, "ignored <scope> of destination 'echoService'"));
  EXPECT_FALSE(has_note(cfg.notes, "channel 'my-streaming-amf' (streaming"));  // mounted
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

namespace amphora::server {
namespace {

TEST(services_config, reads_the_sample_messaging_destination) {
  services_config cfg;
  ASSERT_EQ(load_services_config(sample, cfg), "");
  ASSERT_EQ(cfg.messaging_destinations.size(), 1u);
  const services_config::messaging_destination& chat = cfg.messaging_destinations[0];
  EXPECT_EQ(chat.config.name, "chat");
  EXPECT_NE(chat.where.find("messaging-config.xml:8"), std::string::npos) << chat.where;
  EXPECT_EQ(chat.config.subscription_timeout, 30min);
  EXPECT_EQ(chat.config.message_ttl, 60s);
  EXPECT_EQ(chat.config.max_queue, 500u);
  EXPECT_TRUE(chat.config.allow_subtopics);
  EXPECT_EQ(chat.channels, (std::vector<std::string>{"my-streaming-amf", "my-polling-amf"}));
  ASSERT_EQ(cfg.broker_destinations().size(), 1u);
  EXPECT_EQ(cfg.broker_destinations()[0].name, "chat");
}

// A services-config.xml with one messaging destination whose <properties> are `properties`,
// and one long-polling channel whose <properties> are `channel`.
std::string messaging_file(const scratch& dir, const std::string& properties,
                           const std::string& channel = {}) {
  return dir.write("m.xml",
                   "<services-config>\n<services>\n"
                   "<service id=\"message-service\" class=\"flex.messaging.services.MessageService\">\n"
                   "<destination id=\"news\">\n<properties>\n" +
                       properties +
                       "\n</properties>\n</destination>\n</service>\n</services>\n<channels>\n"
                       "<channel-definition id=\"lp\" class=\"mx.messaging.channels.AMFChannel\">\n"
                       "<endpoint url=\"http://{server.name}:{server.port}/{context.root}/lp\" "
                       "class=\"flex.messaging.endpoints.AMFEndpoint\"/>\n"
                       "<properties>\n<polling-enabled>true</polling-enabled>\n" +
                       channel + "\n</properties>\n</channel-definition>\n</channels>\n</services-config>\n");
}

TEST(services_config, messaging_destination_properties_map_to_the_broker) {
  scratch dir;
  const std::string path =
      messaging_file(dir,
                     "<network><session-timeout>2</session-timeout>"
                     "<throttle-inbound policy=\"ERROR\" max-frequency=\"50\"/></network>"
                     "<server><allow-subtopics>true</allow-subtopics>"
                     "<subtopic-separator>/</subtopic-separator>"
                     "<disallow-wildcard-subtopics>true</disallow-wildcard-subtopics>"
                     "<message-time-to-live>1500</message-time-to-live>"
                     "<durable>false</durable></server>");
  services_config cfg;
  ASSERT_EQ(load_services_config(path, cfg), "");
  ASSERT_EQ(cfg.messaging_destinations.size(), 1u);
  const messaging::destination_config& d = cfg.messaging_destinations[0].config;
  EXPECT_EQ(d.name, "news");
  EXPECT_EQ(d.subscription_timeout, 2min);  // session-timeout: the old name
  EXPECT_EQ(d.subtopic_separator, "/");
  EXPECT_FALSE(d.allow_wildcard_subtopics);
  EXPECT_EQ(d.message_ttl, 1500ms);
  EXPECT_EQ(d.max_queue, 0u);
  EXPECT_TRUE(has_note(cfg.notes, "m.xml:6: ignored <throttle-inbound> of destination 'news'"));

  // The broker takes them: the separator and the wildcard refusal.
  messaging::broker_config bc;
  bc.destinations = cfg.broker_destinations();
  messaging::broker b(bc);
  EXPECT_TRUE(std::holds_alternative<std::string>(b.subscribe(
      {.ds_id = "DS", .destination = "news", .client_id = "", .subtopic = "a/b", .selector = ""})));
  auto wild =
      b.subscribe({.ds_id = "DS", .destination = "news", .client_id = "", .subtopic = "a/*", .selector = ""});
  ASSERT_TRUE(std::holds_alternative<messaging::error>(wild));
  EXPECT_EQ(std::get<messaging::error>(wild).code, messaging::errc::wildcard_not_allowed);
}

TEST(services_config, polling_channel_properties_become_long_poll_settings) {
  scratch dir;
  const std::string path = messaging_file(dir, "",
                                          "<wait-interval-millis>25000</wait-interval-millis>\n"
                                          "<client-wait-interval-millis>10</client-wait-interval-millis>\n"
                                          "<max-waiting-poll-requests>300</max-waiting-poll-requests>\n"
                                          "<polling-interval-millis>0</polling-interval-millis>\n"
                                          "<add-no-cache-headers>false</add-no-cache-headers>");
  services_config cfg;
  ASSERT_EQ(load_services_config(path, cfg), "");
  const std::vector<polling_channel> polling = cfg.polling_channels();
  ASSERT_EQ(polling.size(), 1u);
  EXPECT_EQ(polling[0].path, "/lp");
  EXPECT_EQ(polling[0].wait_interval, 25s);
  EXPECT_EQ(polling[0].client_wait_interval, 10ms);
  EXPECT_EQ(polling[0].max_waiting_polls, 300u);
  EXPECT_EQ(cfg.amf_paths(), std::vector<std::string>{"/lp"});
  EXPECT_TRUE(has_note(cfg.notes, "ignored <add-no-cache-headers> of channel 'lp'"));

  const std::string forever = messaging_file(dir, "", "<wait-interval-millis>-1</wait-interval-millis>");
  services_config unbounded;
  ASSERT_EQ(load_services_config(forever, unbounded), "");
  EXPECT_EQ(unbounded.polling_channels().at(0).wait_interval, 24h);  // every wait ends
  EXPECT_TRUE(has_note(unbounded.notes, "wait-interval-millis -1 (no end) becomes one day"));
}

TEST(services_config, unknown_or_badly_typed_messaging_values_are_refused_with_file_and_line) {
  scratch dir;
  const auto error_for = [&](const std::string& properties, const std::string& channel = {}) {
    return load_error(messaging_file(dir, properties, channel));
  };
  const std::string file = messaging_file(dir, "");  // each call rewrites this file
  EXPECT_EQ(error_for("<server><allow-subtopics>yes</allow-subtopics></server>"),
            file + ":6: <allow-subtopics> must be true or false, not 'yes'");
  EXPECT_EQ(error_for("<network><subscription-timeout-minutes>-3</subscription-timeout-minutes></network>"),
            file + ":6: <subscription-timeout-minutes> must be an integer from 0 to 1440, not '-3'");
  EXPECT_EQ(error_for("<server><message-time-to-live>10s</message-time-to-live></server>"),
            file + ":6: <message-time-to-live> must be an integer from 0 to 86400000, not '10s'");
  EXPECT_EQ(error_for("<server><max-cache-size></max-cache-size></server>"),
            file + ":6: <max-cache-size> must be an integer from 0 to 1000000, not ''");
  EXPECT_EQ(error_for("<server><colour>blue</colour></server>"),
            file + ":6: unknown property <colour> in <server> of destination 'news'");
  EXPECT_EQ(error_for("<sever/>"), file + ":6: unknown property <sever> of destination 'news'");
  EXPECT_EQ(error_for("<server><durable>true</durable></server>"),
            file + ":6: <durable> must be false: durable (JMS) destinations are not supported");
  EXPECT_EQ(error_for("<server><subtopic-separator>*</subtopic-separator></server>"),
            file + ":6: <subtopic-separator> must be non-empty and without '*'");
  EXPECT_EQ(error_for("", "<wait-interval-millis>soon</wait-interval-millis>"),
            file + ":16: <wait-interval-millis> must be an integer from 0 to 86400000, not 'soon'");
  EXPECT_EQ(error_for("", "<max-waiting-poll-requests>many</max-waiting-poll-requests>"),
            file + ":16: <max-waiting-poll-requests> must be an integer from 0 to 1000000, not 'many'");
  EXPECT_EQ(error_for("", "<poling-enabled>true</poling-enabled>"),
            file + ":16: unknown property <poling-enabled> of polling channel 'lp'");
}

TEST(services_config, messaging_destination_structure_is_checked) {
  scratch dir;
  const std::string twice = dir.write("twice.xml", R"(<services-config><services>
<service id="m" class="flex.messaging.services.MessageService">
<destination id="a"/>
<destination id="a"/>
</service></services></services-config>)");
  EXPECT_EQ(load_error(twice), twice + ":4: messaging destination 'a' is already defined at " + twice + ":3");
  const std::string ref = dir.write("ref.xml", R"(<services-config><services>
<service id="m" class="flex.messaging.services.MessageService">
<destination id="a"><channels>
<channel ref="nowhere"/>
</channels></destination>
</service></services></services-config>)");
  EXPECT_EQ(load_error(ref), ref + ":4: no channel-definition with id 'nowhere'");
  const std::string unknown = dir.write("unknown.xml", R"(<services-config><services>
<service id="m" class="flex.messaging.services.MessageService">
<destination id="a">
<adapter ref="actionscript"/>
<colour/>
</destination>
</service></services>
<flex-client><timeout-minutes>45</timeout-minutes></flex-client>
</services-config>)");
  EXPECT_EQ(load_error(unknown), unknown + ":5: unknown element <colour> of destination 'a'");
  const std::string client = dir.write("client.xml", R"(<services-config>
<flex-client><timeout-minutes>45</timeout-minutes>
<heartbeat-interval-millis>5000</heartbeat-interval-millis></flex-client>
</services-config>)");
  services_config cfg;
  ASSERT_EQ(load_services_config(client, cfg), "");
  EXPECT_EQ(cfg.flex_client_timeout, std::optional<std::chrono::minutes>(45min));
  EXPECT_TRUE(has_note(cfg.notes, "client.xml:3: ignored <heartbeat-interval-millis> in <flex-client>"));
}

// A streaming channel-definition's <properties> configure its HTTP streaming channel; the
// endpoint's common properties and the per-session limit are noted as ignored.
TEST(services_config, streaming_channel_properties_become_its_settings) {
  scratch dir;
  const std::string path = dir.write("s.xml", R"(<services-config>
<channels>
<channel-definition id="stream" class="mx.messaging.channels.StreamingAMFChannel">
<endpoint url="http://{server.name}:{server.port}/{context.root}/s" class="flex.messaging.endpoints.StreamingAMFEndpoint"/>
<properties>
<max-streaming-clients>25</max-streaming-clients>
<server-to-client-heartbeat-millis>2000</server-to-client-heartbeat-millis>
<idle-timeout-minutes>3</idle-timeout-minutes>
<invalidate-messageclient-on-streaming-close>false</invalidate-messageclient-on-streaming-close>
<add-no-cache-headers>false</add-no-cache-headers>
<user-agent-settings>
<user-agent match-on="MSIE" kickstart-bytes="1024" max-persistent-connections-per-session="1"/>
<user-agent match-on="Safari" kickstart-bytes="512" max-streaming-connections-per-session="3"/>
</user-agent-settings>
</properties>
</channel-definition>
<channel-definition id="plain" class="mx.messaging.channels.StreamingAMFChannel">
<endpoint url="http://{server.name}:{server.port}/{context.root}/p" class="flex.messaging.endpoints.StreamingAMFEndpoint"/>
</channel-definition>
</channels>
</services-config>
)");
  services_config cfg;
  ASSERT_EQ(load_services_config(path, cfg), "");
  const std::vector<const services_config::channel*> streams = cfg.streaming_channels();
  ASSERT_EQ(streams.size(), 2u);
  const streaming_channel_options& o = streams[0]->streaming;
  EXPECT_EQ(streams[0]->path, "/s");
  EXPECT_EQ(o.max_streaming_clients, 25u);
  EXPECT_EQ(o.heartbeat_interval, 2s);
  EXPECT_EQ(o.idle_timeout, 3min);      // idle-timeout-minutes: connection-idle-timeout-minutes' old name
  ASSERT_EQ(o.user_agents.size(), 3u);  // Android stays, MSIE is replaced, Safari is added
  EXPECT_EQ(o.user_agents[0].match_on, "Android");
  EXPECT_EQ(o.user_agents[0].kickstart_bytes, 4010u);
  EXPECT_EQ(o.user_agents[1].match_on, "MSIE");
  EXPECT_EQ(o.user_agents[1].kickstart_bytes, 1024u);
  EXPECT_EQ(o.user_agents[2].match_on, "Safari");
  EXPECT_EQ(o.user_agents[2].kickstart_bytes, 512u);
  EXPECT_TRUE(has_note(cfg.notes, "s.xml:9: ignored <invalidate-messageclient-on-streaming-close>"));
  EXPECT_TRUE(has_note(cfg.notes, "s.xml:10: ignored <add-no-cache-headers> of channel 'stream'"));
  EXPECT_TRUE(has_note(cfg.notes, "s.xml:12: ignored max-persistent-connections-per-session"));
  EXPECT_TRUE(has_note(cfg.notes, "s.xml:13: ignored max-streaming-connections-per-session"));
  // Without properties: the defaults of streaming_channel_options.
  const streaming_channel_options defaults;
  EXPECT_EQ(streams[1]->streaming.max_streaming_clients, defaults.max_streaming_clients);
  EXPECT_EQ(streams[1]->streaming.heartbeat_interval, defaults.heartbeat_interval);
  EXPECT_EQ(streams[1]->streaming.user_agents.size(), 2u);
}

TEST(services_config, unknown_or_badly_typed_streaming_values_are_refused_with_file_and_line) {
  scratch dir;
  const auto error_for = [&](const std::string& properties) {
    return load_error(dir.write("bad.xml", R"(<services-config>
<channels>
<channel-definition id="stream" class="mx.messaging.channels.StreamingAMFChannel">
<endpoint url="http://{server.name}:{server.port}/{context.root}/s" class="flex.messaging.endpoints.StreamingAMFEndpoint"/>
<properties>
)" + properties + R"(
</properties>
</channel-definition>
</channels>
</services-config>
)"));
  };
  const std::string file = dir.write("bad.xml", "");
  EXPECT_EQ(error_for("<max-streaming-clients>ten</max-streaming-clients>"),
            file + ":6: <max-streaming-clients> must be an integer from 0 to 1000000, not 'ten'");
  EXPECT_EQ(error_for("<server-to-client-heartbeat-millis>-1</server-to-client-heartbeat-millis>"),
            file + ":6: <server-to-client-heartbeat-millis> must be an integer from 0 to 86400000, not '-1'");
  EXPECT_EQ(error_for("<connection-idle-timeout-minutes>1h</connection-idle-timeout-minutes>"),
            file + ":6: <connection-idle-timeout-minutes> must be an integer from 0 to 1440, not '1h'");
  EXPECT_EQ(
      error_for(
          "<invalidate-messageclient-on-streaming-close>1</invalidate-messageclient-on-streaming-close>"),
      file + ":6: <invalidate-messageclient-on-streaming-close> must be true or false, not '1'");
  EXPECT_EQ(error_for("<max-streaming-client>10</max-streaming-client>"),
            file + ":6: unknown property <max-streaming-client> of streaming channel 'stream'");
  EXPECT_EQ(error_for("<user-agent-settings><agent match-on=\"MSIE\"/></user-agent-settings>"),
            file + ":6: expected <user-agent> in <user-agent-settings> of channel 'stream', found <agent>");
  EXPECT_EQ(error_for("<user-agent-settings><user-agent match-on=\"MSIE\" kickstart-bytes=\"lots\"/>"
                      "</user-agent-settings>"),
            file + ":6: kickstart-bytes must be an integer from 0 to 65536, not 'lots'");
  EXPECT_EQ(error_for("<user-agent-settings><user-agent match-on=\"MSIE\" kickstart=\"2\"/>"
                      "</user-agent-settings>"),
            file + ":6: unknown attribute kickstart of <user-agent> in channel 'stream'");
  EXPECT_EQ(error_for("<user-agent-settings><user-agent kickstart-bytes=\"2\"/></user-agent-settings>"),
            file + ":6: <user-agent> without match-on");
}

// Each destination's channels: its own <channels>, else its service's <default-channels>, else
// the file's <services><default-channels>; channel_rules() maps them to the mounted paths.
TEST(services_config, destination_channels_come_from_channels_or_default_channels) {
  services_config cfg;
  ASSERT_EQ(load_services_config(sample, cfg), "");
  EXPECT_EQ(cfg.destinations[0].channels, std::vector<std::string>{"my-amf"});  // remoting-config's default
  EXPECT_EQ(cfg.messaging_destinations[0].channels,
            (std::vector<std::string>{"my-streaming-amf", "my-polling-amf"}));  // its own
  const destination_channels rules = cfg.channel_rules();
  EXPECT_EQ(rules.refusal("echoService", "/messagebroker/amf"), "");
  EXPECT_EQ(rules.refusal("echoService", "/messagebroker/amfsecure"),
            "Destination 'echoService' not accessible over channel 'my-secure-amf'.");
  EXPECT_EQ(rules.refusal("chat", "/messagebroker/streamingamf"), "");
  EXPECT_EQ(rules.refusal("chat", "/messagebroker/amfpolling"), "");
  EXPECT_EQ(rules.refusal("chat", "/amf"), "Destination 'chat' not accessible over channel '/amf'.");
  EXPECT_EQ(rules.refusal("EchoService", "/amf"), "");  // not in the file: every channel
  EXPECT_EQ(rules.listed("chat"), "my-streaming-amf, my-polling-amf");

  scratch dir;
  const std::string path = dir.write("d.xml", R"(<services-config>
<services>
<service id="r" class="flex.messaging.services.RemotingService">
<destination id="own"><channels><channel ref="ws"/></channels></destination>
<destination id="inherits"/>
</service>
<service id="m" class="flex.messaging.services.MessageService">
<default-channels><channel ref="ws"/></default-channels>
<destination id="feed"/>
</service>
<default-channels><channel ref="amf"/></default-channels>
</services>
<channels>
<channel-definition id="amf" class="mx.messaging.channels.AMFChannel">
<endpoint url="http://{server.name}:{server.port}/{context.root}/a" class="flex.messaging.endpoints.AMFEndpoint"/>
</channel-definition>
<channel-definition id="ws" class="mx.messaging.channels.WebSocketChannel">
<endpoint url="ws://{server.name}:{server.port}/{context.root}/ws"/>
</channel-definition>
</channels>
</services-config>
)");
  services_config d;
  ASSERT_EQ(load_services_config(path, d), "");
  EXPECT_EQ(d.destinations.at(0).channels, std::vector<std::string>{"ws"});
  EXPECT_EQ(d.destinations.at(1).channels, std::vector<std::string>{"amf"});           // the file's default
  EXPECT_EQ(d.messaging_destinations.at(0).channels, std::vector<std::string>{"ws"});  // the service's
  EXPECT_EQ(d.channels.at(1).kind, "websocket");
  EXPECT_TRUE(d.channels.at(1).mounted);
  EXPECT_EQ(d.websocket_paths(), std::vector<std::string>{"/ws"});
  EXPECT_EQ(d.amf_paths(), std::vector<std::string>{"/a"});
  EXPECT_EQ(d.channel_rules().refusal("feed", "/ws"), "");
  EXPECT_EQ(d.channel_rules().refusal("feed", "/a"), "Destination 'feed' not accessible over channel 'amf'.");

  const std::string bad = dir.write("bad-default.xml", R"(<services-config><services>
<default-channels><channel ref="nowhere"/></default-channels>
</services></services-config>)");
  EXPECT_EQ(load_error(bad), bad + ":2: no channel-definition with id 'nowhere'");
}

// Through the gateway: a remoting destination is callable only on its channels' paths
// (NetConnection style here; Flex RemoteObject goes through the same check).
TEST(services_config, remoting_destinations_are_refused_on_channels_they_do_not_list) {
  services_config cfg;
  ASSERT_EQ(load_services_config(sample, cfg), "");
  service_registry services;
  add_echo_service(services);
  apply_services_config(cfg, services);
  gateway_options o;
  o.allowed_channels = std::make_shared<const destination_channels>(cfg.channel_rules());
  gateway gw(std::move(services), o);
  amf::arena memory;
  const auto call = [&](std::string_view target, std::string_view path) {
    std::optional<reply> r = test::call_now(
        gw, test::encode_request(0, {{target, "/1", test::args(memory, {amf::value::string("hi")})}}),
        "127.0.0.1", path);
    EXPECT_TRUE(r);
    return r ? test::decode_reply(*r, memory).bodies[0] : amf::packet_body{};
  };
  EXPECT_EQ(call("echoService.echo", "/messagebroker/amf").target, "/1/onResult");
  const amf::packet_body refused = call("echoService.echo", "/messagebroker/amfpolling");
  EXPECT_EQ(refused.target, "/1/onStatus");
  EXPECT_EQ(test::member_string(refused.val, "code"), "Server.Processing");
  EXPECT_EQ(test::member_string(refused.val, "description"),
            "Destination 'echoService' not accessible over channel 'my-polling-amf'.");
  EXPECT_EQ(call("EchoService.echo", "/messagebroker/amfpolling").target, "/1/onResult");  // no list
}

}  // namespace
}  // namespace amphora::server
