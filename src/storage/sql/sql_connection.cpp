#include "storage/sql/sql_connection.hpp"

namespace ccapi::storage {

const SqlCell& SqlRow::cell(std::size_t i) const {
    static const SqlCell kNull;
    return i < cells_.size() ? cells_[i] : kNull;
}

Result<std::vector<SqlResult>> SqlConnection::queryTogether(
    std::span<const SqlStatement> statements, Together) {
    std::vector<SqlResult> results;
    results.reserve(statements.size());
    for (const SqlStatement& statement : statements) {
        auto result = query(statement.sql, statement.params);
        if (!result) return result.error();
        results.push_back(std::move(*result));
    }
    return results;
}

const SqlRow& SqlResult::first() const {
    static const SqlRow kEmpty;
    return rows.empty() ? kEmpty : rows.front();
}

std::int64_t SqlRow::integer(std::size_t i) const { return optInteger(i).value_or(0); }

std::optional<std::int64_t> SqlRow::optInteger(std::size_t i) const {
    if (isNull(i)) return std::nullopt;
    const std::string& s = *cells_[i];
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc()) return 0;
    return value;
}

bool SqlRow::boolean(std::size_t i) const {
    if (isNull(i)) return false;
    const std::string& s = *cells_[i];
    return s == "1" || s == "t" || s == "true" || s == "TRUE";
}

std::string translatePlaceholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    std::size_t i = 0;
    while (i < sql.size()) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            // Quoted literal or identifier; a doubled quote is an escaped quote and simply
            // re-enters the loop as the start of the next quoted run.
            std::size_t end = sql.find(c, i + 1);
            end = end == std::string_view::npos ? sql.size() : end + 1;
            out.append(sql.substr(i, end - i));
            i = end;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            std::size_t end = sql.find('\n', i);
            end = end == std::string_view::npos ? sql.size() : end;
            out.append(sql.substr(i, end - i));
            i = end;
        } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            out.push_back('?');
            ++i;
        } else {
            out.push_back(c);
            ++i;
        }
    }
    return out;
}

}  // namespace ccapi::storage
