// /, /health, /readiness, /live, /metrics, /openapi.json, /docs, /redoc over real HTTP.
#include <boost/json.hpp>

#include "integration/service/service_fixture.hpp"

namespace ccapi::itest {
namespace {

using OpsEndpoints = ServiceTest;

TEST_P(OpsEndpoints, RootLinksToTheDocsAndTheTokenEndpoint) {
    start();
    auto c = client();
    auto r = c.get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    auto body = r->json().as_object();
    EXPECT_EQ(body.at("auth_token"), "/api/v2/token");
    EXPECT_EQ(body.at("docs"), "/docs");
    EXPECT_EQ(body.at("health"), "/health");
    EXPECT_TRUE(body.contains("version"));
}

TEST_P(OpsEndpoints, HealthReportsTheStoreAndAnUnconfiguredPbx) {
    start();
    auto c = client();
    auto r = c.get("/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    auto body = r->json().as_object();
    EXPECT_EQ(body.at("status"), "ok");
    EXPECT_EQ(body.at("database"), "ok");
    EXPECT_EQ(body.at("asterisk").as_object().at("status"), "not configured");
    EXPECT_GE(body.at("uptime_s").to_number<double>(), 0.0);
}

TEST_P(OpsEndpoints, ReadinessAndItsAliasAreReady) {
    start();
    auto c = client();
    for (const char* path : {"/readiness", "/ready"}) {
        auto r = c.get(path);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200u) << path;
        auto body = r->json().as_object();
        EXPECT_EQ(body.at("ready"), true);
        EXPECT_EQ(body.at("checks").as_object().at("database"), "ok");
    }
    auto live = c.get("/live");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->status, 200u);
}

TEST_P(OpsEndpoints, MetricsCountRequestsByRouteNotByPath) {
    start();
    auto c = client();
    ASSERT_TRUE(c.get("/health"));
    ASSERT_TRUE(c.get("/static/nothing/here.js"));
    auto r = c.get("/metrics");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    EXPECT_NE(r->header("Content-Type").value_or("").find("text/plain"), std::string::npos);
    const auto& text = r->body;
    EXPECT_NE(text.find(R"(http_requests_total{method="GET",route="/health",code="200"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(route="/static/{package}/{file}",code="404")"), std::string::npos);
    EXPECT_NE(text.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("http_request_duration_seconds_bucket"), std::string::npos);
    EXPECT_NE(text.find("# TYPE auth_attempts_total counter"), std::string::npos);
    EXPECT_NE(text.find("# TYPE rate_limit_exceeded_total counter"), std::string::npos);
}

TEST_P(OpsEndpoints, OpenApiDocumentDescribesTheTokenEndpoints) {
    start();
    auto c = client();
    auto r = c.get("/openapi.json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    auto doc = r->json().as_object();
    EXPECT_EQ(doc.at("openapi"), "3.1.0");
    auto& paths = doc.at("paths").as_object();
    for (const char* p : {"/api/v2/token", "/api/v1/token", "/api/v2/token/refresh",
                          "/api/v2/token/revoke", "/health", "/readiness", "/metrics"}) {
        EXPECT_TRUE(paths.contains(p)) << p;
    }
}

TEST_P(OpsEndpoints, OpenApiDocumentMatchesTheRoutesServed) {
    start();
    service().stop();
    service().waitExit();
    EXPECT_EQ(service().stderrText().find("OpenAPI document out of date"), std::string::npos)
        << service().stderrText();
}

TEST_P(OpsEndpoints, DocsPagesAndTheirAssetsAreServedLocally) {
    start();
    auto c = client();
    auto docs = c.get("/docs");
    ASSERT_TRUE(docs);
    EXPECT_EQ(docs->status, 200u);
    EXPECT_NE(docs->body.find("/static/swagger-ui/swagger-ui-bundle.js"), std::string::npos);
    EXPECT_EQ(docs->body.find("cdn"), std::string::npos);
    auto bundle = c.get("/static/swagger-ui/swagger-ui-bundle.js");
    ASSERT_TRUE(bundle);
    EXPECT_EQ(bundle->status, 200u);
    EXPECT_GT(bundle->body.size(), 100000u);
    auto redoc = c.get("/redoc");
    ASSERT_TRUE(redoc);
    EXPECT_EQ(redoc->status, 200u);
    auto redoc_js = c.get("/static/redoc/redoc.standalone.js");
    ASSERT_TRUE(redoc_js);
    EXPECT_EQ(redoc_js->status, 200u);
}

TEST_P(OpsEndpoints, DisabledDatabaseKeepsEverythingInMemory) {
    start({{"DISABLE_DB", "true"}});
    auto c = client();
    auto body = c.get("/health").value().json().as_object();
    EXPECT_EQ(body.at("database"), "disabled");
    EXPECT_EQ(c.get("/readiness").value().status, 200u);
}

TEST_P(OpsEndpoints, DocsCanBeTurnedOff) {
    start({{"DOCS_ENABLED", "false"}, {"METRICS_ENABLED", "false"}});
    auto c = client();
    EXPECT_EQ(c.get("/docs").value().status, 404u);
    EXPECT_EQ(c.get("/openapi.json").value().status, 404u);
    EXPECT_EQ(c.get("/metrics").value().status, 404u);
}

INSTANTIATE_TEST_SUITE_P(Backends, OpsEndpoints, ::testing::Values("sqlite", "postgresql"),
                         backendName);

}  // namespace
}  // namespace ccapi::itest
