// The built-in user store: a text file, one user a line,
//
//   name:$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>:role1,role2
//
// Passwords are stored as libsodium Argon2id hashes (crypto_pwhash_str: the salt and the cost are
// inside the string) and checked with crypto_pwhash_str_verify. Blank lines and lines starting with
// '#' are skipped. A user name is 1 to 256 bytes without ':' or control characters; a role name has
// no ',', ':', blank or control character; the role list may be empty. `amphora passwd` edits the
// file (docs/security.md).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amphora/security/authenticator.hpp"

namespace amphora::security {

// What one new hash costs: Argon2id passes and memory. Production uses interactive() or stronger.
struct hash_cost {
  unsigned long long passes = 0;
  std::size_t memory = 0;  // bytes

  static hash_cost interactive() noexcept;  // libsodium's INTERACTIVE limits: 2 passes, 64 MiB
  static hash_cost moderate() noexcept;     // libsodium's MODERATE limits: 3 passes, 256 MiB
  static hash_cost minimum() noexcept;      // 1 pass, 8 KiB: tests only, never real passwords
};

// A new Argon2id hash of `password` with a random salt. Throws std::runtime_error if libsodium
// cannot (out of memory, or no libsodium).
std::string hash_password(std::string_view password, hash_cost cost = hash_cost::interactive());
// Whether `password` matches `hash` (constant time); false for a hash that is not one.
bool verify_password(std::string_view hash, std::string_view password) noexcept;

struct user_entry {
  std::string name;
  std::string hash;
  std::vector<std::string> roles;
};

// "" if valid, else why not ("user name contains ':'").
std::string check_user_name(std::string_view name);
std::string check_role_name(std::string_view role);

// Parses the file's text; `source` names it in errors. Returns "" or "SOURCE:LINE: reason" (a bad
// line, a duplicate user). Hashes are checked for their "$argon2id$" form only.
std::string parse_users(std::string_view text, std::string_view source, std::vector<user_entry>& out);
std::string read_user_file(const std::string& path, std::vector<user_entry>& out);

// Adds, replaces (`user` given) or removes (`user` null, `name` given) one user of the file at
// `path`, keeping every other line as it is. A missing file counts as empty. The new text is
// written to a temporary file in the same directory with mode 0600, flushed to disk, then renamed
// over `path`: readers see the old file or the new one, never a mix. Returns "" or what went
// wrong; `found` tells whether the user was in the file.
std::string edit_user_file(const std::string& path, std::string_view name, const user_entry* user,
                           bool* found = nullptr);

// An authenticator over a fixed set of users. An unknown user costs one verification against a
// dummy hash of the same cost as the first user's, so that timing does not tell whether a name
// exists.
class file_user_store final : public authenticator {
 public:
  explicit file_user_store(std::span<const user_entry> users);

  // Reads `path`; returns "" and sets `out`, or the error ("FILE:LINE: reason").
  static std::string load(const std::string& path, std::shared_ptr<const file_user_store>& out);

  std::optional<principal> check(std::string_view user, std::string_view password) const override;
  std::size_t size() const noexcept { return users_.size(); }

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, user_entry, hash, std::equal_to<>> users_;
  std::string dummy_hash_;
};

}  // namespace amphora::security
