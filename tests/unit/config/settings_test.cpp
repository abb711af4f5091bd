#include "config/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/ids.hpp"

namespace ccapi::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kGoodSecret =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

class SettingsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("ccapi-config-" + randomToken(16));
        std::filesystem::create_directories(dir_);
        sources_.dotenv_path = (dir_ / ".env").string();
        sources_.environment = {{"SECRET_KEY", kGoodSecret}};
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void writeDotenv(std::string_view text) {
        std::ofstream out(*sources_.dotenv_path, std::ios::binary);
        out << text;
    }
    void env(const std::string& name, const std::string& value) {
        sources_.environment[name] = value;
    }
    void flags(std::vector<std::string> f) { sources_.flags = std::move(f); }

    Settings loadOk() {
        auto r = load(sources_);
        EXPECT_TRUE(r.settings.has_value()) << r.error;
        EXPECT_THAT(r.error, IsEmpty());
        return r.settings.value_or(Settings{});
    }
    std::string loadError() {
        auto r = load(sources_);
        EXPECT_FALSE(r.settings.has_value());
        EXPECT_EQ(r.error.find('\n'), std::string::npos) << "one line: " << r.error;
        return r.error;
    }

    std::filesystem::path dir_;
    Sources sources_;
};

// ---- Layers and precedence ------------------------------------------------------------------

TEST_F(SettingsTest, DefaultsApplyWhenNothingIsSet) {
    auto s = loadOk();
    EXPECT_EQ(s.port, 8000);
    EXPECT_EQ(s.host, "0.0.0.0");
    EXPECT_EQ(s.database_url, "sqlite:///./data/contact_center.db");
    EXPECT_EQ(s.default_timeout_ms, 30000);
    EXPECT_EQ(s.default_context, "outbound-ivr");
    EXPECT_EQ(s.algorithm, "HS256");
    EXPECT_EQ(s.access_token_expire_minutes, 30);
    EXPECT_EQ(s.refresh_token_expire_days, 7);
    EXPECT_EQ(s.rate_limit_requests, 10);
    EXPECT_EQ(s.rate_limit_window_s, 60);
    EXPECT_EQ(s.max_failed_login_attempts, 5);
    EXPECT_EQ(s.login_lockout_duration_s, 900);
    EXPECT_TRUE(s.allowed_origins.empty());
    EXPECT_FALSE(s.debug);
    EXPECT_FALSE(s.demo);
    int cores = static_cast<int>(std::thread::hardware_concurrency());
    EXPECT_EQ(s.workers, std::clamp(cores, 1, 256));
}

TEST_F(SettingsTest, DotenvOverridesDefaults) {
    writeDotenv("PORT=9001\nAPP_NAME=\"From Dotenv\"\n");
    auto s = loadOk();
    EXPECT_EQ(s.port, 9001);
    EXPECT_EQ(s.app_name, "From Dotenv");
}

TEST_F(SettingsTest, EnvironmentOverridesDotenv) {
    writeDotenv("PORT=9001\nHOST=10.0.0.1\n");
    env("PORT", "9002");
    auto s = loadOk();
    EXPECT_EQ(s.port, 9002);
    EXPECT_EQ(s.host, "10.0.0.1");
}

TEST_F(SettingsTest, FlagsOverrideEnvironment) {
    writeDotenv("PORT=9001\n");
    env("PORT", "9002");
    env("DATABASE_URL", "sqlite:///env.db");
    flags({"--port", "9003", "--database-url=postgresql://db/cc"});
    auto s = loadOk();
    EXPECT_EQ(s.port, 9003);
    EXPECT_EQ(s.database_url, "postgresql://db/cc");
}

TEST_F(SettingsTest, DotenvCanSupplyTheSecretKey) {
    sources_.environment.clear();
    writeDotenv(std::string("export SECRET_KEY='") + kGoodSecret + "'\n");
    EXPECT_EQ(loadOk().secret_key, kGoodSecret);
}

