// Feeds http_requests_total and http_request_duration_seconds from the request pipeline.
#pragma once

#include "metrics/registry.hpp"
#include "routing/pipeline.hpp"

namespace ccapi::app {

// Owned by the composition root; onRequest runs on every I/O thread.
class HttpMetrics final : public routing::RequestObserver {
public:
    explicit HttpMetrics(metrics::Registry& registry);
    void onRequest(const routing::RequestRecord& record) override;

private:
    metrics::CounterFamily& requests_;
    metrics::HistogramFamily& durations_;
};

}  // namespace ccapi::app
