// Start-up: configuration refusals (one line, exit 2), the migration policy per backend,
// demo mode and the user CLI.
#include <boost/json.hpp>
#include <regex>

#include "integration/service/service_fixture.hpp"
#include "support/pg_server.hpp"

namespace ccapi::itest {
namespace {

using StartUp = ServiceTest;
using namespace std::chrono_literals;

// Starts the binary expecting it to refuse; returns its stderr.
std::string refusal(const std::map<std::string, std::string>& env,
                    std::vector<std::string> args = {"serve"}) {
    testhttp::ServiceOptions options;
    options.args = std::move(args);
    options.env = env;
    options.wait_until_live = false;
    testhttp::ServiceProcess process(options);
    EXPECT_TRUE(process.start());
    auto code = process.waitExit(20s);
    EXPECT_EQ(code, 2) << process.logs();
    return process.stderrText();
}

TEST_P(StartUp, InvalidSettingsAreRefusedWithOneClearLine) {
    struct Case {
        std::map<std::string, std::string> env;
        std::string mentions;
    };
    std::vector<Case> cases = {
        {{{"DB_POOL_SIZE", "abc"}}, "DB_POOL_SIZE"},
        {{{"ACCESS_TOKEN_EXPIRE_MINUTES", "-5"}}, "ACCESS_TOKEN_EXPIRE_MINUTES"},
        {{{"SECRET_KEY", "change-me"}}, "SECRET_KEY"},
        {{{"SECRET_KEY", ""}}, "SECRET_KEY"},
        {{{"ALLOWED_ORIGINS", "*"}}, "ALLOWED_ORIGINS"},
        {{{"WORKERS", "0"}}, "WORKERS"},
        {{{"DATABASE_URL", "mysql://x"}}, "DATABASE_URL"},
        {{{"ARI_HTTP_URL", "ftp://pbx"}}, "ARI_HTTP_URL"},
        {{{"LOG_LEVEL", "loud"}}, "LOG_LEVEL"},
    };
    for (auto& c : cases) {
        auto env = baseEnv();
        for (auto& [k, v] : c.env) env[k] = v;
        auto err = refusal(env);
        EXPECT_NE(err.find(c.mentions), std::string::npos) << c.mentions << ": " << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    }
}

TEST_P(StartUp, UnknownFlagIsRefused) {
    auto err = refusal(baseEnv(), {"serve", "--no-such-flag", "1"});
    EXPECT_NE(err.find("no-such-flag"), std::string::npos) << err;
}

TEST_P(StartUp, FlagsOverrideTheEnvironment) {
    auto env = baseEnv();
    env["APP_NAME"] = "From Environment";
    start({{"APP_NAME", "From Environment"}}, {"serve", "--app-name", "From Flag"});
    auto c = client();
    EXPECT_EQ(c.get("/").value().json().as_object().at("message"), "From Flag");
}

TEST_P(StartUp, MigrationPolicyDependsOnTheBackend) {
    auto env = baseEnv();
    env.erase("AUTO_MIGRATE");
    if (!postgres()) {
        // SQLite is the embedded default: it migrates itself.
        start({{"AUTO_MIGRATE", "false"}});
        EXPECT_EQ(client().get("/health").value().json().as_object().at("database"), "ok");
        return;
    }
    env["AUTO_MIGRATE"] = "false";
    auto err = refusal(env);
    EXPECT_NE(err.find("ccapi migrate"), std::string::npos) << err;
    auto migrated = runCli({"migrate"}, env);
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    EXPECT_NE(migrated.out.find("schema version"), std::string::npos);
    start({{"AUTO_MIGRATE", "false"}});
    EXPECT_EQ(client().get("/readiness").value().status, 200u);
}

TEST_P(StartUp, UnreachableDatabaseIsRefused) {
    auto env = baseEnv();
    env["DATABASE_URL"] = postgres() ? "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
                                     : "sqlite:////proc/no/such/dir/x.db";
    auto err = refusal(env);
    EXPECT_NE(err.find("database"), std::string::npos) << err;
}

TEST_P(StartUp, DemoModePrintsTheBootstrapPasswordOnce) {
    start({{"SECRET_KEY", ""}}, {"serve", "--demo"});
    std::smatch m;
    auto out = service().stdoutText();
    std::regex password_line("password: (\\S+)");
    ASSERT_TRUE(std::regex_search(out, m, password_line)) << service().logs();
    std::string password = m[1];
    auto pair = login("admin", password);
    EXPECT_TRUE(pair.contains("access_token"));
    EXPECT_EQ(service().stderrText().find(password), std::string::npos) << "never in the log";

    auto secret = service().workDir() / "data" / "secret_key";
    ASSERT_TRUE(std::filesystem::exists(secret));
    EXPECT_EQ(std::filesystem::status(secret).permissions() &
                  (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
    service().stop();
    ASSERT_EQ(service().waitExit(), 0);

    // The same store again: it has a user now, so no new admin and no password printed.
    start({{"SECRET_KEY", ""}}, {"serve", "--demo"});
    EXPECT_EQ(service().stdoutText().find("password:"), std::string::npos);
    login("admin", password);
}

TEST_P(StartUp, UserCliManagesAccountsWithPasswordsFromStdin) {
    start();
    auto added = cli({"user", "add", "operator", "--email", "op@example.com", "--superuser"},
                     "s3cret-passw0rd\n");
    ASSERT_EQ(added.exit_code, 0) << added.err;
    auto duplicate = cli({"user", "add", "operator"}, "another-password\n");
    EXPECT_EQ(duplicate.exit_code, 2);
    auto short_pw = cli({"user", "add", "shorty"}, "short\n");
    EXPECT_EQ(short_pw.exit_code, 2);
    auto in_argv = cli({"user", "add", "leaky", "--password", "visible"});
    EXPECT_EQ(in_argv.exit_code, 2);
    EXPECT_NE(in_argv.err.find("standard input"), std::string::npos);

    auto list = cli({"user", "list"});
    ASSERT_EQ(list.exit_code, 0);
    EXPECT_NE(list.out.find("operator"), std::string::npos);
    EXPECT_NE(list.out.find("op@example.com"), std::string::npos);
    EXPECT_EQ(list.out.find("leaky"), std::string::npos);

    login("operator", "s3cret-passw0rd");
    auto passwd = cli({"user", "passwd", "operator"}, "new-passw0rd-here\n");
    ASSERT_EQ(passwd.exit_code, 0) << passwd.err;
    login("operator", "new-passw0rd-here");
    EXPECT_EQ(cli({"user", "disable", "ghost"}).exit_code, 2);
}

TEST_P(StartUp, HelpAndVersion) {
    auto help = cli({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("ccapi user add"), std::string::npos);
    auto version = cli({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out.rfind("ccapi ", 0), 0u);
    EXPECT_EQ(cli({"frobnicate"}).exit_code, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, StartUp, ::testing::Values("sqlite", "postgresql"), backendName);

}  // namespace
}  // namespace ccapi::itest
