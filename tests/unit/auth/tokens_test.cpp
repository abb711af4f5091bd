#include "auth/tokens.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/errors.hpp"
#include "core/ids.hpp"
#include "unit/auth/fake_clock.hpp"

namespace ccapi::auth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeClock;

const std::string kSecret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// An independent base64url encoder (no padding), so the tests do not trust the code under test.
std::string b64url(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        std::uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                          (static_cast<unsigned char>(in[i + 1]) << 8) |
                          static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == in.size()) {
        std::uint32_t n = static_cast<unsigned char>(in[i]) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
    } else if (i + 2 == in.size()) {
        std::uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                          (static_cast<unsigned char>(in[i + 1]) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
    }
    return out;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
    return std::string(reinterpret_cast<char*>(mac), len);
}

// header.payload.signature, signed with `md` (nullptr: empty signature, as for alg none).
std::string craft(std::string_view header_json, std::string_view payload_json,
                  const EVP_MD* md = EVP_sha256(), std::string_view key = kSecret) {
    std::string input = b64url(header_json) + "." + b64url(payload_json);
    return input + "." + (md ? b64url(hmac(md, key, input)) : std::string());
}

std::string decodePart(std::string_view token, int index) {
    // Only for reading back what the service issued, via the service's own parts.
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
    auto end = token.find('.', start);
    std::string part(token.substr(start, end == std::string_view::npos ? end : end - start));
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : part) {
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                                       : 63;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

class TokenServiceTest : public ::testing::Test {
protected:
    TokenService service(TokenOptions options = {}) {
        if (options.secret.empty()) options.secret = kSecret;
        auto s = TokenService::create(std::move(options), clock_);
        EXPECT_TRUE(s) << s.error().message();
        return std::move(*s);
    }
    std::int64_t nowSeconds() const { return clock_.now() / 1'000'000; }
    // A payload like ours, with overrides.
    std::string payload(boost::json::object extra = {}) const {
        boost::json::object o{{"sub", "alice"},
                              {"jti", "3f1c9f0e-4b7a-4f6e-9a53-0c2d9a7f1e11"},
                              {"type", "access"},
                              {"iat", nowSeconds()},
                              {"exp", nowSeconds() + 600}};
        for (auto& [k, v] : extra) {
            if (v.is_null()) {
                o.erase(k);
            } else {
                o[k] = v;
            }
        }
        return boost::json::serialize(o);
    }

    FakeClock clock_;
};

constexpr std::string_view kHs256 = R"({"alg":"HS256","typ":"JWT"})";

TEST_F(TokenServiceTest, IssuedAccessTokenVerifies) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued) << issued.error().message();
    auto claims = svc.verify(issued->token, TokenType::kAccess);
    ASSERT_TRUE(claims) << claims.error().message();
    EXPECT_EQ(claims->subject, "alice");
    EXPECT_TRUE(isUuid(claims->jti));
    EXPECT_EQ(claims->jti, issued->claims.jti);
    EXPECT_EQ(claims->type, TokenType::kAccess);
    EXPECT_EQ(claims->issued_at, nowSeconds() * 1'000'000);
    EXPECT_EQ(claims->expires_at, claims->issued_at + 30LL * 60 * 1'000'000);
}

TEST_F(TokenServiceTest, IssuedTokenCarriesTheStandardClaimsAndHeader) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kRefresh);
    ASSERT_TRUE(issued);
    auto header = boost::json::parse(decodePart(issued->token, 0)).as_object();
    auto body = boost::json::parse(decodePart(issued->token, 1)).as_object();
    EXPECT_EQ(header.at("alg"), "HS256");
    EXPECT_EQ(body.at("sub"), "alice");
    EXPECT_EQ(body.at("type"), "refresh");
    EXPECT_EQ(body.at("iat").as_int64(), nowSeconds());
    EXPECT_EQ(body.at("exp").as_int64(), nowSeconds() + 7 * 24 * 3600);
    EXPECT_FALSE(body.contains("iss"));
    EXPECT_FALSE(body.contains("aud"));
}

TEST_F(TokenServiceTest, EveryTokenHasItsOwnJti) {
    auto svc = service();
    auto a = svc.issue("alice", TokenType::kAccess);
    auto b = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->claims.jti, b->claims.jti);
    EXPECT_NE(a->token, b->token);
}

TEST_F(TokenServiceTest, TokenFromAnotherHs256LibraryVerifies) {
    auto svc = service();
    auto claims = svc.verify(craft(kHs256, payload()), TokenType::kAccess);
    ASSERT_TRUE(claims) << claims.error().message();
    EXPECT_EQ(claims->subject, "alice");
}

