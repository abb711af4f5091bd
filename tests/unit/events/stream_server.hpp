// The event streams in-process, wired as the composition root wires them: a real SQLite store,
// the authenticator, the hub, the feed, EventsApi behind the routing pipeline and the HTTP server
// on 127.0.0.1 port 0. Tests talk to it over loopback.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/authenticator.hpp"
#include "auth/revocation_cache.hpp"
#include "auth/tokens.hpp"
#include "core/io_pool.hpp"
#include "events/event_feed.hpp"
#include "events/event_hub.hpp"
#include "events/events_api.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "routing/pipeline.hpp"
#include "unit/events/events_store.hpp"

namespace ccapi::events::testing {

struct StreamServerOptions {
    std::size_t queue_limit = 1000;
    std::chrono::seconds ping_interval{20};
    std::chrono::seconds access_ttl{1800};
    std::vector<std::string> allowed_origins{};
};

// Owned by one test; started in the constructor, stopped in the destructor.
class StreamServer {
public:
    explicit StreamServer(StreamServerOptions options = {});
    ~StreamServer();

    std::uint16_t port() const { return server_->port(); }
    EventsStore& store() { return store_; }
    EventHub& hub() { return hub_; }
    EventFeed& feed() { return *feed_; }
    EventsApi& api() { return *api_; }
    // A fresh access token for `username` (a user of store()).
    std::string token(const std::string& username);
    // The value of one series in the Prometheus text, e.g.
    // metric("event_stream_dropped_total{transport=\"websocket\",reason=\"slow_consumer\"}").
    double metric(const std::string& series) const;

private:
    SystemClock clock_;
    EventsStore store_;
    BlockingPool blocking_{4};
    metrics::Registry registry_;
    std::unique_ptr<auth::TokenService> tokens_;
    std::unique_ptr<auth::RevocationCache> revocations_;
    std::unique_ptr<api::Authenticator> authenticator_;
    std::unique_ptr<IoPool> io_;
    EventHub hub_;
    std::unique_ptr<EventFeed> feed_;
    std::unique_ptr<EventsApi> api_;
    std::unique_ptr<routing::Pipeline> pipeline_;
    std::unique_ptr<http::Server> server_;
};

}  // namespace ccapi::events::testing
