#include "storage/sql/sql_database.hpp"

#include <filesystem>

#include "core/logging.hpp"
#include "storage/database_url.hpp"
#include "storage/migrations/migrations.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace ccapi::storage {

SqlDatabase::SqlDatabase(std::string backend, Dialect dialect, std::unique_ptr<ConnectionPool> pool,
                         std::shared_ptr<const Clock> clock)
    : backend_(std::move(backend)),
      dialect_(dialect),
      pool_(std::move(pool)),
      clock_(std::move(clock)),
      users_(*pool_, *clock_),
      tokens_(*pool_, dialect, *clock_),
      calls_(*pool_, dialect, *clock_),
      webhooks_(*pool_, dialect) {}

Result<void> SqlDatabase::ping() {
    auto conn = pool_->acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query("SELECT 1");
    if (!result) return result.error();
    return {};
}

Result<int> SqlDatabase::schemaVersion() {
    auto conn = pool_->acquire();
    if (!conn) return conn.error();
    return readSchemaVersion(**conn);
}

int SqlDatabase::latestSchemaVersion() const { return storage::latestSchemaVersion(); }

Result<int> SqlDatabase::migrate() {
    auto conn = pool_->acquire();
    if (!conn) return conn.error();
    return applyMigrations(**conn, clock_->now());
}

Result<void> checkSchema(Database& db) {
    auto version = db.schemaVersion();
    if (!version) return version.error();
    if (*version < db.latestSchemaVersion()) return StorageErrc::kNotMigrated;
    if (*version > db.latestSchemaVersion()) return StorageErrc::kSchemaTooNew;
    return {};
}

namespace {

// The one connection of an in-memory database: handed out once, since a second sqlite3_open of
// ":memory:" would be a different, empty database.
ConnectionPool::Factory onceFactory(std::unique_ptr<SqlConnection> conn) {
    auto slot = std::make_shared<std::unique_ptr<SqlConnection>>(std::move(conn));
    return [slot]() -> Result<std::unique_ptr<SqlConnection>> {
        if (!*slot) return StorageErrc::kUnavailable;
        return std::move(*slot);
    };
}

}  // namespace

Result<std::unique_ptr<Database>> openDatabase(const DatabaseOptions& options) {
    std::shared_ptr<const Clock> clock = options.clock;
    if (!clock) clock = std::make_shared<SystemClock>();
    std::size_t pool_size = options.pool_size > 0 ? static_cast<std::size_t>(options.pool_size) : 1;
    std::chrono::milliseconds pool_wait = options.pool_wait;

    DatabaseTarget target;
    if (options.in_memory) {
        target.kind = DatabaseTarget::Kind::kSqliteMemory;
    } else {
        auto parsed = parseDatabaseUrl(options.url);
        if (!parsed) {
            log::error("DATABASE_URL not understood", {{"url", redactDatabaseUrl(options.url)}});
            return parsed.error();
        }
        target = std::move(*parsed);
    }

    std::unique_ptr<ConnectionPool> pool;
    std::string backend;
    Dialect dialect = Dialect::kSqlite;
    switch (target.kind) {
        case DatabaseTarget::Kind::kSqliteMemory: {
            auto conn = SqliteConnection::open(":memory:", nullptr);
            if (!conn) return conn.error();
            pool = std::make_unique<ConnectionPool>(onceFactory(std::move(*conn)), 1, pool_wait);
            backend = "memory";
            break;
        }
        case DatabaseTarget::Kind::kSqliteFile: {
            std::filesystem::path path(target.location);
            if (path.has_parent_path()) {
                std::error_code ec;
                std::filesystem::create_directories(path.parent_path(), ec);
                if (ec) {
                    log::error("cannot create database directory",
                               {{"path", path.parent_path().string()}, {"error", ec.message()}});
                    return StorageErrc::kUnavailable;
                }
            }
            auto factory = [location = target.location, writer = std::make_shared<std::mutex>()]()
                -> Result<std::unique_ptr<SqlConnection>> {
                auto conn = SqliteConnection::open(location, writer);
                if (!conn) return conn.error();
                return std::unique_ptr<SqlConnection>(std::move(*conn));
            };
            pool = std::make_unique<ConnectionPool>(std::move(factory), pool_size, pool_wait);
            backend = "sqlite";
            break;
        }
        case DatabaseTarget::Kind::kPostgres: {
            auto factory =
                [url = target.location,
                 timeout = options.connect_timeout]() -> Result<std::unique_ptr<SqlConnection>> {
                auto conn = PgConnection::open(url, timeout);
                if (!conn) return conn.error();
                return std::unique_ptr<SqlConnection>(std::move(*conn));
            };
            pool = std::make_unique<ConnectionPool>(std::move(factory), pool_size, pool_wait);
            backend = "postgresql";
            dialect = Dialect::kPostgres;
            break;
        }
    }
    // Fail now, with one clear error, rather than on the first request.
    if (auto warm = pool->warmUp(); !warm) return warm.error();
    return std::unique_ptr<Database>(
        new SqlDatabase(std::move(backend), dialect, std::move(pool), std::move(clock)));
}

}  // namespace ccapi::storage
