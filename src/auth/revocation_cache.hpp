// In-memory set of revoked token ids (jti → token expiry) so the request hot path needs no store
// read. The store remains the durable record; the app fills this cache from it at start-up.
//
// Thread-safe (shared mutex: lookups run concurrently, revocations are rare). Memory is bounded
// by the tokens still alive: an entry goes once its token has expired, because an expired token
// is rejected by TokenService anyway.
#pragma once

#include <cstddef>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/string_map.hpp"
#include "core/time.hpp"

namespace ccapi::auth {

class RevocationCache {
public:
    // `clock` (which must outlive the cache) decides when entries may be purged.
    explicit RevocationCache(const Clock& clock);

    // Remembers `jti` as revoked until `expires_at` (the token's exp). Purges expired entries
    // now and then, so callers need not.
    void revoke(std::string_view jti, UnixMicros expires_at);

    bool isRevoked(std::string_view jti) const;

    // Drops entries whose token has expired; returns how many went.
    std::size_t purgeExpired();

    std::size_t size() const;

private:
    std::size_t purgeLocked(UnixMicros now);

    const Clock* clock_;
    mutable std::shared_mutex mutex_;
    StringMap<UnixMicros> entries_;
    std::size_t next_purge_at_;
};

}  // namespace ccapi::auth
