// The retry schedule of SPEC §5: 1 s doubling, capped at 10 min, 10 attempts.
#include "webhooks/retry_policy.hpp"

#include <gtest/gtest.h>

#include <climits>

namespace ccapi::webhooks {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, DefaultsDoubleFromOneSecondForTenAttempts) {
    RetryPolicy policy;
    std::chrono::milliseconds expected = 1s;
    for (int attempt = 1; attempt < 10; ++attempt) {
        ASSERT_EQ(policy.delayAfter(attempt), expected) << attempt;
        expected *= 2;
    }
    EXPECT_EQ(policy.delayAfter(10), std::nullopt);  // the tenth failure is the last
    EXPECT_EQ(policy.delayAfter(11), std::nullopt);
}

TEST(RetryPolicy, DelaysStopAtTenMinutes) {
    RetryPolicy policy{.max_attempts = 50};
    EXPECT_EQ(policy.delayAfter(10), 512s);
    EXPECT_EQ(policy.delayAfter(11), 600s);
    EXPECT_EQ(policy.delayAfter(49), 600s);
    EXPECT_EQ(policy.delayAfter(50), std::nullopt);
}

TEST(RetryPolicy, HugeAttemptNumbersDoNotOverflow) {
    RetryPolicy policy{.max_attempts = INT_MAX};
    EXPECT_EQ(policy.delayAfter(INT_MAX - 1), 600s);
}

TEST(RetryPolicy, OneAttemptMeansNoRetry) {
    RetryPolicy policy{.max_attempts = 1};
    EXPECT_EQ(policy.delayAfter(1), std::nullopt);
}

}  // namespace
}  // namespace ccapi::webhooks
