#include "routing/pipeline.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>

#include "core/logging.hpp"
#include "routing/percent_decode.hpp"
#include "routing/responses.hpp"

namespace ccapi::routing {

namespace {

constexpr std::string_view kExposedHeaders =
    "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, "
    "Location";
constexpr std::string_view kAllowedMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

// A client-supplied request id is echoed only when it is short and printable, so it cannot
// inject anything into headers or log lines.
bool acceptableRequestId(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

std::string allowHeader(std::vector<http::Verb> verbs) {
    if (std::find(verbs.begin(), verbs.end(), http::Verb::get) != verbs.end()) {
        verbs.push_back(http::Verb::head);
    }
    std::string out;
    for (auto v : verbs) {
        if (!out.empty()) out += ", ";
        out += std::string(http::beast::http::to_string(v));
    }
    return out;
}

}  // namespace

Pipeline::Pipeline(Router router, PipelineOptions options, RequestObserver* observer)
    : router_(std::move(router)), options_(std::move(options)), observer_(observer) {
    any_origin_ =
        std::find(options_.cors.allowed_origins.begin(), options_.cors.allowed_origins.end(),
                  "*") != options_.cors.allowed_origins.end();
}

bool Pipeline::originAllowed(std::string_view origin) const {
    if (origin.empty()) return false;
    if (any_origin_) return true;
    const auto& list = options_.cors.allowed_origins;
    return std::find(list.begin(), list.end(), origin) != list.end();
}

std::string Pipeline::clientAddress(const http::Request& request,
                                    const http::ConnectionInfo& info) const {
    const std::string& peer = info.remote_text;
    if (options_.trusted_proxies.empty()) return peer;
    auto is_trusted = [this](const std::string& text) {
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(text, ec);
        if (ec) return false;
        return std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(),
                         address) != options_.trusted_proxies.end();
    };
    if (!is_trusted(peer)) return peer;
    auto forwarded = request.find("X-Forwarded-For");
    if (forwarded == request.end()) return peer;
    // Walk from the right: the first hop that is not one of our proxies is the client.
    std::string_view list = forwarded->value();
    std::string candidate = peer;
    while (!list.empty()) {
        auto comma = list.rfind(',');
        std::string hop = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
        if (hop.empty()) continue;
        candidate = hop;
        if (!is_trusted(hop)) break;
    }
    return candidate;
}

void Pipeline::applyCors(const RequestContext& ctx, http::Response& response) const {
    auto origin = ctx.header("Origin");
    if (!originAllowed(origin)) return;
    if (any_origin_) {
        response.set(http::beast::http::field::access_control_allow_origin, "*");
    } else {
        response.set(http::beast::http::field::access_control_allow_origin, origin);
        response.set(http::beast::http::field::access_control_allow_credentials, "true");
        response.set(http::beast::http::field::vary, "Origin");
    }
    response.set(http::beast::http::field::access_control_expose_headers, kExposedHeaders);
}

http::Reply Pipeline::preflight(const RequestContext& ctx) const {
    auto origin = ctx.header("Origin");
    if (!originAllowed(origin)) {
        return errorReply(ctx, http::Status::bad_request, "cors_origin_not_allowed",
                          "Disallowed CORS origin");
    }
    auto reply = emptyReply(ctx, http::Status::ok);
    auto& r = reply.response;
    r.set(http::beast::http::field::access_control_allow_methods, kAllowedMethods);
    auto requested = ctx.header("Access-Control-Request-Headers");
    r.set(http::beast::http::field::access_control_allow_headers,
          requested.empty() ? std::string_view("Authorization, Content-Type, Idempotency-Key, "
                                               "X-Request-ID, Last-Event-ID")
                            : requested);
    r.set(http::beast::http::field::access_control_max_age, "600");
    r.set(http::beast::http::field::vary, "Origin");
    return reply;
}

Task<http::Reply> Pipeline::handle(http::Request& request, const http::ConnectionInfo& info) {
    auto start = std::chrono::steady_clock::now();
    std::string_view target = request.target();
    auto question = target.find('?');
    RequestContext ctx{
        request, info, target.substr(0, question),
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1)};
    auto incoming_id = request.find("X-Request-ID");
    ctx.request_id = incoming_id != request.end() && acceptableRequestId(incoming_id->value())
                         ? std::string(incoming_id->value())
                         : request_ids_.next();
    ctx.client_address = clientAddress(request, info);

