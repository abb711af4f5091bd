#include "webhooks/retry_policy.hpp"

#include <algorithm>

namespace ccapi::webhooks {

std::optional<std::chrono::milliseconds> RetryPolicy::delayAfter(int attempt) const {
    if (attempt >= max_attempts) return std::nullopt;
    auto delay = std::max(initial_delay, std::chrono::milliseconds(0));
    // Doubling stops at the cap, so a large attempt number never overflows.
    for (int i = 1; i < attempt && delay < max_delay; ++i) delay *= 2;
    return std::min(delay, max_delay);
}

}  // namespace ccapi::webhooks