TEST_F(TokenServiceTest, ExpiredTokenIsRejected) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    clock_.advance(minutes(30) + seconds(29));  // within the 30 s leeway
    EXPECT_TRUE(svc.verify(issued->token, TokenType::kAccess));
    clock_.advance(seconds(1));
    EXPECT_EQ(svc.verify(issued->token, TokenType::kAccess).error(), AuthErrc::kExpired);
}

TEST_F(TokenServiceTest, RememberedClaimsExpireExactlyAsVerifyJudges) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    auto claims = svc.verify(issued->token, TokenType::kAccess);
    ASSERT_TRUE(claims);
    clock_.advance(minutes(30) + seconds(29));
    EXPECT_TRUE(svc.unexpired(*claims, clock_.now()));
    EXPECT_TRUE(svc.verify(issued->token, TokenType::kAccess));
    clock_.advance(seconds(1));
    EXPECT_FALSE(svc.unexpired(*claims, clock_.now()));
    EXPECT_FALSE(svc.verify(issued->token, TokenType::kAccess));
}

TEST_F(TokenServiceTest, ExpiryIsExactWithoutLeeway) {
    TokenOptions o;
    o.leeway = seconds(0);
    auto svc = service(o);
    auto token = craft(kHs256, payload({{"exp", nowSeconds() + 1}}));
    EXPECT_TRUE(svc.verify(token, TokenType::kAccess));
    clock_.advance(seconds(1));
    EXPECT_EQ(svc.verify(token, TokenType::kAccess).error(), AuthErrc::kExpired);
}

TEST_F(TokenServiceTest, ExplicitNowOverridesTheClock) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    EXPECT_EQ(
        svc.verify(issued->token, TokenType::kAccess, clock_.now() + 3600LL * 1'000'000).error(),
        AuthErrc::kExpired);
}

TEST_F(TokenServiceTest, TokenIssuedInTheFutureIsRejected) {
    auto svc = service();
    EXPECT_TRUE(
        svc.verify(craft(kHs256, payload({{"iat", nowSeconds() + 30}})), TokenType::kAccess));
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"iat", nowSeconds() + 31}})), TokenType::kAccess)
                  .error(),
              AuthErrc::kNotYetValid);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"nbf", nowSeconds() + 300}})), TokenType::kAccess)
                  .error(),
              AuthErrc::kNotYetValid);
}

TEST_F(TokenServiceTest, BadSignatureIsRejected) {
    auto svc = service();
    auto other_key =
        craft(kHs256, payload(), EVP_sha256(), "another-key-of-sufficient-length-0123");
    EXPECT_EQ(svc.verify(other_key, TokenType::kAccess).error(), AuthErrc::kBadSignature);
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    std::string flipped = issued->token;
    flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(svc.verify(flipped, TokenType::kAccess).error(), AuthErrc::kBadSignature);
    std::string cut = issued->token.substr(0, issued->token.size() - 4);
    EXPECT_NE(svc.verify(cut, TokenType::kAccess).error(), ErrorCode());
}

TEST_F(TokenServiceTest, UnsignedAlgNoneTokenIsRejected) {
    auto svc = service();
    for (std::string_view alg : {"none", "None", "NONE", "nOnE"}) {
        std::string header = R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})";
        EXPECT_EQ(svc.verify(craft(header, payload(), nullptr), TokenType::kAccess).error(),
                  AuthErrc::kAlgNone)
            << alg;
        // Even with a signature that would be right for HS256.
        EXPECT_EQ(svc.verify(craft(header, payload()), TokenType::kAccess).error(),
                  AuthErrc::kAlgNone);
    }
}

TEST_F(TokenServiceTest, AnotherHmacAlgorithmWithTheSameKeyIsRejected) {
    auto svc = service();
    auto hs512 = craft(R"({"alg":"HS512","typ":"JWT"})", payload(), EVP_sha512());
    EXPECT_EQ(svc.verify(hs512, TokenType::kAccess).error(), AuthErrc::kWrongAlgorithm);
    auto lower = craft(R"({"alg":"hs256","typ":"JWT"})", payload());
    EXPECT_EQ(svc.verify(lower, TokenType::kAccess).error(), AuthErrc::kWrongAlgorithm);
}

