#include "api/token_api.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>

#include "api/form.hpp"
#include "core/ids.hpp"
#include "core/logging.hpp"
#include "routing/responses.hpp"

namespace ccapi::api {

namespace {

using routing::FieldError;
using routing::RequestContext;

bool isForm(const RequestContext& ctx) {
    auto type = ctx.header("Content-Type");
    return type.substr(0, 33) == "application/x-www-form-urlencoded";
}

routing::FieldError missing(std::string field) {
    return {{"body", std::move(field)}, "Field required", "missing"};
}

// The refresh endpoint takes JSON; `detail` is FastAPI's shape for an unparsable body.
std::variant<boost::json::object, std::vector<FieldError>> jsonObjectBody(const RequestContext& ctx,
                                                                          bool required) {
    const auto& body = ctx.request.body();
    if (body.empty()) {
        if (required) return std::vector<FieldError>{{{"body"}, "Field required", "missing"}};
        return boost::json::object{};
    }
    if (!isValidUtf8(body)) {
        return std::vector<FieldError>{{{"body"}, "Invalid UTF-8 in request body", "json_invalid"}};
    }
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec) return std::vector<FieldError>{{{"body"}, "JSON decode error", "json_invalid"}};
    if (!value.is_object()) {
        return std::vector<FieldError>{{{"body"}, "Input should be an object", "model_type"}};
    }
    return std::move(value.as_object());
}

}  // namespace

void applyRateLimitHeaders(http::Response& response, const auth::RateLimitDecision& decision) {
    if (decision.unlimited) return;
    response.set("X-RateLimit-Limit", std::to_string(decision.limit));
    response.set("X-RateLimit-Remaining", std::to_string(decision.remaining));
    response.set("X-RateLimit-Reset", std::to_string(decision.reset_after_s));
    if (!decision.allowed) {
        response.set(http::beast::http::field::retry_after, std::to_string(decision.retry_after_s));
    }
}

TokenApi::TokenApi(TokenApiDeps deps)
    : d_(deps),
      auth_attempts_(
          d_.registry.counter("auth_attempts_total", "Login and refresh attempts", {"result"})),
      rate_limited_(d_.registry.counter("rate_limit_exceeded_total",
                                        "Requests refused by a rate limit", {"endpoint"})) {}

void TokenApi::registerRoutes(routing::Router& router) {
    using http::Verb;
    router.add(Verb::post, "/api/v2/token", [this](RequestContext& c) { return token(c); });
    router.add(Verb::post, "/api/v1/token", [this](RequestContext& c) { return token(c); });
    router.add(Verb::post, "/api/v2/token/refresh",
               [this](RequestContext& c) { return refresh(c); });
    router.add(Verb::post, "/api/v2/token/revoke", [this](RequestContext& c) { return revoke(c); });
}

std::optional<http::Reply> TokenApi::limit(RequestContext& ctx, auth::RateLimitDecision& decision) {
    decision = d_.token_limiter.hit("token:" + ctx.client_address);
    if (decision.allowed) return std::nullopt;
    rate_limited_.labels({"token"}).inc();
    auto reply = routing::errorReply(ctx, http::Status::too_many_requests, "rate_limited",
                                     "Too many requests; retry later");
    applyRateLimitHeaders(reply.response, decision);
    return reply;
}

Task<http::Reply> TokenApi::token(RequestContext& ctx) {
    auth::RateLimitDecision decision;
    if (auto refused = limit(ctx, decision)) co_return std::move(*refused);

    http::Reply reply;
    std::map<std::string, std::string, std::less<>> form;
    if (isForm(ctx)) {
        auto parsed = parseForm(ctx.request.body());
        if (!parsed) {
            reply = routing::validationReply(
                ctx, {{{"body"}, "Request body is not valid form encoding", "value_error"}});
            applyRateLimitHeaders(reply.response, decision);
            co_return reply;
        }
        form = std::move(*parsed);
    }
    auto field = [&](std::string_view name) -> std::optional<std::string> {
        auto it = form.find(name);
        if (it == form.end()) return std::nullopt;
        return it->second;
    };
    auto grant = field("grant_type").value_or("password");
    if (grant == "refresh_token") {
        auto refresh_token = field("refresh_token");
        if (!refresh_token || refresh_token->empty()) {
            reply = routing::validationReply(ctx, {missing("refresh_token")});
        } else {
            reply = co_await refreshGrant(ctx, *refresh_token);
        }
    } else if (grant != "password" && !grant.empty()) {
        reply = routing::validationReply(
            ctx, {{{"body", "grant_type"},
                   "String should match pattern '^password$|^refresh_token$'",
                   "string_pattern_mismatch"}});
    } else {
        std::vector<FieldError> errors;
        auto username = field("username");
        auto password = field("password");
        if (!username) errors.push_back(missing("username"));
        if (!password) errors.push_back(missing("password"));
        if (!errors.empty()) {
            reply = routing::validationReply(ctx, errors);
        } else {
            reply = co_await passwordGrant(ctx, *username, *password);
        }
    }
    applyRateLimitHeaders(reply.response, decision);
    co_return reply;
}

