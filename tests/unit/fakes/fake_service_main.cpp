// A stand-in for the service binary in ServiceProcess's self-test: serves the echo routes on
// --port until SIGTERM/SIGINT, and can refuse to start or ignore SIGTERM on request.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "echo_server.hpp"

int main(int argc, char** argv) {
    std::uint16_t port = 0;
    int exit_early = -1;
    bool ignore_sigterm = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc)
            port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
        if (arg == "--exit-early" && i + 1 < argc) exit_early = std::stoi(argv[++i]);
        if (arg == "--ignore-sigterm") ignore_sigterm = true;
    }
    std::cout << "cwd " << std::filesystem::current_path().string() << '\n';
    if (const char* greeting = std::getenv("CCAPI_FAKE_GREETING")) {
        std::cout << "greeting " << greeting << '\n';
    }
    if (exit_early >= 0) {
        std::cerr << "refusing to start: asked to exit with " << exit_early << std::endl;
        return exit_early;
    }
    // Blocked before the server thread starts, so that only sigwait() sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    ccapi::testhttp::EchoServer server(port);
    std::cout << "listening on " << server.port() << std::endl;
    int signal = 0;
    do {
        sigwait(&signals, &signal);
    } while (ignore_sigterm && signal == SIGTERM);
    std::cout << "stopping on signal " << signal << std::endl;
    return 0;
}
