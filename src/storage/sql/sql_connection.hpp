// The small SQL driver interface the repositories are written against, once, for every backend.
//
// SQL is written with PostgreSQL's `$1, $2` placeholders; the SQLite driver translates them.
// Parameters are typed on the way in (SQLite binds them natively, libpq sends them as text) and
// every cell comes back as text or NULL, which both backends produce without loss for the types
// our schema uses (BIGINT, INTEGER, BOOLEAN, TEXT, UUID, JSON).
#pragma once

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "storage/errors.hpp"

namespace ccapi::storage {

enum class Dialect { kSqlite, kPostgres };

// One bound parameter. Views only: the referenced text must outlive the query() call, which it
// does for arguments written inline in the call.
class SqlParam {
public:
    enum class Kind { kNull, kInteger, kText };

    SqlParam(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
    SqlParam(std::nullopt_t) {}  // NOLINT(google-explicit-constructor)
    SqlParam(std::int64_t v) : kind_(Kind::kInteger), integer_(v) {}  // NOLINT
    SqlParam(int v) : kind_(Kind::kInteger), integer_(v) {}           // NOLINT
    // Booleans travel as 1/0: SQLite stores them so, PostgreSQL accepts '1'/'0' for BOOLEAN.
    SqlParam(bool v) : kind_(Kind::kInteger), integer_(v ? 1 : 0) {}  // NOLINT
    SqlParam(std::string_view v) : kind_(Kind::kText), text_(v) {}    // NOLINT
    SqlParam(const std::string& v) : kind_(Kind::kText), text_(v) {}  // NOLINT
    SqlParam(const char* v) : kind_(Kind::kText), text_(v) {}         // NOLINT
    template <class T>
    SqlParam(const std::optional<T>& v) {  // NOLINT(google-explicit-constructor)
        if (v) *this = SqlParam(*v);
    }

    Kind kind() const { return kind_; }
    std::int64_t integer() const { return integer_; }
    std::string_view text() const { return text_; }

private:
    Kind kind_ = Kind::kNull;
    std::int64_t integer_ = 0;
    std::string_view text_;
};

using SqlCell = std::optional<std::string>;

// One result row. Accessors are lenient on purpose: the cells come from our own schema, so a
// value that does not parse is a broken invariant, reported as 0/false rather than thrown.
class SqlRow {
public:
    SqlRow() = default;
    explicit SqlRow(std::vector<SqlCell> cells) : cells_(std::move(cells)) {}

    std::size_t size() const { return cells_.size(); }
    bool isNull(std::size_t i) const { return i >= cells_.size() || !cells_[i]; }
    const SqlCell& cell(std::size_t i) const;

    std::string text(std::size_t i) const { return isNull(i) ? std::string() : *cells_[i]; }
    std::optional<std::string> optText(std::size_t i) const {
        return isNull(i) ? SqlCell() : cells_[i];
    }
    std::int64_t integer(std::size_t i) const;
    std::optional<std::int64_t> optInteger(std::size_t i) const;
    // Accepts SQLite's 1/0 and PostgreSQL's t/f.
    bool boolean(std::size_t i) const;

private:
    std::vector<SqlCell> cells_;
};

struct SqlResult {
    std::vector<SqlRow> rows;
    std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

    bool empty() const { return rows.empty(); }
    // The first row, or an all-NULL one: for statements that always return a row (COUNT,
    // INSERT … RETURNING) without an exception path if one ever does not.
    const SqlRow& first() const;
};

// One statement of those sent together by SqlConnection::queryTogether().
struct SqlStatement {
    std::string_view sql;
    std::span<const SqlParam> params;
};

// One open connection. Not thread-safe: the pool hands it to one thread at a time.
class SqlConnection {
public:
    virtual ~SqlConnection() = default;

    virtual Dialect dialect() const = 0;
    // One statement with `$n` parameters; prepared once per connection and cached.
    virtual Result<SqlResult> query(std::string_view sql, std::span<const SqlParam> params) = 0;
    // The statements in order, each as query() would run it, but sent together: PostgreSQL gets
    // them in one write and answers them in one (pipeline mode), so the client waits once
    // instead of once per statement; SQLite, which has no round trips, runs them in turn. The
    // first failure is the result.
    //   kOneTransaction: outside a transaction PostgreSQL runs them as one implicit transaction
    //     (SQLite each on its own), and those after a failure do not run;
    //   kEachOnItsOwn: each ends as query()'s would (so a lock one takes is gone before the next
    //     runs), and on PostgreSQL those after a failure still run unless it aborted their
    //     transaction.
    // So send together only reads, or statements inside a transaction.
    enum class Together { kOneTransaction, kEachOnItsOwn };
    virtual Result<std::vector<SqlResult>> queryTogether(
        std::span<const SqlStatement> statements, Together together = Together::kOneTransaction);
    // One or more statements without parameters (migrations).
    virtual Result<void> exec(std::string_view sql) = 0;

    // Write transaction. SQLite takes the write lock up front (BEGIN IMMEDIATE) so that two
    // transactions never deadlock upgrading a read lock; PostgreSQL relies on row locks.
    virtual Result<void> begin() = 0;
    virtual Result<void> commit() = 0;
    virtual Result<void> rollback() = 0;

    // Whether the pool may hand the connection out again: the link is up and no transaction was
    // left open. May roll back a leftover transaction to make it so.
    virtual bool recycle() = 0;

    // Whether the link is still up, as far as can be told without a round trip: a server that
    // ended the session (restart, failover, pg_terminate_backend) has said so on the socket.
    // The pool asks before lending an idle connection, so such a loss costs no request.
    virtual bool stillConnected() { return true; }

    Result<SqlResult> query(std::string_view sql, std::initializer_list<SqlParam> params = {}) {
        return query(sql, std::span<const SqlParam>(params.begin(), params.size()));
    }
};

// Runs fn(conn) between begin(conn) (a Result<void>: BEGIN and whatever must come with it) and
// commit(); rolls back when fn returns an error. fn returns a Result<T>; the commit's own
// failure (e.g. a serialization failure) is the result then.
template <class Begin, class Fn>
auto inTransactionBegunBy(SqlConnection& conn, Begin&& begin, Fn&& fn) -> decltype(fn(conn)) {
    using R = decltype(fn(conn));
    if (auto begun = begin(conn); !begun) return R(boost::system::in_place_error, begun.error());
    auto result = fn(conn);
    if (!result) {
        (void)conn.rollback();
        return result;
    }
    if (auto committed = conn.commit(); !committed) {
        (void)conn.rollback();
        return R(boost::system::in_place_error, committed.error());
    }
    return result;
}

// inTransactionBegunBy with a plain BEGIN.
template <class Fn>
auto inTransaction(SqlConnection& conn, Fn&& fn) -> decltype(fn(conn)) {
    return inTransactionBegunBy(
        conn, [](SqlConnection& c) { return c.begin(); }, std::forward<Fn>(fn));
}

// "$1 ... $2" -> "?1 ... ?2", leaving quoted literals, identifiers and comments alone. SQLite
// would otherwise read `$1` as a *named* parameter numbered by first appearance.
std::string translatePlaceholders(std::string_view sql);

}  // namespace ccapi::storage
