#include "fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace amphora::cli {

std::size_t raise_fd_limit(std::size_t wanted) noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  const auto target = static_cast<rlim_t>(wanted);
  if (limit.rlim_cur >= target) return static_cast<std::size_t>(limit.rlim_cur);
  if (limit.rlim_max < target) {
    rlimit both{target, target};  // refused (EPERM) unless privileged: then the hard limit caps it
    if (::setrlimit(RLIMIT_NOFILE, &both) == 0) return wanted;
  }
  rlimit soft{std::min(target, limit.rlim_max), limit.rlim_max};
  if (::setrlimit(RLIMIT_NOFILE, &soft) == 0) return static_cast<std::size_t>(soft.rlim_cur);
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace amphora::cli