TEST_F(TokenServiceTest, AsymmetricAlgorithmHeaderIsRejected) {
    auto svc = service();
    // The classic key-confusion attack: RS256 header, HMAC'd with whatever the verifier holds.
    auto rs256 = craft(R"({"alg":"RS256","typ":"JWT"})", payload());
    EXPECT_EQ(svc.verify(rs256, TokenType::kAccess).error(), AuthErrc::kWrongAlgorithm);
    auto es256 = craft(R"({"alg":"ES256"})", payload());
    EXPECT_EQ(svc.verify(es256, TokenType::kAccess).error(), AuthErrc::kWrongAlgorithm);
}

TEST_F(TokenServiceTest, ConfiguredHs512IsTheOnlyAcceptedAlgorithm) {
    TokenOptions o;
    o.algorithm = "HS512";
    auto svc = service(o);
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    EXPECT_TRUE(svc.verify(issued->token, TokenType::kAccess));
    EXPECT_EQ(svc.verify(craft(kHs256, payload()), TokenType::kAccess).error(),
              AuthErrc::kWrongAlgorithm);
}

TEST_F(TokenServiceTest, AccessTokenIsNotARefreshToken) {
    auto svc = service();
    auto access = svc.issue("alice", TokenType::kAccess);
    auto refresh = svc.issue("alice", TokenType::kRefresh);
    ASSERT_TRUE(access && refresh);
    EXPECT_EQ(svc.verify(access->token, TokenType::kRefresh).error(), AuthErrc::kWrongTokenType);
    EXPECT_EQ(svc.verify(refresh->token, TokenType::kAccess).error(), AuthErrc::kWrongTokenType);
    EXPECT_TRUE(svc.verify(refresh->token, TokenType::kRefresh));
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"type", "id"}})), TokenType::kAccess).error(),
              AuthErrc::kWrongTokenType);
}

TEST_F(TokenServiceTest, IssuerAndAudienceAreIssuedAndRequired) {
    TokenOptions o;
    o.issuer = "https://cc.example.com";
    o.audience = "contact-center";
    auto svc = service(o);
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    auto claims = svc.verify(issued->token, TokenType::kAccess);
    ASSERT_TRUE(claims) << claims.error().message();
    EXPECT_EQ(claims->issuer, "https://cc.example.com");
    EXPECT_EQ(claims->audience, "contact-center");

    // A token from a service without iss/aud is not good enough here.
    auto plain = service().issue("alice", TokenType::kAccess);
    ASSERT_TRUE(plain);
    EXPECT_EQ(svc.verify(plain->token, TokenType::kAccess).error(), AuthErrc::kWrongIssuer);
}

TEST_F(TokenServiceTest, WrongIssuerIsRejected) {
    TokenOptions o;
    o.issuer = "https://cc.example.com";
    auto svc = service(o);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"iss", "https://evil.example.com"}})),
                         TokenType::kAccess)
                  .error(),
              AuthErrc::kWrongIssuer);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"iss", 42}})), TokenType::kAccess).error(),
              AuthErrc::kWrongIssuer);
    EXPECT_TRUE(svc.verify(craft(kHs256, payload({{"iss", "https://cc.example.com"}})),
                           TokenType::kAccess));
}

TEST_F(TokenServiceTest, WrongAudienceIsRejected) {
    TokenOptions o;
    o.audience = "contact-center";
    auto svc = service(o);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"aud", "billing"}})), TokenType::kAccess).error(),
              AuthErrc::kWrongAudience);
    EXPECT_EQ(svc.verify(craft(kHs256, payload()), TokenType::kAccess).error(),
              AuthErrc::kWrongAudience);
    EXPECT_TRUE(svc.verify(
        craft(kHs256, payload({{"aud", boost::json::array{"billing", "contact-center"}}})),
        TokenType::kAccess));
}

TEST_F(TokenServiceTest, TamperedPayloadIsRejected) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    const std::string& t = issued->token;
    auto dot1 = t.find('.');
    auto dot2 = t.find('.', dot1 + 1);
    auto body = boost::json::parse(decodePart(t, 1)).as_object();
    body["sub"] = "admin";
    std::string forged =
        t.substr(0, dot1 + 1) + b64url(boost::json::serialize(body)) + t.substr(dot2);
    EXPECT_EQ(svc.verify(forged, TokenType::kAccess).error(), AuthErrc::kBadSignature);

    body = boost::json::parse(decodePart(t, 1)).as_object();
    body["exp"] = body["exp"].as_int64() + 86400;
    forged = t.substr(0, dot1 + 1) + b64url(boost::json::serialize(body)) + t.substr(dot2);
    EXPECT_EQ(svc.verify(forged, TokenType::kAccess).error(), AuthErrc::kBadSignature);
}

