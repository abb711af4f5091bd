// Waiting for a condition in tests: poll until it holds or a deadline passes, never sleep blindly.
#pragma once

#include <chrono>
#include <thread>

namespace ccapi::testhttp {

// Calls `predicate` until it returns true or `timeout` has passed (checked one last time at the
// deadline). Returns whether it held, so tests write ASSERT_TRUE(waitUntil(...)).
template <class Predicate>
bool waitUntil(Predicate&& predicate, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = std::chrono::milliseconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (predicate()) return true;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(interval, deadline - now));
    }
}

}  // namespace ccapi::testhttp