TEST_F(SettingsTest, LaterDuplicateInDotenvWins) {
    writeDotenv("PORT=1\nPORT=2\n");
    EXPECT_EQ(loadOk().port, 2);
}

TEST_F(SettingsTest, MissingDotenvFileIsNotAnError) {
    sources_.dotenv_path = (dir_ / "nope.env").string();
    EXPECT_EQ(loadOk().port, 8000);
}

TEST_F(SettingsTest, DotenvWarningsNameTheFile) {
    writeDotenv("PORT=9001\nBROKEN=\"x\n");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_THAT(r.warnings[0], HasSubstr(".env: line 2: cannot parse"));
}

TEST_F(SettingsTest, DotenvExpandsEnvironmentVariables) {
    env("DB_HOST", "pg.internal");
    writeDotenv("DATABASE_URL=postgresql://${DB_HOST}:5432/cc\n");
    EXPECT_EQ(loadOk().database_url, "postgresql://pg.internal:5432/cc");
}

TEST_F(SettingsTest, NamesAreCaseInsensitiveButExactSpellingWins) {
    env("port", "9100");
    EXPECT_EQ(loadOk().port, 9100);
    env("PORT", "9200");
    EXPECT_EQ(loadOk().port, 9200);
}

TEST_F(SettingsTest, UnrelatedEnvironmentVariablesAreIgnored) {
    env("PATH", "/usr/bin");
    env("DEMO", "true");  // demo mode is a flag only: a stray variable must not weaken security
    env("HOME", "/root");
    EXPECT_FALSE(loadOk().demo);
}

TEST_F(SettingsTest, EmptyNumericValueKeepsTheLowerLayer) {
    writeDotenv("PORT=9001\n");
    env("PORT", "");
    env("WORKERS", " ");
    EXPECT_EQ(loadOk().port, 9001);
}

TEST_F(SettingsTest, EmptyStringValueOverridesTheLowerLayer) {
    writeDotenv("JWT_ISSUER=issuer\n");
    env("JWT_ISSUER", "");
    EXPECT_EQ(loadOk().jwt_issuer, "");
}

// ---- Flags ----------------------------------------------------------------------------------

TEST_F(SettingsTest, FlagsTakeSpaceOrEqualsSeparatedValues) {
    flags({"--port", "9000", "--host=127.0.0.1", "--default-context", "sales", "--workers=3"});
    auto s = loadOk();
    EXPECT_EQ(s.port, 9000);
    EXPECT_EQ(s.host, "127.0.0.1");
    EXPECT_EQ(s.default_context, "sales");
    EXPECT_EQ(s.workers, 3);
}

TEST_F(SettingsTest, BooleanFlagWithoutValueMeansTrue) {
    flags({"--debug", "--demo", "--port", "9000"});
    auto s = loadOk();
    EXPECT_TRUE(s.debug);
    EXPECT_TRUE(s.demo);
    EXPECT_EQ(s.port, 9000);
}

TEST_F(SettingsTest, BooleanFlagAcceptsAnExplicitValue) {
    env("DEBUG", "true");
    flags({"--debug", "false", "--disable-db=yes"});
    auto s = loadOk();
    EXPECT_FALSE(s.debug);
    EXPECT_TRUE(s.disable_db);
}

TEST_F(SettingsTest, UnknownFlagIsAnError) {
    flags({"--prot", "9000"});
    EXPECT_EQ(loadError(), "--prot: unknown option");
}

TEST_F(SettingsTest, ValueFlagWithoutValueIsAnError) {
    flags({"--port"});
    EXPECT_EQ(loadError(), "--port: missing value");
    flags({"--port", "--debug"});
    EXPECT_EQ(loadError(), "--port: missing value");
}

TEST_F(SettingsTest, PositionalArgumentIsAnError) {
    flags({"9000"});
    EXPECT_THAT(loadError(), StartsWith("unexpected argument \"9000\""));
}

