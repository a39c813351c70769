#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace amphora::server::detail {

rate_limiter::rate_limiter(const config& cfg)
    : rate_(cfg.rate_limit),
      burst_(std::max(1.0, static_cast<double>(cfg.rate_burst))),
      exempt_(cfg.rate_exempt),
      max_clients_(std::max<std::size_t>(1, cfg.rate_clients)) {}

bool rate_limiter::admit(std::string_view address, clock::time_point now, std::chrono::seconds& retry_after) {
  if (rate_ <= 0) return true;
  // An IPv4 client of a dual-stack socket ("::ffff:127.0.0.1") is the same client as over IPv4.
  if (address.starts_with("::ffff:") && address.find('.') != std::string_view::npos) address.remove_prefix(7);
  if (std::find(exempt_.begin(), exempt_.end(), address) != exempt_.end()) return true;

  const std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) make_room(now);
    it = buckets_.emplace(std::string(address), bucket{burst_, now}).first;
  }
  bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  retry_after =
      std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil((1 - b.tokens) / rate_))));
  return false;
}

// The table is full: buckets that have refilled completely are the same as no bucket, so they go
// (a sweep at most once a second, so that a flood of new addresses cannot make every request
// scan the table); if none has, one arbitrary bucket goes, and its client starts afresh.
void rate_limiter::make_room(clock::time_point now) {
  if (now - last_sweep_ >= std::chrono::seconds(1)) {
    last_sweep_ = now;
    const double refill_seconds = burst_ / rate_;
    std::erase_if(buckets_, [&](const auto& entry) {
      return std::chrono::duration<double>(now - entry.second.updated).count() >= refill_seconds;
    });
  }
  if (buckets_.size() >= max_clients_) buckets_.erase(buckets_.begin());
}

std::size_t rate_limiter::tracked() const {
  const std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace amphora::server::detail
