// DATABASE_URL parsing: which backend a URL names, in the spellings the Python services accepted.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "storage/errors.hpp"

namespace ccapi::storage {

struct DatabaseTarget {
    enum class Kind { kSqliteFile, kSqliteMemory, kPostgres };
    Kind kind = Kind::kSqliteMemory;
    // kSqliteFile: the file path (relative to the working directory unless absolute);
    // kPostgres: a libpq connection URI.
    std::string location;
};

// postgresql://… | postgres://… | postgresql+<driver>://…  -> kPostgres
// sqlite:///relative/path | sqlite:////absolute/path | sqlite+<driver>:///…  -> kSqliteFile
// sqlite:// | sqlite:///:memory:  -> kSqliteMemory
// SQLAlchemy's "+driver" suffix and SQLite query options are accepted and ignored, so an old
// .env keeps working. Anything else is kBadUrl.
Result<DatabaseTarget> parseDatabaseUrl(std::string_view url);

// The URL with its password replaced by "***", for logs and error messages.
std::string redactDatabaseUrl(std::string_view url);

}  // namespace ccapi::storage
