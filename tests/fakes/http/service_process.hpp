// Runs the real service binary as a child process for integration tests: a fresh working
// directory, captured output, a free port, "ready" meaning GET /live answers 200, and control
// over how it ends (SIGTERM, SIGKILL) and with which exit code.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fakes/http/http_client.hpp"

namespace ccapi::testhttp {

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). Another
// process could take it before the caller binds it; in tests the window is small enough.
std::uint16_t FreePort();

struct ServiceOptions {
    // Empty: the CCAPI_BINARY environment variable (CTest sets it for every test).
    std::string binary;
    // Arguments before "--port <port>", which is always appended (e.g. {"serve", "--demo"}).
    std::vector<std::string> args;
    // Set on top of the test's own environment (or instead of it, see inherit_environment).
    std::map<std::string, std::string> env;
    bool inherit_environment = true;
    // Empty: FreePort().
    std::optional<std::uint16_t> port;
    // false: start() returns once the process runs; for tests of start-up refusal, which then
    // waitExit() and read stderrText().
    bool wait_until_live = true;
    std::string live_path = "/live";
    std::chrono::milliseconds start_timeout{20000};
};

// Outcome of start(): success, or why not with the service's own output quoted.
struct StartResult {
    bool ok = false;
    std::string message;
    explicit operator bool() const noexcept { return ok; }
};

// Owns one child process and its working directory (removed on destruction unless the
// environment variable CCAPI_KEEP_TEST_DIRS is set, for post-mortems). Used from the test's
// thread. The child is killed if the test process dies (PR_SET_PDEATHSIG), so a crashed test
// leaves no service holding a port.
class ServiceProcess {
public:
    explicit ServiceProcess(ServiceOptions options = {});
    ServiceProcess(const ServiceProcess&) = delete;
    ServiceProcess& operator=(const ServiceProcess&) = delete;
    // SIGKILL if still running; then removes the working directory.
    ~ServiceProcess();

    // Creates the working directory, starts the binary there with stdout and stderr going to
    // files in it, and (by default) waits until GET live_path answers 200. If the process exits
    // first or the deadline passes, fails with a message that includes its output.
    StartResult start();

    std::uint16_t port() const noexcept { return port_; }
    std::string host() const { return "127.0.0.1"; }
    // "http://127.0.0.1:<port>"
    std::string baseUrl() const;
    // A new client for this service.
    HttpClient client(std::chrono::milliseconds timeout = HttpClient::kDefaultTimeout) const;
    pid_t pid() const noexcept { return pid_; }
    const std::filesystem::path& workDir() const noexcept { return dir_; }

    std::string stdoutText() const;
    std::string stderrText() const;
    // Both, labelled and trimmed to their last 16 KiB, for failure messages.
    std::string logs() const;

    // Whether the process is still running (reaps it if it has exited).
    bool running();
    // Sends `signal`; false if the process is not running.
    bool stop(int signal = SIGTERM);
    // Waits for the process to end: its exit status, or 128 + the signal that killed it (the
    // shell's convention); nullopt if it is still running at the deadline.
    std::optional<int> waitExit(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // SIGKILL and reap: a crash at an arbitrary instant.
    void kill9();
    // The exit code once the process has been reaped.
    std::optional<int> exitCode() const noexcept { return exit_code_; }

private:
    StartResult fail(std::string why);
    bool reap(bool block);

    ServiceOptions options_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

}  // namespace ccapi::testhttp
