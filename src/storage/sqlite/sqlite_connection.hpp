// SqlConnection over one sqlite3 handle: WAL, busy timeout, foreign keys, cached statements.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"
#include "storage/sql/sql_connection.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ccapi::storage {

// Owned by a ConnectionPool; used by one thread at a time (the handle is opened NOMUTEX).
class SqliteConnection final : public SqlConnection {
public:
    // path ":memory:" opens a private in-memory database. Connections to one file share
    // `writer`: SQLite admits one writer at a time, and queueing on a mutex in-process is fairer
    // and far quicker than every loser sleeping in SQLite's busy handler. The busy timeout still
    // covers other processes using the same file.
    static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                          std::shared_ptr<std::mutex> writer);
    ~SqliteConnection() override;

    Dialect dialect() const override { return Dialect::kSqlite; }
    using SqlConnection::query;
    Result<SqlResult> query(std::string_view sql, std::span<const SqlParam> params) override;
    Result<void> exec(std::string_view sql) override;
    Result<void> begin() override;
    Result<void> commit() override;
    Result<void> rollback() override;
    bool recycle() override;

private:
    SqliteConnection(sqlite3* db, std::shared_ptr<std::mutex> writer)
        : db_(db), writer_(std::move(writer)) {}
    Result<sqlite3_stmt*> prepare(std::string_view sql);
    ErrorCode fail(int rc, std::string_view sql);
    void endTransaction();

    sqlite3* db_;
    std::shared_ptr<std::mutex> writer_;
    std::unique_lock<std::mutex> transaction_;  // held from begin() to commit()/rollback()
    // Keyed by the caller's SQL text; our statements are a fixed set of literals, so the cache is
    // bounded in practice and only cleared as a guard against ad-hoc SQL.
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace ccapi::storage