Task<http::Reply> TokenApi::passwordGrant(RequestContext& ctx, std::string username,
                                          std::string password) {
    auto lock = d_.lockout.isLocked(username, ctx.client_address, std::chrono::steady_clock::now());
    if (lock.locked) {
        auth_attempts_.labels({"locked"}).inc();
        auto reply = routing::errorReply(ctx, http::Status::too_many_requests, "account_locked",
                                         "Too many failed login attempts; try again later");
        reply.response.set(http::beast::http::field::retry_after,
                           std::to_string(lock.retry_after_s));
        co_return reply;
    }
    auto lookup = [this, username] { return d_.database.users().findByUsername(username); };
    auto found = co_await offload(d_.blocking, std::move(lookup));
    if (!found) {
        co_return routing::errorReply(ctx, http::Status::service_unavailable, "store_unavailable",
                                      "The store is unavailable; try again");
    }
    std::optional<storage::User> user = *found;
    auto check = [this, &user, password] {
        // Unknown users still cost one bcrypt, so timing does not reveal which names exist.
        if (!user) {
            d_.hasher.dummyVerify(password);
            return false;
        }
        return d_.hasher.verify(password, user->hashed_password);
    };
    bool verified = co_await offload(d_.hashing, std::move(check));
    if (!verified || !user || !user->is_active) {
        d_.lockout.recordFailure(username, ctx.client_address, std::chrono::steady_clock::now());
        auth_attempts_.labels({"failure"}).inc();
        log::info(
            "login failed",
            {{"user", username}, {"client", ctx.client_address}, {"request_id", ctx.request_id}});
        co_return unauthorized(ctx, "Invalid credentials");
    }
    d_.lockout.recordSuccess(username, ctx.client_address);
    auth_attempts_.labels({"success"}).inc();
    ctx.user = user->username;
    co_return co_await issuePair(ctx, *user, newUuid());
}

Task<http::Reply> TokenApi::issuePair(RequestContext& ctx, const storage::User& user,
                                      std::string family) {
    auto access = d_.tokens.issue(user.username, auth::TokenType::kAccess);
    auto refresh = d_.tokens.issue(user.username, auth::TokenType::kRefresh);
    if (!access || !refresh) {
        co_return routing::errorReply(ctx, http::Status::internal_server_error, "internal_error",
                                      "Could not issue a token");
    }
    storage::RefreshToken record{refresh->claims.jti, user.id, std::move(family),
                                 refresh->claims.issued_at, refresh->claims.expires_at};
    auto save = [this, record] { return d_.database.tokens().saveRefresh(record); };
    auto saved = co_await offload(d_.blocking, std::move(save));
    if (!saved) {
        co_return routing::errorReply(ctx, http::Status::service_unavailable, "store_unavailable",
                                      "The store is unavailable; try again");
    }
    boost::json::object body{
        {"access_token", access->token},
        {"token_type", "bearer"},
        {"expires_in", (access->claims.expires_at - access->claims.issued_at) / 1'000'000},
        {"refresh_token", refresh->token}};
    auto reply = routing::jsonReply(ctx, http::Status::ok, body);
    reply.response.set(http::beast::http::field::cache_control, "no-store");
    co_return reply;
}

