// Versioned schema migrations, one SQL script per dialect, recorded in schema_migrations.
#pragma once

#include <span>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/sql/sql_connection.hpp"

namespace ccapi::storage {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sqlite;
    std::string_view postgres;

    std::string_view sql(Dialect dialect) const {
        return dialect == Dialect::kSqlite ? sqlite : postgres;
    }
};

// In version order, starting at 1 with no gaps. Append only: a released migration never changes.
std::span<const Migration> migrations();
int latestSchemaVersion();

// 0 when schema_migrations does not exist (a database nobody migrated).
Result<int> readSchemaVersion(SqlConnection& conn);

// Applies every pending migration, each in its own transaction that also records it. Safe to run
// from several processes at once: PostgreSQL serializes them on an advisory lock, SQLite on its
// write lock, and each step re-reads the version under that lock. kSchemaTooNew when the
// database is ahead of this binary. Returns the version reached.
Result<int> applyMigrations(SqlConnection& conn, UnixMicros now);

}  // namespace ccapi::storage
