// The circuit breaker in front of ARI REST: after enough consecutive failures, requests fail at
// once (kBreakerOpen) instead of each waiting for its deadline against a dead PBX.
#pragma once

#include <chrono>
#include <mutex>

#include "ari/client.hpp"
#include "core/time.hpp"

namespace ccapi::ari {

// Owned by the AriClient. Requests go through it on the client's executor; state() may be read
// from any thread, hence the mutex (uncontended: one lock per request).
//
// Closed: counts consecutive failures; `threshold` of them open it. Open: every request is
// refused until `open_for` has passed; then exactly one request is let through as a trial
// (half-open) while the others are still refused. The trial's success closes the breaker, its
// failure opens it for another `open_for`. Results of requests that were already in flight when
// it opened do not change an open breaker. A disabled breaker lets everything through.
class CircuitBreaker {
public:
    struct Settings {
        bool enabled = true;
        int threshold = 5;
        std::chrono::steady_clock::duration open_for = std::chrono::seconds(60);
    };

    // Returned by acquire(); hand it back to record() with the request's result.
    struct Permit {
        bool allowed = false;
        bool trial = false;
    };

    enum class Transition { kNone, kOpened, kClosed, kReopened };

    CircuitBreaker(Settings settings, const Clock& clock);

    Permit acquire();
    Transition record(Permit permit, bool failed);
    // The PBX answered something else (the event socket connected): an open breaker need not
    // wait out `open_for`; the next request is the trial.
    void peerSeen();

    BreakerState state() const;
    int consecutiveFailures() const;

private:
    Settings settings_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    bool open_ = false;
    bool trial_in_flight_ = false;
    int failures_ = 0;
    std::chrono::steady_clock::time_point open_until_{};
};

}  // namespace ccapi::ari
