// Feeds http_requests_total and http_request_duration_seconds from the request pipeline.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metrics/registry.hpp"
#include "routing/pipeline.hpp"

namespace ccapi::app {

// Owned by the composition root; onRequest runs on every I/O thread.
class HttpMetrics final : public routing::RequestObserver {
public:
    explicit HttpMetrics(metrics::Registry& registry);
    void onRequest(const routing::RequestRecord& record) override;

private:
    struct Series {
        metrics::Counter* requests;
        metrics::Histogram* duration;
    };
    struct KeyView {
        std::string_view method;
        std::string_view route;
        unsigned status;
    };
    struct Key {
        std::string method;
        std::string route;
        unsigned status;
        operator KeyView() const { return {method, route, status}; }
    };
    // Heterogeneous: a request looks its series up by views, allocating nothing.
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(KeyView k) const noexcept {
            auto h = std::hash<std::string_view>{}(k.route);
            return h ^ (std::hash<std::string_view>{}(k.method) * 31) ^ (k.status * 1000003u);
        }
    };
    struct KeyEqual {
        using is_transparent = void;
        bool operator()(KeyView a, KeyView b) const noexcept {
            return a.status == b.status && a.method == b.method && a.route == b.route;
        }
    };
    // (method, route, status) → its two series: resolving labels builds strings and takes the
    // registry's lock, too much for every request; the set of keys is small and bounded (route
    // patterns, not paths).
    Series& seriesFor(const routing::RequestRecord& record);

    metrics::CounterFamily& requests_;
    metrics::HistogramFamily& durations_;
    std::mutex series_mutex_;
    std::unordered_map<Key, Series, KeyHash, KeyEqual> series_;
};

}  // namespace ccapi::app