TEST_F(SettingsTest, FlagErrorsNameTheFlag) {
    flags({"--port=abc"});
    EXPECT_EQ(loadError(), "PORT: \"abc\" is not an integer between 1 and 65535 (from --port)");
}

TEST_F(SettingsTest, SecretOnTheCommandLineWarns) {
    flags({"--secret-key", kGoodSecret});
    auto r = load(sources_);
    ASSERT_TRUE(r.settings);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_THAT(r.warnings[0], HasSubstr("--secret-key"));
    EXPECT_THAT(r.warnings[0], Not(HasSubstr(kGoodSecret)));
}

// ---- Aliases --------------------------------------------------------------------------------

TEST_F(SettingsTest, ExternalNamesAreAliasesOfAri) {
    env("EXTERNAL_HTTP_URL", "http://pbx:8088/ari");
    env("EXTERNAL_USERNAME", "u");
    env("EXTERNAL_PASSWORD", "p");
    auto s = loadOk();
    EXPECT_EQ(s.ari_http_url, "http://pbx:8088/ari");
    EXPECT_EQ(s.ari_username, "u");
    EXPECT_EQ(s.ari_password, "p");
}

TEST_F(SettingsTest, AriNameWinsOverItsAliasInTheSameLayer) {
    env("EXTERNAL_HTTP_URL", "http://alias:8088/ari");
    env("ARI_HTTP_URL", "http://ari:8088/ari");
    EXPECT_EQ(loadOk().ari_http_url, "http://ari:8088/ari");
}

TEST_F(SettingsTest, AliasInAHigherLayerOverridesAriInALowerLayer) {
    writeDotenv("ARI_USERNAME=from-dotenv\n");
    env("EXTERNAL_USERNAME", "from-env");
    EXPECT_EQ(loadOk().ari_username, "from-env");
}

TEST_F(SettingsTest, AliasFlagIsAccepted) {
    flags({"--external-http-url", "https://pbx/ari"});
    EXPECT_EQ(loadOk().ari_http_url, "https://pbx/ari");
}

TEST_F(SettingsTest, AliasErrorsSayWhichNameWasUsed) {
    env("EXTERNAL_HTTP_URL", "ftp://pbx");
    EXPECT_EQ(loadError(),
              "ARI_HTTP_URL: \"ftp://pbx\" is not an http:// or https:// URL (from "
              "EXTERNAL_HTTP_URL in environment)");
}

// ---- Value classes --------------------------------------------------------------------------

TEST_F(SettingsTest, BooleansAcceptCommonSpellingsInAnyCase) {
    for (const char* t : {"true", "TRUE", "1", "yes", "Yes", "on", "ON"}) {
        env("DEBUG", t);
        EXPECT_TRUE(loadOk().debug) << t;
    }
    for (const char* f : {"false", "False", "0", "no", "NO", "off", "Off"}) {
        env("DEBUG", f);
        EXPECT_FALSE(loadOk().debug) << f;
    }
}

TEST_F(SettingsTest, InvalidBooleanIsRejected) {
    env("METRICS_ENABLED", "maybe");
    EXPECT_EQ(loadError(),
              "METRICS_ENABLED: \"maybe\" is not a boolean (true/false, 1/0, yes/no, on/off) "
              "(from environment)");
}

TEST_F(SettingsTest, IntegersAreRangeChecked) {
    env("PORT", "abc");
    EXPECT_EQ(loadError(),
              "PORT: \"abc\" is not an integer between 1 and 65535 (from environment)");
    env("PORT", "65536");
    EXPECT_THAT(loadError(), StartsWith("PORT: \"65536\" is not an integer between 1 and 65535"));
    env("PORT", "80.5");
    EXPECT_THAT(loadError(), StartsWith("PORT: \"80.5\""));
    env("PORT", " 8080 ");
    EXPECT_EQ(loadOk().port, 8080);
}

