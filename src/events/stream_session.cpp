#include "events/stream_session.hpp"

#include <algorithm>

namespace ccapi::events {

std::string_view toString(StopReason reason) {
    switch (reason) {
        case StopReason::kNone:
            return "none";
        case StopReason::kClientGone:
            return "client_gone";
        case StopReason::kSlowConsumer:
            return "slow_consumer";
        case StopReason::kPingTimeout:
            return "ping_timeout";
        case StopReason::kTokenExpired:
            return "token_expired";
        case StopReason::kShutdown:
            return "shutdown";
        case StopReason::kStoreError:
            return "store_error";
    }
    return "unknown";
}

void countDrop(const StreamMetrics& metrics, StopReason reason) {
    metrics::Counter* counter = nullptr;
    switch (reason) {
        case StopReason::kSlowConsumer:
            counter = metrics.slow_consumer;
            break;
        case StopReason::kPingTimeout:
            counter = metrics.ping_timeout;
            break;
        case StopReason::kTokenExpired:
            counter = metrics.token_expired;
            break;
        default:
            break;
    }
    if (counter) counter->inc();
}

void applySendBuffer(const StreamSessionConfig& config, boost::asio::ip::tcp::socket& socket) {
    if (config.send_buffer_bytes <= 0) return;
    boost::system::error_code ignored;
    socket.set_option(boost::asio::socket_base::send_buffer_size(config.send_buffer_bytes),
                      ignored);
}

std::optional<std::chrono::microseconds> untilTokenExpiry(const StreamSessionConfig& config) {
    if (config.token_expires_at <= 0 || !config.clock) return std::nullopt;
    auto left = config.token_expires_at - config.clock->now();
    return std::chrono::microseconds(std::max<UnixMicros>(0, left));
}

}  // namespace ccapi::events
