// A clock the test moves by hand, for the circuit breaker's open period.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.hpp"

namespace ccapi::ari::test {

// Safe from any thread: the breaker reads it on the client's executor while the test advances it.
class FakeClock final : public Clock {
public:
    UnixMicros now() const override { return 1'800'000'000'000'000 + offset_.load(); }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::time_point(std::chrono::microseconds(offset_.load()));
    }
    void advance(std::chrono::microseconds by) { offset_.fetch_add(by.count()); }

private:
    std::atomic<std::int64_t> offset_{1'000'000};
};

}  // namespace ccapi::ari::test