TEST_F(SettingsTest, OtherNumericRangesAreChecked) {
    auto expectRejected = [&](const char* name, const char* value) {
        SCOPED_TRACE(name);
        sources_.environment = {{"SECRET_KEY", kGoodSecret}, {name, value}};
        EXPECT_THAT(loadError(), StartsWith(std::string(name) + ": \"" + value + "\""));
    };
    expectRejected("WORKERS", "0");
    expectRejected("WORKERS", "257");
    expectRejected("DB_POOL_SIZE", "0");
    expectRejected("DB_POOL_SIZE", "1001");
    expectRejected("RATE_LIMIT_REQUESTS", "-1");
    expectRejected("RATE_LIMIT_WINDOW", "0");
    expectRejected("CALL_RATE_LIMIT_REQUESTS", "-5");
    expectRejected("MAX_FAILED_LOGIN_ATTEMPTS", "-1");
    expectRejected("LOGIN_LOCKOUT_DURATION", "0");
    expectRejected("ACCESS_TOKEN_EXPIRE_MINUTES", "0");
    expectRejected("DEFAULT_PRIORITY", "0");
    expectRejected("MAX_CALLS_PER_SECOND", "0");
    expectRejected("MAX_CALLS_PER_SECOND", "fast");
    expectRejected("CIRCUIT_BREAKER_FAIL_THRESHOLD", "0");
}

TEST_F(SettingsTest, ZeroTurnsRateLimitsOff) {
    env("CALL_RATE_LIMIT_REQUESTS", "0");
    env("RATE_LIMIT_REQUESTS", "0");
    env("MAX_CALLS_PER_SECOND", "2.5");
    auto s = loadOk();
    EXPECT_EQ(s.call_rate_limit_requests, 0);
    EXPECT_EQ(s.rate_limit_requests, 0);
    EXPECT_DOUBLE_EQ(s.max_calls_per_second, 2.5);
}

TEST_F(SettingsTest, DefaultTimeoutOfTheOldServiceIsReadAsSecondsWithAWarning) {
    env("DEFAULT_TIMEOUT", "30");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings);
    EXPECT_EQ(r.settings->default_timeout_ms, 30000);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_THAT(r.warnings[0], StartsWith("DEFAULT_TIMEOUT: 30 read as seconds"));
}

TEST_F(SettingsTest, DefaultTimeoutAboveSixHundredIsMilliseconds) {
    env("DEFAULT_TIMEOUT", "45000");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings);
    EXPECT_EQ(r.settings->default_timeout_ms, 45000);
    EXPECT_THAT(r.warnings, IsEmpty());
    env("DEFAULT_TIMEOUT", "601");
    EXPECT_EQ(loadOk().default_timeout_ms, 601);
}

TEST_F(SettingsTest, DefaultTimeoutOutOfRangeIsRejected) {
    env("DEFAULT_TIMEOUT", "0");
    EXPECT_THAT(loadError(), StartsWith("DEFAULT_TIMEOUT: \"0\" is not a timeout"));
    env("DEFAULT_TIMEOUT", "600001");
    EXPECT_THAT(loadError(), StartsWith("DEFAULT_TIMEOUT: \"600001\" is not a timeout"));
}

TEST_F(SettingsTest, LogLevelAcceptsPythonNames) {
    const std::pair<const char*, log::Level> cases[] = {
        {"DEBUG", log::Level::kDebug},    {"INFO", log::Level::kInfo},
        {"WARNING", log::Level::kWarn},   {"ERROR", log::Level::kError},
        {"CRITICAL", log::Level::kError}, {"info", log::Level::kInfo}};
    for (auto [text, level] : cases) {
        env("LOG_LEVEL", text);
        EXPECT_EQ(loadOk().log_level, level) << text;
    }
    env("LOG_LEVEL", "LOUD");
    EXPECT_EQ(loadError(),
              "LOG_LEVEL: \"LOUD\" is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL (from "
              "environment)");
}

