// CallStore over SqlConnection: calls, event log, idempotency keys, outbox writes; both backends.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
//    of the log (eventsAfter, eventsWithCallsAfter, lastEventId) first ask for a horizon: one
//    statement that reads the highest id committed and takes the lock exclusively, releasing it
//    as it ends. Every id up to the horizon was drawn before that statement began, by a writer
//    already holding the shared lock, so once the lock is granted each of them has committed or
//    rolled back; the read that follows (a new snapshot) asks for ids up to the horizon only and
//    cannot miss one. Writers never wait for each other, and for a reader only while it waits
//    for the writers in flight: the lock is never held across the read itself. The event feed,
//    which reads after every commit, does not even wait for that: it reads without the lock
//    (readEventLog's kCommitted) and keeps only the events up to the first missing id, which
//    ids are drawn one after another make safe. Each exclusive request queued every new writer
//    behind it (a convoy of 1-2 ms waits per commit under load), so only a gap that does not
//    fill in (a rollback) sends the feed to the horizon.
//  - idempotency: a key row (user_id, key) is claimed with one upsert that only takes over a row
//    older than 24 h; whoever gets no row back lost a race, rolls back and reads the winner.
//
// create() is group-committed. A 201 promises the call is on disk, so every commit waits for a
// flush (an fsync of SQLite's WAL under synchronous=FULL, a WAL flush on PostgreSQL), and with a
// transaction per create, creation topped out at one create per flush (~240/s on a disk with
// 4.2 ms fsyncs). So concurrent creates queue, and one of them, the leader, writes what is queued
// (up to kMaxCreateBatch) in one transaction on one pooled connection, hands the lead to the
// oldest create still queued and commits. Nothing waits for company: a lone create leads at once
// and commits alone; batches form only from creates that arrive while another batch is being
// written or flushed. A create queued by createQueued() has no thread of its own: it is answered
// through its callback, and when the lead falls to it, the lead runs on a thread its runner
// gives. So the API's creates hold no pool thread while they wait, and a batch of N wakes one
// thread, not N (B2 in docs/BENCHMARKS.md: context switches and futex calls per create). Each
// create of a batch has its own savepoint, so a failing one (kConflict, a constraint) undoes only
// itself; a failed commit fails its whole batch. A create sees the rows of the creates before it in
// its batch, so idempotency keys behave as if they ran one by one.
class SqlCallStore final : public CallStore {
public:
    // Taken by every transaction that inserts events (shared) and every reader of the log
    // (exclusive); see above. Any constant works as long as every process writing the database
    // uses the same one.
    static constexpr std::int64_t kEventLogLockKey = 0x6363617069457674;  // "ccapiEvt"
    // At most this many creates share one transaction: enough for any realistic number of
    // concurrent callers, and it keeps PostgreSQL under its 64 cached subtransaction ids per
    // transaction (PGPROC_MAX_CACHED_SUBXIDS; each savepoint that writes takes one, and beyond
    // that every other session's snapshot checks fall back to pg_subtrans).
    static constexpr std::size_t kMaxCreateBatch = 64;
    // A group commit's update of its calls on PostgreSQL, over a JSON array of rows ($1) and
    // their ids ($2). The `= ANY($2)` is for the planner: it estimates any set-returning
    // function at 100 rows, which on a table of fewer than some 20,000 calls makes a hash join
    // over a scan of the whole table cheaper than 100 primary-key lookups, and the generic plan
    // keeps that choice as the table grows (7-8 ms an update in B3, where the table holds a few
    // thousand calls, against 1-2 ms now). An id list estimated at 10 makes it a primary-key
    // lookup at any size. Public for the test that checks that plan.
    static constexpr std::string_view kBulkUpdateCallsSql =
        "UPDATE calls AS c SET status = u.status, channel = u.channel, dialed_at = u.dialed_at,"
        " answered_at = u.answered_at, ended_at = u.ended_at, duration = u.duration,"
        " failure_reason = u.failure_reason, hangup_cause = u.hangup_cause,"
        " hangup_cause_txt = u.hangup_cause_txt, attempt_number = u.attempt_number,"
        " version = u.version, updated_at = u.updated_at"
        " FROM json_to_recordset($1::json) AS u(call_id uuid, status text, channel text,"
        " dialed_at bigint, answered_at bigint, ended_at bigint, duration integer,"
        " failure_reason text, hangup_cause integer, hangup_cause_txt text, attempt_number integer,"
        " version integer, updated_at bigint)"
        " WHERE c.call_id = u.call_id AND c.call_id = ANY ($2::uuid[])";

    // `clock` stamps webhook deliveries (created and due "now"); it outlives the store.
    SqlCallStore(ConnectionPool& pool, Dialect dialect, const Clock& clock);
    // Creates still queued at destruction (the process is stopping) are dropped unanswered.
    ~SqlCallStore() override;
    SqlCallStore(const SqlCallStore&) = delete;
    SqlCallStore& operator=(const SqlCallStore&) = delete;

