#include "auth/revocation_cache.hpp"

#include <algorithm>
#include <mutex>

namespace ccapi::auth {
namespace {
constexpr std::size_t kMinPurgeThreshold = 1024;
}

RevocationCache::RevocationCache(const Clock& clock)
    : clock_(&clock), next_purge_at_(kMinPurgeThreshold) {}

void RevocationCache::revoke(std::string_view jti, UnixMicros expires_at) {
    std::unique_lock lock(mutex_);
    auto it = entries_.find(jti);
    if (it != entries_.end()) {
        it->second = std::max(it->second, expires_at);
        return;
    }
    entries_.emplace(std::string(jti), expires_at);
    if (entries_.size() >= next_purge_at_) {
        // Amortised: the next purge waits until the live set has doubled.
        purgeLocked(clock_->now());
        next_purge_at_ = std::max(kMinPurgeThreshold, entries_.size() * 2);
    }
}

bool RevocationCache::isRevoked(std::string_view jti) const {
    std::shared_lock lock(mutex_);
    return entries_.find(jti) != entries_.end();
}

std::size_t RevocationCache::purgeExpired() {
    std::unique_lock lock(mutex_);
    return purgeLocked(clock_->now());
}

std::size_t RevocationCache::purgeLocked(UnixMicros now) {
    return std::erase_if(entries_, [now](const auto& e) { return e.second <= now; });
}

std::size_t RevocationCache::size() const {
    std::shared_lock lock(mutex_);
    return entries_.size();
}

}  // namespace ccapi::auth
