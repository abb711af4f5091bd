#include "auth/rate_limiter.hpp"

#include <algorithm>

namespace ccapi::auth {
namespace {

constexpr std::size_t kPurgeEvery = 1024;  // hits per shard between opportunistic purges

int ceilSeconds(std::chrono::steady_clock::duration d) {
    using namespace std::chrono;
    auto s = duration_cast<seconds>(d);
    if (s < d) s += seconds(1);
    return static_cast<int>(std::max<seconds::rep>(s.count(), 1));
}

}  // namespace

RateLimiter::RateLimiter(RateLimitOptions options, const Clock& clock)
    : options_(options),
      clock_(&clock),
      max_keys_per_shard_(std::max<std::size_t>(1, options.max_keys / kShards)) {
    if (options_.window.count() <= 0) options_.window = std::chrono::seconds(1);
    if (options_.limit < 0) options_.limit = 0;
}

RateLimitDecision RateLimiter::hit(std::string_view key) {
    RateLimitDecision d;
    if (options_.limit == 0) {
        d.unlimited = true;
        return d;
    }
    const TimePoint now = clock_->steadyNow();
    Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
    std::lock_guard lock(shard.mutex);

    if (++shard.hits_since_purge >= kPurgeEvery) {
        shard.hits_since_purge = 0;
        purgeShardLocked(shard, now);
    }
    auto it = shard.windows.find(key);
    if (it == shard.windows.end()) {
        makeRoomLocked(shard, now);
        it = shard.windows.emplace(std::string(key), Window{now, 0}).first;
    } else if (now >= it->second.start + options_.window) {
        it->second = Window{now, 0};  // the window ended: a new one opens with this request
    }
    Window& w = it->second;
    d.limit = options_.limit;
    d.reset_after_s = ceilSeconds(w.start + options_.window - now);
    if (w.count < options_.limit) {
        ++w.count;
        d.allowed = true;
        d.remaining = options_.limit - w.count;
    } else {
        d.allowed = false;
        d.remaining = 0;
        d.retry_after_s = d.reset_after_s;
    }
    return d;
}

std::size_t RateLimiter::purgeShardLocked(Shard& shard, TimePoint now) {
    return std::erase_if(shard.windows,
                         [&](const auto& e) { return now >= e.second.start + options_.window; });
}

void RateLimiter::makeRoomLocked(Shard& shard, TimePoint now) {
    if (shard.windows.size() < max_keys_per_shard_) return;
    purgeShardLocked(shard, now);
    if (shard.windows.size() < max_keys_per_shard_) return;
    // Still full of live windows (a flood of distinct keys): forget the oldest.
    auto oldest = std::min_element(
        shard.windows.begin(), shard.windows.end(),
        [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
    shard.windows.erase(oldest);
}

std::size_t RateLimiter::purgeExpired() {
    const TimePoint now = clock_->steadyNow();
    std::size_t purged = 0;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        purged += purgeShardLocked(shard, now);
    }
    return purged;
}

std::size_t RateLimiter::size() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        n += shard.windows.size();
    }
    return n;
}

}  // namespace ccapi::auth
