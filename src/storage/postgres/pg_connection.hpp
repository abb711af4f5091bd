// SqlConnection over one libpq connection: text-format parameters, per-connection prepared
// statements, SQLSTATE mapped to StorageErrc.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "storage/sql/sql_connection.hpp"

struct pg_conn;

namespace ccapi::storage {

// Owned by a ConnectionPool; used by one thread at a time. Blocking libpq calls throughout.
class PgConnection final : public SqlConnection {
public:
    // url: postgresql://…; connect_timeout applies unless the URL names its own.
    static Result<std::unique_ptr<PgConnection>> open(const std::string& url,
                                                      std::chrono::seconds connect_timeout);
    ~PgConnection() override;

    Dialect dialect() const override { return Dialect::kPostgres; }
    using SqlConnection::query;
    Result<SqlResult> query(std::string_view sql, std::span<const SqlParam> params) override;
    Result<std::vector<SqlResult>> queryTogether(std::span<const SqlStatement> statements,
                                                 Together together) override;
    Result<void> exec(std::string_view sql) override;
    Result<void> begin() override;
    Result<void> commit() override;
    Result<void> rollback() override;
    bool recycle() override;
    bool stillConnected() override;

private:
    explicit PgConnection(pg_conn* conn) : conn_(conn) {}
    Result<std::string> prepare(std::string_view sql, int params);
    Result<void> deallocateAll();

    pg_conn* conn_;
    std::unordered_map<std::string, std::string> statements_;  // SQL -> prepared name
    int next_statement_ = 0;
};

}  // namespace ccapi::storage
