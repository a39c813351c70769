// The file user store and Argon2id hashing through libsodium.
#include "amphora/security/user_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace amphora::security {
namespace {

constexpr std::size_t max_name_bytes = 256;
constexpr std::string_view argon2id_prefix = "$argon2id$";

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

bool is_control(char c) noexcept { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string_view trim_cr(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The cost written in an Argon2id hash ("$argon2id$v=19$m=65536,t=2,p=1$..."), if readable.
std::optional<hash_cost> cost_of(std::string_view hash) noexcept {
  const auto field = [&](std::string_view key) -> std::optional<unsigned long long> {
    const std::size_t at = hash.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    const char* first = hash.data() + at + key.size();
    unsigned long long n = 0;
    const auto [end, ec] = std::from_chars(first, hash.data() + hash.size(), n);
    if (ec != std::errc{} || end == first) return std::nullopt;
    return n;
  };
  const auto m = field("$m=");
  const auto t = field(",t=");
  if (!m || !t || *m > (1ull << 32) || *t == 0 || *t > 64) return std::nullopt;
  return hash_cost{*t, static_cast<std::size_t>(*m) * 1024};
}

std::string join_roles(const std::vector<std::string>& roles) {
  std::string out;
  for (const std::string& r : roles) out += (out.empty() ? "" : ",") + r;
  return out;
}

std::string format_line(const user_entry& u) { return u.name + ":" + u.hash + ":" + join_roles(u.roles); }

// The line's user name, or "" for a comment, blank or unreadable line.
std::string_view name_of_line(std::string_view line) noexcept {
  line = trim_cr(line);
  if (line.empty() || line.front() == '#') return {};
  const std::size_t colon = line.find(':');
  return colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
}

// Reads a whole file; false if it cannot be opened (`missing` tells whether it does not exist).
bool read_text(const std::string& path, std::string& out, bool& missing) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    missing = errno == ENOENT;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  missing = false;
  return !in.bad();
}

// Writes `text` to a temporary file next to `path` (mode 0600), syncs it and renames it over path.
std::string write_atomically(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());  // creates the file with mode 0600
  if (fd < 0) return "cannot create a temporary file next to " + path + ": " + std::strerror(errno);
  std::size_t done = 0;
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : (saved != 0 ? saved : errno));
    ::unlink(temp.c_str());
    return "cannot write " + path + ": " + why;
  }
  return {};
}

}  // namespace

hash_cost hash_cost::interactive() noexcept {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}
hash_cost hash_cost::moderate() noexcept {
  return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}
hash_cost hash_cost::minimum() noexcept {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

std::string hash_password(std::string_view password, hash_cost cost) {
  init_sodium();
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), cost.passes, cost.memory) != 0) {
    throw std::runtime_error("password hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) noexcept {
  if (sodium_init() < 0 || hash.size() >= crypto_pwhash_argon2id_STRBYTES) return false;
  char copy[crypto_pwhash_argon2id_STRBYTES] = {};  // libsodium wants a NUL-terminated string
  hash.copy(copy, hash.size());
  return crypto_pwhash_argon2id_str_verify(copy, password.data(), password.size()) == 0;
}

std::string check_user_name(std::string_view name) {
  if (name.empty()) return "the user name is empty";
  if (name.size() > max_name_bytes) return "the user name is longer than 256 bytes";
  for (const char c : name) {
    if (c == ':') return "the user name contains ':'";
    if (is_control(c)) return "the user name contains a control character";
  }
  return {};
}

std::string check_role_name(std::string_view role) {
  if (role.empty()) return "a role name is empty";
  for (const char c : role) {
    if (c == ',' || c == ':' || c == ' ' || c == '\t' || is_control(c)) {
      return "the role name '" + std::string(role) + "' contains ',', ':', a blank or a control character";
    }
  }
  return {};
}

std::string parse_users(std::string_view text, std::string_view source, std::vector<user_entry>& out) {
  out.clear();
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t eol = text.find('\n');
    const std::string_view line = trim_cr(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const auto fail = [&](const std::string& why) {
      return std::string(source) + ":" + std::to_string(number) + ": " + why;
    };
    if (line.empty() || line.front() == '#') continue;
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) return fail("expected name:hash:roles");
    user_entry u;
    u.name = std::string(line.substr(0, first));
    if (std::string why = check_user_name(u.name); !why.empty()) return fail(why);
    u.hash = std::string(line.substr(first + 1, second - first - 1));
    if (u.hash.rfind(argon2id_prefix, 0) != 0 || u.hash.size() >= crypto_pwhash_argon2id_STRBYTES) {
      return fail("the password hash of '" + u.name + "' is not an Argon2id hash");
    }
    std::string_view roles = line.substr(second + 1);
    while (!roles.empty()) {
      const std::size_t comma = roles.find(',');
      const std::string_view role = roles.substr(0, comma);
      if (std::string why = check_role_name(role); !why.empty()) return fail(why);
      u.roles.emplace_back(role);
      roles = comma == std::string_view::npos ? std::string_view{} : roles.substr(comma + 1);
    }
    for (const user_entry& seen : out) {
      if (seen.name == u.name) return fail("the user '" + u.name + "' is listed twice");
    }
    out.push_back(std::move(u));
  }
  return {};
}

std::string read_user_file(const std::string& path, std::vector<user_entry>& out) {
  std::string text;
  bool missing = false;
  if (!read_text(path, text, missing)) return path + ": cannot read";
  return parse_users(text, path, out);
}

std::string edit_user_file(const std::string& path, std::string_view name, const user_entry* user,
                           bool* found) {
  std::string text;
  bool missing = false;
  if (!read_text(path, text, missing) && !missing) return path + ": cannot read";
  std::vector<user_entry> users;
  if (std::string error = parse_users(text, path, users); !error.empty()) return error;

  std::string out;
  bool seen = false;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    if (name_of_line(line) == name) {
      seen = true;
      if (user != nullptr) out += format_line(*user) + "\n";
    } else {
      out += std::string(trim_cr(line)) + "\n";
    }
  }
  if (!seen && user != nullptr) out += format_line(*user) + "\n";
  if (found != nullptr) *found = seen;
  if (!seen && user == nullptr) return {};  // nothing to remove: the file stays as it is
  return write_atomically(path, out);
}

file_user_store::file_user_store(std::span<const user_entry> users) {
  for (const user_entry& u : users) users_.emplace(u.name, u);
  std::optional<hash_cost> cost;
  if (!users.empty()) cost = cost_of(users.front().hash);
  unsigned char random[32];
  init_sodium();
  randombytes_buf(random, sizeof random);
  dummy_hash_ = hash_password(std::string_view(reinterpret_cast<const char*>(random), sizeof random),
                              cost.value_or(hash_cost::interactive()));
}

std::string file_user_store::load(const std::string& path, std::shared_ptr<const file_user_store>& out) {
  std::vector<user_entry> users;
  if (std::string error = read_user_file(path, users); !error.empty()) return error;
  try {
    out = std::make_shared<const file_user_store>(users);
  } catch (const std::exception& e) {
    return path + ": " + e.what();
  }
  return {};
}

std::optional<principal> file_user_store::check(std::string_view user, std::string_view password) const {
  const auto it = users_.find(user);
  if (it == users_.end()) {
    (void)verify_password(dummy_hash_, password);  // the same work as for a real user
    return std::nullopt;
  }
  if (!verify_password(it->second.hash, password)) return std::nullopt;
  return principal{it->second.name, it->second.roles};
}

}  // namespace amphora::security
