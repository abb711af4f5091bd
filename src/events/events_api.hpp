// The event stream endpoints (SPEC §2 "Events out"): GET /api/v2/events (WebSocket) and
// GET /api/v2/events/stream (Server-Sent Events), with authentication, filters and metrics.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/authenticator.hpp"
#include "core/async.hpp"
#include "core/time.hpp"
#include "events/event_hub.hpp"
#include "events/stream_session.hpp"
#include "metrics/registry.hpp"
#include "routing/router.hpp"
#include "storage/stores.hpp"

namespace ccapi::events {

struct EventsApiDeps {
    api::Authenticator& authenticator;
    EventHub& hub;
    storage::CallStore& calls;  // SSE resume reads the log
    BlockingPool& blocking;
    metrics::Registry& registry;
    const Clock& clock;  // token expiry
};

struct EventsApiOptions {
    std::chrono::seconds ping_interval{20};  // EVENT_STREAM_PING_SECONDS
    std::size_t queue_limit = 1000;          // EVENT_STREAM_QUEUE_LIMIT
    // SO_SNDBUF of each stream socket: with 10,000 clients the kernel's autotuning (up to 4 MiB
    // each) would dwarf the queues, and a client that stops reading would take thousands of
    // messages to notice. 0: leave it to the kernel.
    int socket_send_buffer = 128 * 1024;
    // ALLOWED_ORIGINS, as the pipeline has them: the SSE response head is written by the stream
    // itself, so it applies the same CORS headers.
    std::vector<std::string> allowed_origins;
};

// Owned by the composition root; handlers run on any I/O thread, and each stream then lives on
// its connection's I/O thread (http::Takeover).
class EventsApi {
public:
    EventsApi(EventsApiDeps deps, EventsApiOptions options);

    void registerRoutes(routing::Router& router);
    // Graceful shutdown: WebSocket clients get close 1001, SSE streams end. Same as
    // hub.closeAll(); later connections are closed at once.
    void closeAll();

private:
    Task<http::Reply> websocket(routing::RequestContext& ctx);
    Task<http::Reply> sse(routing::RequestContext& ctx);
    // The stream's config, or the reply that refuses it (401, 400, 503).
    Task<std::variant<StreamSessionConfig, http::Reply>> prepare(routing::RequestContext& ctx,
                                                                 const StreamMetrics* metrics);
    std::string sseHead(const routing::RequestContext& ctx) const;

    EventsApiDeps d_;
    EventsApiOptions options_;
    bool any_origin_ = false;
    StreamMetrics websocket_metrics_;
    StreamMetrics sse_metrics_;
};

}  // namespace ccapi::events
