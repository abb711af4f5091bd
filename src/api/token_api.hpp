// Token endpoints (SPEC §2 "Auth"): password and refresh grants, rotation, revocation.
#pragma once

#include "api/authenticator.hpp"
#include "auth/login_lockout.hpp"
#include "auth/passwords.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/revocation_cache.hpp"
#include "auth/tokens.hpp"
#include "metrics/registry.hpp"
#include "routing/router.hpp"

namespace ccapi::api {

struct TokenApiDeps {
    auth::PasswordHasher& hasher;
    auth::TokenService& tokens;
    auth::RevocationCache& revocations;
    auth::RateLimiter& token_limiter;  // per client address
    auth::LoginLockout& lockout;
    Authenticator& authenticator;
    storage::Database& database;
    BlockingPool& blocking;
    // bcrypt only: a pool of its own, so a burst of logins never queues the store work of other
    // requests behind ~0.1–0.7 s hashes (and its threads run at a lower CPU priority).
    BlockingPool& hashing;
    metrics::Registry& registry;
    const Clock& clock;
};

// Owned by the composition root; handlers run on any I/O thread, bcrypt and the store off them.
class TokenApi {
public:
    explicit TokenApi(TokenApiDeps deps);
    void registerRoutes(routing::Router& router);

private:
    Task<http::Reply> token(routing::RequestContext& ctx);
    Task<http::Reply> refresh(routing::RequestContext& ctx);
    Task<http::Reply> revoke(routing::RequestContext& ctx);

    Task<http::Reply> passwordGrant(routing::RequestContext& ctx, std::string username,
                                    std::string password);
    Task<http::Reply> refreshGrant(routing::RequestContext& ctx, std::string refresh_token);
    // Issues an access + refresh pair (refresh stored under `family`).
    Task<http::Reply> issuePair(routing::RequestContext& ctx, const storage::User& user,
                                std::string family);
    // Applies the per-client limit; returns the 429 when over it.
    std::optional<http::Reply> limit(routing::RequestContext& ctx,
                                     auth::RateLimitDecision& decision);

    TokenApiDeps d_;
    metrics::CounterFamily& auth_attempts_;
    metrics::CounterFamily& rate_limited_;
};

// X-RateLimit-Limit/Remaining/Reset on any response; Retry-After when refused.
void applyRateLimitHeaders(http::Response& response, const auth::RateLimitDecision& decision);

}  // namespace ccapi::api