Task<http::Reply> TokenApi::refreshGrant(RequestContext& ctx, std::string refresh_token) {
    auto claims = d_.tokens.verify(refresh_token, auth::TokenType::kRefresh);
    if (!claims) {
        auth_attempts_.labels({"refresh_invalid"}).inc();
        co_return unauthorized(ctx, "Invalid refresh token");
    }
    auto now = d_.clock.now();
    auto spend = [this, jti = claims->jti, now] {
        return d_.database.tokens().useRefresh(jti, now);
    };
    auto used = co_await offload(d_.blocking, std::move(spend));
    if (!used) {
        co_return routing::errorReply(ctx, http::Status::service_unavailable, "store_unavailable",
                                      "The store is unavailable; try again");
    }
    switch (used->outcome) {
        case storage::RefreshUse::kAccepted:
            break;
        case storage::RefreshUse::kReused:
            auth_attempts_.labels({"refresh_reused"}).inc();
            log::warn("refresh token re-used; its session is revoked",
                      {{"user", claims->subject}, {"client", ctx.client_address}});
            co_return unauthorized(ctx, "Refresh token re-used; the session has been revoked");
        default:
            auth_attempts_.labels({"refresh_invalid"}).inc();
            co_return unauthorized(ctx, "Invalid refresh token");
    }
    auto user = co_await d_.authenticator.activeUser(claims->subject);
    if (!user || !*user || (*user)->id != used->token->user_id) {
        co_return unauthorized(ctx, "Invalid refresh token");
    }
    auth_attempts_.labels({"refresh"}).inc();
    ctx.user = (*user)->username;
    co_return co_await issuePair(ctx, **user, used->token->family_id);
}

Task<http::Reply> TokenApi::refresh(RequestContext& ctx) {
    auth::RateLimitDecision decision;
    if (auto refused = limit(ctx, decision)) co_return std::move(*refused);
    auto body = jsonObjectBody(ctx, true);
    http::Reply reply;
    if (auto* errors = std::get_if<std::vector<FieldError>>(&body)) {
        reply = routing::validationReply(ctx, *errors);
    } else {
        auto& object = std::get<boost::json::object>(body);
        auto* token = object.if_contains("refresh_token");
        if (!token || !token->is_string() || token->as_string().empty()) {
            reply = routing::validationReply(ctx, {missing("refresh_token")});
        } else {
            reply = co_await refreshGrant(ctx, std::string(token->as_string()));
        }
    }
    applyRateLimitHeaders(reply.response, decision);
    co_return reply;
}

Task<http::Reply> TokenApi::revoke(RequestContext& ctx) {
    auto who = co_await d_.authenticator.authenticate(ctx);
    if (auto* failure = std::get_if<AuthFailure>(&who)) co_return std::move(failure->reply);
    auto& principal = std::get<Principal>(who);

    auto body = jsonObjectBody(ctx, false);
    if (auto* errors = std::get_if<std::vector<FieldError>>(&body)) {
        co_return routing::validationReply(ctx, *errors);
    }
    std::optional<std::string> family;
    auto& object = std::get<boost::json::object>(body);
    if (auto* token = object.if_contains("refresh_token")) {
        if (!token->is_string()) {
            co_return routing::validationReply(
                ctx,
                {{{"body", "refresh_token"}, "Input should be a valid string", "string_type"}});
        }
        auto claims = d_.tokens.verify(std::string(token->as_string()), auth::TokenType::kRefresh);
        if (!claims || claims->subject != principal.username) {
            co_return unauthorized(ctx, "Invalid refresh token");
        }
        // Spending it tells us its family; a token spent before has had its family revoked.
        auto spend = [this, jti = claims->jti, now = d_.clock.now()] {
            return d_.database.tokens().useRefresh(jti, now);
        };
        auto used = co_await offload(d_.blocking, std::move(spend));
        if (used && used->outcome == storage::RefreshUse::kAccepted && used->token) {
            family = used->token->family_id;
        }
    }
    d_.revocations.revoke(principal.jti, principal.token_expires_at);
    auto persist = [this, jti = principal.jti, expires = principal.token_expires_at, family] {
        auto r = d_.database.tokens().revokeAccess(jti, expires);
        if (r && family) r = d_.database.tokens().revokeRefreshFamily(*family);
        return r;
    };
    auto stored = co_await offload(d_.blocking, std::move(persist));
    if (!stored) {
        co_return routing::errorReply(ctx, http::Status::service_unavailable, "store_unavailable",
                                      "The store is unavailable; try again");
    }
    co_return routing::emptyReply(ctx, http::Status::no_content);
}

}  // namespace ccapi::api
