// A read cache of call records for GET /api/v2/calls/{id}, the hottest request: a hit costs a
// hash lookup instead of a hop to the blocking pool and a store read, and carries the record
// already serialised.
//
// Correctness rests on invalidation, not expiry: every commit that changes a call (create, the
// engine's group commit, the no-PBX path) passes through CommitFanout, which calls invalidate().
// A read that raced with such a commit must not put its older record back, so each shard counts
// its invalidations and put() only stores a record read under the same count (the ticket taken
// before the read). Entries also expire after `ttl`, which bounds how long a call purged by
// retention, or written by another process sharing the database, can be served from here.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/string_map.hpp"
#include "storage/call_models.hpp"

namespace ccapi::api {

struct CachedCall {
    storage::Call call;
    std::string v2_body;  // callToJson(call), serialised
};

// Thread-safe; one lock per shard.
class CallCache {
public:
    using Ticket = std::uint64_t;

    CallCache(std::size_t capacity, std::chrono::seconds ttl);

    // The record, when cached and fresh.
    std::shared_ptr<const CachedCall> get(std::string_view call_id);
    // Take before reading the store; hand to put() with what was read.
    Ticket ticket(std::string_view call_id);
    // Stores the record unless the call was invalidated since `ticket` (or the cache is 0-sized).
    void put(std::shared_ptr<const CachedCall> record, Ticket ticket);
    void invalidate(std::string_view call_id);

    std::size_t size() const;

private:
    struct Entry {
        std::shared_ptr<const CachedCall> record;
        std::chrono::steady_clock::time_point expires;
    };
    struct Shard {
        mutable std::mutex mutex;
        StringMap<Entry> entries;  // looked up by string_view
        std::uint64_t invalidations = 0;
    };
    static constexpr std::size_t kShards = 64;

    Shard& shardOf(std::string_view call_id);

    std::size_t per_shard_capacity_;
    std::chrono::seconds ttl_;
    std::array<Shard, kShards> shards_;
};

}  // namespace ccapi::api
