// The built-in EchoService: `echo` returns its argument exactly (the reply is encoded from the
// decoded value graph, so a typed object keeps its alias without a registered class and an
// ArrayCollection comes back as one), plus typed demo operations.
#include <string>
#include <utility>

#include "amphora/server/service.hpp"

namespace amphora::server {

void add_echo_service(service_registry& registry, std::string name) {
  registry.add(std::move(name)).operation("echo", [](amf::value v) { return v; });
}

}  // namespace amphora::server
