#include "ari/breaker.hpp"

#include <gtest/gtest.h>

#include "fake_clock.hpp"

namespace ccapi::ari {
namespace {

using namespace std::chrono_literals;
using Transition = CircuitBreaker::Transition;

CircuitBreaker::Settings settings(int threshold, bool enabled = true) {
    CircuitBreaker::Settings s;
    s.enabled = enabled;
    s.threshold = threshold;
    s.open_for = 60s;
    return s;
}

// Runs one request through the breaker: false when it was refused without being sent.
bool run(CircuitBreaker& breaker, bool fails, Transition* transition = nullptr) {
    auto permit = breaker.acquire();
    if (!permit.allowed) return false;
    auto t = breaker.record(permit, fails);
    if (transition) *transition = t;
    return true;
}

TEST(CircuitBreaker, OpensAfterThresholdConsecutiveFailures) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(3), clock);
    EXPECT_TRUE(run(breaker, true));
    EXPECT_TRUE(run(breaker, true));
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
    Transition t{};
    EXPECT_TRUE(run(breaker, true, &t));
    EXPECT_EQ(t, Transition::kOpened);
    EXPECT_EQ(breaker.state(), BreakerState::kOpen);
    EXPECT_FALSE(run(breaker, false));
}

TEST(CircuitBreaker, SuccessResetsTheFailureCount) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(3), clock);
    run(breaker, true);
    run(breaker, true);
    run(breaker, false);
    EXPECT_EQ(breaker.consecutiveFailures(), 0);
    run(breaker, true);
    run(breaker, true);
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, LetsOneTrialThroughAfterTheOpenPeriod) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(1), clock);
    run(breaker, true);
    clock.advance(59s);
    EXPECT_FALSE(breaker.acquire().allowed);
    clock.advance(1s);
    EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
    auto trial = breaker.acquire();
    ASSERT_TRUE(trial.allowed);
    EXPECT_TRUE(trial.trial);
    // Only one trial at a time: the others are still refused.
    EXPECT_FALSE(breaker.acquire().allowed);
    EXPECT_EQ(breaker.record(trial, false), Transition::kClosed);
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
    EXPECT_TRUE(run(breaker, false));
}

TEST(CircuitBreaker, AFailedTrialOpensItForAnotherPeriod) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(1), clock);
    run(breaker, true);
    clock.advance(60s);
    Transition t{};
    EXPECT_TRUE(run(breaker, true, &t));
    EXPECT_EQ(t, Transition::kReopened);
    EXPECT_EQ(breaker.state(), BreakerState::kOpen);
    clock.advance(30s);
    EXPECT_FALSE(breaker.acquire().allowed);
    clock.advance(30s);
    EXPECT_TRUE(run(breaker, false));
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, LateResultsOfEarlierRequestsDoNotMoveAnOpenBreaker) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(1), clock);
    auto early = breaker.acquire();
    run(breaker, true);
    EXPECT_EQ(breaker.record(early, false), Transition::kNone);
    EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, DisabledNeverOpens) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(1, false), clock);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(run(breaker, true));
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, APeerSeenElsewhereMakesTheNextRequestTheTrial) {
    test::FakeClock clock;
    CircuitBreaker breaker(settings(1), clock);
    run(breaker, true);
    EXPECT_FALSE(breaker.acquire().allowed);
    breaker.peerSeen();
    EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
    EXPECT_TRUE(run(breaker, false));
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, StatesHaveStableNames) {
    EXPECT_EQ(toString(BreakerState::kClosed), "closed");
    EXPECT_EQ(toString(BreakerState::kOpen), "open");
    EXPECT_EQ(toString(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace ccapi::ari
