// What the ARI client reports to /health, /readiness and /metrics, readable from any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace ccapi::ari {

// Shared (shared_ptr) by the REST side, the event loop and the client facade. Written on the
// client's executor, read from any thread.
class ClientStatus {
public:
    void setEventsConnected(bool value) { events_connected_.store(value); }
    bool eventsConnected() const { return events_connected_.load(); }
    void setHttpReachable(bool value) { http_reachable_.store(value); }
    bool httpReachable() const { return http_reachable_.load(); }

    void setLastError(std::string error) {
        std::lock_guard lock(mutex_);
        last_error_ = std::move(error);
    }
    std::string lastError() const {
        std::lock_guard lock(mutex_);
        return last_error_;
    }

private:
    std::atomic<bool> events_connected_{false};
    std::atomic<bool> http_reachable_{false};
    mutable std::mutex mutex_;
    std::string last_error_;
};

}  // namespace ccapi::ari
