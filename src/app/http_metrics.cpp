#include "app/http_metrics.hpp"

#include <string>

namespace ccapi::app {

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : requests_(registry.counter("http_requests_total", "HTTP requests served",
                                 {"method", "route", "code"})),
      durations_(registry.histogram("http_request_duration_seconds",
                                    "Time from a complete request to its response",
                                    {"method", "route"})) {}

HttpMetrics::Series& HttpMetrics::seriesFor(const routing::RequestRecord& record) {
    KeyView key{record.method, record.route, record.status};
    std::lock_guard lock(series_mutex_);
    auto it = series_.find(key);
    if (it != series_.end()) return it->second;
    // Routes are patterns (never raw paths), so label cardinality stays bounded.
    std::string method(record.method);
    std::string route(record.route);
    auto& counter = requests_.labels({method, route, std::to_string(record.status)});
    auto& histogram = durations_.labels({std::move(method), std::move(route)});
    Key owned{std::string(record.method), std::string(record.route), record.status};
    return series_.emplace(std::move(owned), Series{&counter, &histogram}).first->second;
}

void HttpMetrics::onRequest(const routing::RequestRecord& record) {
    auto& series = seriesFor(record);
    series.requests->inc();
    series.duration->observe(record.duration);
}

}  // namespace ccapi::app
