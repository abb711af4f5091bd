// Password hashing: bcrypt ($2b$, cost 12) through libxcrypt; verifies passlib's $2a$/$2b$/$2y$.
//
// BLOCKING: hash() and verify() cost ~0.25 s of CPU at cost 12 by design. Callers run them off
// the I/O threads (core/async offload helper); this class knows nothing about executors.
// Stateless apart from the cost: safe to share between threads.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ccapi::auth {

class PasswordHasher {
public:
    static constexpr int kDefaultCost = 12;
    static constexpr int kMinCost = 4;  // tests only
    static constexpr int kMaxCost = 31;

    // `cost` outside [kMinCost, kMaxCost] is clamped into it.
    explicit PasswordHasher(int cost = kDefaultCost);

    int cost() const { return cost_; }

    // A new "$2b$<cost>$<salt><hash>" string (60 characters) with a fresh random salt.
    // Fails (AuthErrc::kHashFailed) for a password containing a NUL byte or when libxcrypt fails.
    Result<std::string> hash(std::string_view password) const;

    // True when `password` matches `hash`, a bcrypt string. Anything that is not bcrypt (DES,
    // MD5-crypt, empty, garbage) is false: never let a stored hash downgrade the scheme. The
    // comparison is constant-time; an unusable hash still costs one dummy bcrypt round.
    bool verify(std::string_view password, std::string_view hash) const;

    // Spends the same time as verify() against a hash of this cost, for unknown users, so that
    // response time does not reveal which usernames exist.
    void dummyVerify(std::string_view password) const;

    // True when `hash` should be replaced at the next successful login (lower cost, $2a$/$2y$).
    bool needsRehash(std::string_view hash) const;

private:
    int cost_;
};

}  // namespace ccapi::auth
