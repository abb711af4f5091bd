#include "ari/breaker.hpp"

#include <algorithm>

namespace ccapi::ari {

std::string_view toString(BreakerState state) {
    switch (state) {
        case BreakerState::kClosed:
            return "closed";
        case BreakerState::kOpen:
            return "open";
        case BreakerState::kHalfOpen:
            return "half_open";
    }
    return "unknown";
}

CircuitBreaker::CircuitBreaker(Settings settings, const Clock& clock)
    : settings_(settings), clock_(clock) {
    settings_.threshold = std::max(1, settings_.threshold);
}

CircuitBreaker::Permit CircuitBreaker::acquire() {
    if (!settings_.enabled) return {true, false};
    std::lock_guard lock(mutex_);
    if (!open_) return {true, false};
    if (trial_in_flight_ || clock_.steadyNow() < open_until_) return {false, false};
    trial_in_flight_ = true;
    return {true, true};
}

CircuitBreaker::Transition CircuitBreaker::record(Permit permit, bool failed) {
    if (!settings_.enabled || !permit.allowed) return Transition::kNone;
    std::lock_guard lock(mutex_);
    if (permit.trial) {
        trial_in_flight_ = false;
        if (failed) {
            open_until_ = clock_.steadyNow() + settings_.open_for;
            return Transition::kReopened;
        }
        open_ = false;
        failures_ = 0;
        return Transition::kClosed;
    }
    if (open_) return Transition::kNone;
    if (!failed) {
        failures_ = 0;
        return Transition::kNone;
    }
    if (++failures_ < settings_.threshold) return Transition::kNone;
    open_ = true;
    open_until_ = clock_.steadyNow() + settings_.open_for;
    return Transition::kOpened;
}

void CircuitBreaker::peerSeen() {
    std::lock_guard lock(mutex_);
    if (open_ && !trial_in_flight_) open_until_ = clock_.steadyNow();
}

BreakerState CircuitBreaker::state() const {
    if (!settings_.enabled) return BreakerState::kClosed;
    std::lock_guard lock(mutex_);
    if (!open_) return BreakerState::kClosed;
    if (trial_in_flight_ || clock_.steadyNow() >= open_until_) return BreakerState::kHalfOpen;
    return BreakerState::kOpen;
}

int CircuitBreaker::consecutiveFailures() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

}  // namespace ccapi::ari
