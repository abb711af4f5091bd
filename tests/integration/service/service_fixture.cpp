#include "integration/service/service_fixture.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/pg_server.hpp"

extern char** environ;

namespace ccapi::itest {

namespace {

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

CliResult runCli(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& input,
                 const std::string& cwd) {
    const char* binary = std::getenv("CCAPI_BINARY");
    if (!binary) throw std::runtime_error("CCAPI_BINARY is not set (run through ctest)");
    test::TempDir io("ccapi-cli-");
    auto in_path = io / "stdin";
    auto out_path = io / "stdout";
    auto err_path = io / "stderr";
    std::ofstream(in_path) << input;

    std::map<std::string, std::string> merged;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);

    pid_t pid = ::fork();
    if (pid == 0) {
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
        int in = ::open(in_path.c_str(), O_RDONLY);
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::close_range(3, ~0U, 0);  // no inherited sockets (Asio's are not close-on-exec)
        std::vector<char*> argv{const_cast<char*>(binary)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (auto& e : env_strings) envp.push_back(e.data());
        envp.push_back(nullptr);
        ::execve(binary, argv.data(), envp.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CliResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = readFile(out_path);
    result.err = readFile(err_path);
    return result;
}

std::string backendName(const ::testing::TestParamInfo<std::string>& info) {
    return info.param == "postgresql" ? "PostgreSQL" : "SQLite";
}

void ServiceTest::SetUp() {
    dir_ = std::make_unique<test::TempDir>("ccapi-itest-");
    if (postgres()) {
        env_["DATABASE_URL"] = test::sharedPgServer().createDatabase();
    } else {
        env_["DATABASE_URL"] = "sqlite:///" + (*dir_ / "store.db").string();
    }
    env_["SECRET_KEY"] = kSecret;
    env_["AUTO_MIGRATE"] = "true";
    env_["RATE_LIMIT_REQUESTS"] = "1000";
    env_["WORKERS"] = "2";
    const char* level = std::getenv("CCAPI_TEST_LOG_LEVEL");  // e.g. debug, for post-mortems
    env_["LOG_LEVEL"] = level && *level ? level : "info";
}

testhttp::ServiceProcess& ServiceTest::start(std::map<std::string, std::string> extra,
                                             std::vector<std::string> args) {
    testhttp::ServiceOptions options;
    options.args = std::move(args);
    options.env = env_;
    for (auto& [k, v] : extra) options.env[k] = v;
    service_ = std::make_unique<testhttp::ServiceProcess>(options);
    auto started = service_->start();
    EXPECT_TRUE(started.ok) << started.message;
    if (!started.ok) throw std::runtime_error("service did not start: " + started.message);
    return *service_;
}

CliResult ServiceTest::cli(const std::vector<std::string>& args, const std::string& input) {
    return runCli(args, env_, input, dir_->path().string());
}

void ServiceTest::addUser(const std::string& name, const std::string& password, bool superuser) {
    std::vector<std::string> args{"user", "add", name, "--email", name + "@example.com"};
    if (superuser) args.push_back("--superuser");
    auto result = cli(args, password + "\n");
    ASSERT_EQ(result.exit_code, 0) << result.err;
}

boost::json::object ServiceTest::login(const std::string& name, const std::string& password) {
    auto c = client();
    auto response = c.postForm("/api/v2/token", {{"username", name}, {"password", password}});
    EXPECT_TRUE(response) << response.error().message();
    if (!response) return {};
    EXPECT_EQ(response->status, 200u) << response->body;
    auto json = response->json();
    return json.is_object() ? json.as_object() : boost::json::object{};
}

}  // namespace ccapi::itest
