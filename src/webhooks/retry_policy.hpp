// When a failed webhook delivery is tried again (SPEC §5): 1 s doubling, capped at 10 min, at
// most 10 attempts; then the delivery is dead.
#pragma once

#include <chrono>
#include <optional>

namespace ccapi::webhooks {

// A plain value; copy it freely.
struct RetryPolicy {
    int max_attempts = 10;
    std::chrono::milliseconds initial_delay{1'000};
    std::chrono::milliseconds max_delay{600'000};

    // The wait after failed attempt `attempt` (1-based): initial_delay * 2^(attempt-1), at most
    // max_delay. nullopt when `attempt` was the last one allowed (the delivery is dead).
    std::optional<std::chrono::milliseconds> delayAfter(int attempt) const;
};

}  // namespace ccapi::webhooks
