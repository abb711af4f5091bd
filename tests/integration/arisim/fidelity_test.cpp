// shared/ari/fidelity.py, the project's yardstick, against the in-process simulator: every check
// must pass (a failing check, or a missing checker, fails this test; nothing is skipped).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "simulator_fixture.hpp"

namespace ccapi::arisim {
namespace {

namespace fs = std::filesystem;

fs::path findFidelityScript() {
    if (const char* source = std::getenv("CCAPI_SOURCE_DIR")) {
        auto candidate = fs::path(source) / ".." / "shared" / "ari" / "fidelity.py";
        if (fs::exists(candidate)) return fs::canonical(candidate);
    }
    // Fall back to ../shared relative to the working directory (and its parents).
    for (auto dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
        for (auto candidate : {dir / ".." / "shared" / "ari" / "fidelity.py",
                               dir / "shared" / "ari" / "fidelity.py"}) {
            if (fs::exists(candidate)) return fs::canonical(candidate);
        }
        if (dir == dir.parent_path()) break;
    }
    return {};
}

struct Run {
    int exit_code = -1;
    std::string output;
};

Run runCommand(const std::string& command) {
    Run run;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return run;
    char chunk[4096];
    while (std::size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) run.output.append(chunk, n);
    int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

TEST(FidelityChecker, PassesEveryCheckAgainstTheSimulator) {
    auto script = findFidelityScript();
    ASSERT_FALSE(script.empty()) << "shared/ari/fidelity.py not found (CCAPI_SOURCE_DIR="
                                 << (std::getenv("CCAPI_SOURCE_DIR")
                                         ? std::getenv("CCAPI_SOURCE_DIR")
                                         : "unset")
                                 << ")";
    testing::RunningSimulator simulator;
    ASSERT_FALSE(simulator.startError()) << simulator.startError().message();
    std::string base = "http://127.0.0.1:" + std::to_string(simulator.port()) + "/ari";
    // Real timings (rings of 1 s, a 5 s originate timeout...): about 20 s; bounded at 240 s.
    auto run = runCommand("timeout 240 /usr/bin/python3 '" + script.string() + "' --base " + base +
                          " 2>&1");
    std::smatch summary;
    bool has_summary =
        std::regex_search(run.output, summary, std::regex(R"((\d+) passed, (\d+) failed)"));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    ASSERT_TRUE(has_summary) << run.output;
    EXPECT_EQ(summary[2].str(), "0") << run.output;
    EXPECT_GE(std::stoi(summary[1].str()), 71) << run.output;
    EXPECT_EQ(run.output.find("FAIL"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace ccapi::arisim