TEST_F(SettingsTest, LogFormatIsJsonOrText) {
    env("LOG_FORMAT", "TEXT");
    EXPECT_FALSE(loadOk().log_json);
    env("LOG_FORMAT", "json");
    EXPECT_TRUE(loadOk().log_json);
    env("LOG_FORMAT", "xml");
    EXPECT_THAT(loadError(), StartsWith("LOG_FORMAT: \"xml\" is not one of json, text"));
}

TEST_F(SettingsTest, AllowedOriginsAcceptsACommaList) {
    env("ALLOWED_ORIGINS", "https://App.Example.com, http://localhost:3000/ ,");
    EXPECT_THAT(loadOk().allowed_origins,
                ElementsAre("https://app.example.com", "http://localhost:3000"));
}

TEST_F(SettingsTest, AllowedOriginsAcceptsTheJsonListOfPydanticUsers) {
    writeDotenv(R"(ALLOWED_ORIGINS=["https://a.example.com","https://b.example.com"])");
    EXPECT_THAT(loadOk().allowed_origins,
                ElementsAre("https://a.example.com", "https://b.example.com"));
}

TEST_F(SettingsTest, AllowedOriginsRejectsWhatIsNotAnOrigin) {
    env("ALLOWED_ORIGINS", "https://ok.example.com,example.com");
    EXPECT_THAT(loadError(), StartsWith("ALLOWED_ORIGINS: \"https://ok.example.com,example.com\" "
                                        "has \"example.com\", which is not an origin"));
    env("ALLOWED_ORIGINS", "https://x.example.com/path");
    EXPECT_THAT(loadError(), HasSubstr("not an origin"));
    env("ALLOWED_ORIGINS", "[\"https://x.example.com\"");
    EXPECT_THAT(loadError(), HasSubstr("is not a comma-separated list or a JSON list"));
}

TEST_F(SettingsTest, WildcardOriginIsRefusedOutsideDebug) {
    env("ALLOWED_ORIGINS", "*");
    EXPECT_THAT(loadError(), StartsWith("ALLOWED_ORIGINS: \"*\""));
    env("DEBUG", "true");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings) << r.error;
    EXPECT_THAT(r.settings->allowed_origins, ElementsAre("*"));
    EXPECT_THAT(r.warnings, ElementsAre(HasSubstr("ALLOWED_ORIGINS")));
}

TEST_F(SettingsTest, TrustedProxiesAreAddressesOrNetworks) {
    env("TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16,::1,fd00::/8");
    EXPECT_THAT(loadOk().trusted_proxies,
                ElementsAre("10.0.0.1", "192.168.0.0/16", "::1", "fd00::/8"));
    env("TRUSTED_PROXIES", "10.0.0.1,proxy.local");
    EXPECT_THAT(loadError(), StartsWith("TRUSTED_PROXIES: \"10.0.0.1,proxy.local\" has "
                                        "\"proxy.local\", which is not an IP address"));
    env("TRUSTED_PROXIES", "10.0.0.0/33");
    EXPECT_THAT(loadError(), HasSubstr("not an IP address"));
}

TEST_F(SettingsTest, SecretKeyIsRequiredOutsideDebugAndDemo) {
    sources_.environment.erase("SECRET_KEY");
    EXPECT_THAT(loadError(), StartsWith("SECRET_KEY: is not set;"));
}

