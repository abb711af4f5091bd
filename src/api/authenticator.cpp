#include "api/authenticator.hpp"

#include <boost/beast/http/field.hpp>

#include "routing/responses.hpp"

namespace ccapi::api {

namespace {

constexpr auto kUserCacheTtl = std::chrono::seconds(5);
constexpr std::size_t kUserCacheMax = 10000;
constexpr std::size_t kVerifiedTokensMax = 10000;

std::string_view bearerToken(std::string_view header) {
    if (header.size() < 7) return {};
    auto scheme = header.substr(0, 7);
    bool is_bearer = (scheme[0] == 'B' || scheme[0] == 'b') &&
                     (scheme.substr(1, 5) == "earer" || scheme.substr(1, 5) == "EARER") &&
                     scheme[6] == ' ';
    if (!is_bearer) return {};
    auto token = header.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    return token;
}

}  // namespace

http::Reply unauthorized(const routing::RequestContext& ctx, std::string_view detail) {
    auto reply = routing::errorReply(ctx, http::Status::unauthorized, "unauthorized", detail);
    reply.response.set(http::beast::http::field::www_authenticate, "Bearer");
    return reply;
}

Authenticator::Authenticator(auth::TokenService& tokens, auth::RevocationCache& revocations,
                             storage::Database& database, BlockingPool& blocking,
                             const Clock& clock)
    : tokens_(tokens),
      revocations_(revocations),
      database_(database),
      blocking_(blocking),
      clock_(clock) {}

std::optional<std::shared_ptr<const storage::User>> Authenticator::freshCachedUser(
    std::string_view username) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(username);
    if (it == cache_.end() || now - it->second.fetched >= kUserCacheTtl) return std::nullopt;
    return it->second.user;
}

Task<Result<std::shared_ptr<const storage::User>>> Authenticator::activeUser(std::string username) {
    using Shared = std::shared_ptr<const storage::User>;
    if (auto cached = freshCachedUser(username)) co_return std::move(*cached);
    auto now = std::chrono::steady_clock::now();
    auto lookup = [this, username] { return database_.users().findByUsername(username); };
    auto found = co_await offload(blocking_, std::move(lookup));
    if (!found) co_return found.error();
    Shared user;
    if (*found && (*found)->is_active) user = std::make_shared<const storage::User>(**found);
    {
        std::lock_guard lock(cache_mutex_);
        if (cache_.size() >= kUserCacheMax) cache_.clear();
        cache_.insert_or_assign(std::move(username), CachedUser{user, now});
    }
    co_return user;
}

std::shared_ptr<const auth::Claims> Authenticator::verifiedClaims(std::string_view token) {
    std::lock_guard lock(verified_mutex_);
    auto it = verified_.find(token);
    return it == verified_.end() ? nullptr : it->second;
}

void Authenticator::rememberVerified(std::string token,
                                     std::shared_ptr<const auth::Claims> claims) {
    std::lock_guard lock(verified_mutex_);
    if (verified_.contains(token)) return;
    // Bounded; expired tokens leave with the rest when it fills.
    if (verified_.size() >= kVerifiedTokensMax) verified_.clear();
    verified_.emplace(std::move(token), std::move(claims));
}

void Authenticator::forget(const std::string& username) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(username); it != cache_.end()) cache_.erase(it);
}

Task<std::variant<Principal, AuthFailure>> Authenticator::authenticate(routing::RequestContext& ctx,
                                                                       bool allow_query_token) {
    std::string_view token = bearerToken(ctx.header("Authorization"));
    std::optional<std::string> query_token;
    if (token.empty() && allow_query_token) {
        query_token = ctx.queryParam("access_token");
        if (query_token) token = *query_token;
    }
    if (token.empty()) co_return AuthFailure{unauthorized(ctx, "Not authenticated")};

    auto claims = verifiedClaims(token);
    if (!claims) {
        auto verified = tokens_.verify(token, auth::TokenType::kAccess);
        if (!verified) co_return AuthFailure{unauthorized(ctx, "Could not validate credentials")};
        claims = std::make_shared<const auth::Claims>(std::move(*verified));
        rememberVerified(std::string(token), claims);
    }
    if (!tokens_.unexpired(*claims, clock_.now())) {  // a remembered token may have expired
        co_return AuthFailure{unauthorized(ctx, "Could not validate credentials")};
    }
    if (revocations_.isRevoked(claims->jti)) {
        co_return AuthFailure{unauthorized(ctx, "Token has been revoked")};
    }
    // Nearly every request finds its user cached; only a miss pays for a coroutine.
    auto cached = freshCachedUser(claims->subject);
    Result<std::shared_ptr<const storage::User>> user = cached ? std::move(*cached) : nullptr;
    if (!cached) user = co_await activeUser(claims->subject);
    if (!user) {
        auto reply =
            routing::errorReply(ctx, http::Status::service_unavailable, "store_unavailable",
                                "The store is unavailable; try again");
        reply.response.set(http::beast::http::field::retry_after, "1");  // as every store 503
        co_return AuthFailure{std::move(reply)};
    }
    if (!*user) co_return AuthFailure{unauthorized(ctx, "Could not validate credentials")};
    ctx.user = claims->subject;
    co_return Principal{(*user)->id, (*user)->username, (*user)->is_superuser, claims->jti,
                        claims->expires_at};
}

}  // namespace ccapi::api
