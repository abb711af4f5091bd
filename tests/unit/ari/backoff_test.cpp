#include "ari/backoff.hpp"

#include <gtest/gtest.h>

namespace ccapi::ari {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, CeilingDoublesUpToTheCap) {
    Backoff backoff(250ms, 2000ms, 1);
    std::vector<std::chrono::milliseconds> ceilings;
    for (int i = 0; i < 6; ++i) {
        ceilings.push_back(backoff.ceiling());
        backoff.next();
    }
    EXPECT_EQ(ceilings, (std::vector<std::chrono::milliseconds>{250ms, 500ms, 1000ms, 2000ms,
                                                                2000ms, 2000ms}));
}

TEST(Backoff, DelaysAreFullyJitteredUnderTheCeiling) {
    Backoff backoff(100ms, 800ms, 7);
    bool below_half = false;
    for (int i = 0; i < 200; ++i) {
        auto ceiling = backoff.ceiling();
        auto delay = backoff.next();
        EXPECT_GE(delay, 0ms);
        EXPECT_LE(delay, ceiling);
        if (delay < ceiling / 2) below_half = true;
    }
    EXPECT_TRUE(below_half);  // full jitter, not "cap plus a little"
}

TEST(Backoff, ResetStartsOverAndManyAttemptsDoNotOverflow) {
    Backoff backoff(250ms, 30000ms, 3);
    for (int i = 0; i < 1000; ++i) backoff.next();
    EXPECT_EQ(backoff.ceiling(), 30000ms);
    backoff.reset();
    EXPECT_EQ(backoff.ceiling(), 250ms);
}

}  // namespace
}  // namespace ccapi::ari
