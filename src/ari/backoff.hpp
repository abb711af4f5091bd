// Reconnect delays for the event socket: capped exponential backoff with full jitter.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace ccapi::ari {

// Attempt n (from 0) waits a uniformly random time in [0, min(max, initial * 2^n)]. Full jitter
// spreads the reconnects of many instances after an Asterisk restart instead of having them all
// knock at the same moments. Owned by the event loop; not thread-safe.
class Backoff {
public:
    using Millis = std::chrono::milliseconds;

    Backoff(Millis initial, Millis max, std::uint64_t seed = std::random_device{}());

    Millis next();
    // The cap the next delay is drawn under (for logs and tests).
    Millis ceiling() const;
    void reset() { attempt_ = 0; }
    int attempt() const { return attempt_; }

private:
    Millis initial_;
    Millis max_;
    int attempt_ = 0;
    std::mt19937_64 random_;
};

}  // namespace ccapi::ari
