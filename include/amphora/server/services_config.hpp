// Reading the channel and destination parts of a BlazeDS services-config.xml, so an existing Flex
// application's configuration can point at Amphora unchanged:
//  - channel-definitions: each AMF endpoint's URL path (`http://{server.name}:{server.port}/
//    {context.root}/messagebroker/amf` -> `/messagebroker/amf`) is where the gateway is mounted;
//    streaming and polling channels are listed but not mounted (yet);
//  - the remoting service's destinations, also from `<service-include file-path=...>` files
//    (relative to the including file): destination id -> the registered C++ destination that
//    answers it (`<properties><source>`, or the id itself).
// Everything else (security, logging, messaging service, ...) is ignored with a note. The XML is
// parsed by pugixml, which never reads a DTD nor expands entities beyond the five predefined ones.
#pragma once

#include <string>
#include <vector>

#include "amphora/server/service.hpp"

namespace amphora::server {

struct services_config {
  struct channel {
    std::string id;            // "my-amf"
    std::string endpoint_url;  // as written, "http://{server.name}:{server.port}/{context.root}/..."
    std::string path;          // "/messagebroker/amf" ("" if the URL has no usable path)
    std::string kind;          // "amf", "polling", "streaming" or "other"
    bool mounted = false;      // an AMF endpoint with a usable path
  };
  struct remoting_destination {
    std::string id;      // what clients name: RemoteObject.destination
    std::string source;  // <properties><source> ("" if none)
    std::string where;   // "FILE:LINE" of the <destination> element
  };

  std::vector<channel> channels;
  std::vector<remoting_destination> destinations;
  std::vector<std::string> notes;  // "FILE:LINE: ignored <security>", one per thing not used

  // The paths to mount the gateway at: the mounted channels' paths, each once, in file order.
  std::vector<std::string> amf_paths() const;
};

// Reads FILE (and the files it includes) into out. Returns an empty string, or the first error as
// "FILE:LINE: reason" (malformed XML, a missing include, an include cycle, a file over 4 MiB).
std::string load_services_config(const std::string& path, services_config& out);

// Makes each remoting destination callable by its id in `registry`: the registered destination
// named by its source, else by the source's last dot-separated part (a Java class name
// "com.acme.EchoService" -> "EchoService"), else by its id. Returns one note per destination
// ("echo -> EchoService", or "FILE:LINE: destination 'x': no registered service 'y'; not callable").
std::vector<std::string> apply_services_config(const services_config& cfg, service_registry& registry);

}  // namespace amphora::server
