#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ccapi::metrics {
namespace {

TEST(Counter, CountsWholeAndFractionalIncrements) {
    Counter counter;
    counter.inc();
    counter.inc(4);
    counter.add(2.0);
    counter.add(0.5);
    EXPECT_DOUBLE_EQ(counter.value(), 7.5);
}

TEST(Counter, NeverGoesDown) {
    Counter counter;
    counter.inc(3);
    counter.add(-1.0);
    counter.add(std::numeric_limits<double>::quiet_NaN());
    counter.add(0.0);
    EXPECT_EQ(counter.value(), 3.0);
}

TEST(Gauge, MovesBothWays) {
    Gauge gauge;
    gauge.inc();
    gauge.inc();
    gauge.dec();
    gauge.add(2.5);
    gauge.sub(0.5);
    EXPECT_DOUBLE_EQ(gauge.value(), 3.0);
    gauge.set(-4);
    EXPECT_EQ(gauge.value(), -4.0);
}

TEST(Histogram, BoundsAreInclusiveAndCountsCumulative) {
    const std::vector<double> bounds{1.0, 2.0, 5.0};
    Histogram histogram(bounds);
    for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 10.0, -1.0}) histogram.observe(v);
    auto snapshot = histogram.snapshot();
    // le=1: 0.5, 1.0, -1.0 | le=2: +1.5, 2.0 | le=5: +3.0 | +Inf: +10.0
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{3, 5, 6, 7}));
    EXPECT_EQ(snapshot.count, 7u);
    EXPECT_DOUBLE_EQ(snapshot.sum, 17.0);
}

TEST(Histogram, DropsNaNAndAcceptsInfinity) {
    const std::vector<double> bounds{1.0};
    Histogram histogram(bounds);
    histogram.observe(std::numeric_limits<double>::quiet_NaN());
    histogram.observe(std::numeric_limits<double>::infinity());
    auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{0, 1}));
    EXPECT_EQ(snapshot.count, 1u);
}

TEST(Histogram, ObservesDurationsInSeconds) {
    const std::vector<double> bounds{0.001, 0.01};
    Histogram histogram(bounds);
    histogram.observe(std::chrono::microseconds(500));
    histogram.observe(std::chrono::milliseconds(5));
    auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{1, 2, 2}));
    EXPECT_DOUBLE_EQ(snapshot.sum, 0.0055);
}

TEST(Histogram, ScopedTimerObservesOnce) {
    const std::vector<double> bounds{60.0};
    Histogram histogram(bounds);
    { ScopedTimer timer(histogram); }
    auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.count, 1u);
    EXPECT_GE(snapshot.sum, 0.0);
    EXPECT_LT(snapshot.sum, 60.0);
}

TEST(Buckets, DefaultLatencyBucketsSpanHalfAMillisecondToTenSeconds) {
    auto bounds = defaultLatencyBuckets();
    ASSERT_EQ(bounds.size(), 14u);
    EXPECT_EQ(bounds.front(), 0.0005);
    EXPECT_EQ(bounds.back(), 10.0);
    EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
}

TEST(Buckets, LinearAndExponentialHelpers) {
    EXPECT_EQ(linearBuckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
    EXPECT_EQ(exponentialBuckets(0.5, 2, 4), (std::vector<double>{0.5, 1, 2, 4}));
    EXPECT_THROW(linearBuckets(0, 0, 3), std::invalid_argument);
    EXPECT_THROW(exponentialBuckets(0, 2, 3), std::invalid_argument);
    EXPECT_THROW(exponentialBuckets(1, 1, 3), std::invalid_argument);
    EXPECT_THROW(exponentialBuckets(1, 2, 0), std::invalid_argument);
}

TEST(Concurrency, ThreadsIncrementingOneCounterLoseNothing) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 100000;
    Counter counter;
    Gauge gauge;
    const std::vector<double> bounds{0.5};
    Histogram histogram(bounds);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                counter.inc();
                gauge.inc();
                histogram.observe(t % 2 == 0 ? 0.25 : 1.0);
            }
            for (int i = 0; i < kPerThread; ++i) gauge.dec();
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter.value(), static_cast<double>(kThreads) * kPerThread);
    EXPECT_EQ(gauge.value(), 0.0);
    auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.count, static_cast<std::uint64_t>(kThreads) * kPerThread);
    EXPECT_EQ(snapshot.cumulative[0], static_cast<std::uint64_t>(kThreads / 2) * kPerThread);
    EXPECT_DOUBLE_EQ(snapshot.sum, (kThreads / 2) * kPerThread * 1.25);
}

}  // namespace
}  // namespace ccapi::metrics
