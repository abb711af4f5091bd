#include "auth/revocation_cache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "unit/auth/fake_clock.hpp"

namespace ccapi::auth {
namespace {

using std::chrono::minutes;
using testing::FakeClock;

constexpr UnixMicros kMinute = 60'000'000;

TEST(RevocationCache, RevokedJtiIsRevokedAndOthersAreNot) {
    FakeClock clock;
    RevocationCache cache(clock);
    cache.revoke("jti-1", clock.now() + 30 * kMinute);
    EXPECT_TRUE(cache.isRevoked("jti-1"));
    EXPECT_FALSE(cache.isRevoked("jti-2"));
    EXPECT_FALSE(cache.isRevoked(""));
}

TEST(RevocationCache, PurgeDropsOnlyTokensThatHaveExpired) {
    FakeClock clock;
    RevocationCache cache(clock);
    cache.revoke("short", clock.now() + 5 * kMinute);
    cache.revoke("long", clock.now() + 30 * kMinute);
    clock.advance(minutes(4));
    EXPECT_EQ(cache.purgeExpired(), 0u);
    clock.advance(minutes(1));
    EXPECT_EQ(cache.purgeExpired(), 1u);
    EXPECT_FALSE(cache.isRevoked("short"));
    EXPECT_TRUE(cache.isRevoked("long"));
}

TEST(RevocationCache, RevokingAgainKeepsTheLaterExpiry) {
    FakeClock clock;
    RevocationCache cache(clock);
    cache.revoke("jti", clock.now() + 30 * kMinute);
    cache.revoke("jti", clock.now() + 1 * kMinute);
    clock.advance(minutes(10));
    cache.purgeExpired();
    EXPECT_TRUE(cache.isRevoked("jti"));
    EXPECT_EQ(cache.size(), 1u);
}

TEST(RevocationCache, ExpiredEntriesArePurgedAsNewOnesArrive) {
    FakeClock clock;
    RevocationCache cache(clock);
    for (int i = 0; i < 50'000; ++i) {
        cache.revoke("jti-" + std::to_string(i), clock.now() + kMinute);
        clock.advance(std::chrono::milliseconds(10));  // ~8 minutes in all
    }
    EXPECT_LT(cache.size(), 20'000u);
    EXPECT_TRUE(cache.isRevoked("jti-49999"));
}

TEST(RevocationCache, ConcurrentRevokesAndLookupsAreSafe) {
    FakeClock clock;
    RevocationCache cache(clock);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                std::string jti = std::to_string(t) + "-" + std::to_string(i);
                cache.revoke(jti, clock.now() + kMinute);
                EXPECT_TRUE(cache.isRevoked(jti));
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(cache.size(), 8000u);
}

}  // namespace
}  // namespace ccapi::auth
