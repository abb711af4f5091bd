#include "app/commands.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "app/application.hpp"
#include "auth/passwords.hpp"
#include "core/logging.hpp"
#include "storage/stores.hpp"

namespace ccapi::app {

namespace {

void initLogging(const config::Settings& s) { log::init({s.log_level, s.log_json, s.log_file}); }

Result<std::unique_ptr<storage::Database>> openStore(const config::Settings& s) {
    return storage::openDatabase({s.database_url, s.disable_db, s.db_pool_size});
}

// One line from standard input, without its newline. Not echoed when stdin is a terminal.
std::optional<std::string> readPassword(const char* prompt) {
    bool tty = ::isatty(STDIN_FILENO);
    if (tty) {
        std::fprintf(stderr, "%s", prompt);
        std::system("stty -echo 2>/dev/null");
    }
    std::string line;
    bool ok = static_cast<bool>(std::getline(std::cin, line));
    if (tty) {
        std::system("stty echo 2>/dev/null");
        std::fprintf(stderr, "\n");
    }
    if (!ok) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

int serve(const config::Settings& settings) {
    initLogging(settings);
    Application application(settings);
    if (auto error = application.open()) {
        log::error(*error);
        log::flush();
        std::fprintf(stderr, "ccapi: %s\n", error->c_str());
        return 2;
    }
    if (auto error = application.start()) {
        log::error(*error);
        log::flush();
        std::fprintf(stderr, "ccapi: %s\n", error->c_str());
        return 2;
    }
    application.waitForShutdown();
    return 0;
}

int migrate(const config::Settings& settings) {
    initLogging(settings);
    auto database = openStore(settings);
    if (!database) {
        std::fprintf(stderr, "ccapi migrate: %s\n", database.error().message().c_str());
        return 2;
    }
    auto before = (*database)->schemaVersion();
    if (!before) {
        std::fprintf(stderr, "ccapi migrate: %s\n", before.error().message().c_str());
        return 1;
    }
    auto after = (*database)->migrate();
    if (!after) {
        std::fprintf(stderr, "ccapi migrate: %s\n", after.error().message().c_str());
        return 1;
    }
    std::printf("database (%s) at schema version %d (was %d)\n",
                std::string((*database)->backend()).c_str(), *after, *before);
    log::flush();
    return 0;
}

int manageUsers(const config::Settings& settings, const UserCommand& command) {
    initLogging(settings);
    auto opened = openStore(settings);
    if (!opened) {
        std::fprintf(stderr, "ccapi user: %s\n", opened.error().message().c_str());
        return 2;
    }
    auto& database = **opened;
    if (auto migrated = database.migrate(); !migrated) {
        std::fprintf(stderr, "ccapi user: %s\n", migrated.error().message().c_str());
        return 1;
    }
    auto& users = database.users();
    auth::PasswordHasher hasher;

    if (command.action == "list") {
        auto all = users.list();
        if (!all) {
            std::fprintf(stderr, "ccapi user list: %s\n", all.error().message().c_str());
            return 1;
        }
        std::printf("%-24s %-32s %-6s %-9s\n", "USERNAME", "EMAIL", "ACTIVE", "SUPERUSER");
        for (const auto& u : *all) {
            std::printf("%-24s %-32s %-6s %-9s\n", u.username.c_str(), u.email.c_str(),
                        u.is_active ? "yes" : "no", u.is_superuser ? "yes" : "no");
        }
        return 0;
    }
    if (command.action == "add" || command.action == "passwd") {
        if (command.action == "add" && command.username.size() < 3) {
            std::fprintf(stderr, "ccapi user add: the username needs at least 3 characters\n");
            return 2;
        }
        auto password = readPassword("Password: ");
        if (!password || password->size() < 8) {
            std::fprintf(stderr,
                         "ccapi user %s: a password of at least 8 characters is read "
                         "from standard input\n",
                         command.action.c_str());
            return 2;
        }
        auto hashed_result = hasher.hash(*password);
        if (!hashed_result) {
            std::fprintf(stderr, "ccapi user: cannot hash the password\n");
            return 1;
        }
        const auto& hashed = *hashed_result;
        if (command.action == "add") {
            storage::NewUser user{command.username, command.email, command.full_name, hashed,
                                  command.superuser};
            auto created = users.create(user);
            if (!created) {
                bool taken = created.error() == storage::StorageErrc::kConflict;
                std::fprintf(stderr, "ccapi user add: %s\n",
                             taken ? "that username exists" : created.error().message().c_str());
                return taken ? 2 : 1;
            }
            std::printf("user %s created%s\n", command.username.c_str(),
                        command.superuser ? " (superuser)" : "");
            return 0;
        }
        auto changed = users.setPassword(command.username, hashed);
        if (!changed || !*changed) {
            std::fprintf(stderr, "ccapi user passwd: no user %s\n", command.username.c_str());
            return changed ? 2 : 1;
        }
        std::printf("password of %s changed\n", command.username.c_str());
        return 0;
    }
    if (command.action == "disable" || command.action == "enable") {
        bool active = command.action == "enable";
        auto changed = users.setActive(command.username, active);
        if (!changed || !*changed) {
            std::fprintf(stderr, "ccapi user %s: no user %s\n", command.action.c_str(),
                         command.username.c_str());
            return changed ? 2 : 1;
        }
        std::printf("user %s %s\n", command.username.c_str(), active ? "enabled" : "disabled");
        return 0;
    }
    std::fprintf(stderr, "ccapi user: unknown action '%s'\n", command.action.c_str());
    return 2;
}

}  // namespace ccapi::app
