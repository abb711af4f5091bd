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
        if (auto dropped = deallocateAll(); !dropped) return dropped.error();
    }
    std::string name = "ccapi_" + std::to_string(next_statement_++);
    PgResultPtr r(PQprepare(conn_, name.c_str(), key.c_str(), params, nullptr));
    if (!succeeded(r.get())) return classify(conn_, r.get(), sql);
    statements_.emplace(std::move(key), name);
    return name;
}

namespace {

// Parameters in text format, as libpq sends them: integers rendered, text copied (libpq reads
// text parameters up to their NUL, not by length).
class TextParams {
public:
    explicit TextParams(std::span<const SqlParam> params)
        : storage_(params.size()), values_(params.size(), nullptr), lengths_(params.size(), 0) {
        for (std::size_t i = 0; i < params.size(); ++i) {
            const SqlParam& p = params[i];
            if (p.kind() == SqlParam::Kind::kNull) continue;
            storage_[i] = p.kind() == SqlParam::Kind::kInteger ? std::to_string(p.integer())
                                                               : std::string(p.text());
            values_[i] = storage_[i].c_str();
            lengths_[i] = static_cast<int>(storage_[i].size());
        }
    }

    int count() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }
    const int* lengths() const { return lengths_.data(); }

private:
    std::vector<std::string> storage_;
    std::vector<const char*> values_;
    std::vector<int> lengths_;
};

SqlResult readResult(PGresult* r) {
    SqlResult result;
    int rows = PQntuples(r);
    int columns = PQnfields(r);
    result.rows.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
        std::vector<SqlCell> cells;
        cells.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(r, row, c)) {
                cells.emplace_back();
            } else {
                cells.emplace_back(std::string(PQgetvalue(r, row, c),
                                               static_cast<std::size_t>(PQgetlength(r, row, c))));
            }
        }
        result.rows.emplace_back(std::move(cells));
    }
    const char* tuples = PQcmdTuples(r);
    if (tuples && *tuples) result.affected = std::strtoll(tuples, nullptr, 10);
    return result;
}

}  // namespace

Result<void> PgConnection::deallocateAll() {
    PgResultPtr dropped(PQexec(conn_, "DEALLOCATE ALL"));
    if (!succeeded(dropped.get())) return classify(conn_, dropped.get(), "DEALLOCATE ALL");
    statements_.clear();
    return {};
}

Result<SqlResult> PgConnection::query(std::string_view sql, std::span<const SqlParam> params) {
    auto name = prepare(sql, static_cast<int>(params.size()));
    if (!name) return name.error();
    TextParams text(params);
    PgResultPtr r(PQexecPrepared(conn_, name->c_str(), text.count(), text.values(), text.lengths(),
                                 nullptr, 0));
    if (!succeeded(r.get())) return classify(conn_, r.get(), sql);
    return readResult(r.get());
}

Result<std::vector<SqlResult>> PgConnection::queryTogether(std::span<const SqlStatement> statements,
                                                           Together together) {
    if (statements.size() < 2) return SqlConnection::queryTogether(statements, together);
    // Prepared first: PQprepare waits for its answer, which pipeline mode does not allow. Room is
    // made for all of them at once, so that no eviction drops one prepared a moment before.
    if (statements_.size() + statements.size() > kMaxCachedStatements) {
        if (auto dropped = deallocateAll(); !dropped) return dropped.error();
    }
    std::vector<std::string> names;
    names.reserve(statements.size());
    for (const SqlStatement& statement : statements) {
        auto name = prepare(statement.sql, static_cast<int>(statement.params.size()));
        if (!name) return name.error();
        names.push_back(std::move(*name));
    }

    if (PQenterPipelineMode(conn_) != 1) return classify(conn_, nullptr, "pipeline mode");
    // A sync point ends an implicit transaction and a run of statements skipped after a failure.
    // libpq flushes at each, so one at the end also means one write.
    const bool sync_each = together == Together::kEachOnItsOwn;
    std::size_t sent = 0;
    bool synced = true;
    for (; sent < statements.size() && synced; ++sent) {
        TextParams text(statements[sent].params);
        if (PQsendQueryPrepared(conn_, names[sent].c_str(), text.count(), text.values(),
                                text.lengths(), nullptr, 0) != 1) {
            break;
        }
        if (sync_each || sent + 1 == statements.size()) synced = PQpipelineSync(conn_) == 1;
    }
    if (sent < statements.size() || !synced) {
        // Sending fails only on a lost connection; the answers are not waited for.
        (void)PQexitPipelineMode(conn_);
        return classify(conn_, nullptr, statements[std::min(sent, statements.size() - 1)].sql);
    }

    std::vector<SqlResult> results;
    results.reserve(statements.size());
    std::optional<ErrorCode> failure;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        PgResultPtr r(PQgetResult(conn_));
        if (!r) {
            // Unanswered: PQexitPipelineMode fails below, and recycle() drops the connection.
            if (!failure) failure = classify(conn_, nullptr, statements[i].sql);
            break;
        }
        if (failure) {
            // Only the first failure is reported (and logged); the rest were skipped or are
            // ignored.
        } else if (!succeeded(r.get())) {
            failure = classify(conn_, r.get(), statements[i].sql);
        } else {
            results.push_back(readResult(r.get()));
        }
        // The end of this statement's answer, then its sync point if it has one.
        while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
        if (sync_each || i + 1 == statements.size()) {
            PgResultPtr sync(PQgetResult(conn_));
            if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
                if (!failure) failure = classify(conn_, sync.get(), "pipeline sync");
                break;
            }
        }
    }
    // Fails only with answers unread, after a broken read: recycle() then drops the connection.
    (void)PQexitPipelineMode(conn_);
    if (failure) return *failure;
    return results;
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
    if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) return false;
    auto state = PQtransactionStatus(conn_);
    if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
        if (!exec("ROLLBACK")) return false;
        state = PQtransactionStatus(conn_);
    }
    return state == PQTRANS_IDLE;
}

}  // namespace ccapi::storage
