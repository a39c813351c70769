// The admin destination: reload, checked against the access policy's amphora.admin resource.
#include "amphora/server/admin_service.hpp"

#include <utility>

#include "amphora/security/authorize.hpp"

namespace amphora::server {

void add_admin_service(service_registry& registry, admin_options options, std::string name) {
  auto shared = std::make_shared<const admin_options>(std::move(options));
  registry.add(std::move(name))
      .raw_operation("reload",
                     [shared](call_context& ctx, std::span<const amf::value>,
                              amf::arena& memory) -> amf::result<amf::value> {
                       const security::decision d =
                           shared->access
                               ? security::authorize(*shared->access->current(), ctx.user,
                                                     shared->anonymous_role, admin_resource, reload_privilege)
                               : security::decision::denied;
                       if (d == security::decision::login_required) {
                         throw service_error("Log in to reload", "Client.Authentication");
                       }
                       if (d == security::decision::denied || !shared->reload) {
                         throw service_error("Not allowed to reload", "Client.Authorization");
                       }
                       return amf::value::string(memory.copy(shared->reload()));
                     },
                     {.blocking = true});
}

}  // namespace amphora::server