TEST_F(SettingsTest, PlaceholderSecretKeyIsRefusedWithoutEchoingIt) {
    for (const char* key : {"local-dev-secret-key", "your-secret-key-change-in-production-please",
                            "CHANGEME-CHANGEME-CHANGEME-CHANGEME-0123456789",
                            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"}) {
        env("SECRET_KEY", key);
        std::string error = loadError();
        EXPECT_THAT(error, StartsWith("SECRET_KEY: looks like a placeholder")) << key;
        EXPECT_THAT(error, Not(HasSubstr(key)));
    }
}

TEST_F(SettingsTest, ShortOrRepetitiveSecretKeyIsRefused) {
    env("SECRET_KEY", "Zq8vK2pL");
    EXPECT_THAT(loadError(), StartsWith("SECRET_KEY: is shorter than 32 characters"));
    env("SECRET_KEY", std::string(64, 'q'));
    EXPECT_THAT(loadError(), StartsWith("SECRET_KEY: has too few distinct characters"));
}

TEST_F(SettingsTest, DebugAcceptsAWeakSecretKeyWithAWarning) {
    env("SECRET_KEY", "test");
    env("DEBUG", "true");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings) << r.error;
    EXPECT_EQ(r.settings->secret_key, "test");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_THAT(r.warnings[0], StartsWith("SECRET_KEY: is shorter"));
}

TEST_F(SettingsTest, DemoModeLeavesAMissingSecretKeyEmpty) {
    sources_.environment.erase("SECRET_KEY");
    flags({"--demo"});
    auto s = loadOk();
    EXPECT_TRUE(s.demo);
    EXPECT_TRUE(s.secret_key.empty());
}

TEST_F(SettingsTest, AlgorithmMustBeAnHmacSha2) {
    env("ALGORITHM", "hs512");
    EXPECT_EQ(loadOk().algorithm, "HS512");
    env("ALGORITHM", "RS256");
    EXPECT_EQ(loadError(),
              "ALGORITHM: \"RS256\" is not one of HS256, HS384, HS512 (from environment)");
    env("ALGORITHM", "none");
    EXPECT_THAT(loadError(), StartsWith("ALGORITHM: \"none\""));
}

TEST_F(SettingsTest, DatabaseUrlAcceptsPostgresAndSqlite) {
    for (const char* url : {"postgresql://u:p@db:5432/cc", "postgres://db/cc", "sqlite:///tmp/x.db",
                            "sqlite:////abs/path.db"}) {
        env("DATABASE_URL", url);
        EXPECT_EQ(loadOk().database_url, url);
    }
}

TEST_F(SettingsTest, DatabaseUrlDriverSuffixOfSqlalchemyIsDroppedWithAWarning) {
    env("DATABASE_URL", "postgresql+asyncpg://u:pw@db/cc");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings) << r.error;
    EXPECT_EQ(r.settings->database_url, "postgresql://u:pw@db/cc");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_THAT(r.warnings[0], Not(HasSubstr("pw")));
}

TEST_F(SettingsTest, DatabaseUrlOfAnotherKindIsRejectedWithoutItsPassword) {
    env("DATABASE_URL", "mysql://root:hunter2@db/cc");
    std::string error = loadError();
    EXPECT_THAT(error, StartsWith("DATABASE_URL: \"mysql://root:***@db/cc\" must start with "
                                  "postgresql://, postgres:// or sqlite:///"));
    EXPECT_THAT(error, Not(HasSubstr("hunter2")));
    env("DATABASE_URL", "sqlite:///");
    EXPECT_THAT(loadError(), HasSubstr("has no file path"));
}

TEST_F(SettingsTest, AriUrlMustBeHttp) {
    env("ARI_HTTP_URL", "https://pbx.example.com:8089/ari");
    EXPECT_EQ(loadOk().ari_http_url, "https://pbx.example.com:8089/ari");
    env("ARI_HTTP_URL", "pbx:8088");
    EXPECT_THAT(loadError(), StartsWith("ARI_HTTP_URL: \"pbx:8088\" is not an http://"));
    env("ARI_HTTP_URL", "ws://ari:secretpw@pbx/ari");
    std::string error = loadError();
    EXPECT_THAT(error, HasSubstr("ws://ari:***@pbx/ari"));
    EXPECT_THAT(error, Not(HasSubstr("secretpw")));
}

