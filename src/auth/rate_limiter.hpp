// Per-key request rate limits (token endpoint per client, call creation per user): a fixed window
// that opens at a key's first request, as the Python service's limiter did.
//
// Thread-safe: keys are spread over sharded mutexes so unrelated clients do not contend. Memory
// is bounded: expired windows are purged as the limiter is used, and a shard that is full of live
// windows evicts its oldest one (under a flood of distinct keys, never unbounded growth).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/string_map.hpp"
#include "core/time.hpp"

namespace ccapi::auth {

struct RateLimitOptions {
    int limit = 10;                   // requests per window; 0 = unlimited
    std::chrono::seconds window{60};  // must be positive
    std::size_t max_keys = 100'000;   // live windows kept across all shards
};

struct RateLimitDecision {
    bool allowed = true;
    bool unlimited = false;  // limit 0: callers send no X-RateLimit-* headers
    int limit = 0;           // X-RateLimit-Limit
    int remaining = 0;       // X-RateLimit-Remaining, after this request
    int reset_after_s = 0;   // X-RateLimit-Reset: whole seconds until the window resets (≥ 1)
    int retry_after_s = 0;   // Retry-After when !allowed, else 0
};

class RateLimiter {
public:
    // Uses clock.steadyNow(); `clock` must outlive the limiter.
    RateLimiter(RateLimitOptions options, const Clock& clock);

    // Counts one request for `key` (refused requests are not counted) and says whether it may go.
    RateLimitDecision hit(std::string_view key);

    // Drops windows that have ended; returns how many went.
    std::size_t purgeExpired();

    std::size_t size() const;
    const RateLimitOptions& options() const { return options_; }

private:
    static constexpr std::size_t kShards = 16;
    using TimePoint = std::chrono::steady_clock::time_point;

    struct Window {
        TimePoint start;
        int count = 0;
    };
    struct Shard {
        mutable std::mutex mutex;
        StringMap<Window> windows;
        std::size_t hits_since_purge = 0;
    };

    std::size_t purgeShardLocked(Shard& shard, TimePoint now);
    void makeRoomLocked(Shard& shard, TimePoint now);

    RateLimitOptions options_;
    const Clock* clock_;
    std::size_t max_keys_per_shard_;
    std::array<Shard, kShards> shards_;
};

}  // namespace ccapi::auth