    using CallStore::create;
    Result<CreateResult> create(const Call& call, const CallEvent& first,
                                const std::vector<std::string>& webhook_urls) override;
    void createQueued(NewCall create, CreateDone done, BlockingRunner run_lead) override;
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
    Result<EventLogPage> readEventLog(std::int64_t after, std::int64_t settled_through,
                                      std::size_t limit, LogRead how) override;

    // Creates queued and not yet taken into a leader's batch (tests use it to line a batch up).
    std::size_t queuedCreates() const;

private:
    struct PendingCreate;
    struct QueuedCreate;
    struct BulkRows;
    struct SettledRead {
        std::int64_t horizon;  // rows past it are still unsettled: drop them
        SqlResult rows;
    };

    // The leader's work: takes queued creates into `batch` (up to kMaxCreateBatch), writes them
    // in one transaction, hands the lead on and commits; one result per entry of `batch`.
    // noexcept: an exception escaping the leader would leave its followers waiting forever, so
    // it ends the process instead.
    std::vector<Result<CreateResult>> commitBatch(std::vector<PendingCreate*>& batch) noexcept;
    // Under queue_mutex_. Moves queued creates into `batch` while it has room; false: none.
    bool takeQueued(std::vector<PendingCreate*>& batch);
    // Under queue_mutex_. Names the oldest queued create the next leader (wakes its caller, or
    // has its runner start a lead), or leaves the lead free for the next create to arrive.
    void stepDown();
    // A lead with no caller of its own, on a runner's thread: commits a batch and answers it.
    void leadQueued() noexcept;
    // Hands each create of a committed batch its result: wakes waiting callers, calls the
    // callbacks of queued ones (outside the lock) and frees them.
    void answer(const std::vector<PendingCreate*>& batch,
                std::vector<Result<CreateResult>>& results);
    // One create of a batch; see the .cpp. Its own outcome, error included, goes to `out`; an
    // error returned means the transaction is lost and so is the batch.
    Result<void> createInBatch(SqlConnection& tx, const PendingCreate& create, bool& kept_any,
                               Result<CreateResult>& out);
    // The statements of one create (no transaction control). `lost_race`: another create holds
    // the idempotency key; undo and look again.
    Result<CreateResult> insertCreate(SqlConnection& tx, const PendingCreate& create,
                                      bool& lost_race);
    // BEGIN, and on PostgreSQL the event-log lock every transaction that inserts events holds
    // (see above).
    Result<void> beginEventWrite(SqlConnection& conn);
    // A call_id PostgreSQL would reject as a UUID cannot name a stored call.
    bool cannotExist(std::string_view call_id) const;
    Result<std::vector<std::int64_t>> applyRowByRow(SqlConnection& conn,
                                                    const std::vector<CallUpdate>& batch);
    static BulkRows bulkRows(const std::vector<CallUpdate>& batch);
    // PostgreSQL's apply: the batch as two statements over JSON arrays, sent with the BEGIN in
    // one round trip, then checked and committed.
    Result<std::vector<std::int64_t>> applyBulk(SqlConnection& conn,
                                                const std::vector<CallUpdate>& batch);
    // applyBulk's answers checked (every call updated, every event inserted) and its
    // deliveries queued; the event_ids assigned, in batch order.
    Result<std::vector<std::int64_t>> checkBulk(SqlConnection& tx,
                                                const std::vector<CallUpdate>& batch,
                                                const BulkRows& rows,
                                                const std::vector<SqlResult>& answers);
    // applyBulk's deliveries: one statement for every outbox entry of the batch; `ids` are the
    // event_ids assigned, in batch order.
    Result<void> enqueueBulk(SqlConnection& conn, const std::vector<CallUpdate>& batch,
                             const std::vector<std::int64_t>& ids);
    // Outside any transaction: the highest event_id that no event still in flight can precede
    // (see above); on SQLite, whose one writer makes ids visible in order, no bound at all.
    Result<std::int64_t> settledHorizon(SqlConnection& conn);
    // `sql` (a page after an event_id: `$1` after, `$2` limit) with the settled horizon to cut
    // it at, read in one round trip.
    Result<SettledRead> readSettled(SqlConnection& conn, std::string_view sql, std::int64_t after,
                                    std::size_t limit);

    ConnectionPool& pool_;
    Dialect dialect_;
    const Clock& clock_;

    // The create queue, oldest first. Entries of create() live on their callers' stacks, those
    // of createQueued() on the heap; only the leader removes them, and it answers each one
    // before that caller may return (or frees it).
    mutable std::mutex queue_mutex_;
    std::deque<PendingCreate*> queue_;
    bool leading_ = false;  // a leader is gathering or writing a batch, or has been named one
};

}  // namespace ccapi::storage