TEST_F(SettingsTest, WebhookUrlMustBeHttpWhenSet) {
    env("WEBHOOK_URL", "https://hooks.example.com/cc");
    EXPECT_EQ(loadOk().webhook_url, "https://hooks.example.com/cc");
    env("WEBHOOK_URL", "hooks.example.com");
    EXPECT_THAT(loadError(), StartsWith("WEBHOOK_URL: \"hooks.example.com\""));
}

TEST_F(SettingsTest, CallDefaultsFollowTheCallValidationRules) {
    env("DEFAULT_CONTEXT", "bad context");
    EXPECT_THAT(loadError(), StartsWith("DEFAULT_CONTEXT: \"bad context\" is not 1-64"));
    sources_.environment.erase("DEFAULT_CONTEXT");
    env("DEFAULT_EXTENSION", "1000;x");
    EXPECT_THAT(loadError(), StartsWith("DEFAULT_EXTENSION: \"1000;x\""));
    sources_.environment.erase("DEFAULT_EXTENSION");
    env("DEFAULT_CALLER_ID", "Contact Center");
    EXPECT_EQ(loadOk().default_caller_id, "Contact Center");
    env("DEFAULT_CALLER_ID", "x\"), evil=(\"");
    EXPECT_THAT(loadError(), StartsWith("DEFAULT_CALLER_ID: "));
}

TEST_F(SettingsTest, EndpointTemplateNeedsTheNumber) {
    env("ARI_ENDPOINT_TEMPLATE", "PJSIP/{number}@trunk");
    EXPECT_EQ(loadOk().ari_endpoint_template, "PJSIP/{number}@trunk");
    env("ARI_ENDPOINT_TEMPLATE", "PJSIP/trunk");
    EXPECT_THAT(loadError(), StartsWith("ARI_ENDPOINT_TEMPLATE: \"PJSIP/trunk\" does not contain"));
}

TEST_F(SettingsTest, ControlCharactersInBadValuesAreEscaped) {
    env("PORT", "80\n81");
    EXPECT_THAT(loadError(), StartsWith("PORT: \"80\\x0a81\""));
}

TEST_F(SettingsTest, OldServiceDotenvLoadsUnchanged) {
    sources_.environment.clear();
    writeDotenv(R"(# Database
DATABASE_URL=postgresql://contact_center:secure_password@postgres:5432/contact_center_db

# Security
SECRET_KEY=f3e1c2d4b5a6978877665544332211aabbccddeeff00112233445566778899ab

# Asterisk ARI
ARI_HTTP_URL=http://asterisk-server.local:8088/ari
ARI_USERNAME=ari_user
ARI_PASSWORD=secure_ari_password
ARI_APP=contactcenter

# Call defaults
DEFAULT_CONTEXT=outbound-ivr
DEFAULT_EXTENSION=s
DEFAULT_PRIORITY=1
DEFAULT_TIMEOUT=30
DEFAULT_CALLER_ID=Contact Center

DEBUG=false
LOG_LEVEL=INFO
ALLOWED_ORIGINS=https://yourdomain.com,https://app.yourdomain.com
)");
    auto r = load(sources_);
    ASSERT_TRUE(r.settings) << r.error;
    const Settings& s = *r.settings;
    EXPECT_EQ(s.ari_http_url, "http://asterisk-server.local:8088/ari");
    EXPECT_EQ(s.ari_password, "secure_ari_password");
    EXPECT_EQ(s.default_timeout_ms, 30000);
    EXPECT_EQ(s.default_caller_id, "Contact Center");
    EXPECT_EQ(s.allowed_origins.size(), 2u);
}

TEST(ProcessEnvironment, ReadsTheRealEnvironment) {
    ::setenv("CCAPI_CONFIG_TEST_VAR", "a=b", 1);
    auto env = processEnvironment();
    EXPECT_EQ(env["CCAPI_CONFIG_TEST_VAR"], "a=b");
    ::unsetenv("CCAPI_CONFIG_TEST_VAR");
}

}  // namespace
}  // namespace ccapi::config
