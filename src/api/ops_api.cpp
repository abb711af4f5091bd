#include "api/ops_api.hpp"

#include <boost/beast/http/field.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/openapi_document.hpp"
#include "routing/responses.hpp"

namespace ccapi::api {

namespace {

using routing::RequestContext;

http::Reply textReply(const RequestContext& ctx, std::string_view content_type, std::string body) {
    http::Response response{http::Status::ok, ctx.request.version()};
    response.set(http::beast::http::field::content_type, content_type);
    response.body() = std::move(body);
    response.prepare_payload();
    return {std::move(response), {}};
}

std::string swaggerHtml(const std::string& title) {
    return R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>)" +
           title + R"( - Swagger UI</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
<link rel="icon" type="image/png" href="/static/swagger-ui/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  persistAuthorization: true, deepLinking: true});</script>
</body></html>
)";
}

std::string redocHtml(const std::string& title) {
    return R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>)" +
           title + R"( - ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/static/redoc/redoc.standalone.js"></script>
</body></html>
)";
}

}  // namespace

OpsApi::OpsApi(OpsOptions options, storage::Database& database, BlockingPool& blocking,
               metrics::Registry& registry, const PbxStatusSource& pbx, const Clock& clock)
    : options_(std::move(options)),
      database_(database),
      blocking_(blocking),
      registry_(registry),
      pbx_(pbx),
      clock_(clock),
      started_(std::chrono::steady_clock::now()) {
    if (options_.docs_enabled) loadAssets();
}

void OpsApi::loadAssets() {
    // Read once at start-up: handlers then serve from memory and never touch the disk.
    struct Wanted {
        const char* url;
        const char* file;
        const char* type;
    };
    const Wanted wanted[] = {
        {"/static/swagger-ui/swagger-ui.css", "swagger-ui-dist/swagger-ui.css", "text/css"},
        {"/static/swagger-ui/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js",
         "application/javascript"},
        {"/static/swagger-ui/favicon-32x32.png", "swagger-ui-dist/favicon-32x32.png", "image/png"},
        {"/static/redoc/redoc.standalone.js", "redoc/bundles/redoc.standalone.js",
         "application/javascript"},
    };
    for (const auto& w : wanted) {
        auto path = std::filesystem::path(options_.web_assets_dir) / w.file;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            missing_assets_.push_back(path.string());
            continue;
        }
        std::ostringstream body;
        body << in.rdbuf();
        assets_[w.url] = Asset{w.type, body.str()};
    }
}

void OpsApi::registerRoutes(routing::Router& router) {
    using http::Verb;
    router.add(Verb::get, "/", [this](RequestContext& c) { return root(c); });
    router.add(Verb::get, "/health", [this](RequestContext& c) { return health(c); });
    router.add(Verb::get, "/readiness", [this](RequestContext& c) { return readiness(c); });
    router.add(Verb::get, "/ready", [this](RequestContext& c) { return readiness(c); });
    router.add(Verb::get, "/live", [this](RequestContext& c) { return live(c); });
    if (options_.metrics_enabled) {
        router.add(Verb::get, "/metrics", [this](RequestContext& c) { return metricsText(c); });
    }
    if (options_.docs_enabled) {
        router.add(Verb::get, "/openapi.json", [this](RequestContext& c) { return openapi(c); });
        router.add(Verb::get, "/docs", [this](RequestContext& c) { return swaggerPage(c); });
        router.add(Verb::get, "/redoc", [this](RequestContext& c) { return redocPage(c); });
        router.add(Verb::get, "/static/{package}/{file}",
                   [this](RequestContext& c) { return staticFile(c); });
    }
}

Task<http::Reply> OpsApi::root(RequestContext& ctx) {
    boost::json::object body{{"message", options_.app_name},
                             {"version", options_.version},
                             {"docs", options_.docs_enabled ? "/docs" : ""},
                             {"health", "/health"},
                             {"readiness", "/readiness"},
                             {"auth_token", "/api/v2/token"}};
    co_return routing::jsonReply(ctx, http::Status::ok, body);
}

Task<std::string> OpsApi::databaseState() {
    if (database_.backend() == "memory") co_return "disabled";
    auto check = [this] { return database_.ping(); };
    auto ping = co_await offload(blocking_, std::move(check));
    if (ping) co_return "ok";
    co_return "error: " + ping.error().message();
}

Task<http::Reply> OpsApi::health(RequestContext& ctx) {
    auto database = co_await databaseState();
    auto pbx = pbx_.pbxStatus();
    bool healthy =
        (database == "ok" || database == "disabled") && (!pbx.configured || pbx.status == "ok");
    boost::json::object asterisk{{"status", pbx.status},
                                 {"http", pbx.http},
                                 {"websocket", pbx.websocket},
                                 {"circuit_breaker", pbx.circuit_breaker}};
    if (!pbx.detail.empty()) asterisk["detail"] = pbx.detail;
    std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - started_;
    boost::json::object body{{"status", healthy ? "ok" : "degraded"},
                             {"version", options_.version},
                             {"database", database},
                             {"asterisk", asterisk},
                             {"uptime_s", uptime.count()}};
    co_return routing::jsonReply(ctx, http::Status::ok, body);
}

Task<http::Reply> OpsApi::readiness(RequestContext& ctx) {
    auto database = co_await databaseState();
    auto pbx = pbx_.pbxStatus();
    bool database_ok = database == "ok" || database == "disabled";
    bool ready = database_ok && pbx.httpReachable();
    boost::json::object checks{
        {"database", database}, {"asterisk_http", pbx.http}, {"asterisk_websocket", pbx.websocket}};
    boost::json::object body{{"ready", ready}, {"checks", checks}};
    co_return routing::jsonReply(ctx, ready ? http::Status::ok : http::Status::service_unavailable,
                                 body);
}

Task<http::Reply> OpsApi::live(RequestContext& ctx) {
    co_return routing::jsonReply(ctx, http::Status::ok, boost::json::object{{"status", "alive"}});
}

Task<http::Reply> OpsApi::metricsText(RequestContext& ctx) {
    co_return textReply(ctx, "text/plain; version=0.0.4; charset=utf-8", registry_.render());
}

Task<http::Reply> OpsApi::openapi(RequestContext& ctx) {
    co_return textReply(ctx, "application/json", std::string(openapiDocument()));
}

Task<http::Reply> OpsApi::swaggerPage(RequestContext& ctx) {
    co_return textReply(ctx, "text/html; charset=utf-8", swaggerHtml(options_.app_name));
}

Task<http::Reply> OpsApi::redocPage(RequestContext& ctx) {
    co_return textReply(ctx, "text/html; charset=utf-8", redocHtml(options_.app_name));
}

Task<http::Reply> OpsApi::staticFile(RequestContext& ctx) {
    auto it = assets_.find(ctx.path);
    if (it == assets_.end()) {
        co_return routing::errorReply(ctx, http::Status::not_found, "not_found", "Not Found");
    }
    auto reply = textReply(ctx, it->second.content_type, it->second.body);
    reply.response.set(http::beast::http::field::cache_control, "public, max-age=86400");
    co_return reply;
}

}  // namespace ccapi::api
