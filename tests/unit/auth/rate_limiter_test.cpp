#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "unit/auth/fake_clock.hpp"

namespace ccapi::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;

TEST(RateLimiter, AllowsUpToTheLimitThenRefuses) {
    FakeClock clock;
    RateLimiter limiter({.limit = 3, .window = seconds(60)}, clock);
    for (int expected_remaining : {2, 1, 0}) {
        auto d = limiter.hit("10.0.0.1");
        EXPECT_TRUE(d.allowed);
        EXPECT_FALSE(d.unlimited);
        EXPECT_EQ(d.limit, 3);
        EXPECT_EQ(d.remaining, expected_remaining);
        EXPECT_EQ(d.reset_after_s, 60);
        EXPECT_EQ(d.retry_after_s, 0);
    }
    clock.advance(seconds(10));
    auto refused = limiter.hit("10.0.0.1");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.remaining, 0);
    EXPECT_EQ(refused.reset_after_s, 50);
    EXPECT_EQ(refused.retry_after_s, 50);
}

TEST(RateLimiter, ResetCountsDownInWholeSecondsAndTheWindowReopens) {
    FakeClock clock;
    RateLimiter limiter({.limit = 1, .window = seconds(60)}, clock);
    EXPECT_TRUE(limiter.hit("k").allowed);
    clock.advance(milliseconds(59'500));
    auto d = limiter.hit("k");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reset_after_s, 1);  // rounded up: never tell a client to retry "in 0 s"
    EXPECT_EQ(d.retry_after_s, 1);
    clock.advance(milliseconds(500));
    auto reopened = limiter.hit("k");
    EXPECT_TRUE(reopened.allowed);
    EXPECT_EQ(reopened.remaining, 0);
    EXPECT_EQ(reopened.reset_after_s, 60);
}

TEST(RateLimiter, RefusedRequestsDoNotExtendTheWindow) {
    FakeClock clock;
    RateLimiter limiter({.limit = 2, .window = seconds(10)}, clock);
    limiter.hit("k");
    limiter.hit("k");
    for (int i = 0; i < 9; ++i) {
        clock.advance(seconds(1));
        EXPECT_FALSE(limiter.hit("k").allowed);
    }
    clock.advance(seconds(1));
    auto d = limiter.hit("k");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 1);
}

TEST(RateLimiter, ZeroLimitMeansUnlimited) {
    FakeClock clock;
    RateLimiter limiter({.limit = 0, .window = seconds(60)}, clock);
    for (int i = 0; i < 1000; ++i) {
        auto d = limiter.hit("user");
        ASSERT_TRUE(d.allowed);
        ASSERT_TRUE(d.unlimited);
    }
    EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiter, KeysAreIsolated) {
    FakeClock clock;
    RateLimiter limiter({.limit = 1, .window = seconds(60)}, clock);
    EXPECT_TRUE(limiter.hit("alice").allowed);
    EXPECT_FALSE(limiter.hit("alice").allowed);
    EXPECT_TRUE(limiter.hit("bob").allowed);
    EXPECT_TRUE(limiter.hit("alice ").allowed);
}

TEST(RateLimiter, ExpiredWindowsArePurged) {
    FakeClock clock;
    RateLimiter limiter({.limit = 5, .window = seconds(60)}, clock);
    for (int i = 0; i < 100; ++i) limiter.hit("client-" + std::to_string(i));
    EXPECT_EQ(limiter.size(), 100u);
    clock.advance(seconds(30));
    limiter.hit("late");
    EXPECT_EQ(limiter.purgeExpired(), 0u);
    clock.advance(seconds(30));
    EXPECT_EQ(limiter.purgeExpired(), 100u);
    EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiter, MemoryStaysBoundedUnderAFloodOfKeys) {
    FakeClock clock;
    RateLimiter limiter({.limit = 5, .window = seconds(60), .max_keys = 160}, clock);
    for (int i = 0; i < 20'000; ++i) limiter.hit("203.0.113." + std::to_string(i));
    EXPECT_LE(limiter.size(), 160u);
    // A flooded limiter still limits.
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.hit("victim").allowed);
    EXPECT_FALSE(limiter.hit("victim").allowed);
}

TEST(RateLimiter, ConcurrentHitsNeverExceedTheLimit) {
    FakeClock clock;
    RateLimiter limiter({.limit = 500, .window = seconds(60)}, clock);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                if (limiter.hit("shared").allowed) ++allowed;
                limiter.hit("own-" + std::to_string(t));
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(allowed.load(), 500);
}

}  // namespace
}  // namespace ccapi::auth
