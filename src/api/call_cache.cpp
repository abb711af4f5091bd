#include "api/call_cache.hpp"

namespace ccapi::api {

CallCache::CallCache(std::size_t capacity, std::chrono::seconds ttl)
    : per_shard_capacity_(capacity == 0 ? 0 : std::max<std::size_t>(1, capacity / kShards)),
      ttl_(ttl) {}

CallCache::Shard& CallCache::shardOf(std::string_view call_id) {
    // The entries' own hash picks the bucket; the shard takes bits it does not favour.
    return shards_[(StringHash{}(call_id) >> 7) % kShards];
}

std::shared_ptr<const CachedCall> CallCache::get(std::string_view call_id) {
    auto& shard = shardOf(call_id);
    std::lock_guard lock(shard.mutex);
    auto it = shard.entries.find(call_id);
    if (it == shard.entries.end()) return nullptr;
    if (std::chrono::steady_clock::now() >= it->second.expires) {
        shard.entries.erase(it);
        return nullptr;
    }
    return it->second.record;
}

CallCache::Ticket CallCache::ticket(std::string_view call_id) {
    auto& shard = shardOf(call_id);
    std::lock_guard lock(shard.mutex);
    return shard.invalidations;
}

void CallCache::put(std::shared_ptr<const CachedCall> record, Ticket ticket) {
    if (per_shard_capacity_ == 0 || !record) return;
    auto& shard = shardOf(record->call.call_id);
    std::lock_guard lock(shard.mutex);
    if (shard.invalidations != ticket) return;  // a commit may have overtaken this read
    if (shard.entries.size() >= per_shard_capacity_ &&
        !shard.entries.contains(record->call.call_id)) {
        // Full: drop an arbitrary entry. A read cache needs no recency order to be correct, and
        // the hot set refills itself.
        shard.entries.erase(shard.entries.begin());
    }
    auto expires = std::chrono::steady_clock::now() + ttl_;
    auto id = record->call.call_id;
    shard.entries.insert_or_assign(std::move(id), Entry{std::move(record), expires});
}

void CallCache::invalidate(std::string_view call_id) {
    auto& shard = shardOf(call_id);
    std::lock_guard lock(shard.mutex);
    ++shard.invalidations;
    if (auto it = shard.entries.find(call_id); it != shard.entries.end()) shard.entries.erase(it);
}

std::size_t CallCache::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        total += shard.entries.size();
    }
    return total;
}

}  // namespace ccapi::api
