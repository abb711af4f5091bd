// JWT access and refresh tokens (HS256/384/512): issuing through libjwt, verification by hand.
//
// Why verification does not use libjwt's jwt_decode(): libjwt 1.10 trusts the token's own `alg`
// header (an HS512 token verifies under an HS256 key, `alg: none` is accepted when no key is
// passed) and reports every failure as EINVAL. verify() therefore checks the header's alg against
// the configured one before anything else, recomputes the HMAC with OpenSSL, compares it in
// constant time, and only then reads the claims, giving each rejection its own AuthErrc.
//
// A TokenService is immutable after create(): any thread may call it concurrently. Revocation is
// not checked here (callers look the jti up in RevocationCache / the store).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace ccapi::auth {

enum class TokenType { kAccess, kRefresh };

// "access" | "refresh", the value of the `type` claim.
std::string_view toString(TokenType type);

struct Claims {
    std::string subject;  // sub: the username
    std::string jti;      // token id (UUID v4), what revocation keys on
    TokenType type = TokenType::kAccess;
    UnixMicros issued_at = 0;   // iat, whole seconds
    UnixMicros expires_at = 0;  // exp, whole seconds
    std::string issuer;         // iss, empty when absent
    std::string audience;       // aud (the configured one when it matched), empty when absent
};

struct TokenOptions {
    std::string secret;               // SECRET_KEY, raw bytes as the HMAC key
    std::string algorithm = "HS256";  // HS256 | HS384 | HS512
    std::chrono::seconds access_ttl = std::chrono::minutes(30);
    std::chrono::seconds refresh_ttl = std::chrono::hours(24 * 7);
    std::string issuer;    // JWT_ISSUER: when set, issued and required
    std::string audience;  // JWT_AUDIENCE: when set, issued and required
    std::chrono::seconds leeway = std::chrono::seconds(30);  // clock skew allowed on exp/iat/nbf
    std::size_t max_token_bytes = 8192;                      // longer input is malformed
};

struct IssuedToken {
    std::string token;
    Claims claims;
};

class TokenService {
public:
    // Fails with AuthErrc::kBadConfiguration for an empty secret, an algorithm other than
    // HS256/HS384/HS512, or a non-positive lifetime. `clock` must outlive the service.
    static Result<TokenService> create(TokenOptions options, const Clock& clock);

    // A signed token for `subject` with a fresh jti, iat = now, exp = now + the type's lifetime.
    Result<IssuedToken> issue(std::string_view subject, TokenType type) const;

    // The claims of a valid token of type `expected`, or the AuthErrc saying why not.
    Result<Claims> verify(std::string_view token, TokenType expected) const;
    Result<Claims> verify(std::string_view token, TokenType expected, UnixMicros now) const;
    // Whether claims that verify() accepted earlier are still within their lifetime at `now`
    // (exp plus the leeway, as verify() judges it).
    bool unexpired(const Claims& claims, UnixMicros now) const;

    std::chrono::seconds lifetime(TokenType type) const;
    const TokenOptions& options() const { return options_; }

private:
    TokenService(TokenOptions options, const Clock& clock);

    TokenOptions options_;
    const Clock* clock_;
};

}  // namespace ccapi::auth
