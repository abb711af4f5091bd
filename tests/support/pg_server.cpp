#include "support/pg_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace ccapi::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";

std::string readTail(const fs::path& file, std::size_t max = 4000) {
    std::ifstream in(file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    return text.size() > max ? text.substr(text.size() - max) : text;
}

fs::path findRunuser() {
    for (const char* candidate : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
        if (::access(candidate, X_OK) == 0) return candidate;
    }
    throw std::runtime_error("running as root but runuser(1) is missing: cannot start PostgreSQL");
}

struct SpawnOptions {
    fs::path cwd;
    fs::path output;    // stdout and stderr appended here; empty: /dev/null
    int stdin_fd = -1;  // dup'ed onto stdin; -1: /dev/null
    bool new_session = false;
};

pid_t spawn(const std::vector<std::string>& args, const SpawnOptions& options) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (options.stdin_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, options.stdin_fd, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    std::string output = options.output.empty() ? "/dev/null" : options.output.string();
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::string cwd = options.cwd.string();
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own session, so that a Ctrl-C to the test does not kill the cleanup with it.
    if (options.new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);

    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(rc));
    return pid;
}

int waitFor(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port: " + std::string(std::strerror(errno)));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace

PgTestServer::PgTestServer() : PgTestServer(Options{}) {}

PgTestServer::PgTestServer(Options options) : options_(std::move(options)) {
    if (options_.bin_dir.empty()) {
        const char* env = std::getenv("CCAPI_PG_BIN_DIR");
        options_.bin_dir = env && *env ? env : kDefaultBinDir;
    }
    for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
        if (::access((options_.bin_dir / tool).c_str(), X_OK) != 0) {
            throw std::runtime_error("PostgreSQL binary " + (options_.bin_dir / tool).string() +
                                     " not found: install postgresql-15 (scripts/install-deps.sh)"
                                     " or set CCAPI_PG_BIN_DIR");
        }
    }
    try {
        start();
    } catch (...) {
        if (running_) stop();
        if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
        if (watchdog_pid_ > 0) waitFor(watchdog_pid_);
        throw;
    }
}

PgTestServer::~PgTestServer() {
    if (running_) stop();
    // The watchdog removes the directory as the postgres user could have left it.
    if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
    if (watchdog_pid_ > 0) waitFor(watchdog_pid_);
}

void PgTestServer::start() {
    root_ = std::make_unique<TempDir>("ccapi-pg-");
    data_dir_ = root_->path() / "data";
    as_postgres_user_ = ::geteuid() == 0;

    std::vector<std::string> prefix;
    if (as_postgres_user_) {
        // initdb and postgres refuse to run as root; hand the directory to the postgres user.
        passwd* pw = ::getpwnam("postgres");
        if (pw == nullptr) {
            throw std::runtime_error(
                "running as root and there is no `postgres` OS user to run "
                "PostgreSQL as");
        }
        if (::chown(root_->path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
            throw std::runtime_error("chown " + root_->path().string() + ": " +
                                     std::strerror(errno));
        }
        prefix = {findRunuser().string(), "-u", "postgres", "--"};
    }
    auto run = [&](std::vector<std::string> args, const fs::path& log) {
        std::vector<std::string> argv = prefix;
        argv.insert(argv.end(), args.begin(), args.end());
        // cwd inside our directory: postgres fails when it cannot read its working directory.
        return waitFor(spawn(argv, {.cwd = root_->path(), .output = log}));
    };

    fs::path initdb_log = root_->path() / "initdb.log";
    int rc =
        run({(options_.bin_dir / "initdb").string(), "-D", data_dir_.string(), "-U", options_.user,
             "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
            initdb_log);
    if (rc != 0) throw std::runtime_error("initdb failed:\n" + readTail(initdb_log));

    {
        // Loopback only, socket in our own directory (not the shared /var/run/postgresql), and
        // durability off: the data dies with the test anyway.
        std::ofstream conf(data_dir_ / "postgresql.conf", std::ios::app);
        conf << "\n# ccapi test server\n"
             << "listen_addresses = '127.0.0.1'\n"
             << "unix_socket_directories = '" << root_->path().string() << "'\n"
             << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
             << "max_connections = 200\nshared_buffers = 32MB\n"
             << "log_min_messages = warning\nlog_min_error_statement = panic\n";
        if (!conf) throw std::runtime_error("cannot write postgresql.conf");
    }

    // The port was free when we looked; another test may take it before postgres binds, so a
    // failed start is retried on a new port.
    fs::path server_log = root_->path() / "server.log";
    for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
        port_ = freePort();
        rc = run(
            {(options_.bin_dir / "pg_ctl").string(), "-D", data_dir_.string(), "-l",
             server_log.string(), "-o", "-p " + std::to_string(port_), "-w", "-t", "60", "start"},
            root_->path() / "pg_ctl.log");
        running_ = rc == 0;
    }
    if (!running_) {
        throw std::runtime_error("pg_ctl start failed:\n" + readTail(root_->path() / "pg_ctl.log") +
                                 "\n" + readTail(server_log));
    }
    startWatchdog();
    url_ = createDatabase(options_.database);
}

void PgTestServer::startWatchdog() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    }
    // Waits for EOF on stdin (our destructor, or the kernel when this process dies), then stops
    // the server and deletes its directory.
    std::string script = std::string("read _line; ") +
                         (as_postgres_user_ ? "\"$4\" -u postgres -- " : "") +
                         "\"$1\" -D \"$2\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$3\"";
    std::vector<std::string> args = {"/bin/sh",
                                     "-c",
                                     script,
                                     "ccapi-pg-watchdog",
                                     (options_.bin_dir / "pg_ctl").string(),
                                     data_dir_.string(),
                                     root_->path().string(),
                                     as_postgres_user_ ? findRunuser().string() : ""};
    try {
        watchdog_pid_ =
            spawn(args, {.cwd = "/", .output = {}, .stdin_fd = fds[0], .new_session = true});
    } catch (...) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw;
    }
    ::close(fds[0]);
    watchdog_fd_ = fds[1];
}

void PgTestServer::stop() {
    if (!running_) return;
    std::vector<std::string> argv;
    if (as_postgres_user_) argv = {findRunuser().string(), "-u", "postgres", "--"};
    argv.insert(argv.end(), {(options_.bin_dir / "pg_ctl").string(), "-D", data_dir_.string(), "-m",
                             "immediate", "-w", "stop"});
    waitFor(spawn(argv, {.cwd = root_->path(), .output = root_->path() / "pg_ctl.log"}));
    running_ = false;
}

std::string PgTestServer::urlFor(std::string_view database) const {
    return "postgresql://" + options_.user + "@127.0.0.1:" + std::to_string(port_) + "/" +
           std::string(database);
}

std::string PgTestServer::createDatabase(std::string_view name) {
    std::string admin = urlFor("postgres");
    PGconn* conn = PQconnectdb(admin.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot connect to the test server: " + message);
    }
    char* quoted = PQescapeIdentifier(conn, name.data(), name.size());
    std::string sql = "CREATE DATABASE " + std::string(quoted);
    PQfreemem(quoted);
    PGresult* result = PQexec(conn, sql.c_str());
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    std::string message = ok ? "" : PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    if (!ok) throw std::runtime_error(sql + ": " + message);
    return urlFor(name);
}

std::string PgTestServer::createDatabase() {
    static std::atomic<int> counter{0};
    return createDatabase("t_" + std::to_string(++counter));
}

PgTestServer& sharedPgServer() {
    static PgTestServer server;
    return server;
}

}  // namespace ccapi::test
