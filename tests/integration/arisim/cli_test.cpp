// The simulator as a process (runCli), as `ccapi ari-sim` will run it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>

#include "client.hpp"

namespace ccapi::arisim {
namespace {

TEST(Cli, ListensPrintsOneLineAndStopsOnSigterm) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl(ARISIM_CLI_PATH, ARISIM_CLI_PATH, "--port", "0", "--answer-after-ms", "100",
              "--hangup-after-ms", "100", nullptr);
        _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[512] = {};
    ASSERT_NE(std::fgets(line, sizeof line, stream), nullptr);
    std::cmatch m;
    ASSERT_TRUE(
        std::regex_search(line, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+)/ari)")))
        << line;
    auto port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    auto ping = testing::httpCall(port, {"GET", "/ari/asterisk/ping"});
    EXPECT_EQ(ping.status, 200);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::fclose(stream);
}

TEST(Cli, RejectsUnknownFlags) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        execl(ARISIM_CLI_PATH, ARISIM_CLI_PATH, "--bogus", "1", nullptr);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace ccapi::arisim
