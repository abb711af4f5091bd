// Token endpoints over real HTTP: password and refresh grants, rotation, re-use detection,
// revocation, rate limits, lockout, disabled users and forged tokens.
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <ctime>

#include "integration/service/service_fixture.hpp"

namespace ccapi::itest {
namespace {

using AuthApi = ServiceTest;
using testhttp::HeaderList;

constexpr const char* kPassword = "correct horse battery";

std::string base64url(std::string_view in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

HeaderList bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

TEST_P(AuthApi, PasswordGrantReturnsABearerPair) {
    start();
    addUser("alice", kPassword);
    auto c = client();
    for (const char* path : {"/api/v2/token", "/api/v1/token"}) {
        auto r = c.postForm(path, {{"username", "alice"}, {"password", kPassword}});
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200u) << r->body;
        auto body = r->json().as_object();
        EXPECT_EQ(body.at("token_type"), "bearer");
        EXPECT_EQ(body.at("expires_in"), 1800);
        EXPECT_EQ(std::count(body.at("access_token").as_string().begin(),
                             body.at("access_token").as_string().end(), '.'),
                  2);
        EXPECT_TRUE(body.at("refresh_token").is_string());
        EXPECT_EQ(r->header("X-RateLimit-Limit"), "1000");
    }
}

TEST_P(AuthApi, MissingFieldsAre422InFastApiShape) {
    start();
    auto c = client();
    auto r = c.postForm("/api/v2/token", {{"username", "alice"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422u);
    auto detail = r->json().as_object().at("detail").as_array();
    ASSERT_EQ(detail.size(), 1u);
    EXPECT_EQ(detail[0].at("loc"), (boost::json::array{"body", "password"}));
    EXPECT_EQ(detail[0].at("type"), "missing");

    auto empty = c.request("POST", "/api/v2/token", {}, "");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->status, 422u);
    EXPECT_EQ(empty->json().as_object().at("detail").as_array().size(), 2u);

    auto json = c.postJson("/api/v2/token", {{"username", "alice"}, {"password", "x"}});
    ASSERT_TRUE(json);
    EXPECT_EQ(json->status, 422u) << "the token endpoint takes a form, as OAuth2 says";
}

TEST_P(AuthApi, WrongCredentialsAre401WithBearerChallenge) {
    start();
    addUser("bob", kPassword);
    auto c = client();
    for (auto [user, pass] : {std::pair{"bob", "wrong"}, std::pair{"nobody", "whatever"}}) {
        auto r = c.postForm("/api/v2/token", {{"username", user}, {"password", pass}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401u);
        EXPECT_EQ(r->json().as_object().at("detail"), "Invalid credentials");
        EXPECT_EQ(r->header("WWW-Authenticate"), "Bearer");
    }
    auto metrics = c.get("/metrics");
    EXPECT_NE(metrics->body.find(R"(auth_attempts_total{result="failure"} 2)"), std::string::npos);
}

TEST_P(AuthApi, InvalidUtf8InTheFormIsRejected) {
    start();
    auto c = client();
    auto r =
        c.request("POST", "/api/v2/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
                  "username=%C3%28&password=x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422u);
    EXPECT_EQ(c.get("/live").value().status, 200u);
}

TEST_P(AuthApi, RefreshRotatesAndReuseRevokesTheSession) {
    start();
    addUser("carol", kPassword);
    auto first = login("carol", kPassword);
    auto c = client();
    auto old_refresh = std::string(first.at("refresh_token").as_string());

    auto rotated = c.postJson("/api/v2/token/refresh", {{"refresh_token", old_refresh}});
    ASSERT_TRUE(rotated);
    ASSERT_EQ(rotated->status, 200u) << rotated->body;
    auto second = rotated->json().as_object();
    auto new_refresh = std::string(second.at("refresh_token").as_string());
    EXPECT_NE(new_refresh, old_refresh);

    auto reused = c.postJson("/api/v2/token/refresh", {{"refresh_token", old_refresh}});
    ASSERT_TRUE(reused);
    EXPECT_EQ(reused->status, 401u);
    // The re-use revoked the whole family, so the thief's or the owner's newer token is dead too.
    auto after = c.postJson("/api/v2/token/refresh", {{"refresh_token", new_refresh}});
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 401u);
}

TEST_P(AuthApi, RefreshGrantThroughTheTokenForm) {
    start();
    addUser("dave", kPassword);
    auto pair = login("dave", kPassword);
    auto c = client();
    auto r = c.postForm("/api/v2/token",
                        {{"grant_type", "refresh_token"},
                         {"refresh_token", std::string(pair.at("refresh_token").as_string())}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u) << r->body;
}

TEST_P(AuthApi, AccessTokenIsNotARefreshToken) {
    start();
    addUser("erin", kPassword);
    auto pair = login("erin", kPassword);
    auto c = client();
    auto r = c.postJson("/api/v2/token/refresh",
                        {{"refresh_token", std::string(pair.at("access_token").as_string())}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401u);
    auto bad_json = c.request("POST", "/api/v2/token/refresh",
                              {{"Content-Type", "application/json"}}, "{not json");
    ASSERT_TRUE(bad_json);
    EXPECT_EQ(bad_json->status, 422u);
    auto missing = c.postJson("/api/v2/token/refresh", boost::json::object{});
    EXPECT_EQ(missing->status, 422u);
}

TEST_P(AuthApi, RevokedAccessTokenIsRefused) {
    start();
    addUser("frank", kPassword);
    auto pair = login("frank", kPassword);
    auto access = std::string(pair.at("access_token").as_string());
    auto refresh = std::string(pair.at("refresh_token").as_string());
    auto c = client();
    auto revoked =
        c.request("POST", "/api/v2/token/revoke",
                  {{"Authorization", "Bearer " + access}, {"Content-Type", "application/json"}},
                  boost::json::serialize(boost::json::object{{"refresh_token", refresh}}));
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->status, 204u) << revoked->body;
    auto again = c.request("POST", "/api/v2/token/revoke", bearer(access));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 401u);
    auto refreshed = c.postJson("/api/v2/token/refresh", {{"refresh_token", refresh}});
    EXPECT_EQ(refreshed->status, 401u);
}

TEST_P(AuthApi, RevocationSurvivesARestart) {
    start();
    addUser("grace", kPassword);
    auto access = std::string(login("grace", kPassword).at("access_token").as_string());
    auto c = client();
    ASSERT_EQ(c.request("POST", "/api/v2/token/revoke", bearer(access)).value().status, 204u);
    service().stop();
    ASSERT_EQ(service().waitExit(), 0);
    start();
    auto c2 = client();
    EXPECT_EQ(c2.request("POST", "/api/v2/token/revoke", bearer(access)).value().status, 401u);
}

TEST_P(AuthApi, ForgedAndGarbageTokensAre401) {
    start();
    addUser("heidi", kPassword);
    auto access = std::string(login("heidi", kPassword).at("access_token").as_string());
    auto c = client();
    auto now = std::time(nullptr);
    std::string payload = R"({"sub":"heidi","type":"access","jti":"x","iat":)" +
                          std::to_string(now) + R"(,"exp":)" + std::to_string(now + 600) + "}";
    std::string none = base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(payload) + ".";
    auto tampered = access;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    for (const std::string& token :
         {none, tampered, std::string("garbage"), std::string("a.b.c"), std::string(9000, 'x')}) {
        auto r = c.request("POST", "/api/v2/token/revoke", bearer(token));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401u) << token.substr(0, 40);
        EXPECT_EQ(r->header("WWW-Authenticate"), "Bearer");
    }
    auto missing = c.request("POST", "/api/v2/token/revoke");
    EXPECT_EQ(missing->status, 401u);
    EXPECT_EQ(missing->json().as_object().at("detail"), "Not authenticated");
}

TEST_P(AuthApi, DisabledUserCannotLogIn) {
    start();
    addUser("ivan", kPassword);
    login("ivan", kPassword);
    auto disabled = cli({"user", "disable", "ivan"});
    ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
    auto c = client();
    auto r = c.postForm("/api/v2/token", {{"username", "ivan"}, {"password", kPassword}});
    EXPECT_EQ(r->status, 401u);
}

TEST_P(AuthApi, TokenEndpointIsRateLimitedPerClient) {
    start({{"RATE_LIMIT_REQUESTS", "3"}, {"RATE_LIMIT_WINDOW", "60"}});
    auto c = client();
    for (int i = 0; i < 3; ++i) {
        auto r = c.postForm("/api/v2/token", {{"username", "x"}, {"password", "y"}});
        EXPECT_EQ(r->status, 401u);
        EXPECT_EQ(r->header("X-RateLimit-Remaining"), std::to_string(2 - i));
    }
    auto limited = c.postForm("/api/v2/token", {{"username", "x"}, {"password", "y"}});
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->status, 429u);
    EXPECT_TRUE(limited->header("Retry-After").has_value());
    EXPECT_EQ(limited->header("X-RateLimit-Limit"), "3");
    EXPECT_EQ(limited->header("X-RateLimit-Remaining"), "0");
    auto metrics = c.get("/metrics");
    EXPECT_NE(metrics->body.find(R"(rate_limit_exceeded_total{endpoint="token"} 1)"),
              std::string::npos);
}

TEST_P(AuthApi, RepeatedFailuresLockTheUserForThatAddressOnly) {
    start({{"MAX_FAILED_LOGIN_ATTEMPTS", "2"}, {"TRUSTED_PROXIES", "127.0.0.1"}});
    addUser("judy", kPassword);
    auto c = client();
    HeaderList attacker{{"X-Forwarded-For", "203.0.113.9"}};
    for (int i = 0; i < 2; ++i) {
        auto r = c.postForm("/api/v2/token", {{"username", "judy"}, {"password", "bad"}}, attacker);
        EXPECT_EQ(r->status, 401u);
    }
    auto locked =
        c.postForm("/api/v2/token", {{"username", "judy"}, {"password", kPassword}}, attacker);
    ASSERT_TRUE(locked);
    EXPECT_EQ(locked->status, 429u) << "locked even with the right password";
    EXPECT_TRUE(locked->header("Retry-After").has_value());
    HeaderList owner{{"X-Forwarded-For", "198.51.100.7"}};
    auto elsewhere =
        c.postForm("/api/v2/token", {{"username", "judy"}, {"password", kPassword}}, owner);
    EXPECT_EQ(elsewhere->status, 200u) << "another address is not locked out";
}

TEST_P(AuthApi, IssuerAndAudienceAreEnforcedWhenConfigured) {
    start({{"JWT_ISSUER", "ccapi-test"}, {"JWT_AUDIENCE", "dialers"}});
    addUser("kim", kPassword);
    auto access = std::string(login("kim", kPassword).at("access_token").as_string());
    auto dot = access.find('.');
    auto payload_b64 = access.substr(dot + 1, access.find('.', dot + 1) - dot - 1);
    EXPECT_FALSE(payload_b64.empty());
    service().stop();
    ASSERT_EQ(service().waitExit(), 0);
    // The same key, another audience: tokens from before are not for this service.
    start({{"JWT_ISSUER", "ccapi-test"}, {"JWT_AUDIENCE", "someone-else"}});
    auto c = client();
    EXPECT_EQ(c.request("POST", "/api/v2/token/revoke", bearer(access)).value().status, 401u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthApi, ::testing::Values("sqlite", "postgresql"), backendName);

}  // namespace
}  // namespace ccapi::itest
