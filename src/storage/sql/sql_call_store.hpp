// CallStore over SqlConnection: calls, event log, idempotency keys, outbox writes; both backends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "storage/sql/connection_pool.hpp"
#include "storage/stores.hpp"

namespace ccapi::storage {

// Thread-safe (each call borrows its own pooled connection). Owned by SqlDatabase; the pool
// outlives it. Blocking: reach it from I/O threads through ccapi::offload.
//
// The SQL is shared; the two backends differ where their strengths differ:
//  - apply() on SQLite runs cached single-row statements (in-process, a statement costs
//    microseconds); on PostgreSQL it sends the whole batch as two statements over a JSON
//    document, because there every statement is a network round trip. Webhook deliveries
//    (CallUpdate::outbox) go the same way: a cached insert per delivery on SQLite, one more
//    statement per batch on PostgreSQL, and nothing at all for a batch without any.
//  - event_id order. SQLite has one writer at a time, so ids become visible in id order. On
//    PostgreSQL an identity value is taken at insert time but becomes visible at commit, so a
//    reader could see id 11 committed while id 10 is still in flight and resume past it for good.
//    Every transaction that inserts events therefore holds a shared advisory lock, and readers
//    of the log (eventsAfter, eventsWithCallsAfter, lastEventId) take it exclusively: they wait
//    for the writers in flight to finish and then see every id allocated so far. Writers never
//    wait for each other.
//  - idempotency: a key row (user_id, key) is claimed with one upsert that only takes over a row
//    older than 24 h; whoever gets no row back lost a race, rolls back and reads the winner.
class SqlCallStore final : public CallStore {
public:
    // `clock` stamps webhook deliveries (created and due "now"); it outlives the store.
    SqlCallStore(ConnectionPool& pool, Dialect dialect, const Clock& clock);

    using CallStore::create;
    Result<CreateResult> create(const Call& call, const CallEvent& first,
                                const std::vector<std::string>& webhook_urls) override;
    Result<std::optional<Call>> get(std::string_view call_id) override;
    Result<CallPage> list(const CallFilter& filter) override;
    Result<std::vector<CallEvent>> events(std::string_view call_id) override;
    Result<std::vector<std::int64_t>> apply(const std::vector<CallUpdate>& batch) override;
    Result<std::vector<Call>> nonTerminal() override;
    Result<std::int64_t> purgeEndedBefore(UnixMicros cutoff) override;
    Result<std::vector<CallEvent>> eventsAfter(std::int64_t after_event_id,
                                               std::size_t limit) override;
    Result<std::int64_t> lastEventId() override;
    Result<std::vector<EventWithCall>> eventsWithCallsAfter(std::int64_t after_event_id,
                                                            std::size_t limit) override;
    Result<std::optional<EventWithCall>> eventWithCall(std::int64_t event_id) override;

private:
    // A call_id PostgreSQL would reject as a UUID cannot name a stored call.
    bool cannotExist(std::string_view call_id) const;
    Result<std::vector<std::int64_t>> applyRowByRow(SqlConnection& conn,
                                                    const std::vector<CallUpdate>& batch);
    Result<std::vector<std::int64_t>> applyBulk(SqlConnection& conn,
                                                const std::vector<CallUpdate>& batch);
    // applyBulk's deliveries: one statement for every outbox entry of the batch; `ids` are the
    // event_ids assigned, in batch order.
    Result<void> enqueueBulk(SqlConnection& conn, const std::vector<CallUpdate>& batch,
                             const std::vector<std::int64_t>& ids);
    // Inside a transaction, before its first event insert / before reading the log (see
    // above). No-ops on SQLite.
    Result<void> lockForEventWrite(SqlConnection& conn);
    Result<void> lockForEventRead(SqlConnection& conn);

    ConnectionPool& pool_;
    Dialect dialect_;
    const Clock& clock_;
};

}  // namespace ccapi::storage
