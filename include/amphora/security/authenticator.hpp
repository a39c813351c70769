// Authentication: who may log in. An authenticator checks a user name and a password and returns
// the principal (name and roles) or nothing. Plug in your own (a database, LDAP, PAM) by deriving
// from it, or use the built-in file_user_store (user_store.hpp).
//
// check() may block and may be slow (password hashing is slow on purpose): the gateway never calls
// it on the event loop but on the server's blocking worker pool. It is called from several threads
// at once, so it must be thread-safe. It must not tell, by its result or by how long it takes,
// whether an unknown user name exists.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "amphora/security/principal.hpp"

namespace amphora::security {

class authenticator {
 public:
  virtual ~authenticator() = default;
  // The principal of `user` if `password` is right; nothing otherwise (wrong password, unknown
  // user, or any failure of the backing store).
  virtual std::optional<principal> check(std::string_view user, std::string_view password) const = 0;
};

// An authenticator from a function (tests, small applications).
using check_function =
    std::function<std::optional<principal>(std::string_view user, std::string_view password)>;
std::shared_ptr<const authenticator> make_authenticator(check_function check);

}  // namespace amphora::security
