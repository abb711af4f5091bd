#include "storage/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include "core/logging.hpp"

namespace ccapi::storage {

namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kMaxCachedStatements = 256;

StorageErrc classify(int rc) {
    switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return StorageErrc::kConflict;
        default:
            break;
    }
    switch (rc & 0xff) {
        // The file is locked past the busy timeout, unreadable or the disk is gone: the store,
        // not the request, is the problem.
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_READONLY:
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
            return StorageErrc::kUnavailable;
        default:
            return StorageErrc::kQueryFailed;
    }
}

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(
    const std::string& path, std::shared_ptr<std::mutex> writer) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        log::error("sqlite open failed", {{"path", path}, {"error", db ? sqlite3_errmsg(db) : ""}});
        sqlite3_close_v2(db);
        return StorageErrc::kUnavailable;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db, std::move(writer)));
    // WAL lets readers run beside the one writer; synchronous=FULL because a 201 promises the
    // call survives a power cut, not only a process crash. In-memory databases ignore both.
    auto setup =
        conn->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    if (!setup) return setup.error();
    return conn;
}

SqliteConnection::~SqliteConnection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
}

ErrorCode SqliteConnection::fail(int rc, std::string_view sql) {
    StorageErrc errc = classify(rc);
    // Values are never logged (they may be password hashes or tokens); the statement text is.
    if (errc != StorageErrc::kConflict) {
        log::warn("sqlite statement failed",
                  {{"error", sqlite3_errmsg(db_)}, {"code", rc}, {"sql", sql.substr(0, 200)}});
    }
    return errc;
}

Result<sqlite3_stmt*> SqliteConnection::prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxCachedStatements) {
        for (auto& [text, stmt] : statements_) sqlite3_finalize(stmt);
        statements_.clear();
    }
    std::string translated = translatePlaceholders(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, translated.c_str(), static_cast<int>(translated.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return fail(rc, sql);
    statements_.emplace(std::move(key), stmt);
    return stmt;
}

Result<SqlResult> SqliteConnection::query(std::string_view sql, std::span<const SqlParam> params) {
    auto prepared = prepare(sql);
    if (!prepared) return prepared.error();
    sqlite3_stmt* stmt = *prepared;

    // Reset on every exit so the statement releases its read snapshot and the bound views.
    struct Reset {
        sqlite3_stmt* stmt;
        ~Reset() {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
        }
    } reset{stmt};

    // A write outside a transaction takes the writer lock for its own duration.
    std::unique_lock<std::mutex> write;
    if (writer_ && !transaction_.owns_lock() && !sqlite3_stmt_readonly(stmt)) {
        write = std::unique_lock(*writer_);
    }

    for (std::size_t i = 0; i < params.size(); ++i) {
        const SqlParam& p = params[i];
        int index = static_cast<int>(i + 1);
        int rc = SQLITE_OK;
        switch (p.kind()) {
            case SqlParam::Kind::kNull:
                rc = sqlite3_bind_null(stmt, index);
                break;
            case SqlParam::Kind::kInteger:
                rc = sqlite3_bind_int64(stmt, index, p.integer());
                break;
            case SqlParam::Kind::kText:
                // STATIC is safe: bindings are cleared before query() returns.
                rc = sqlite3_bind_text(stmt, index, p.text().data(),
                                       static_cast<int>(p.text().size()), SQLITE_STATIC);
                break;
        }
        if (rc != SQLITE_OK) return fail(rc, sql);
    }

    SqlResult result;
    int columns = sqlite3_column_count(stmt);
    for (;;) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return fail(rc, sql);
        std::vector<SqlCell> cells;
        cells.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
                cells.emplace_back();
            } else {
                auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
                cells.emplace_back(
                    std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
            }
        }
        result.rows.emplace_back(std::move(cells));
    }
    if (!sqlite3_stmt_readonly(stmt)) result.affected = sqlite3_changes64(db_);
    return result;
}

Result<void> SqliteConnection::exec(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) return fail(rc, sql);
    return {};
}

Result<void> SqliteConnection::begin() {
    if (writer_) transaction_ = std::unique_lock(*writer_);
    auto begun = exec("BEGIN IMMEDIATE");
    if (!begun) endTransaction();
    return begun;
}

Result<void> SqliteConnection::commit() {
    auto committed = exec("COMMIT");
    // A failed COMMIT may leave the transaction open; the caller's rollback() then ends it.
    if (sqlite3_get_autocommit(db_)) endTransaction();
    return committed;
}

Result<void> SqliteConnection::rollback() {
    Result<void> result;
    if (!sqlite3_get_autocommit(db_)) result = exec("ROLLBACK");
    endTransaction();
    return result;
}

void SqliteConnection::endTransaction() {
    if (transaction_.owns_lock()) transaction_.unlock();
}

bool SqliteConnection::recycle() {
    // Always reusable: an in-memory database lives only as long as its one connection.
    (void)rollback();
    return true;
}

}  // namespace ccapi::storage
