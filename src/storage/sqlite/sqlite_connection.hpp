// SqlConnection over one sqlite3 handle: WAL, busy timeout, foreign keys, cached statements.
#pragma once

#include <memory>
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
    // path ":memory:" opens a private in-memory database.
    static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path);
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
    explicit SqliteConnection(sqlite3* db) : db_(db) {}
    Result<sqlite3_stmt*> prepare(std::string_view sql);
    ErrorCode fail(int rc, std::string_view sql);

    sqlite3* db_;
    // Keyed by the caller's SQL text; our statements are a fixed set of literals, so the cache is
    // bounded in practice and only cleared as a guard against ad-hoc SQL.
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace ccapi::storage
