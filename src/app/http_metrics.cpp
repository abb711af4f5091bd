#include "app/http_metrics.hpp"

#include <string>

namespace ccapi::app {

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : requests_(registry.counter("http_requests_total", "HTTP requests served",
                                 {"method", "route", "code"})),
      durations_(registry.histogram("http_request_duration_seconds",
                                    "Time from a complete request to its response",
                                    {"method", "route"})) {}

void HttpMetrics::onRequest(const routing::RequestRecord& record) {
    // Routes are patterns (never raw paths), so label cardinality stays bounded.
    std::string method(record.method);
    std::string route(record.route);
    requests_.labels({method, route, std::to_string(record.status)}).inc();
    durations_.labels({std::move(method), std::move(route)}).observe(record.duration);
}

}  // namespace ccapi::app
