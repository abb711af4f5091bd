#include "fakes/http/service_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>
#include <thread>

#include "fakes/http/wait.hpp"

extern char** environ;

namespace ccapi::testhttp {
namespace {

constexpr std::size_t kLogTail = 16 * 1024;

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string tail(std::string text) {
    if (text.size() <= kLogTail) return text;
    return "[… " + std::to_string(text.size() - kLogTail) + " bytes …]" +
           text.substr(text.size() - kLogTail);
}

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

}  // namespace

std::uint16_t FreePort() {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw std::system_error(errno, std::generic_category(), "FreePort socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::system_error(errno, std::generic_category(), "FreePort bind");
    }
    socklen_t length = sizeof address;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::system_error(errno, std::generic_category(), "FreePort getsockname");
    }
    return ntohs(address.sin_port);
}

ServiceProcess::ServiceProcess(ServiceOptions options) : options_(std::move(options)) {}

ServiceProcess::~ServiceProcess() {
    kill9();
    if (dir_.empty()) return;
    if (std::getenv("CCAPI_KEEP_TEST_DIRS") != nullptr) {
        std::cerr << "ServiceProcess: kept " << dir_ << '\n';
        return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string ServiceProcess::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

HttpClient ServiceProcess::client(std::chrono::milliseconds timeout) const {
    return HttpClient(host(), port_, timeout);
}

std::string ServiceProcess::stdoutText() const {
    return dir_.empty() ? std::string() : readFile(dir_ / "stdout.log");
}

std::string ServiceProcess::stderrText() const {
    return dir_.empty() ? std::string() : readFile(dir_ / "stderr.log");
}

std::string ServiceProcess::logs() const {
    return "--- stdout (" + (dir_ / "stdout.log").string() + ") ---\n" + tail(stdoutText()) +
           "\n--- stderr (" + (dir_ / "stderr.log").string() + ") ---\n" + tail(stderrText()) +
           "\n--- end ---";
}

StartResult ServiceProcess::fail(std::string why) {
    StartResult result;
    result.message = "service " + options_.binary + ": " + why;
    if (!dir_.empty()) result.message += "\n" + logs();
    return result;
}

StartResult ServiceProcess::start() {
    if (pid_ > 0) return fail("already started");
    if (options_.binary.empty()) {
        const char* from_env = std::getenv("CCAPI_BINARY");
        if (from_env == nullptr || *from_env == '\0') {
            return fail("CCAPI_BINARY is not set (ctest sets it; or set ServiceOptions::binary)");
        }
        options_.binary = from_env;
    }
    // Absolute, because the child changes directory before exec.
    std::error_code ec;
    options_.binary = std::filesystem::absolute(options_.binary, ec).string();
    if (::access(options_.binary.c_str(), X_OK) != 0) {
        return fail(std::string("not executable: ") + std::strerror(errno));
    }

    std::string pattern = (std::filesystem::temp_directory_path() / "ccapi-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return fail(std::string("mkdtemp: ") + std::strerror(errno));
    }
    dir_ = pattern;
    port_ = options_.port ? *options_.port : FreePort();

    // Everything the child needs is prepared here: between fork and exec only
    // async-signal-safe calls are allowed (the test process has other threads).
    std::vector<std::string> args{options_.binary};
    args.insert(args.end(), options_.args.begin(), options_.args.end());
    args.push_back("--port");
    args.push_back(std::to_string(port_));
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::map<std::string, std::string> environment;
    if (options_.inherit_environment) {
        for (char** entry = environ; *entry != nullptr; ++entry) {
            std::string_view text(*entry);
            auto eq = text.find('=');
            if (eq == std::string_view::npos) continue;
            environment[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
        }
    }
    for (const auto& [key, value] : options_.env) environment[key] = value;
    std::vector<std::string> env_strings;
    for (const auto& [key, value] : environment) env_strings.push_back(key + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);

    const std::string dir = dir_.string();
    Fd out(::open((dir_ / "stdout.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    Fd err(::open((dir_ / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (out.get() < 0 || err.get() < 0 || null.get() < 0) {
        return fail(std::string("cannot open output files: ") + std::strerror(errno));
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return fail(std::string("pipe: ") + std::strerror(errno));
    Fd exec_read(pipe_fds[0]);
    Fd exec_write(pipe_fds[1]);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigset_t no_signals;
    sigemptyset(&no_signals);
    const pid_t parent = ::getpid();

    pid_t child = ::fork();
    if (child < 0) return fail(std::string("fork: ") + std::strerror(errno));
    if (child == 0) {
        // Die with the test process, even if it is killed without running destructors.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        // Start from a clean slate: a blocked or ignored signal would survive exec.
        ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
        for (int signal = 1; signal < NSIG; ++signal) {
            if (signal != SIGKILL && signal != SIGSTOP)
                ::sigaction(signal, &default_action, nullptr);
        }
        ::dup2(null.get(), STDIN_FILENO);
        ::dup2(out.get(), STDOUT_FILENO);
        ::dup2(err.get(), STDERR_FILENO);
        // Asio does not mark its sockets close-on-exec: without this the service would inherit
        // the test's listening sockets (e.g. the ARI simulator's) and keep their ports bound.
        ::close_range(3, ~0U, 0);
        if (::chdir(dir.c_str()) == 0) ::execve(argv[0], argv.data(), envp.data());
        int error = errno;
        [[maybe_unused]] auto written = ::write(exec_write.get(), &error, sizeof error);
        ::_exit(127);
    }
    pid_ = child;
    exec_write.reset();
    // The pipe closes on a successful exec (O_CLOEXEC); an errno arrives if exec failed.
    int exec_error = 0;
    ssize_t n;
    do {
        n = ::read(exec_read.get(), &exec_error, sizeof exec_error);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof exec_error)) {
        reap(true);
        return fail(std::string("exec failed: ") + std::strerror(exec_error));
    }
    if (!options_.wait_until_live) return {true, {}};

    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    HttpClient probe(host(), port_, std::chrono::seconds(1));
    std::string last = "no answer yet";
    for (;;) {
        if (!running()) {
            return fail("exited with code " + std::to_string(exit_code_.value_or(-1)) +
                        " before GET " + options_.live_path + " answered 200 (port " +
                        std::to_string(port_) + ")");
        }
        auto response = probe.get(options_.live_path);
        if (response && response->status == 200) return {true, {}};
        last = response ? "HTTP " + std::to_string(response->status) : response.error().message();
        if (std::chrono::steady_clock::now() >= deadline) {
            kill9();
            return fail("GET " + options_.live_path + " did not answer 200 within " +
                        std::to_string(options_.start_timeout.count()) + " ms (last: " + last +
                        "); killed it");
        }
        // Polling a process we do not control: nothing to wait on but the port.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool ServiceProcess::reap(bool block) {
    if (pid_ <= 0 || exit_code_) return true;
    int status = 0;
    pid_t result;
    do {
        result = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result == 0) return false;
    if (result < 0) {
        exit_code_ = -1;  // not our child any more (ECHILD): nothing left to wait for
    } else if (WIFEXITED(status)) {
        exit_code_ = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        exit_code_ = 128 + WTERMSIG(status);
    } else {
        return false;
    }
    return true;
}

bool ServiceProcess::running() { return pid_ > 0 && !reap(false); }

bool ServiceProcess::stop(int signal) {
    if (!running()) return false;
    return ::kill(pid_, signal) == 0;
}

std::optional<int> ServiceProcess::waitExit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    if (!waitUntil([this] { return reap(false); }, timeout, std::chrono::milliseconds(2))) {
        return std::nullopt;
    }
    return exit_code_;
}

void ServiceProcess::kill9() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    reap(true);
}

}  // namespace ccapi::testhttp
