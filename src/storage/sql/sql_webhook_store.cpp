#include "storage/sql/sql_webhook_store.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/ids.hpp"

namespace ccapi::storage {

namespace {

// The order readDelivery() reads them in, qualified for the queries that alias the table.
constexpr std::string_view kDeliveryColumns =
    "d.delivery_id, d.call_id, d.event_id, d.url, d.state, d.attempts, d.next_attempt_at,"
    " d.created_at, d.delivered_at, d.last_status_code, d.last_error, d.payload";

constexpr std::string_view kAttemptColumns =
    "a.delivery_id, a.attempt, a.at, a.status_code, a.error, a.duration_ms, a.next_retry_at";

std::optional<int> optInt(const SqlRow& row, std::size_t i) {
    auto v = row.optInteger(i);
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
}

WebhookDelivery readDelivery(const SqlRow& row) {
    WebhookDelivery d;
    d.delivery_id = row.integer(0);
    d.call_id = row.text(1);
    d.event_id = row.integer(2);
    d.url = row.text(3);
    d.state = parseDeliveryState(row.text(4)).value_or(DeliveryState::kDead);
    d.attempts = static_cast<int>(row.integer(5));
    d.next_attempt_at = row.optInteger(6);
    d.created_at = row.integer(7);
    d.delivered_at = row.optInteger(8);
    d.last_status_code = optInt(row, 9);
    d.last_error = row.optText(10);
    d.payload = row.optText(11);
    return d;
}

WebhookAttempt readAttempt(const SqlRow& row) {
    WebhookAttempt a;
    a.delivery_id = row.integer(0);
    a.attempt = static_cast<int>(row.integer(1));
    a.at = row.integer(2);
    a.status_code = optInt(row, 3);
    a.error = row.optText(4);
    a.duration_ms = row.integer(5);
    a.next_retry_at = row.optInteger(6);
    return a;
}

Result<std::vector<WebhookDelivery>> readDeliveries(Result<SqlResult> result) {
    if (!result) return result.error();
    std::vector<WebhookDelivery> out;
    out.reserve(result->rows.size());
    for (const auto& row : result->rows) out.push_back(readDelivery(row));
    return out;
}

// The head-of-line rule: no pending delivery of the same call to the same URL comes before `d`.
// Answered from webhook_deliveries_call_idx: a call's few deliveries below d.delivery_id.
constexpr std::string_view kHeadsItsQueue =
    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p"
    " WHERE p.call_id = d.call_id AND p.delivery_id < d.delivery_id"
    " AND p.url = d.url AND p.state = 'pending')";

// state = 'pending' spelled literally: it is what lets both planners use the partial index,
// whose order is the ORDER BY, so the scan stops after `limit` heads.
const std::string kDueSql = "SELECT " + std::string(kDeliveryColumns) +
                            " FROM webhook_deliveries d"
                            " WHERE d.state = 'pending' AND d.next_attempt_at <= $1" +
                            std::string(kHeadsItsQueue) +
                            " ORDER BY d.next_attempt_at, d.delivery_id LIMIT $2";

const std::string kNextDueSql =
    "SELECT d.next_attempt_at FROM webhook_deliveries d"
    " WHERE d.state = 'pending' AND d.next_attempt_at IS NOT NULL" +
    std::string(kHeadsItsQueue) + " ORDER BY d.next_attempt_at, d.delivery_id LIMIT 1";

constexpr std::string_view kSetPayloadSql =
    "UPDATE webhook_deliveries SET payload = $2 WHERE delivery_id = $1";

// $7 is the delivery time when delivered, else NULL (an earlier one is kept). No casts: SQLite
// runs it too, and PostgreSQL types every parameter from its column.
constexpr std::string_view kSettleSql =
    "UPDATE webhook_deliveries SET state = $2, attempts = $3, next_attempt_at = $4,"
    " last_status_code = $5, last_error = $6, delivered_at = COALESCE($7, delivered_at)"
    " WHERE delivery_id = $1";

constexpr std::string_view kInsertAttemptSql =
    "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms,"
    " next_retry_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

// Both in one statement: the attempt is inserted only for the delivery the update found, so no
// delivery means no row and affected = 0.
const std::string kPgRecordAttemptSql =
    "WITH d AS (" + std::string(kSettleSql) +
    " RETURNING delivery_id)"
    " INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms,"
    " next_retry_at)"
    " SELECT d.delivery_id, $3, $8::bigint, $5, $6, $9::bigint, $10::bigint FROM d";

const std::string kForCallSql = "SELECT " + std::string(kDeliveryColumns) +
                                " FROM webhook_deliveries d WHERE d.call_id = $1"
                                " ORDER BY d.delivery_id";

const std::string kAttemptsForCallSql = "SELECT " + std::string(kAttemptColumns) +
                                        " FROM webhook_attempts a JOIN webhook_deliveries d"
                                        " ON d.delivery_id = a.delivery_id WHERE d.call_id = $1"
                                        " ORDER BY a.delivery_id, a.attempt";

constexpr std::string_view kPendingCountSql =
    "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'";

}  // namespace

SqlWebhookStore::SqlWebhookStore(ConnectionPool& pool, Dialect dialect)
    : pool_(pool), dialect_(dialect) {}

Result<std::vector<WebhookDelivery>> SqlWebhookStore::due(UnixMicros now, std::size_t limit) {
    if (limit == 0) return std::vector<WebhookDelivery>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    const auto bounded = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT32_MAX));
    return readDeliveries((*conn)->query(kDueSql, {now, bounded}));
}

