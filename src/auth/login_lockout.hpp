// Login lockout per (username, client address): after `max_failures` failed logins within
// `duration`, that pair is locked for `duration`, whatever the password. Per pair, so an attacker
// elsewhere cannot lock a user out everywhere (SPEC §2).
//
// Thread-safe (one mutex: logins are rare next to the bcrypt they guard). Memory is bounded by
// `max_entries`: expired entries are purged when full, then the oldest unlocked pair is forgotten.
// Callers pass the canonical username (as stored) and the client address as resolved through
// TRUSTED_PROXIES, so neither can be varied to dodge the count.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ccapi::auth {

struct LockoutOptions {
    int max_failures = 5;                // MAX_FAILED_LOGIN_ATTEMPTS; 0 = never lock
    std::chrono::seconds duration{900};  // LOGIN_LOCKOUT_DURATION
    std::size_t max_entries = 100'000;
};

struct LockoutStatus {
    bool locked = false;
    int retry_after_s = 0;  // whole seconds until the lock lifts (≥ 1 while locked), else 0
    int failures = 0;       // failures counted in the current window
};

class LoginLockout {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit LoginLockout(LockoutOptions options);

    LockoutStatus isLocked(std::string_view username, std::string_view address,
                           TimePoint now) const;

    // Counts a failed login; the returned status says whether the pair is now locked. Failures
    // while locked neither count nor extend the lock.
    LockoutStatus recordFailure(std::string_view username, std::string_view address, TimePoint now);

    // A successful login forgets the pair's failures.
    void recordSuccess(std::string_view username, std::string_view address);

    // Drops pairs whose lock and failure window have both ended; returns how many went.
    std::size_t purgeExpired(TimePoint now);

    std::size_t size() const;

private:
    struct Entry {
        int failures = 0;
        TimePoint first_failure;
        TimePoint locked_until;  // meaningful when locked
        bool locked = false;
    };

    static std::string key(std::string_view username, std::string_view address);
    bool expired(const Entry& e, TimePoint now) const;
    LockoutStatus status(const Entry& e, TimePoint now) const;
    void makeRoomLocked(TimePoint now);

    LockoutOptions options_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ccapi::auth