TEST_F(TokenServiceTest, TamperedHeaderIsRejected) {
    auto svc = service();
    auto issued = svc.issue("alice", TokenType::kAccess);
    ASSERT_TRUE(issued);
    auto dot1 = issued->token.find('.');
    std::string forged =
        b64url(R"({"alg":"HS256","typ":"JWT","kid":"x"})") + issued->token.substr(dot1);
    EXPECT_EQ(svc.verify(forged, TokenType::kAccess).error(), AuthErrc::kBadSignature);
}

TEST_F(TokenServiceTest, MissingClaimsAreRejected) {
    auto svc = service();
    for (const char* claim : {"sub", "jti", "type", "iat", "exp"}) {
        EXPECT_EQ(
            svc.verify(craft(kHs256, payload({{claim, nullptr}})), TokenType::kAccess).error(),
            AuthErrc::kMissingClaim)
            << claim;
    }
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"exp", "tomorrow"}})), TokenType::kAccess).error(),
              AuthErrc::kMissingClaim);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"sub", ""}})), TokenType::kAccess).error(),
              AuthErrc::kMissingClaim);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"exp", true}})), TokenType::kAccess).error(),
              AuthErrc::kMissingClaim);
    EXPECT_EQ(svc.verify(craft(kHs256, payload({{"sub", 7}})), TokenType::kAccess).error(),
              AuthErrc::kMissingClaim);
}

TEST_F(TokenServiceTest, GarbageIsMalformed) {
    auto svc = service();
    const std::string signed_garbage = craft("not json", payload());
    const std::string array_header = craft("[1,2]", payload());
    const std::string no_alg = craft(R"({"typ":"JWT"})", payload());
    const std::string crit = craft(R"({"alg":"HS256","crit":["exp"]})", payload());
    const std::string bad_payload = craft(kHs256, "{\"sub\":");
    for (std::string_view token :
         {std::string_view(""), std::string_view("abc"), std::string_view("a.b"),
          std::string_view("a.b.c.d"), std::string_view("..."), std::string_view(".."),
          std::string_view("!!!.@@@.###"), std::string_view("Bearer x.y.z"),
          std::string_view(signed_garbage), std::string_view(array_header),
          std::string_view(no_alg), std::string_view(crit), std::string_view(bad_payload)}) {
        auto r = svc.verify(token, TokenType::kAccess);
        ASSERT_FALSE(r) << token;
        EXPECT_EQ(r.error(), AuthErrc::kMalformedToken) << token;
    }
    std::string huge = craft(kHs256, payload({{"pad", std::string(10000, 'x')}}));
    EXPECT_EQ(svc.verify(huge, TokenType::kAccess).error(), AuthErrc::kMalformedToken);
    std::string padded = craft(kHs256, payload()) + "=";
    EXPECT_EQ(svc.verify(padded, TokenType::kAccess).error(), AuthErrc::kMalformedToken);
}

TEST_F(TokenServiceTest, CreateRefusesABadConfiguration) {
    TokenOptions o;
    EXPECT_EQ(TokenService::create(o, clock_).error(), AuthErrc::kBadConfiguration);  // no secret
    o.secret = kSecret;
    o.algorithm = "RS256";
    EXPECT_EQ(TokenService::create(o, clock_).error(), AuthErrc::kBadConfiguration);
    o.algorithm = "none";
    EXPECT_EQ(TokenService::create(o, clock_).error(), AuthErrc::kBadConfiguration);
    o.algorithm = "HS384";
    o.access_ttl = seconds(0);
    EXPECT_EQ(TokenService::create(o, clock_).error(), AuthErrc::kBadConfiguration);
    o.access_ttl = seconds(60);
    EXPECT_TRUE(TokenService::create(o, clock_));
}

TEST(AuthErrors, HaveTheirOwnCategoryAndReadableMessages) {
    ErrorCode ec = AuthErrc::kExpired;
    EXPECT_STREQ(ec.category().name(), "ccapi.auth");
    EXPECT_EQ(ec.message(), "token expired");
    EXPECT_NE(ErrorCode(AuthErrc::kAlgNone), ErrorCode(AuthErrc::kWrongAlgorithm));
    EXPECT_EQ(toString(TokenType::kAccess), "access");
    EXPECT_EQ(toString(TokenType::kRefresh), "refresh");
}

}  // namespace
}  // namespace ccapi::auth
