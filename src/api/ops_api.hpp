// Operations endpoints (no auth): /, /health, /readiness, /ready, /live, /metrics,
// /openapi.json, /docs, /redoc and the documentation UIs' static files.
#pragma once

#include <map>
#include <string>

#include "api/pbx_status.hpp"
#include "core/async.hpp"
#include "core/time.hpp"
#include "metrics/registry.hpp"
#include "routing/router.hpp"
#include "storage/stores.hpp"

namespace ccapi::api {

struct OpsOptions {
    std::string app_name;
    std::string version;
    bool docs_enabled = true;
    bool metrics_enabled = true;
    std::string web_assets_dir;  // holds swagger-ui-dist/ and redoc/ from npm
};

// Owned by the composition root; its handlers run on any I/O thread.
class OpsApi {
public:
    OpsApi(OpsOptions options, storage::Database& database, BlockingPool& blocking,
           metrics::Registry& registry, const PbxStatusSource& pbx, const Clock& clock);

    void registerRoutes(routing::Router& router);
    // Files the docs pages need that were not found (reported at start-up).
    std::vector<std::string> missingAssets() const { return missing_assets_; }

private:
    Task<http::Reply> root(routing::RequestContext& ctx);
    Task<http::Reply> health(routing::RequestContext& ctx);
    Task<http::Reply> readiness(routing::RequestContext& ctx);
    Task<http::Reply> live(routing::RequestContext& ctx);
    Task<http::Reply> metricsText(routing::RequestContext& ctx);
    Task<http::Reply> openapi(routing::RequestContext& ctx);
    Task<http::Reply> swaggerPage(routing::RequestContext& ctx);
    Task<http::Reply> redocPage(routing::RequestContext& ctx);
    Task<http::Reply> staticFile(routing::RequestContext& ctx);

    // "ok", "disabled" or "error: …" (runs the ping off the I/O thread).
    Task<std::string> databaseState();
    void loadAssets();

    struct Asset {
        std::string content_type;
        std::string body;
    };

    OpsOptions options_;
    storage::Database& database_;
    BlockingPool& blocking_;
    metrics::Registry& registry_;
    const PbxStatusSource& pbx_;
    const Clock& clock_;
    std::chrono::steady_clock::time_point started_;
    std::map<std::string, Asset, std::less<>> assets_;  // by URL path, loaded at start-up
    std::vector<std::string> missing_assets_;
};

}  // namespace ccapi::api
