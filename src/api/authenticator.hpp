// Who is calling: validates the bearer access token and resolves its live user.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/revocation_cache.hpp"
#include "auth/tokens.hpp"
#include "core/async.hpp"
#include "core/string_map.hpp"
#include "metrics/registry.hpp"
#include "routing/request_context.hpp"
#include "storage/stores.hpp"

namespace ccapi::api {

struct Principal {
    std::int64_t user_id = 0;
    std::string username;
    bool is_superuser = false;
    std::string jti;
    UnixMicros token_expires_at = 0;
};

struct AuthFailure {
    http::Reply reply;  // 401 (or 503 when the store is down), ready to return
};

// Shared by every handler that needs a user; safe on any I/O thread. Users are cached for a few
// seconds so the hot path (GET a call) does not read the store on every request; a user disabled
// through the CLI is refused within that time.
class Authenticator {
public:
    Authenticator(auth::TokenService& tokens, auth::RevocationCache& revocations,
                  storage::Database& database, BlockingPool& blocking, const Clock& clock);

    // From `Authorization: Bearer …`; with allow_query_token also `?access_token=` (browsers'
    // WebSocket and EventSource cannot set headers).
    Task<std::variant<Principal, AuthFailure>> authenticate(routing::RequestContext& ctx,
                                                            bool allow_query_token = false);

    // Looks the user up (through the cache). Null: unknown or inactive. Shared, not copied:
    // every authenticated request asks.
    Task<Result<std::shared_ptr<const storage::User>>> activeUser(std::string username);
    void forget(const std::string& username);

private:
    struct CachedUser {
        std::shared_ptr<const storage::User> user;
        std::chrono::steady_clock::time_point fetched;
    };

    auth::TokenService& tokens_;
    auth::RevocationCache& revocations_;
    storage::Database& database_;
    BlockingPool& blocking_;
    const Clock& clock_;
    // The cached user when fresh (a null pointer for a cached "unknown or inactive"); nullopt
    // when it must be read from the store. Synchronous, so the hot path builds no coroutine.
    std::optional<std::shared_ptr<const storage::User>> freshCachedUser(std::string_view username);
    std::mutex cache_mutex_;
    StringMap<CachedUser> cache_;

    // Access tokens already verified: a client sends the same token on every request, and
    // decoding plus HMAC plus JSON is most of an authenticated GET's own work. Keyed by the
    // whole token, so only a byte-identical token hits; expiry and revocation are still
    // checked on every use.
    std::shared_ptr<const auth::Claims> verifiedClaims(std::string_view token);
    void rememberVerified(std::string token, std::shared_ptr<const auth::Claims> claims);
    std::mutex verified_mutex_;
    StringMap<std::shared_ptr<const auth::Claims>> verified_;
};

// 401 with `WWW-Authenticate: Bearer` in the SPEC's error shape.
http::Reply unauthorized(const routing::RequestContext& ctx, std::string_view detail);

}  // namespace ccapi::api
