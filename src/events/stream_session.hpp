// What both stream transports (WebSocket and SSE sessions) are given, and why a stream ends.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "events/event_hub.hpp"
#include "events/stream_filter.hpp"
#include "metrics/metrics.hpp"

namespace ccapi::events {

// One transport's series, resolved once by EventsApi (the Registry outlives every session).
struct StreamMetrics {
    metrics::Gauge* clients = nullptr;  // event_stream_clients{transport}
    // event_stream_dropped_total{transport,reason}
    metrics::Counter* slow_consumer = nullptr;
    metrics::Counter* ping_timeout = nullptr;
    metrics::Counter* token_expired = nullptr;
};

enum class StopReason {
    kNone,
    kClientGone,    // the client closed or the connection broke
    kSlowConsumer,  // its queue overflowed, or a write stayed stuck
    kPingTimeout,   // WebSocket: no frame (not even a pong) for two ping intervals
    kTokenExpired,  // the access token it authenticated with expired
    kShutdown,      // EventHub::closeAll()
    kStoreError,    // SSE resume: the store could not be read
};
std::string_view toString(StopReason reason);

// Everything a session needs, copied into it; the referenced objects outlive every session
// (owned by the composition root).
struct StreamSessionConfig {
    EventHub* hub = nullptr;
    const Clock* clock = nullptr;
    const StreamMetrics* metrics = nullptr;
    StreamFilter filter;
    std::size_t queue_limit = 1000;
    std::chrono::seconds ping_interval{20};
    UnixMicros token_expires_at = 0;  // 0: never
    std::string request_id;
    std::string username;  // for logs
    // SO_SNDBUF of the stream's socket (0: the kernel's autotuning). Bounds what the kernel
    // buffers for a client that stopped reading, on top of queue_limit messages.
    int send_buffer_bytes = 0;
};

// Applies config.send_buffer_bytes to `socket` (errors ignored: a default buffer still works).
void applySendBuffer(const StreamSessionConfig& config, boost::asio::ip::tcp::socket& socket);

// Counts a drop in the transport's metrics (other reasons are not drops).
void countDrop(const StreamMetrics& metrics, StopReason reason);

// How long until the token expires (zero when it already has); nullopt: it never does.
std::optional<std::chrono::microseconds> untilTokenExpiry(const StreamSessionConfig& config);

}  // namespace ccapi::events
