// A hand-moved Clock for auth tests: wall and steady time advance together, never on their own.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.hpp"

namespace ccapi::auth::testing {

class FakeClock final : public Clock {
public:
    // 2025-11-22T00:40:26Z: a realistic epoch so that token timestamps look like real ones.
    static constexpr UnixMicros kStart = 1'763'772'026'000'000;

    explicit FakeClock(UnixMicros start = kStart) : wall_(start) {}

    UnixMicros now() const override { return wall_.load(); }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::time_point(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::microseconds(steady_.load())));
    }

    void advance(std::chrono::microseconds d) {
        wall_ += d.count();
        steady_ += d.count();
    }

private:
    std::atomic<UnixMicros> wall_;
    std::atomic<std::int64_t> steady_{1'000'000'000};  // steady epoch is arbitrary, not zero
};

}  // namespace ccapi::auth::testing
