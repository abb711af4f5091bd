#include "storage/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cstring>
#include <vector>

#include "core/logging.hpp"

namespace ccapi::storage {

namespace {

constexpr std::size_t kMaxCachedStatements = 256;

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The server's NOTICEs ("relation already exists, skipping") are expected noise for us; libpq
// would print them on stderr.
void ignoreNotice(void*, const char*) {}

bool succeeded(const PGresult* r) {
    if (r == nullptr) return false;
    auto status = PQresultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& url,
                                                         std::chrono::seconds connect_timeout) {
    // Keywords before "dbname" are defaults the URL may override (expand_dbname=1).
    std::string timeout = std::to_string(connect_timeout.count());
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {timeout.c_str(), "ccapi", url.c_str(), nullptr};
    pg_conn* conn = PQconnectdbParams(keys, values, 1);
    if (conn == nullptr) return StorageErrc::kUnavailable;
    if (PQstatus(conn) != CONNECTION_OK) {
        // The message names host and port, never the password.
        std::string message = PQerrorMessage(conn);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
        log::warn("postgresql connect failed", {{"error", message}});
        PQfinish(conn);
        return StorageErrc::kUnavailable;
    }
    PQsetNoticeProcessor(conn, ignoreNotice, nullptr);
    return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

namespace {

ErrorCode classify(pg_conn* conn, const PGresult* r, std::string_view sql) {
    if (PQstatus(conn) != CONNECTION_OK || r == nullptr) {
        log::warn("postgresql connection lost", {{"error", PQerrorMessage(conn)}});
        return StorageErrc::kUnavailable;
    }
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string_view sqlstate = state ? state : "";
    if (sqlstate == "23505") return StorageErrc::kConflict;  // unique_violation
    // Class 08: connection exception; 57P0x: the server is shutting down or restarting;
    // 53: out of resources (too many connections, disk full).
    if (sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate.starts_with("53")) {
        log::warn("postgresql unavailable",
                  {{"sqlstate", sqlstate}, {"error", PQresultErrorMessage(r)}});
        return StorageErrc::kUnavailable;
    }
    // The primary message only: DETAIL may quote the offending values.
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    log::warn(
        "postgresql statement failed",
        {{"sqlstate", sqlstate}, {"error", primary ? primary : ""}, {"sql", sql.substr(0, 200)}});
    return StorageErrc::kQueryFailed;
}

}  // namespace

Result<std::string> PgConnection::prepare(std::string_view sql, int params) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxCachedStatements) {
        PgResultPtr dropped(PQexec(conn_, "DEALLOCATE ALL"));
        if (!succeeded(dropped.get())) return classify(conn_, dropped.get(), "DEALLOCATE ALL");
        statements_.clear();
    }
    std::string name = "ccapi_" + std::to_string(next_statement_++);
    PgResultPtr r(PQprepare(conn_, name.c_str(), key.c_str(), params, nullptr));
    if (!succeeded(r.get())) return classify(conn_, r.get(), sql);
    statements_.emplace(std::move(key), name);
    return name;
}

Result<SqlResult> PgConnection::query(std::string_view sql, std::span<const SqlParam> params) {
    auto name = prepare(sql, static_cast<int>(params.size()));
    if (!name) return name.error();

    // Text format for every parameter: integers are rendered here, text is passed as is.
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
        const SqlParam& p = params[i];
        if (p.kind() == SqlParam::Kind::kNull) continue;
        storage[i] = p.kind() == SqlParam::Kind::kInteger ? std::to_string(p.integer())
                                                          : std::string(p.text());
        values[i] = storage[i].c_str();
        lengths[i] = static_cast<int>(storage[i].size());
    }
    PgResultPtr r(PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()),
                                 values.data(), lengths.data(), nullptr, 0));
    if (!succeeded(r.get())) return classify(conn_, r.get(), sql);

    SqlResult result;
    int rows = PQntuples(r.get());
    int columns = PQnfields(r.get());
    result.rows.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
        std::vector<SqlCell> cells;
        cells.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(r.get(), row, c)) {
                cells.emplace_back();
            } else {
                cells.emplace_back(
                    std::string(PQgetvalue(r.get(), row, c),
                                static_cast<std::size_t>(PQgetlength(r.get(), row, c))));
            }
        }
        result.rows.emplace_back(std::move(cells));
    }
    const char* tuples = PQcmdTuples(r.get());
    if (tuples && *tuples) result.affected = std::strtoll(tuples, nullptr, 10);
    return result;
}

Result<void> PgConnection::exec(std::string_view sql) {
    std::string text(sql);
    PgResultPtr r(PQexec(conn_, text.c_str()));
    if (!succeeded(r.get())) return classify(conn_, r.get(), sql);
    return {};
}

Result<void> PgConnection::begin() { return exec("BEGIN"); }

Result<void> PgConnection::commit() {
    PgResultPtr r(PQexec(conn_, "COMMIT"));
    if (!succeeded(r.get())) return classify(conn_, r.get(), "COMMIT");
    // COMMIT of a transaction that already failed succeeds as a ROLLBACK.
    if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) return StorageErrc::kQueryFailed;
    return {};
}

Result<void> PgConnection::rollback() {
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return {};
    return exec("ROLLBACK");
}

bool PgConnection::stillConnected() {
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    // An idle session is sent nothing (we LISTEN to nothing), except when the server ends it:
    // "FATAL: terminating connection ..." then EOF. So anything readable means it is going.
    pollfd socket{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
    return ::poll(&socket, 1, 0) == 0;
}

bool PgConnection::recycle() {
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    auto state = PQtransactionStatus(conn_);
    if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
        if (!exec("ROLLBACK")) return false;
        state = PQtransactionStatus(conn_);
    }
    return state == PQTRANS_IDLE;
}

}  // namespace ccapi::storage
