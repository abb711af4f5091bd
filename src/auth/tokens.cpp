#include "auth/tokens.hpp"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include "auth/errors.hpp"
#include "core/ids.hpp"

namespace ccapi::auth {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

struct Algorithm {
    std::string_view name;
    jwt_alg_t jwt;
    const EVP_MD* (*digest)();
};

constexpr Algorithm kAlgorithms[] = {
    {"HS256", JWT_ALG_HS256, &EVP_sha256},
    {"HS384", JWT_ALG_HS384, &EVP_sha384},
    {"HS512", JWT_ALG_HS512, &EVP_sha512},
};

const Algorithm* findAlgorithm(std::string_view name) {
    for (const auto& a : kAlgorithms) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

// Strict base64url without padding (RFC 7515 §2): any other character is malformed.
std::optional<std::string> base64UrlDecode(std::string_view in) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '-') return 62;
        if (c == '_') return 63;
        return -1;
    };
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Leftover bits must be zero, so that one token has exactly one spelling.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::optional<boost::json::object> decodeJsonObject(std::string_view part) {
    auto text = base64UrlDecode(part);
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

const boost::json::string* stringClaim(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return nullptr;
    return &it->value().as_string();
}

// A NumericDate (seconds); JSON integers or finite doubles (truncated), never booleans.
std::optional<std::int64_t> numericClaim(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end()) return std::nullopt;
    const auto& v = it->value();
    constexpr std::int64_t kMax = 1'000'000'000'000;  // ~31700 years: no overflow in micros
    if (v.is_int64()) {
        auto n = v.get_int64();
        if (n < -kMax || n > kMax) return std::nullopt;
        return n;
    }
    if (v.is_uint64()) return std::nullopt;  // beyond int64: nonsense
    if (v.is_double()) {
        double d = v.get_double();
        if (!std::isfinite(d) || d < static_cast<double>(-kMax) || d > static_cast<double>(kMax)) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

std::optional<TokenType> parseType(std::string_view s) {
    if (s == "access") return TokenType::kAccess;
    if (s == "refresh") return TokenType::kRefresh;
    return std::nullopt;
}

bool audienceMatches(const boost::json::value& aud, std::string_view expected) {
    if (aud.is_string()) return aud.get_string() == expected;
    if (aud.is_array()) {
        for (const auto& item : aud.get_array()) {
            if (item.is_string() && item.get_string() == expected) return true;
        }
    }
    return false;
}

struct JwtDeleter {
    void operator()(jwt_t* j) const { jwt_free(j); }
};
struct CharDeleter {
    void operator()(char* p) const { std::free(p); }
};

ErrorCode errnoError() {
    return ErrorCode(errno ? errno : EINVAL, boost::system::generic_category());
}

}  // namespace

std::string_view toString(TokenType type) {
    return type == TokenType::kAccess ? "access" : "refresh";
}

TokenService::TokenService(TokenOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(&clock) {}

Result<TokenService> TokenService::create(TokenOptions options, const Clock& clock) {
    if (options.secret.empty() || !findAlgorithm(options.algorithm) ||
        options.access_ttl.count() <= 0 || options.refresh_ttl.count() <= 0 ||
        options.leeway.count() < 0 || options.leeway > std::chrono::hours(24) ||
        options.secret.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return AuthErrc::kBadConfiguration;
    }
    return TokenService(std::move(options), clock);
}

std::chrono::seconds TokenService::lifetime(TokenType type) const {
    return type == TokenType::kAccess ? options_.access_ttl : options_.refresh_ttl;
}

Result<IssuedToken> TokenService::issue(std::string_view subject, TokenType type) const {
    IssuedToken out;
    Claims& c = out.claims;
    c.subject = std::string(subject);
    c.jti = newUuid();
    c.type = type;
    std::int64_t iat = clock_->now() / kMicrosPerSecond;
    std::int64_t exp = iat + lifetime(type).count();
    c.issued_at = iat * kMicrosPerSecond;
    c.expires_at = exp * kMicrosPerSecond;
    c.issuer = options_.issuer;
    c.audience = options_.audience;

    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) return errnoError();
    std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
    const Algorithm* alg = findAlgorithm(options_.algorithm);
    const std::string type_name(toString(type));
    int rc = jwt_set_alg(jwt.get(), alg->jwt,
                         reinterpret_cast<const unsigned char*>(options_.secret.data()),
                         static_cast<int>(options_.secret.size()));
    if (rc == 0) rc = jwt_add_grant(jwt.get(), "sub", c.subject.c_str());
    if (rc == 0) rc = jwt_add_grant(jwt.get(), "jti", c.jti.c_str());
    if (rc == 0) rc = jwt_add_grant(jwt.get(), "type", type_name.c_str());
    if (rc == 0) rc = jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(iat));
    if (rc == 0) rc = jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(exp));
    if (rc == 0 && !c.issuer.empty()) rc = jwt_add_grant(jwt.get(), "iss", c.issuer.c_str());
    if (rc == 0 && !c.audience.empty()) rc = jwt_add_grant(jwt.get(), "aud", c.audience.c_str());
    if (rc != 0) return ErrorCode(rc, boost::system::generic_category());

    std::unique_ptr<char, CharDeleter> encoded(jwt_encode_str(jwt.get()));
    if (!encoded) return errnoError();
    out.token = encoded.get();
    return out;
}

