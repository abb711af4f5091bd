#include "events/events_api.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <charconv>

#include "events/sse_session.hpp"
#include "events/websocket_session.hpp"
#include "routing/responses.hpp"

namespace ccapi::events {

namespace {

using tcp = boost::asio::ip::tcp;
namespace field = boost::beast::http;

// As routing::Pipeline exposes them, so a browser's EventSource sees the same headers.
constexpr std::string_view kExposedHeaders =
    "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, "
    "Location";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A non-negative event id; nullopt for anything else.
std::optional<std::int64_t> parseEventId(std::string_view text) {
    text = trim(text);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

EventsApi::EventsApi(EventsApiDeps deps, EventsApiOptions options)
    : d_(deps), options_(std::move(options)) {
    options_.ping_interval = std::max(options_.ping_interval, std::chrono::seconds(1));
    options_.queue_limit = std::max<std::size_t>(1, options_.queue_limit);
    const auto& origins = options_.allowed_origins;
    any_origin_ = std::find(origins.begin(), origins.end(), "*") != origins.end();

    auto& clients =
        d_.registry.gauge("event_stream_clients", "Event stream clients connected", {"transport"});
    auto& dropped = d_.registry.counter("event_stream_dropped_total",
                                        "Event stream clients disconnected by the server",
                                        {"transport", "reason"});
    auto resolve = [&](const std::string& transport) {
        StreamMetrics m;
        m.clients = &clients.labels({transport});
        m.slow_consumer = &dropped.labels({transport, "slow_consumer"});
        m.ping_timeout = &dropped.labels({transport, "ping_timeout"});
        m.token_expired = &dropped.labels({transport, "token_expired"});
        return m;
    };
    websocket_metrics_ = resolve("websocket");
    sse_metrics_ = resolve("sse");
}

void EventsApi::registerRoutes(routing::Router& router) {
    auto websocket_route = [this](routing::RequestContext& ctx) { return websocket(ctx); };
    auto sse_route = [this](routing::RequestContext& ctx) { return sse(ctx); };
    router.add(http::Verb::get, "/api/v2/events", websocket_route);
    router.add(http::Verb::get, "/api/v2/events/stream", sse_route);
}

void EventsApi::closeAll() { d_.hub.closeAll(); }

Task<std::variant<StreamSessionConfig, http::Reply>> EventsApi::prepare(
    routing::RequestContext& ctx, const StreamMetrics* metrics) {
    // Browsers' WebSocket and EventSource cannot set headers: ?access_token= (never logged, the
    // access log has no query string).
    auto auth = co_await d_.authenticator.authenticate(ctx, true);
    if (auto* failure = std::get_if<api::AuthFailure>(&auth)) {
        co_return std::move(failure->reply);
    }
    const auto& who = std::get<api::Principal>(auth);
    auto parsed = parseStreamFilter(ctx.queryParams("call_id"), ctx.queryParams("status"));
    if (auto* error = std::get_if<FilterError>(&parsed)) {
        co_return routing::errorReply(ctx, http::Status::bad_request, "invalid_filter",
                                      error->detail);
    }
    StreamSessionConfig config;
    config.hub = &d_.hub;
    config.clock = &d_.clock;
    config.metrics = metrics;
    config.filter = std::move(std::get<StreamFilter>(parsed));
    config.filter.user_id = who.user_id;
    config.filter.all_users = who.is_superuser;
    config.queue_limit = options_.queue_limit;
    config.ping_interval = options_.ping_interval;
    config.token_expires_at = who.token_expires_at;
    config.request_id = ctx.request_id;
    config.username = who.username;
    config.send_buffer_bytes = options_.socket_send_buffer;
    co_return config;
}

Task<http::Reply> EventsApi::websocket(routing::RequestContext& ctx) {
    if (!boost::beast::websocket::is_upgrade(ctx.request)) {
        auto reply = routing::errorReply(ctx, http::Status::upgrade_required, "upgrade_required",
                                         "WebSocket upgrade required");
        reply.response.set(field::field::upgrade, "websocket");
        co_return reply;
    }
    auto prepared = co_await prepare(ctx, &websocket_metrics_);
    if (auto* refused = std::get_if<http::Reply>(&prepared)) co_return std::move(*refused);

    http::Reply reply;
    reply.takeover = [config = std::move(std::get<StreamSessionConfig>(prepared))](
                         tcp::socket socket, http::Request request) {
        auto session = std::make_shared<WebSocketSession>(std::move(socket), config);
        return WebSocketSession::run(std::move(session), std::move(request));
    };
    co_return reply;
}

Task<http::Reply> EventsApi::sse(routing::RequestContext& ctx) {
    auto prepared = co_await prepare(ctx, &sse_metrics_);
    if (auto* refused = std::get_if<http::Reply>(&prepared)) co_return std::move(*refused);

    // Last-Event-ID as EventSource sends it on reconnect; the query form for polyfills.
    std::optional<std::int64_t> last_event_id;
    std::string raw(trim(ctx.header("Last-Event-ID")));
    if (raw.empty()) raw = ctx.queryParam("last_event_id").value_or("");
    if (!raw.empty()) {
        last_event_id = parseEventId(raw);
        if (!last_event_id) {
            co_return routing::errorReply(ctx, http::Status::bad_request, "invalid_filter",
                                          "Invalid Last-Event-ID: expected an event_id (a "
                                          "non-negative integer)");
        }
    }

    if (ctx.request.method() == http::Verb::head) {
        http::Reply reply = routing::emptyReply(ctx, http::Status::ok);
        reply.response.set(field::field::content_type, "text/event-stream");
        reply.response.set(field::field::cache_control, "no-cache");
        co_return reply;
    }

    SseOptions sse_options;
    sse_options.store = &d_.calls;
    sse_options.blocking = &d_.blocking;
    sse_options.last_event_id = last_event_id;
    sse_options.response_head = sseHead(ctx);
    http::Reply reply;
    reply.takeover = [config = std::move(std::get<StreamSessionConfig>(prepared)),
                      sse_options = std::move(sse_options)](tcp::socket socket, http::Request) {
        auto session = std::make_shared<SseSession>(std::move(socket), config, sse_options);
        return SseSession::run(std::move(session));
    };
    co_return reply;
}

std::string EventsApi::sseHead(const routing::RequestContext& ctx) const {
    std::string head = ctx.request.version() == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
    // No length and no chunking: the stream ends when the connection does.
    head +=
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n"
        "X-Accel-Buffering: no\r\n"
        "Connection: close\r\n";
    // The pipeline has validated (or generated) the request id: printable, no CR/LF.
    head += "X-Request-ID: " + ctx.request_id + "\r\n";
    auto origin = ctx.header("Origin");
    const auto& origins = options_.allowed_origins;
    bool allowed = !origin.empty() && (any_origin_ || std::find(origins.begin(), origins.end(),
                                                                origin) != origins.end());
    if (allowed) {
        if (any_origin_) {
            head += "Access-Control-Allow-Origin: *\r\n";
        } else {
            // Exactly one of the configured origins, so safe to echo.
            head += "Access-Control-Allow-Origin: " + std::string(origin) + "\r\n";
            head += "Access-Control-Allow-Credentials: true\r\nVary: Origin\r\n";
        }
        head += "Access-Control-Expose-Headers: " + std::string(kExposedHeaders) + "\r\n";
    }
    head += "\r\n";
    return head;
}

}  // namespace ccapi::events
