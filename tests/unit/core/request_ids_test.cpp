#include "core/request_ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace ccapi {
namespace {

bool isLowerHex(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(RequestIds, AreThirtyTwoLowercaseHexCharacters) {
    RequestIdSource ids;
    for (int i = 0; i < 100; ++i) {
        auto id = ids.next();
        EXPECT_EQ(id.size(), 32u);
        EXPECT_TRUE(isLowerHex(id)) << id;
    }
}

TEST(RequestIds, AreUniqueAcrossThreadsOfOneSource) {
    RequestIdSource ids;
    constexpr int kThreads = 4;
    constexpr int kEach = 20'000;
    std::vector<std::vector<std::string>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) made[t].push_back(ids.next());
        });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> seen;
    for (const auto& list : made) seen.insert(list.begin(), list.end());
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(RequestIds, ConsecutiveIdsDoNotShareTheirCounterHalf) {
    RequestIdSource ids;
    auto a = ids.next();
    auto b = ids.next();
    EXPECT_EQ(a.substr(0, 16), b.substr(0, 16));  // one source, one prefix
    // The mixed counter halves differ in many places, not just the last digit.
    int differing = 0;
    for (std::size_t i = 16; i < 32; ++i) differing += a[i] != b[i];
    EXPECT_GE(differing, 8) << a << " " << b;
}

TEST(RequestIds, TwoSourcesHaveDifferentPrefixes) {
    RequestIdSource one;
    RequestIdSource two;
    EXPECT_NE(one.next().substr(0, 16), two.next().substr(0, 16));
}

}  // namespace
}  // namespace ccapi
