// Call endpoints (SPEC §2 "Calls" and "Sessions"): create, read, list, hang up, timeline, with
// ownership, Idempotency-Key and the per-user creation rate limit.
#pragma once

#include "api/authenticator.hpp"
#include "api/call_cache.hpp"
#include "api/call_request.hpp"
#include "auth/rate_limiter.hpp"
#include "engine/call_control.hpp"
#include "metrics/registry.hpp"
#include "routing/router.hpp"

namespace ccapi::api {

struct CallsApiDeps {
    Authenticator& authenticator;
    engine::CallControl& engine;
    storage::Database& database;
    BlockingPool& blocking;
    auth::RateLimiter& call_limiter;  // per user; limit 0 = off
    metrics::Registry& registry;
    const Clock& clock;
    CallDefaults defaults;
    std::optional<std::string> webhook_url{};  // WEBHOOK_URL: every event of every call
    unsigned short service_port = 0;           // a status_callback may not point back here
    engine::CallObserver* observer = nullptr;  // told about each created call's first event
    CallCache* cache = nullptr;  // GET's read cache; invalidated by whoever commits (null: none)
};

// Owned by the composition root; handlers run on any I/O thread.
class CallsApi {
public:
    explicit CallsApi(CallsApiDeps deps);
    void registerRoutes(routing::Router& router);

private:
    enum class Shape { kCall, kSession };

    Task<http::Reply> create(routing::RequestContext& ctx, std::optional<std::string> number,
                             Shape shape);
    Task<http::Reply> get(routing::RequestContext& ctx, Shape shape);
    Task<http::Reply> list(routing::RequestContext& ctx);
    Task<http::Reply> hangup(routing::RequestContext& ctx);
    Task<http::Reply> events(routing::RequestContext& ctx);
    Task<http::Reply> webhooks(routing::RequestContext& ctx);

    // The call when it exists and the principal may see it (else nullopt: a 404 for them).
    Task<Result<std::optional<storage::Call>>> visibleCall(Principal who, std::string call_id);
    // Authenticates and looks up the path's call as the caller may see it (a user their own
    // calls, a superuser any): the reply refusing the request (401, 404 or 503), or nothing
    // when the call is there to read.
    Task<std::optional<http::Reply>> refusalOfCallRead(routing::RequestContext& ctx);
    // The same through the read cache (null: a 404 for them).
    Task<Result<std::shared_ptr<const CachedCall>>> cachedCall(Principal who, std::string call_id);

    CallsApiDeps d_;
    metrics::CounterFamily& rate_limited_;
};

std::string encodeCursor(const storage::CallCursor& cursor);
std::optional<storage::CallCursor> decodeCursor(std::string_view text);

}  // namespace ccapi::api
