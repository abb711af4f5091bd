// A throwaway real PostgreSQL server for tests: initdb in a temp dir, 127.0.0.1 on a free port.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "support/temp_dir.hpp"

namespace ccapi::test {

// Starts in the constructor and stops and deletes everything in the destructor; a watchdog
// process does the same if the test binary dies first (crash, ctest timeout). Throws
// std::runtime_error with the server's own words when it cannot start (binaries missing,
// initdb failed): a PostgreSQL test must fail, never skip. Thread-safe after construction.
//
// When run as root (initdb refuses root) the server runs as the `postgres` OS user.
class PgTestServer {
public:
    struct Options {
        // Empty: $CCAPI_PG_BIN_DIR, else /usr/lib/postgresql/15/bin.
        std::filesystem::path bin_dir;
        std::string user = "ccapi";  // database superuser, trust authentication
        std::string database = "ccapi_test";
    };

    PgTestServer();
    explicit PgTestServer(Options options);
    ~PgTestServer();
    PgTestServer(const PgTestServer&) = delete;
    PgTestServer& operator=(const PgTestServer&) = delete;

    // "postgresql://ccapi@127.0.0.1:<port>/ccapi_test"
    const std::string& url() const { return url_; }
    std::string urlFor(std::string_view database) const;
    int port() const { return port_; }

    // CREATE DATABASE; returns its URL. Without a name, a new unique one ("t_<n>"), so that each
    // test can have a database of its own.
    std::string createDatabase(std::string_view name);
    std::string createDatabase();

    // Stops the server now (to test a lost server); the destructor still cleans up.
    void stop();

private:
    void start();
    void startWatchdog();

    Options options_;
    std::unique_ptr<TempDir> root_;
    std::filesystem::path data_dir_;
    int port_ = 0;
    std::string url_;
    bool running_ = false;
    bool as_postgres_user_ = false;
    int watchdog_fd_ = -1;  // write end of the pipe the watchdog waits on
    pid_t watchdog_pid_ = -1;
};

// One server for a whole test binary, started on first use, stopped at exit.
PgTestServer& sharedPgServer();

}  // namespace ccapi::test
