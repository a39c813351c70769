// The process's open-file limit (RLIMIT_NOFILE): `amphora serve` and the load generators hold one
// descriptor per connection, and the usual soft limit (1024) is far below 20,000 clients.
#pragma once

#include <cstddef>

namespace amphora::cli {

// Raises the soft limit towards `wanted`: up to the hard limit, and beyond it when the process may
// raise the hard limit too (root, CAP_SYS_RESOURCE). Returns the soft limit now in force.
std::size_t raise_fd_limit(std::size_t wanted) noexcept;

}  // namespace amphora::cli
