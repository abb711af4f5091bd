#include "storage/database_url.hpp"

#include <algorithm>
#include <cctype>

namespace ccapi::storage {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

Result<DatabaseTarget> parseDatabaseUrl(std::string_view url) {
    auto sep = url.find("://");
    if (sep == std::string_view::npos || sep == 0) return StorageErrc::kBadUrl;
    std::string scheme = lower(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);
    std::string base = scheme.substr(0, scheme.find('+'));

    if (base == "postgresql" || base == "postgres") {
        if (rest.find_first_of(" \t\r\n") != std::string_view::npos) return StorageErrc::kBadUrl;
        return DatabaseTarget{DatabaseTarget::Kind::kPostgres, "postgresql://" + std::string(rest)};
    }
    if (base == "sqlite") {
        // SQLAlchemy: everything after the third slash is the path, query options are dropped.
        rest = rest.substr(0, rest.find('?'));
        if (rest.empty()) return DatabaseTarget{DatabaseTarget::Kind::kSqliteMemory, ":memory:"};
        if (rest.front() != '/') return StorageErrc::kBadUrl;  // sqlite://host/… has no meaning
        std::string_view path = rest.substr(1);
        if (path.empty() || path == ":memory:") {
            return DatabaseTarget{DatabaseTarget::Kind::kSqliteMemory, ":memory:"};
        }
        return DatabaseTarget{DatabaseTarget::Kind::kSqliteFile, std::string(path)};
    }
    return StorageErrc::kBadUrl;
}

std::string redactDatabaseUrl(std::string_view url) {
    auto sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    auto authority_end = url.find_first_of("/?", sep + 3);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    auto at = url.rfind('@', authority_end);
    if (at == std::string_view::npos || at < sep + 3) return std::string(url);
    auto colon = url.find(':', sep + 3);
    if (colon == std::string_view::npos || colon > at) return std::string(url);
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace ccapi::storage
