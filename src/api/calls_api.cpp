#include "api/calls_api.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "api/call_json.hpp"
#include "api/committed_create.hpp"
#include "api/token_api.hpp"
#include "api/webhook_json.hpp"
#include "core/ids.hpp"
#include "core/logging.hpp"
#include "routing/responses.hpp"

namespace ccapi::api {

namespace {

using routing::RequestContext;
using storage::Call;

http::Reply callNotFound(const RequestContext& ctx) {
    return routing::errorReply(ctx, http::Status::not_found, "call_not_found", "Call not found");
}

http::Reply storeUnavailable(const RequestContext& ctx) {
    auto reply = routing::errorReply(ctx, http::Status::service_unavailable, "store_unavailable",
                                     "The store is unavailable; try again");
    reply.response.set(http::beast::http::field::retry_after, "1");
    return reply;
}

bool acceptableIdempotencyKey(std::string_view key) {
    if (key.empty() || key.size() > 255) return false;
    for (unsigned char c : key) {
        if (c < 0x21 || c > 0x7e) return false;
    }
    return true;
}

// The cursor is opaque to clients: hex of "<created_at>:<call_id>".
std::string toHex(std::string_view in) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(in.size() * 2);
    for (unsigned char c : in) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
    return out;
}

std::optional<std::string> fromHex(std::string_view in) {
    if (in.size() % 2 != 0 || in.size() > 256) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(in.size() / 2);
    for (std::size_t i = 0; i < in.size(); i += 2) {
        int hi = nibble(in[i]), lo = nibble(in[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

http::Reply problemReply(const RequestContext& ctx, const RequestProblem& problem) {
    if (problem.status == 422) return routing::validationReply(ctx, problem.errors);
    return routing::errorReply(ctx, http::Status::bad_request, "invalid_request", problem.detail);
}

routing::FieldError queryError(std::string name, std::string msg, std::string type) {
    return {{"query", std::move(name)}, std::move(msg), std::move(type)};
}

}  // namespace

std::string encodeCursor(const storage::CallCursor& cursor) {
    return toHex(std::to_string(cursor.created_at) + ":" + cursor.call_id);
}

std::optional<storage::CallCursor> decodeCursor(std::string_view text) {
    auto raw = fromHex(text);
    if (!raw) return std::nullopt;
    auto colon = raw->find(':');
    if (colon == std::string::npos) return std::nullopt;
    storage::CallCursor cursor;
    auto [p, ec] = std::from_chars(raw->data(), raw->data() + colon, cursor.created_at);
    if (ec != std::errc{} || p != raw->data() + colon) return std::nullopt;
    cursor.call_id = raw->substr(colon + 1);
    if (!isUuid(cursor.call_id)) return std::nullopt;
    return cursor;
}

CallsApi::CallsApi(CallsApiDeps deps)
    : d_(std::move(deps)),
      rate_limited_(d_.registry.counter("rate_limit_exceeded_total",
                                        "Requests refused by a rate limit", {"endpoint"})) {}

void CallsApi::registerRoutes(routing::Router& router) {
    using http::Verb;
    auto create_in_path = [this](RequestContext& c) {
        return create(c, std::string(c.param("number")), Shape::kCall);
    };
    auto create_in_body = [this](RequestContext& c) {
        return create(c, std::nullopt, Shape::kCall);
    };
    auto get_call = [this](RequestContext& c) { return get(c, Shape::kCall); };
    router.add(Verb::post, "/api/v2/interaction/{number}", create_in_path);
    router.add(Verb::post, "/api/v1/interaction/{number}", create_in_path);
    router.add(Verb::post, "/api/v2/calls", create_in_body);
    router.add(Verb::post, "/api/v1/calls", create_in_body);
    router.add(Verb::post, "/api/v1/session/{target}", [this](RequestContext& c) {
        return create(c, std::string(c.param("target")), Shape::kSession);
    });
    router.add(Verb::get, "/api/v2/calls/{call_id}", get_call);
    router.add(Verb::get, "/api/v1/calls/{call_id}", get_call);
    router.add(Verb::get, "/api/v2/status/{call_id}", get_call);
    router.add(Verb::get, "/api/v2/interaction/{call_id}/status", get_call);
    router.add(Verb::get, "/api/v1/status/{call_id}",
               [this](RequestContext& c) { return get(c, Shape::kSession); });
    router.add(Verb::get, "/api/v2/calls", [this](RequestContext& c) { return list(c); });
    router.add(Verb::delete_, "/api/v2/calls/{call_id}",
               [this](RequestContext& c) { return hangup(c); });
    router.add(Verb::get, "/api/v2/calls/{call_id}/events",
               [this](RequestContext& c) { return events(c); });
    router.add(Verb::get, "/api/v2/calls/{call_id}/webhooks",
               [this](RequestContext& c) { return webhooks(c); });
}

Task<Result<std::optional<Call>>> CallsApi::visibleCall(Principal who, std::string call_id) {
    if (!isUuid(call_id)) co_return std::optional<Call>{};
    auto read = [this, call_id] { return d_.database.calls().get(call_id); };
    auto found = co_await offload(d_.blocking, std::move(read));
    if (!found) co_return found.error();
    if (*found && (*found)->user_id != who.user_id && !who.is_superuser) {
        co_return std::optional<Call>{};  // another user's call does not exist for this one
    }
    co_return std::move(*found);
}

Task<Result<std::shared_ptr<const CachedCall>>> CallsApi::cachedCall(Principal who,
                                                                     std::string call_id) {
    using Found = std::shared_ptr<const CachedCall>;
    if (!isUuid(call_id)) co_return Found{};
    auto record = d_.cache ? d_.cache->get(call_id) : nullptr;
    if (!record) {
        auto ticket = d_.cache ? d_.cache->ticket(call_id) : 0;
        auto read = [this, call_id]() -> Result<Found> {
            auto stored = d_.database.calls().get(call_id);
            if (!stored) return stored.error();
            if (!*stored) return Found{};
            auto body = boost::json::serialize(callToJson(**stored));
            return std::make_shared<const CachedCall>(CachedCall{std::move(**stored), body});
        };
        auto loaded = co_await offload(d_.blocking, std::move(read));
        if (!loaded) co_return loaded.error();
        record = std::move(*loaded);
        if (!record) co_return Found{};
        if (d_.cache) d_.cache->put(record, ticket);
    }
    if (record->call.user_id != who.user_id && !who.is_superuser) {
        co_return Found{};  // another user's call does not exist for this one
    }
    co_return record;
}

Task<http::Reply> CallsApi::create(RequestContext& ctx, std::optional<std::string> number,
                                   Shape shape) {
    auto who_or_failure = co_await d_.authenticator.authenticate(ctx);
    if (auto* failure = std::get_if<AuthFailure>(&who_or_failure)) {
        co_return std::move(failure->reply);
    }
    auto who = std::get<Principal>(who_or_failure);

    auto decision = d_.call_limiter.hit("calls:" + std::to_string(who.user_id));
    if (!decision.allowed) {
        rate_limited_.labels({"calls"}).inc();
        auto reply = routing::errorReply(ctx, http::Status::too_many_requests, "rate_limited",
                                         "Too many calls created; retry later");
        applyRateLimitHeaders(reply.response, decision);
        co_return reply;
    }

    auto parsed = parseCallRequest(ctx.request.body(), number, d_.defaults);
    if (auto* problem = std::get_if<RequestProblem>(&parsed)) {
        auto reply = problemReply(ctx, *problem);
        applyRateLimitHeaders(reply.response, decision);
        co_return reply;
    }
    auto& request = std::get<CallRequest>(parsed);
    if (request.status_callback && pointsAtService(*request.status_callback, d_.service_port)) {
        auto reply = routing::errorReply(ctx, http::Status::bad_request, "invalid_request",
                                         "Invalid status_callback: it points at this service");
        applyRateLimitHeaders(reply.response, decision);
        co_return reply;
    }

    std::optional<std::string> idempotency_key;
    if (auto key = ctx.header("Idempotency-Key"); !key.empty()) {
        if (!acceptableIdempotencyKey(key)) {
            co_return routing::errorReply(ctx, http::Status::bad_request, "invalid_request",
                                          "Invalid Idempotency-Key: 1 to 255 visible ASCII "
                                          "characters");
        }
        idempotency_key = std::string(key);
    }

    auto now = d_.clock.now();
    Call call;
    call.call_id = newTimeOrderedUuid(now);
    call.user_id = who.user_id;
    call.phone_number = request.phone_number;
    call.status = storage::CallStatus::kPending;
    call.context = request.context;
    call.extension = request.extension;
    call.priority = request.priority;
    call.timeout_ms = request.timeout_ms;
    call.caller_id = request.caller_id;
    call.variables = request.variables;
    call.created_at = now;
    call.updated_at = now;
    call.version = 1;
    call.status_callback = request.status_callback;
    call.status_callback_events = request.status_callback_events;
    call.idempotency_key = idempotency_key;
    call.request_hash = requestHash(request);
    storage::CallEvent first;
    first.call_id = call.call_id;
    first.seq = 1;
    first.status = storage::CallStatus::kPending;
    first.at = now;
    first.source = storage::EventSource::kApi;
    first.detail = "accepted";

    auto webhook_urls = storage::webhookTargets(call, first.status, d_.webhook_url);
    storage::NewCall new_call{std::move(call), first, std::move(webhook_urls)};
    auto created = co_await committedCreate(d_.database.calls(), d_.blocking, std::move(new_call));
    if (!created) co_return storeUnavailable(ctx);

    auto body_for = [&](const Call& c, bool success, std::string_view message) {
        auto body = shape == Shape::kSession ? sessionToJson(c) : callToJson(c);
        body["success"] = success;
        body["message"] = message;
        return body;
    };
    http::Reply reply;
    switch (created->outcome) {
        case storage::CreateOutcome::kReplayed:
            reply = routing::jsonReply(ctx, http::Status::ok,
                                       body_for(created->call, true, "Call already created"));
            reply.response.set("Idempotent-Replayed", "true");
            applyRateLimitHeaders(reply.response, decision);
            co_return reply;
        case storage::CreateOutcome::kKeyConflict:
            co_return routing::validationReply(
                ctx, {{{"header", "Idempotency-Key"},
                       "Idempotency-Key was already used with a different request",
                       "idempotency_conflict"}});
        case storage::CreateOutcome::kCreated:
            break;
    }

    ctx.user = who.username;
    if (d_.observer) {
        first.event_id = created->first_event_id;
        d_.observer->onCommitted(created->call, first);
    }
    auto result = co_await d_.engine.submit(std::move(created->call));
    switch (result.outcome) {
        case engine::SubmitResult::Outcome::kAccepted:
        case engine::SubmitResult::Outcome::kQueued:
            reply = routing::jsonReply(ctx, http::Status::created,
                                       body_for(result.call, true, "Call initiated successfully"));
            reply.response.set(http::beast::http::field::location,
                               "/api/v2/calls/" + result.call.call_id);
            break;
        case engine::SubmitResult::Outcome::kRefused:
            reply = routing::jsonReply(
                ctx, http::Status::bad_gateway,
                body_for(result.call, false,
                         "The PBX refused the call: " + result.call.failure_reason.value_or("")));
            break;
        case engine::SubmitResult::Outcome::kUnavailable:
            reply = routing::jsonReply(
                ctx, http::Status::service_unavailable,
                body_for(result.call, false,
                         "The PBX is unavailable: " + result.call.failure_reason.value_or("")));
            reply.response.set(http::beast::http::field::retry_after,
                               std::to_string(std::max(1, result.retry_after_s)));
            break;
    }
    applyRateLimitHeaders(reply.response, decision);
    co_return reply;
}

Task<http::Reply> CallsApi::get(RequestContext& ctx, Shape shape) {
    auto who_or_failure = co_await d_.authenticator.authenticate(ctx);
    if (auto* failure = std::get_if<AuthFailure>(&who_or_failure)) {
        co_return std::move(failure->reply);
    }
    auto& who = std::get<Principal>(who_or_failure);
    auto found = co_await cachedCall(std::move(who), std::string(ctx.param("call_id")));
    if (!found) co_return storeUnavailable(ctx);
    if (!*found) co_return callNotFound(ctx);
    if (shape == Shape::kSession) {
        co_return routing::jsonReply(ctx, http::Status::ok, sessionToJson((*found)->call));
    }
    co_return routing::serializedJsonReply(ctx, http::Status::ok, (*found)->v2_body);
}

namespace {

struct TimeBound {
    const char* name;
    std::optional<UnixMicros> storage::CallFilter::*field;
};
constexpr TimeBound kCreatedAfter{"created_after", &storage::CallFilter::created_after};
constexpr TimeBound kCreatedBefore{"created_before", &storage::CallFilter::created_before};

// The list query as a filter, or the reply refusing it. A plain function on purpose: GCC 12
// miscompiles some locals of coroutine frames (docs/adr/0002), and none are needed here.
std::variant<storage::CallFilter, http::Reply> parseListQuery(const RequestContext& ctx,
                                                              const Principal& who) {
    storage::CallFilter filter;
    if (!who.is_superuser) filter.user_id = who.user_id;
    auto limit = ctx.queryParam("limit");
    if (limit) {
        int value = 0;
        auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
        if (ec != std::errc{} || p != limit->data() + limit->size()) {
            return routing::validationReply(
                ctx, {queryError("limit", "Input should be a valid integer", "int_parsing")});
        }
        if (value < 1 || value > 500) {
            return routing::validationReply(
                ctx, {queryError("limit", "Input should be between 1 and 500",
                                 value < 1 ? "greater_than_equal" : "less_than_equal")});
        }
        filter.limit = value;
    }
    for (const auto& list : ctx.queryParams("status")) {
        std::string_view rest = list;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (item.empty()) continue;
            auto status = storage::parseCallStatus(item);
            if (!status) {
                return routing::errorReply(
                    ctx, http::Status::bad_request, "invalid_request",
                    "Invalid status filter '" + std::string(item.substr(0, 32)) +
                        "': one of pending, dialing, ringing, answered, completed, busy, "
                        "no_answer, failed, canceled");
            }
            filter.statuses.push_back(*status);
        }
    }
    if (auto phone = ctx.queryParam("phone_number")) {
        auto normalized = normalizePhoneNumber(*phone);
        if (!normalized) {
            return routing::errorReply(ctx, http::Status::bad_request, "invalid_request",
                                       "Invalid phone_number filter: expected E.164");
        }
        filter.phone_number = *normalized;
    }
    for (auto* bound : {&kCreatedAfter, &kCreatedBefore}) {
        auto text = ctx.queryParam(bound->name);
        if (!text) continue;
        auto t = parseIso8601(*text);
        if (!t) {
            return routing::errorReply(
                ctx, http::Status::bad_request, "invalid_request",
                std::string("Invalid ") + bound->name + ": expected an ISO-8601 date or time");
        }
        filter.*(bound->field) = *t;
    }
    auto cursor = ctx.queryParam("cursor");
    if (cursor && !cursor->empty()) {
        auto decoded = decodeCursor(*cursor);
        if (!decoded) {
            return routing::errorReply(ctx, http::Status::bad_request, "invalid_request",
                                       "Invalid cursor: pass next_cursor from a previous page");
        }
        filter.after = *decoded;
    }
    return filter;
}

}  // namespace

Task<http::Reply> CallsApi::list(RequestContext& ctx) {
    auto who_or_failure = co_await d_.authenticator.authenticate(ctx);
    if (auto* failure = std::get_if<AuthFailure>(&who_or_failure)) {
        co_return std::move(failure->reply);
    }
    auto parsed = parseListQuery(ctx, std::get<Principal>(who_or_failure));
    if (auto* refusal = std::get_if<http::Reply>(&parsed)) co_return std::move(*refusal);
    auto read = [this, filter = std::get<storage::CallFilter>(parsed)] {
        return d_.database.calls().list(filter);
    };
    auto page = co_await offload(d_.blocking, std::move(read));
    if (!page) co_return storeUnavailable(ctx);
    boost::json::array items;
    for (const auto& c : page->items) items.push_back(callToJson(c));
    boost::json::object body{
        {"items", std::move(items)},
        {"next_cursor",
         page->next ? boost::json::value(encodeCursor(*page->next)) : boost::json::value(nullptr)}};
    co_return routing::jsonReply(ctx, http::Status::ok, body);
}

Task<http::Reply> CallsApi::hangup(RequestContext& ctx) {
    auto who_or_failure = co_await d_.authenticator.authenticate(ctx);
    if (auto* failure = std::get_if<AuthFailure>(&who_or_failure)) {
        co_return std::move(failure->reply);
    }
    auto who = std::get<Principal>(who_or_failure);
    std::string call_id(ctx.param("call_id"));
    auto call = co_await visibleCall(who, call_id);
    if (!call) co_return storeUnavailable(ctx);
    if (!*call) co_return callNotFound(ctx);
    if (storage::isTerminal((*call)->status)) {
        co_return routing::errorReply(
            ctx, http::Status::conflict, "call_ended",
            "Call already ended (" + std::string(storage::toString((*call)->status)) + ")");
    }
    auto result = co_await d_.engine.hangup(call_id);
    switch (result.outcome) {
        case engine::HangupResult::Outcome::kAccepted:
            co_return routing::jsonReply(ctx, http::Status::accepted, callToJson(result.call));
        case engine::HangupResult::Outcome::kAlreadyEnded:
            co_return routing::errorReply(
                ctx, http::Status::conflict, "call_ended",
                "Call already ended (" + std::string(storage::toString(result.call.status)) + ")");
        case engine::HangupResult::Outcome::kUnknown:
            break;
    }
    // Stored as live but not held by the engine: it is being recovered after a restart.
    auto reply = routing::errorReply(ctx, http::Status::service_unavailable, "call_recovering",
                                     "The call is being recovered; retry shortly");
    reply.response.set(http::beast::http::field::retry_after, "1");
    co_return reply;
}

Task<std::optional<http::Reply>> CallsApi::refusalOfCallRead(RequestContext& ctx) {
    auto who_or_failure = co_await d_.authenticator.authenticate(ctx);
    if (auto* failure = std::get_if<AuthFailure>(&who_or_failure)) {
        co_return std::move(failure->reply);
    }
    auto who = std::get<Principal>(who_or_failure);
    auto call = co_await visibleCall(who, std::string(ctx.param("call_id")));
    if (!call) co_return storeUnavailable(ctx);
    if (!*call) co_return callNotFound(ctx);
    co_return std::nullopt;
}

Task<http::Reply> CallsApi::events(RequestContext& ctx) {
    auto refused = co_await refusalOfCallRead(ctx);
    if (refused) co_return std::move(*refused);
    std::string call_id(ctx.param("call_id"));
    auto read = [this, call_id] { return d_.database.calls().events(call_id); };
    auto events = co_await offload(d_.blocking, std::move(read));
    if (!events) co_return storeUnavailable(ctx);
    boost::json::array items;
    for (const auto& e : *events) items.push_back(eventToJson(e));
    co_return routing::jsonReply(
        ctx, http::Status::ok,
        boost::json::object{{"call_id", call_id}, {"events", std::move(items)}});
}

Task<http::Reply> CallsApi::webhooks(RequestContext& ctx) {
    auto refused = co_await refusalOfCallRead(ctx);
    if (refused) co_return std::move(*refused);
    std::string call_id(ctx.param("call_id"));
    using Deliveries =
        std::pair<std::vector<storage::WebhookDelivery>, std::vector<storage::WebhookAttempt>>;
    auto read = [this, call_id]() -> Result<Deliveries> {
        auto deliveries = d_.database.webhooks().forCall(call_id);
        if (!deliveries) return deliveries.error();
        auto attempts = d_.database.webhooks().attemptsForCall(call_id);
        if (!attempts) return attempts.error();
        return Deliveries{std::move(*deliveries), std::move(*attempts)};
    };
    auto found = co_await offload(d_.blocking, std::move(read));
    if (!found) co_return storeUnavailable(ctx);
    boost::json::array items;
    for (const auto& d : found->first) items.push_back(deliveryToJson(d, found->second));
    co_return routing::jsonReply(
        ctx, http::Status::ok,
        boost::json::object{{"call_id", call_id}, {"deliveries", std::move(items)}});
}

}  // namespace ccapi::api
