#include "auth/login_lockout.hpp"

#include <gtest/gtest.h>

namespace ccapi::auth {
namespace {

using std::chrono::seconds;
using TimePoint = LoginLockout::TimePoint;

const TimePoint kT0 = TimePoint(seconds(1'000'000));

LoginLockout fiveIn900() { return LoginLockout({.max_failures = 5, .duration = seconds(900)}); }

TEST(LoginLockout, LocksThePairAfterTheMaximumFailures) {
    auto lockout = fiveIn900();
    for (int i = 1; i <= 4; ++i) {
        auto s = lockout.recordFailure("alice", "198.51.100.7", kT0 + seconds(i));
        EXPECT_FALSE(s.locked);
        EXPECT_EQ(s.failures, i);
    }
    auto s = lockout.recordFailure("alice", "198.51.100.7", kT0 + seconds(5));
    EXPECT_TRUE(s.locked);
    EXPECT_EQ(s.retry_after_s, 900);
    auto later = lockout.isLocked("alice", "198.51.100.7", kT0 + seconds(105));
    EXPECT_TRUE(later.locked);
    EXPECT_EQ(later.retry_after_s, 800);
}

TEST(LoginLockout, LockIsPerUserAndAddress) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 5; ++i) lockout.recordFailure("alice", "198.51.100.7", kT0);
    EXPECT_TRUE(lockout.isLocked("alice", "198.51.100.7", kT0).locked);
    EXPECT_FALSE(lockout.isLocked("alice", "192.0.2.1", kT0).locked);   // alice elsewhere
    EXPECT_FALSE(lockout.isLocked("bob", "198.51.100.7", kT0).locked);  // bob, same address
    EXPECT_EQ(lockout.isLocked("alice", "192.0.2.1", kT0).failures, 0);
}

TEST(LoginLockout, PairsCannotBeSpelledTheSame) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 5; ++i) lockout.recordFailure("ab", "c", kT0);
    EXPECT_FALSE(lockout.isLocked("a", "bc", kT0).locked);
}

TEST(LoginLockout, LockExpiresAfterTheDuration) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 5; ++i) lockout.recordFailure("alice", "a", kT0);
    EXPECT_TRUE(lockout.isLocked("alice", "a", kT0 + seconds(899)).locked);
    auto after = lockout.isLocked("alice", "a", kT0 + seconds(900));
    EXPECT_FALSE(after.locked);
    EXPECT_EQ(after.failures, 0);
    // A fresh start: one more failure does not lock again.
    EXPECT_FALSE(lockout.recordFailure("alice", "a", kT0 + seconds(901)).locked);
}

TEST(LoginLockout, SuccessForgetsTheFailures) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 4; ++i) lockout.recordFailure("alice", "a", kT0);
    lockout.recordSuccess("alice", "a");
    EXPECT_EQ(lockout.isLocked("alice", "a", kT0).failures, 0);
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(lockout.recordFailure("alice", "a", kT0).locked);
    EXPECT_TRUE(lockout.recordFailure("alice", "a", kT0).locked);
}

TEST(LoginLockout, FailuresOlderThanTheDurationAreForgotten) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 4; ++i) lockout.recordFailure("alice", "a", kT0);
    auto s = lockout.recordFailure("alice", "a", kT0 + seconds(900));
    EXPECT_FALSE(s.locked);
    EXPECT_EQ(s.failures, 1);
}

TEST(LoginLockout, FailuresWhileLockedDoNotExtendTheLock) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 5; ++i) lockout.recordFailure("alice", "a", kT0);
    auto s = lockout.recordFailure("alice", "a", kT0 + seconds(600));
    EXPECT_TRUE(s.locked);
    EXPECT_EQ(s.retry_after_s, 300);
    EXPECT_FALSE(lockout.isLocked("alice", "a", kT0 + seconds(900)).locked);
}

TEST(LoginLockout, ZeroMaximumNeverLocks) {
    LoginLockout lockout({.max_failures = 0, .duration = seconds(900)});
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(lockout.recordFailure("alice", "a", kT0).locked);
    EXPECT_EQ(lockout.size(), 0u);
}

TEST(LoginLockout, PurgeDropsOnlyFinishedPairs) {
    auto lockout = fiveIn900();
    for (int i = 0; i < 5; ++i) lockout.recordFailure("locked", "a", kT0);
    lockout.recordFailure("counting", "a", kT0 + seconds(500));
    EXPECT_EQ(lockout.purgeExpired(kT0 + seconds(899)), 0u);
    EXPECT_EQ(lockout.purgeExpired(kT0 + seconds(900)), 1u);
    EXPECT_EQ(lockout.size(), 1u);
    EXPECT_EQ(lockout.purgeExpired(kT0 + seconds(1400)), 1u);
}

TEST(LoginLockout, MemoryStaysBoundedAndKeepsLocks) {
    LoginLockout lockout({.max_failures = 3, .duration = seconds(900), .max_entries = 100});
    for (int i = 0; i < 3; ++i) lockout.recordFailure("alice", "a", kT0);
    for (int i = 0; i < 10'000; ++i) {
        lockout.recordFailure("user" + std::to_string(i), "b", kT0 + seconds(1));
    }
    EXPECT_LE(lockout.size(), 100u);
    EXPECT_TRUE(lockout.isLocked("alice", "a", kT0 + seconds(2)).locked);
}

}  // namespace
}  // namespace ccapi::auth
