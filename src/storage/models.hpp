// Plain records the stores read and write. No behaviour, no backend types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.hpp"

namespace ccapi::storage {

struct User {
    std::int64_t id = 0;
    std::string username{};
    std::string email{};
    std::string full_name{};
    std::string hashed_password{};
    bool is_active = true;
    bool is_superuser = false;
    UnixMicros created_at = 0;
};

struct NewUser {
    std::string username{};
    std::string email{};
    std::string full_name{};
    std::string hashed_password{};
    bool is_superuser = false;
};

// One issued refresh token. Tokens issued from one login share a family; re-use of a rotated
// token revokes the whole family (OAuth 2.0 Security BCP, refresh token rotation).
struct RefreshToken {
    std::string jti{};
    std::int64_t user_id = 0;
    std::string family_id{};
    UnixMicros issued_at = 0;
    UnixMicros expires_at = 0;
};

enum class RefreshUse {
    kAccepted,  // the token was live; it is now marked used (rotated)
    kReused,    // it had been used already: its whole family is now revoked
    kRevoked,   // its family was revoked earlier
    kExpired,
    kUnknown,
};

struct RefreshUseResult {
    RefreshUse outcome = RefreshUse::kUnknown;
    std::optional<RefreshToken> token;  // set whenever the jti is known (not for kUnknown)
};

}  // namespace ccapi::storage