    http::Reply reply;
    if (request.method() == http::Verb::options && !ctx.header("Origin").empty() &&
        !ctx.header("Access-Control-Request-Method").empty()) {
        ctx.route = "preflight";
        reply = preflight(ctx);
    } else if (!ctx.query.empty() && !percentDecode(ctx.query, false)) {
        reply = errorReply(ctx, http::Status::bad_request, "bad_request",
                           "Malformed query string (bad percent-encoding)");
    } else {
        auto match = router_.match(request.method(), ctx.path);
        if (match.handler) {
            ctx.route = match.pattern;
            ctx.params = std::move(match.params);
            try {
                reply = co_await (*match.handler)(ctx);
            } catch (const std::exception& e) {
                log::error("unhandled exception in handler", {{"route", std::string(ctx.route)},
                                                              {"request_id", ctx.request_id},
                                                              {"error", e.what()}});
                reply = errorReply(ctx, http::Status::internal_server_error, "internal_error",
                                   "Internal server error");
            }
        } else if (!match.allowed.empty()) {
            reply = errorReply(ctx, http::Status::method_not_allowed, "method_not_allowed",
                               "Method Not Allowed");
            reply.response.set(http::beast::http::field::allow, allowHeader(match.allowed));
        } else {
            reply = errorReply(ctx, http::Status::not_found, "not_found", "Not Found");
        }
    }
    if (!reply.takeover) {
        finish(ctx, reply.response, start);
    } else {
        // Streams log and count their own end; the upgrade itself is recorded here.
        http::Response marker{http::Status::switching_protocols, 11};
        finish(ctx, marker, start);
    }
    co_return reply;
}

void Pipeline::finish(const RequestContext& ctx, http::Response& response,
                      std::chrono::steady_clock::time_point start) const {
    response.set("X-Request-ID", ctx.request_id);
    applyCors(ctx, response);
    if (ctx.request.method() == http::Verb::head) {
        // Keep Content-Length of the GET but send no body.
        auto length = response.body().size();
        response.body().clear();
        response.content_length(length);
    } else if (!response.has_content_length() && !response.chunked()) {
        response.prepare_payload();
    }
    std::chrono::duration<double> duration = std::chrono::steady_clock::now() - start;
    auto status = static_cast<unsigned>(response.result_int());
    auto method = std::string_view(ctx.request.method_string());
    if (observer_) observer_->onRequest({method, ctx.route, status, duration});
    if (options_.access_log && log::enabled(log::Level::kInfo)) {
        // Only the path: query strings may carry access_token.
        boost::json::object fields{{"method", method},
                                   {"route", ctx.route},
                                   {"path", ctx.path},
                                   {"status", status},
                                   {"duration_ms", duration.count() * 1000.0},
                                   {"request_id", ctx.request_id},
                                   {"client", ctx.client_address}};
        if (!ctx.user.empty()) fields["user"] = ctx.user;
        log::info("request", fields);
    }
}

http::Response Pipeline::protocolError(http::Status status, std::string_view code,
                                       std::string_view detail) {
    auto request_id = request_ids_.next();
    auto response = errorResponse(status, code, detail, request_id);
    if (options_.access_log && log::enabled(log::Level::kInfo)) {
        log::info("request", {{"method", "-"},
                              {"route", "unparsed"},
                              {"status", static_cast<unsigned>(status)},
                              {"request_id", request_id},
                              {"error", code}});
    }
    if (observer_) observer_->onRequest({"-", "unparsed", static_cast<unsigned>(status), {}});
    return response;
}

}  // namespace ccapi::routing