Result<std::optional<UnixMicros>> SqlWebhookStore::nextDue() {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query(kNextDueSql);
    if (!result) return result.error();
    if (result->empty()) return std::optional<UnixMicros>();
    return result->rows.front().optInteger(0);
}

Result<bool> SqlWebhookStore::setPayload(std::int64_t delivery_id, std::string_view payload) {
    auto conn = pool_.acquire();
    if (!conn) return {boost::system::in_place_error, conn.error()};
    auto updated = (*conn)->query(kSetPayloadSql, {delivery_id, payload});
    if (!updated) return {boost::system::in_place_error, updated.error()};
    return updated->affected > 0;
}

Result<bool> SqlWebhookStore::recordAttempt(const WebhookAttempt& attempt, DeliveryState state) {
    const bool pending = state == DeliveryState::kPending;
    // A pending delivery must stay in the queue: without a retry time it is due at once rather
    // than never (NULL is never <= now).
    const std::optional<UnixMicros> next_attempt_at =
        pending ? std::optional<UnixMicros>(attempt.next_retry_at.value_or(attempt.at))
                : std::nullopt;
    const std::optional<UnixMicros> delivered_at =
        state == DeliveryState::kDelivered ? std::optional<UnixMicros>(attempt.at) : std::nullopt;
    const std::string_view state_name = toString(state);

    auto conn = pool_.acquire();
    if (!conn) return {boost::system::in_place_error, conn.error()};
    if (dialect_ == Dialect::kPostgres) {
        auto recorded = (*conn)->query(
            kPgRecordAttemptSql,
            {attempt.delivery_id, state_name, attempt.attempt, next_attempt_at, attempt.status_code,
             attempt.error, delivered_at, attempt.at, attempt.duration_ms, attempt.next_retry_at});
        if (!recorded) return {boost::system::in_place_error, recorded.error()};
        return recorded->affected > 0;
    }
    return inTransaction(**conn, [&](SqlConnection& tx) -> Result<bool> {
        auto settled =
            tx.query(kSettleSql, {attempt.delivery_id, state_name, attempt.attempt, next_attempt_at,
                                  attempt.status_code, attempt.error, delivered_at});
        if (!settled) return {boost::system::in_place_error, settled.error()};
        if (settled->affected == 0) return false;
        auto logged = tx.query(kInsertAttemptSql, {attempt.delivery_id, attempt.attempt, attempt.at,
                                                   attempt.status_code, attempt.error,
                                                   attempt.duration_ms, attempt.next_retry_at});
        if (!logged) return {boost::system::in_place_error, logged.error()};
        return true;
    });
}

Result<std::vector<WebhookDelivery>> SqlWebhookStore::forCall(std::string_view call_id) {
    // PostgreSQL would reject a call_id that is not a UUID; no stored call has one.
    if (dialect_ == Dialect::kPostgres && !isUuid(call_id)) return std::vector<WebhookDelivery>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return readDeliveries((*conn)->query(kForCallSql, {call_id}));
}

Result<std::vector<WebhookAttempt>> SqlWebhookStore::attemptsForCall(std::string_view call_id) {
    if (dialect_ == Dialect::kPostgres && !isUuid(call_id)) return std::vector<WebhookAttempt>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query(kAttemptsForCallSql, {call_id});
    if (!result) return result.error();
    std::vector<WebhookAttempt> out;
    out.reserve(result->rows.size());
    for (const auto& row : result->rows) out.push_back(readAttempt(row));
    return out;
}

Result<std::int64_t> SqlWebhookStore::pendingCount() {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto count = (*conn)->query(kPendingCountSql);
    if (!count) return count.error();
    return count->first().integer(0);
}

}  // namespace ccapi::storage
