#include "app/cli.hpp"

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.hpp"
#include "app/version.hpp"
#include "arisim/cli.hpp"
#include "config/settings.hpp"

namespace ccapi::app {

namespace {

constexpr const char* kUsage = R"(Contact Center API — places outbound calls through Asterisk ARI.

Usage:
  ccapi [serve] [--demo] [--SETTING value ...]   run the service (default command)
  ccapi migrate [--SETTING value ...]            apply pending database migrations
  ccapi user add USERNAME [--email E] [--full-name N] [--superuser]
  ccapi user list
  ccapi user disable USERNAME | enable USERNAME
  ccapi user passwd USERNAME                      (passwords are read from standard input)
  ccapi ari-sim [--port 8088] [--host 127.0.0.1]  run the built-in Asterisk ARI simulator
  ccapi --help | --version

Settings come from defaults < .env < environment < flags; every environment variable has a
flag: DATABASE_URL is --database-url, PORT is --port. `--demo` uses SQLite in ./data, a
generated secret, the built-in ARI simulator and a bootstrap admin.
)";

int usageError(const std::string& message) {
    std::fprintf(stderr, "ccapi: %s (see ccapi --help)\n", message.c_str());
    return 2;
}

// Loads settings from the environment, .env and the given flags; prints the one-line error.
std::optional<config::Settings> loadSettings(std::vector<std::string> flags) {
    config::Sources sources;
    sources.environment = config::processEnvironment();
    sources.flags = std::move(flags);
    auto loaded = config::load(sources);
    if (!loaded.settings) {
        std::fprintf(stderr, "configuration error: %s\n", loaded.error.c_str());
        return std::nullopt;
    }
    for (const auto& w : loaded.warnings)
        std::fprintf(stderr, "configuration warning: %s\n", w.c_str());
    return loaded.settings;
}

int runUser(std::vector<std::string> args) {
    if (args.empty()) return usageError("user needs an action: add, list, disable, enable, passwd");
    UserCommand command;
    command.action = args.front();
    args.erase(args.begin());
    std::vector<std::string> config_flags;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        if (a == "--email") {
            if (!value(command.email)) return usageError("--email needs a value");
        } else if (a == "--full-name") {
            if (!value(command.full_name)) return usageError("--full-name needs a value");
        } else if (a == "--superuser" || a == "--admin") {
            command.superuser = true;
        } else if (a == "--password") {
            return usageError("passwords are read from standard input, never from arguments");
        } else if (a.rfind("--", 0) == 0) {
            config_flags.push_back(a);
            if (a.find('=') == std::string::npos && i + 1 < args.size() &&
                args[i + 1].rfind("--", 0) != 0) {
                config_flags.push_back(args[++i]);
            }
        } else if (command.username.empty()) {
            command.username = a;
        } else {
            return usageError("unexpected argument '" + a + "'");
        }
    }
    bool needs_name = command.action != "list";
    if (needs_name && command.username.empty()) {
        return usageError("user " + command.action + " needs a USERNAME");
    }
    auto settings = loadSettings(config_flags);
    if (!settings) return 2;
    return manageUsers(*settings, command);
}

}  // namespace

int runCli(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string command = "serve";
    if (!args.empty() && args.front().rfind("-", 0) != 0) {
        command = args.front();
        args.erase(args.begin());
    }
    for (const auto& a : args) {
        if (a == "--help" || a == "-h") {
            if (command == "ari-sim") break;
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == "--version" || a == "-V") {
            std::printf("ccapi %s\n", kVersion);
            return 0;
        }
    }
    if (command == "serve") {
        auto settings = loadSettings(args);
        return settings ? serve(*settings) : 2;
    }
    if (command == "migrate") {
        auto settings = loadSettings(args);
        return settings ? migrate(*settings) : 2;
    }
    if (command == "user") return runUser(std::move(args));
    if (command == "ari-sim") {
        std::vector<char*> sim_argv{argv[0]};
        for (auto& a : args) sim_argv.push_back(a.data());
        sim_argv.push_back(nullptr);
        return arisim::runCli(static_cast<int>(sim_argv.size() - 1), sim_argv.data());
    }
    if (command == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    return usageError("unknown command '" + command + "'");
}

}  // namespace ccapi::app
