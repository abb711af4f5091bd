// Auth error codes (token rejections, hashing failures), registered as a boost::system category.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace ccapi::auth {

// Every token rejection has its own code so logs and metrics can tell attacks from clock skew;
// the HTTP layer maps all of them to the same 401 (never tell a client which check failed).
enum class AuthErrc {
    kMalformedToken = 1,  // not three base64url parts of JSON objects, or too long
    kBadSignature,        // HMAC does not match
    kAlgNone,             // header alg "none" (unsigned token)
    kWrongAlgorithm,      // header alg is not the configured one (HS512 vs HS256, RS256, …)
    kExpired,             // exp is in the past (beyond the leeway)
    kNotYetValid,         // iat or nbf in the future (beyond the leeway)
    kWrongTokenType,      // "type" is not the expected access|refresh
    kWrongIssuer,         // iss differs from JWT_ISSUER (when configured)
    kWrongAudience,       // aud does not contain JWT_AUDIENCE (when configured)
    kMissingClaim,        // sub, jti, iat, exp or type absent or of the wrong JSON type
    kHashFailed,          // libxcrypt could not hash (bad cost, no entropy, NUL in password)
    kBadConfiguration,    // TokenService: empty secret or unsupported algorithm
};

const boost::system::error_category& authCategory();

inline boost::system::error_code make_error_code(AuthErrc e) {
    return {static_cast<int>(e), authCategory()};
}

}  // namespace ccapi::auth

template <>
struct boost::system::is_error_code_enum<ccapi::auth::AuthErrc> : std::true_type {};