bool TokenService::unexpired(const Claims& claims, UnixMicros now) const {
    return now < claims.expires_at + options_.leeway.count() * kMicrosPerSecond;
}

Result<Claims> TokenService::verify(std::string_view token, TokenType expected) const {
    return verify(token, expected, clock_->now());
}

Result<Claims> TokenService::verify(std::string_view token, TokenType expected,
                                    UnixMicros now) const {
    if (token.empty() || token.size() > options_.max_token_bytes) return AuthErrc::kMalformedToken;
    auto dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return AuthErrc::kMalformedToken;
    auto dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return AuthErrc::kMalformedToken;
    }
    std::string_view signing_input = token.substr(0, dot2);
    std::string_view header_part = token.substr(0, dot1);
    std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    std::string_view signature_part = token.substr(dot2 + 1);

    // 1. The header decides nothing: its alg must be exactly the configured one.
    auto header = decodeJsonObject(header_part);
    if (!header) return AuthErrc::kMalformedToken;
    const boost::json::string* alg = stringClaim(*header, "alg");
    if (!alg) return AuthErrc::kMalformedToken;
    std::string alg_lower(alg->data(), alg->size());
    for (auto& ch : alg_lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (alg_lower == "none") return AuthErrc::kAlgNone;
    if (*alg != options_.algorithm) return AuthErrc::kWrongAlgorithm;
    if (header->contains("crit")) return AuthErrc::kMalformedToken;  // RFC 7515 §4.1.11

    // 2. Signature, constant-time.
    auto signature = base64UrlDecode(signature_part);
    if (!signature) return AuthErrc::kMalformedToken;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    const Algorithm* algorithm = findAlgorithm(options_.algorithm);
    if (!HMAC(algorithm->digest(), options_.secret.data(), static_cast<int>(options_.secret.size()),
              reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
              mac, &mac_len)) {
        return AuthErrc::kBadSignature;
    }
    if (signature->size() != mac_len || CRYPTO_memcmp(signature->data(), mac, mac_len) != 0) {
        return AuthErrc::kBadSignature;
    }

    // 3. Claims.
    auto payload = decodeJsonObject(payload_part);
    if (!payload) return AuthErrc::kMalformedToken;
    const boost::json::string* sub = stringClaim(*payload, "sub");
    const boost::json::string* jti = stringClaim(*payload, "jti");
    const boost::json::string* type = stringClaim(*payload, "type");
    auto iat = numericClaim(*payload, "iat");
    auto exp = numericClaim(*payload, "exp");
    if (!sub || sub->empty() || !jti || jti->empty() || !type || !iat || !exp) {
        return AuthErrc::kMissingClaim;
    }
    const std::int64_t leeway = options_.leeway.count() * kMicrosPerSecond;
    if (now >= *exp * kMicrosPerSecond + leeway) return AuthErrc::kExpired;
    if (*iat * kMicrosPerSecond > now + leeway) return AuthErrc::kNotYetValid;
    if (payload->contains("nbf")) {
        auto nbf = numericClaim(*payload, "nbf");
        if (!nbf) return AuthErrc::kMissingClaim;
        if (*nbf * kMicrosPerSecond > now + leeway) return AuthErrc::kNotYetValid;
    }
    auto parsed_type = parseType(*type);
    if (!parsed_type || *parsed_type != expected) return AuthErrc::kWrongTokenType;

    Claims c;
    if (!options_.issuer.empty()) {
        const boost::json::string* iss = stringClaim(*payload, "iss");
        if (!iss || *iss != options_.issuer) return AuthErrc::kWrongIssuer;
        c.issuer = options_.issuer;
    } else if (const auto* iss = stringClaim(*payload, "iss")) {
        c.issuer = std::string(iss->data(), iss->size());
    }
    if (!options_.audience.empty()) {
        auto it = payload->find("aud");
        if (it == payload->end() || !audienceMatches(it->value(), options_.audience)) {
            return AuthErrc::kWrongAudience;
        }
        c.audience = options_.audience;
    } else if (const auto* aud = stringClaim(*payload, "aud")) {
        c.audience = std::string(aud->data(), aud->size());
    }
    c.subject = std::string(sub->data(), sub->size());
    c.jti = std::string(jti->data(), jti->size());
    c.type = *parsed_type;
    c.issued_at = *iat * kMicrosPerSecond;
    c.expires_at = *exp * kMicrosPerSecond;
    return c;
}

}  // namespace ccapi::auth
