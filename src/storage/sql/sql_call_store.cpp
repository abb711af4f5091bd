#include "storage/sql/sql_call_store.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>
#include <memory>
#include <span>
#include <unordered_map>

#include "core/ids.hpp"
#include "core/logging.hpp"

namespace ccapi::storage {

namespace {

namespace json = boost::json;

constexpr UnixMicros kIdempotencyWindow = 24LL * 3600 * 1'000'000;
// A create that loses an idempotency race retries once to read the winner; more attempts only
// matter if the winner itself rolls back.
constexpr int kCreateAttempts = 3;
constexpr int kMaxPageSize = 500;

// A create of a batch marks where it begins with a savepoint. They are never released: COMMIT
// keeps everything below them anyway, and a RELEASE per create would be one more round trip on
// PostgreSQL. ROLLBACK TO leaves the savepoint in place, so a retry can return to it again.
constexpr std::string_view kSavepointSql = "SAVEPOINT one_create";
constexpr std::string_view kRollbackToSavepointSql = "ROLLBACK TO SAVEPOINT one_create";

// The order readCall() reads them in.
// clang-format off
constexpr std::string_view kCallColumnNames[] = {
    "call_id", "user_id", "phone_number", "status", "context", "extension", "priority",
    "timeout_ms", "caller_id", "variables", "channel", "created_at", "dialed_at", "answered_at",
    "ended_at", "duration", "failure_reason", "hangup_cause", "hangup_cause_txt",
    "attempt_number", "version", "status_callback", "status_callback_events", "idempotency_key",
    "request_hash", "updated_at"};
// clang-format on
constexpr std::size_t kCallColumnCount = std::size(kCallColumnNames);

// The order readEvent() reads them in.
constexpr std::string_view kEventColumnNames[] = {"event_id",        "call_id", "seq",    "status",
                                                  "previous_status", "at",      "source", "detail"};

constexpr std::string_view kNonTerminal = "('pending', 'dialing', 'ringing', 'answered')";
constexpr std::string_view kTerminal = "('completed', 'busy', 'no_answer', 'failed', 'canceled')";

std::string columnList(std::span<const std::string_view> names, std::string_view prefix) {
    std::string out;
    for (std::string_view name : names) {
        if (!out.empty()) out += ", ";
        out += prefix;
        out += name;
    }
    return out;
}

// "c.call_id, c.user_id, …" in the order readCall() expects.
std::string callColumns(std::string_view prefix = "") {
    return columnList(kCallColumnNames, prefix);
}

// "e.event_id, e.call_id, …" in the order readEvent() expects.
std::string eventColumns(std::string_view prefix = "") {
    return columnList(kEventColumnNames, prefix);
}

std::string variablesJson(const std::map<std::string, std::string>& variables) {
    json::object object;
    for (const auto& [key, value] : variables) object[key] = value;
    return json::serialize(object);
}

std::optional<std::string> callbackEventsJson(
    const std::optional<std::vector<std::string>>& events) {
    if (!events) return std::nullopt;
    json::array array;
    for (const auto& e : *events) array.emplace_back(e);
    return json::serialize(array);
}

// Lenient like SqlRow: the text is our own, written by variablesJson().
std::map<std::string, std::string> parseVariables(const std::string& text) {
    std::map<std::string, std::string> variables;
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return variables;
    for (const auto& [key, v] : value.as_object()) {
        variables.emplace(std::string(key),
                          v.is_string() ? std::string(v.as_string()) : json::serialize(v));
    }
    return variables;
}

std::optional<std::vector<std::string>> parseCallbackEvents(const SqlCell& cell) {
    if (!cell) return std::nullopt;
    std::vector<std::string> events;
    boost::system::error_code ec;
    json::value value = json::parse(*cell, ec);
    if (ec || !value.is_array()) return events;
    for (const auto& v : value.as_array()) {
        if (v.is_string()) events.emplace_back(v.as_string());
    }
    return events;
}

std::optional<int> optInt(const SqlRow& row, std::size_t i) {
    auto v = row.optInteger(i);
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
}

Call readCall(const SqlRow& row) {
    Call call;
    call.call_id = row.text(0);
    call.user_id = row.integer(1);
    call.phone_number = row.text(2);
    call.status = parseCallStatus(row.text(3)).value_or(CallStatus::kFailed);
    call.context = row.text(4);
    call.extension = row.text(5);
    call.priority = static_cast<int>(row.integer(6));
    call.timeout_ms = static_cast<int>(row.integer(7));
    call.caller_id = row.text(8);
    call.variables = parseVariables(row.text(9));
    call.channel = row.optText(10);
    call.created_at = row.integer(11);
    call.dialed_at = row.optInteger(12);
    call.answered_at = row.optInteger(13);
    call.ended_at = row.optInteger(14);
    call.duration = row.optInteger(15);
    call.failure_reason = row.optText(16);
    call.hangup_cause = optInt(row, 17);
    call.hangup_cause_txt = row.optText(18);
    call.attempt_number = static_cast<int>(row.integer(19));
    call.version = row.integer(20);
    call.status_callback = row.optText(21);
    call.status_callback_events = parseCallbackEvents(row.cell(22));
    call.idempotency_key = row.optText(23);
    call.request_hash = row.text(24);
    call.updated_at = row.integer(25);
    return call;
}

// `at`: the index of its first column (after the call's, in a joined row).
CallEvent readEvent(const SqlRow& row, std::size_t at = 0) {
    CallEvent event;
    event.event_id = row.integer(at + 0);
    event.call_id = row.text(at + 1);
    event.seq = row.integer(at + 2);
    event.status = parseCallStatus(row.text(at + 3)).value_or(CallStatus::kFailed);
    if (auto previous = row.optText(at + 4)) event.previous_status = parseCallStatus(*previous);
    event.at = row.integer(at + 5);
    event.source = parseEventSource(row.text(at + 6)).value_or(EventSource::kApi);
    event.detail = row.text(at + 7);
    return event;
}

// A row of callColumns() followed by eventColumns().
EventWithCall readEventWithCall(const SqlRow& row) {
    return {readEvent(row, kCallColumnCount), readCall(row)};
}

Result<std::vector<Call>> readCalls(Result<SqlResult> result) {
    if (!result) return result.error();
    std::vector<Call> calls;
    calls.reserve(result->rows.size());
    for (const auto& row : result->rows) calls.push_back(readCall(row));
    return calls;
}

Result<std::vector<CallEvent>> readEvents(Result<SqlResult> result) {
    if (!result) return result.error();
    std::vector<CallEvent> events;
    events.reserve(result->rows.size());
    for (const auto& row : result->rows) events.push_back(readEvent(row));
    return events;
}

Result<std::vector<EventWithCall>> readEventsWithCalls(Result<SqlResult> result) {
    if (!result) return result.error();
    std::vector<EventWithCall> out;
    out.reserve(result->rows.size());
    for (const auto& row : result->rows) out.push_back(readEventWithCall(row));
    return out;
}

// An outbox entry must name one of its update's events; anything else is a caller bug, and the
// batch fails rather than commit events without the deliveries promised for them.
bool validOutbox(const CallUpdate& update) {
    for (const OutboxEntry& entry : update.outbox) {
        if (entry.event_index >= update.events.size()) {
            log::warn("outbox entry names no event of its update",
                      {{"call_id", update.call.call_id},
                       {"event_index", static_cast<std::int64_t>(entry.event_index)}});
            return false;
        }
    }
    return true;
}

SqlParam statusParam(const std::optional<CallStatus>& status) {
    if (!status) return nullptr;
    return toString(*status);
}

// PostgreSQL prints a UUID as 36 lowercase characters; compare batch ids in that spelling.
std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

json::value optJson(const std::optional<std::int64_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}
json::value optJson(const std::optional<int>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}
json::value optJson(const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

const std::string kInsertCallSql = [] {
    std::string placeholders;
    for (std::size_t i = 1; i <= kCallColumnCount; ++i) {
        if (i > 1) placeholders += ", ";
        placeholders += "$" + std::to_string(i);
    }
    return "INSERT INTO calls (" + callColumns() + ") VALUES (" + placeholders + ")";
}();

constexpr std::string_view kInsertEventSql =
    "INSERT INTO call_events (call_id, seq, status, previous_status, at, source, detail)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING event_id";

constexpr std::string_view kUpdateCallSql =
    "UPDATE calls SET status = $2, channel = $3, dialed_at = $4, answered_at = $5,"
    " ended_at = $6, duration = $7, failure_reason = $8, hangup_cause = $9,"
    " hangup_cause_txt = $10, attempt_number = $11, version = $12, updated_at = $13"
    " WHERE call_id = $1";

// The events of a whole batch at once, over a JSON array of rows (the calls: see
// SqlCallStore::kBulkUpdateCallsSql).
// ORDER BY i: identity values are drawn in insertion order, so event_ids follow the batch.
constexpr std::string_view kBulkInsertEventsSql =
    "INSERT INTO call_events (call_id, seq, status, previous_status, at, source, detail)"
    " SELECT e.call_id, e.seq, e.status, e.previous_status, e.at, e.source, e.detail"
    " FROM json_to_recordset($1::json) AS e(i integer, call_id uuid, seq integer, status text,"
    " previous_status text, at bigint, source text, detail text)"
    " ORDER BY e.i"
    " RETURNING event_id, call_id, seq";

// A new delivery is due at once: the dispatcher sends it as soon as it heads its (call, URL) queue.
constexpr std::string_view kInsertDeliverySql =
    "INSERT INTO webhook_deliveries (call_id, event_id, url, state, attempts, next_attempt_at,"
    " created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4)";

// A batch's deliveries in one statement. ORDER BY event_id: delivery_ids are drawn in insertion
// order, so a call's deliveries to one URL queue in the order of its events.
constexpr std::string_view kBulkInsertDeliveriesSql =
    "INSERT INTO webhook_deliveries (call_id, event_id, url, state, attempts, next_attempt_at,"
    " created_at)"
    " SELECT d.call_id, d.event_id, d.url, 'pending', 0, $2::bigint, $2::bigint"
    " FROM json_to_recordset($1::json) AS d(i integer, call_id uuid, event_id bigint, url text)"
    " ORDER BY d.event_id, d.i";

// Takes over a key only when its holder is older than the window; no row back means a live
// holder exists (possibly committed a moment ago by a concurrent create).
constexpr std::string_view kClaimKeySql =
    "INSERT INTO idempotency_keys (user_id, key, request_hash, call_id, created_at)"
    " VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash,"
    " call_id = excluded.call_id, created_at = excluded.created_at"
    " WHERE idempotency_keys.created_at < $6"
    " RETURNING call_id";

const std::string kFindKeySql = "SELECT " + callColumns("c.") +
                                ", k.request_hash FROM idempotency_keys k"
                                " JOIN calls c ON c.call_id = k.call_id"
                                " WHERE k.user_id = $1 AND k.key = $2 AND k.created_at >= $3";

const std::string kGetCallSql = "SELECT " + callColumns() + " FROM calls WHERE call_id = $1";

// ended_at IS NULL lets the query use calls_open_idx; the status test keeps it exact.
const std::string kNonTerminalSql = "SELECT " + callColumns() +
                                    " FROM calls WHERE ended_at IS NULL AND status IN " +
                                    std::string(kNonTerminal) + " ORDER BY created_at, call_id";

// created_at < cutoff is implied (a call ends after it was created) and lets the purge walk the
// created_at index instead of the whole table.
const std::string kPurgeWhere =
    " WHERE created_at < $1 AND ended_at < $1 AND status IN " + std::string(kTerminal);

// One statement on PostgreSQL, so that no call can start matching between the deletes.
// Attempts go with their deliveries (ON DELETE CASCADE).
const std::string kPgPurgeSql = "WITH gone AS (DELETE FROM calls" + kPurgeWhere +
                                " RETURNING call_id),"
                                " events AS (DELETE FROM call_events"
                                " WHERE call_id IN (SELECT call_id FROM gone)),"
                                " deliveries AS (DELETE FROM webhook_deliveries"
                                " WHERE call_id IN (SELECT call_id FROM gone))"
                                " SELECT COUNT(*) FROM gone";
// SQLite holds the write lock for the whole transaction, so separate statements are as good.
const std::string kSqlitePurgeEventsSql =
    "DELETE FROM call_events WHERE call_id IN (SELECT call_id FROM calls" + kPurgeWhere + ")";
const std::string kSqlitePurgeDeliveriesSql =
    "DELETE FROM webhook_deliveries WHERE call_id IN (SELECT call_id FROM calls" + kPurgeWhere +
    ")";
const std::string kSqlitePurgeCallsSql = "DELETE FROM calls" + kPurgeWhere;

const std::string kEventsOfCallSql =
    "SELECT " + eventColumns() + " FROM call_events WHERE call_id = $1 ORDER BY seq";

// No upper bound in the SQL: with one, PostgreSQL's generic plan for the join below turned into
// scans of whole tables (100-600 ms per page under load). Rows past the horizon are dropped after
// the read instead (see readSettled).
const std::string kEventsAfterSql = "SELECT " + eventColumns() +
                                    " FROM call_events WHERE event_id > $1"
                                    " ORDER BY event_id LIMIT $2";
const std::string kBeginEventWriteSql = "BEGIN; SELECT pg_advisory_xact_lock_shared(" +
                                        std::to_string(SqlCallStore::kEventLogLockKey) + ")";
// The same two, as statements of their own for SqlConnection::queryTogether.
constexpr std::string_view kBeginSql = "BEGIN";
constexpr std::string_view kLockEventLogSharedSql = "SELECT pg_advisory_xact_lock_shared($1)";
constexpr std::string_view kLastEventIdSql = "SELECT COALESCE(MAX(event_id), 0) FROM call_events";
// Autocommit, so the exclusive lock ends with the statement (pg_advisory_xact_lock returns void:
// column 0 is empty).
constexpr std::string_view kSettledHorizonSql =
    "SELECT pg_advisory_xact_lock($1), (SELECT COALESCE(MAX(event_id), 0) FROM call_events)";

// The log in event_id order (its primary key), each event with its call through the calls
// primary key. Events and their call are purged together, so the join drops nothing.
const std::string kEventsWithCallsSelect = "SELECT " + callColumns("c.") + ", " +
                                           eventColumns("e.") +
                                           " FROM call_events e JOIN calls c"
                                           " ON c.call_id = e.call_id";
const std::string kEventsWithCallsAfterSql =
    kEventsWithCallsSelect + " WHERE e.event_id > $1 ORDER BY e.event_id LIMIT $2";
const std::string kEventWithCallSql = kEventsWithCallsSelect + " WHERE e.event_id = $1";

}  // namespace

SqlCallStore::SqlCallStore(ConnectionPool& pool, Dialect dialect, const Clock& clock)
    : pool_(pool), dialect_(dialect), clock_(clock) {}

bool SqlCallStore::cannotExist(std::string_view call_id) const {
    return dialect_ == Dialect::kPostgres && !isUuid(call_id);
}

Result<void> SqlCallStore::beginEventWrite(SqlConnection& conn) {
    if (dialect_ != Dialect::kPostgres) return conn.begin();
    // Both statements in one round trip (the simple-query protocol runs them in turn): every
    // create batch and group commit starts this way.
    if (auto begun = conn.exec(kBeginEventWriteSql); !begun) {
        (void)conn.rollback();
        return begun;
    }
    return {};
}

Result<std::int64_t> SqlCallStore::settledHorizon(SqlConnection& conn) {
    // SQLite's one writer makes ids visible in id order: any id stored is settled.
    if (dialect_ != Dialect::kPostgres) return std::numeric_limits<std::int64_t>::max();
    // The maximum comes from the statement's snapshot, taken before the lock is granted: never
    // more than the lock would show, so never past an id still in flight.
    auto horizon = conn.query(kSettledHorizonSql, {kEventLogLockKey});
    if (!horizon) return horizon.error();
    return horizon->first().integer(1);
}

// One create in the queue: create()'s, on its caller's stack while it waits for a leader to
// answer it, or createQueued()'s, inside a QueuedCreate.
struct SqlCallStore::PendingCreate {
    const Call& call;
    const CallEvent& first;
    const std::vector<std::string>& webhook_urls;
    QueuedCreate* queued = nullptr;  // set for createQueued()'s: answered through it, not `wake`
    std::condition_variable wake{};  // answered, or named the next leader
    // Both set under queue_mutex_.
    std::optional<Result<CreateResult>> result{};
    bool lead = false;
};

struct SqlCallStore::QueuedCreate {
    NewCall data;
    CreateDone done;
    BlockingRunner run_lead;
    PendingCreate pending{data.call, data.first, data.webhook_urls, this};
};

SqlCallStore::~SqlCallStore() {
    for (PendingCreate* pending : queue_) delete pending->queued;
}

std::size_t SqlCallStore::queuedCreates() const {
    std::lock_guard lock(queue_mutex_);
    return queue_.size();
}

Result<CreateResult> SqlCallStore::create(const Call& call, const CallEvent& first,
                                          const std::vector<std::string>& webhook_urls) {
    PendingCreate self{call, first, webhook_urls};
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&self);
    if (leading_) {
        self.wake.wait(lock, [&self] { return self.result.has_value() || self.lead; });
        if (self.result.has_value()) return std::move(*self.result);
    }
    // Leading: this create heads the queue, so the batch taken includes it.
    leading_ = true;
    lock.unlock();
    std::vector<PendingCreate*> batch;
    std::vector<Result<CreateResult>> results = commitBatch(batch);
    answer(batch, results);
    lock.lock();  // `result` was set under it
    return std::move(*self.result);
}

void SqlCallStore::createQueued(NewCall create, CreateDone done, BlockingRunner run_lead) {
    auto* queued = new QueuedCreate{std::move(create), std::move(done), std::move(run_lead)};
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(&queued->pending);
    if (leading_) return;  // the leader takes it, or names it the next leader
    leading_ = true;
    queued->run_lead([this] { leadQueued(); });
}

void SqlCallStore::leadQueued() noexcept {
    std::vector<PendingCreate*> batch;
    std::vector<Result<CreateResult>> results = commitBatch(batch);
    answer(batch, results);
}

void SqlCallStore::answer(const std::vector<PendingCreate*>& batch,
                          std::vector<Result<CreateResult>>& results) {
    std::vector<std::pair<QueuedCreate*, Result<CreateResult>>> callbacks;
    {
        std::lock_guard lock(queue_mutex_);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (batch[i]->queued) {
                callbacks.emplace_back(batch[i]->queued, std::move(results[i]));
                continue;
            }
            batch[i]->result = std::move(results[i]);
            // Under the lock: the moment it is released the caller may return and take `wake`
            // away. (The leader's own entry is notified too; nobody waits on it.)
            batch[i]->wake.notify_one();
        }
    }
    for (auto& [queued, result] : callbacks) {
        std::unique_ptr<QueuedCreate> owned(queued);
        owned->done(std::move(result));
    }
}

bool SqlCallStore::takeQueued(std::vector<PendingCreate*>& batch) {
    const std::size_t before = batch.size();
    while (!queue_.empty() && batch.size() < kMaxCreateBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
    }
    return batch.size() > before;
}

void SqlCallStore::stepDown() {
    if (queue_.empty()) {
        leading_ = false;
        return;
    }
    PendingCreate& next = *queue_.front();
    if (next.queued) {
        next.queued->run_lead([this] { leadQueued(); });
        return;
    }
    next.lead = true;
    next.wake.notify_one();
}

std::vector<Result<CreateResult>> SqlCallStore::commitBatch(
    std::vector<PendingCreate*>& batch) noexcept {
    auto failAll = [&batch](ErrorCode error) {
        return std::vector<Result<CreateResult>>(batch.size(), Result<CreateResult>(error));
    };
    // Creates are taken from the queue only once the transaction holds the write lock (SQLite's
    // writer, the event-log lock here), and again after each round of them, until the queue is
    // found empty: everyone who queued while we waited for the lock or wrote the rows before
    // them joins this commit. (Callers answered together come back together; without this the
    // first one back would commit alone while the rest queued behind it, halving the batches.)
    auto conn = pool_.acquire();
    Result<void> ready = conn ? beginEventWrite(**conn) : Result<void>(conn.error());
    std::unique_lock lock(queue_mutex_);
    takeQueued(batch);
    if (!ready) {
        stepDown();
        return failAll(ready.error());
    }
    lock.unlock();

    SqlConnection& tx = **conn;
    std::vector<Result<CreateResult>> results;
    results.reserve(kMaxCreateBatch);
    bool kept_any = false;
    for (;;) {
        for (std::size_t i = results.size(); i < batch.size(); ++i) {
            results.emplace_back(StorageErrc::kQueryFailed);
            if (auto settled = createInBatch(tx, *batch[i], kept_any, results.back()); !settled) {
                (void)tx.rollback();
                lock.lock();
                stepDown();
                return failAll(settled.error());
            }
        }
        lock.lock();
        if (!takeQueued(batch)) break;
        lock.unlock();
    }
    // The lead passes on before the commit, not after: the next batch is written while this one
    // waits for its flush. On PostgreSQL the two flushes then overlap (and the server may merge
    // them); SQLite's next leader waits for the writer lock, gathering its batch meanwhile. The
    // next batch can only wait on rows of this one (a shared key or call_id), never the other
    // way round, so the two cannot deadlock, and a create that waited sees this commit's rows
    // as a lost race and answers from them.
    stepDown();
    lock.unlock();
    if (auto committed = tx.commit(); !committed) {
        (void)tx.rollback();
        return failAll(committed.error());
    }
    return results;
}

// While no earlier create of the transaction is kept, a failure rolls the transaction back and
// begins it again: that undoes exactly this create, and a lone create, the common case at low
// load, then sends no statement more than a transaction of its own would.
Result<void> SqlCallStore::createInBatch(SqlConnection& tx, const PendingCreate& create,
                                         bool& kept_any, Result<CreateResult>& out) {
    const bool savepoint = kept_any;
    if (savepoint) {
        // A cached statement: it runs once per create of every busy batch.
        if (auto set = tx.query(kSavepointSql); !set) return set.error();
    }
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
        bool lost_race = false;
        out = insertCreate(tx, create, lost_race);
        if (out) {
            kept_any = kept_any || out->outcome == CreateOutcome::kCreated;
            return {};
        }
        Result<void> undone = [&]() -> Result<void> {
            if (savepoint) return tx.exec(kRollbackToSavepointSql);
            if (auto rolled_back = tx.rollback(); !rolled_back) return rolled_back;
            return beginEventWrite(tx);
        }();
        if (!undone) return undone.error();
        if (!lost_race) return {};
    }
    log::warn("idempotent create kept losing races", {{"call_id", create.call.call_id}});
    out = StorageErrc::kConflict;
    return {};
}

Result<CreateResult> SqlCallStore::insertCreate(SqlConnection& tx, const PendingCreate& create,
                                                bool& lost_race) {
    const Call& call = create.call;
    const CallEvent& first = create.first;
    // The window is measured from the new request, whose time the caller stamped.
    const UnixMicros live_since = call.created_at - kIdempotencyWindow;
    if (call.idempotency_key) {
        // Inside the transaction: a create earlier in the same batch is seen like a committed one.
        auto existing = tx.query(kFindKeySql, {call.user_id, *call.idempotency_key, live_since});
        if (!existing) return existing.error();
        if (!existing->empty()) {
            const SqlRow& row = existing->rows.front();
            CreateResult result;
            result.outcome = row.text(kCallColumnCount) == call.request_hash
                                 ? CreateOutcome::kReplayed
                                 : CreateOutcome::kKeyConflict;
            result.call = readCall(row);
            return result;
        }
    }

    const std::string variables = variablesJson(call.variables);
    const std::optional<std::string> callback_events =
        callbackEventsJson(call.status_callback_events);
    const SqlParam call_row[] = {call.call_id,          call.user_id,
                                 call.phone_number,     toString(call.status),
                                 call.context,          call.extension,
                                 call.priority,         call.timeout_ms,
                                 call.caller_id,        variables,
                                 call.channel,          call.created_at,
                                 call.dialed_at,        call.answered_at,
                                 call.ended_at,         call.duration,
                                 call.failure_reason,   call.hangup_cause,
                                 call.hangup_cause_txt, call.attempt_number,
                                 call.version,          call.status_callback,
                                 callback_events,       call.idempotency_key,
                                 call.request_hash,     call.updated_at};
    const SqlParam event_row[] = {call.call_id,
                                  first.seq,
                                  toString(first.status),
                                  statusParam(first.previous_status),
                                  first.at,
                                  toString(first.source),
                                  first.detail};
    const SqlParam claim[] = {call.user_id, call.idempotency_key, call.request_hash,
                              call.call_id, call.created_at,      live_since};
    // Sent together: one round trip on PostgreSQL. A failure (a duplicate call_id) skips the
    // statements after it; the caller undoes what ran.
    std::vector<SqlStatement> statements{{kInsertCallSql, call_row}, {kInsertEventSql, event_row}};
    if (call.idempotency_key) statements.push_back({kClaimKeySql, claim});
    auto answers = tx.queryTogether(statements);
    if (!answers) return answers.error();
    if (call.idempotency_key && (*answers)[2].empty()) {
        lost_race = true;
        return StorageErrc::kConflict;
    }
    const std::int64_t event_id = (*answers)[1].first().integer(0);
    if (!create.webhook_urls.empty()) {
        const UnixMicros now = clock_.now();
        for (const std::string& url : create.webhook_urls) {
            auto queued = tx.query(kInsertDeliverySql, {call.call_id, event_id, url, now});
            if (!queued) return queued.error();
        }
    }
    return CreateResult{CreateOutcome::kCreated, call, event_id};
}

Result<std::optional<Call>> SqlCallStore::get(std::string_view call_id) {
    if (cannotExist(call_id)) return std::optional<Call>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query(kGetCallSql, {call_id});
    if (!result) return result.error();
    if (result->empty()) return std::optional<Call>();
    return std::optional<Call>(readCall(result->rows.front()));
}

Result<CallPage> SqlCallStore::list(const CallFilter& filter) {
    const int limit = std::clamp(filter.limit, 1, kMaxPageSize);
    const bool pg = dialect_ == Dialect::kPostgres;

    // Up to 2^6 statement shapes, each prepared once per connection.
    std::string sql = "SELECT " + callColumns() + " FROM calls WHERE 1 = 1";
    std::vector<SqlParam> params;
    auto next = [&params] { return "$" + std::to_string(params.size() + 1); };
    if (filter.user_id) {
        sql += " AND user_id = " + next();
        params.emplace_back(*filter.user_id);
    }
    std::string statuses;  // outlives the query: params hold views
    if (!filter.statuses.empty()) {
        // One parameter for any number of statuses: '{a,b}' on PostgreSQL, '["a","b"]' here.
        statuses = pg ? "{" : "[";
        for (std::size_t i = 0; i < filter.statuses.size(); ++i) {
            if (i) statuses += ",";
            statuses += pg ? std::string(toString(filter.statuses[i]))
                           : "\"" + std::string(toString(filter.statuses[i])) + "\"";
        }
        statuses += pg ? "}" : "]";
        sql += pg ? " AND status = ANY(" + next() + "::text[])"
                  : " AND status IN (SELECT value FROM json_each(" + next() + "))";
        params.emplace_back(statuses);
    }
    if (filter.phone_number) {
        sql += " AND phone_number = " + next();
        params.emplace_back(*filter.phone_number);
    }
    if (filter.created_after) {
        sql += " AND created_at >= " + next();
        params.emplace_back(*filter.created_after);
    }
    if (filter.created_before) {
        sql += " AND created_at < " + next();
        params.emplace_back(*filter.created_before);
    }
    if (filter.after) {
        // Strictly after the cursor in (created_at DESC, call_id DESC): a row-value comparison
        // that both backends answer from the (created_at, call_id) index.
        std::string at = next();
        params.emplace_back(filter.after->created_at);
        std::string id = next();
        params.emplace_back(filter.after->call_id);
        sql += pg ? " AND (created_at, call_id) < (" + at + "::bigint, " + id + "::uuid)"
                  : " AND (created_at, call_id) < (" + at + ", " + id + ")";
    }
    // One row more than the page: whether it exists says whether there is a next page.
    sql += " ORDER BY created_at DESC, call_id DESC LIMIT " + next();
    params.emplace_back(limit + 1);

    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto calls = readCalls((*conn)->query(sql, params));
    if (!calls) return calls.error();

    CallPage page;
    page.items = std::move(*calls);
    if (page.items.size() > static_cast<std::size_t>(limit)) {
        page.items.resize(static_cast<std::size_t>(limit));
        const Call& last = page.items.back();
        page.next = CallCursor{last.created_at, last.call_id};
    }
    return page;
}

Result<std::vector<CallEvent>> SqlCallStore::events(std::string_view call_id) {
    if (cannotExist(call_id)) return std::vector<CallEvent>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return readEvents((*conn)->query(kEventsOfCallSql, {call_id}));
}

Result<std::vector<std::int64_t>> SqlCallStore::apply(const std::vector<CallUpdate>& batch) {
    if (batch.empty()) return std::vector<std::int64_t>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    if (dialect_ == Dialect::kPostgres) return applyBulk(**conn, batch);
    return inTransaction(**conn, [&](SqlConnection& tx) { return applyRowByRow(tx, batch); });
}

Result<std::vector<std::int64_t>> SqlCallStore::applyRowByRow(
    SqlConnection& tx, const std::vector<CallUpdate>& batch) {
    std::vector<std::int64_t> ids;
    std::optional<UnixMicros> now;  // read once, and only for a batch with deliveries
    for (const CallUpdate& update : batch) {
        const Call& call = update.call;
        auto updated = tx.query(
            kUpdateCallSql,
            {call.call_id, toString(call.status), call.channel, call.dialed_at, call.answered_at,
             call.ended_at, call.duration, call.failure_reason, call.hangup_cause,
             call.hangup_cause_txt, call.attempt_number, call.version, call.updated_at});
        if (!updated) return updated.error();
        if (updated->affected == 0) {
            // The engine only updates calls it loaded: a missing one is a broken invariant, and
            // half a batch must not be committed around it.
            log::warn("call update for an unknown call", {{"call_id", call.call_id}});
            return StorageErrc::kQueryFailed;
        }
        const std::size_t first_id = ids.size();
        for (const CallEvent& event : update.events) {
            auto inserted =
                tx.query(kInsertEventSql, {call.call_id, event.seq, toString(event.status),
                                           statusParam(event.previous_status), event.at,
                                           toString(event.source), event.detail});
            if (!inserted) return inserted.error();
            ids.push_back(inserted->first().integer(0));
        }
        if (update.outbox.empty()) continue;

        if (!validOutbox(update)) return StorageErrc::kQueryFailed;
        if (!now) now = clock_.now();
        // In event order, so that a call's deliveries to one URL queue in the order of its events
        // (delivery_ids are drawn in insertion order).
        std::vector<const OutboxEntry*> entries;
        entries.reserve(update.outbox.size());
        for (const OutboxEntry& entry : update.outbox) entries.push_back(&entry);
        std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
            return a->event_index < b->event_index;
        });
        for (const OutboxEntry* entry : entries) {
            auto queued =
                tx.query(kInsertDeliverySql,
                         {call.call_id, ids[first_id + entry->event_index], entry->url, *now});
            if (!queued) return queued.error();
        }
    }
    return ids;
}

// A batch of updates as applyBulk's two statements take it: the calls' new state (each call's
// last update) and every event, as JSON arrays.
struct SqlCallStore::BulkRows {
    std::string calls;
    std::string call_ids;  // the same calls' ids, as a PostgreSQL array literal
    std::size_t call_count = 0;
    std::string events;
    std::size_t event_count = 0;
    bool has_outbox = false;
};

SqlCallStore::BulkRows SqlCallStore::bulkRows(const std::vector<CallUpdate>& batch) {
    // Each update carries the call's full state, so applying a call's updates in order leaves
    // its last one; UPDATE … FROM would pick an arbitrary one of several matches.
    std::unordered_map<std::string_view, std::size_t> last;
    for (std::size_t i = 0; i < batch.size(); ++i) last[batch[i].call.call_id] = i;

    BulkRows out;
    json::array rows;
    rows.reserve(last.size());
    json::array events;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const Call& call = batch[i].call;
        out.has_outbox = out.has_outbox || !batch[i].outbox.empty();
        if (last[call.call_id] == i) {
            rows.emplace_back(json::object{
                {"call_id", call.call_id},
                {"status", toString(call.status)},
                {"channel", optJson(call.channel)},
                {"dialed_at", optJson(call.dialed_at)},
                {"answered_at", optJson(call.answered_at)},
                {"ended_at", optJson(call.ended_at)},
                {"duration", optJson(call.duration)},
                {"failure_reason", optJson(call.failure_reason)},
                {"hangup_cause", optJson(call.hangup_cause)},
                {"hangup_cause_txt", optJson(call.hangup_cause_txt)},
                {"attempt_number", call.attempt_number},
                {"version", call.version},
                {"updated_at", call.updated_at},
            });
        }
        for (const CallEvent& event : batch[i].events) {
            json::object row{
                {"i", out.event_count++},
                {"call_id", call.call_id},
                {"seq", event.seq},
                {"status", toString(event.status)},
                {"previous_status", nullptr},
                {"at", event.at},
                {"source", toString(event.source)},
                {"detail", event.detail},
            };
            if (event.previous_status) row["previous_status"] = toString(*event.previous_status);
            events.emplace_back(std::move(row));
        }
    }
    out.call_count = rows.size();
    out.calls = json::serialize(rows);
    out.call_ids = "{";
    for (const auto& [call_id, index] : last) {
        if (out.call_ids.size() > 1) out.call_ids += ',';
        out.call_ids += call_id;
    }
    out.call_ids += '}';
    out.events = json::serialize(events);
    return out;
}

Result<std::vector<std::int64_t>> SqlCallStore::applyBulk(SqlConnection& conn,
                                                          const std::vector<CallUpdate>& batch) {
    const BulkRows rows = bulkRows(batch);
    // BEGIN, the event-log lock and both statements go in one round trip; their answers are
    // checked before COMMIT, which therefore follows on its own.
    const SqlParam lock_key[] = {kEventLogLockKey};
    const SqlParam calls[] = {rows.calls, rows.call_ids};
    const SqlParam events[] = {rows.events};
    std::vector<SqlStatement> statements{
        {kBeginSql, {}}, {kLockEventLogSharedSql, lock_key}, {kBulkUpdateCallsSql, calls}};
    if (rows.event_count > 0) statements.push_back({kBulkInsertEventsSql, events});
    Result<std::vector<SqlResult>> answers = StorageErrc::kQueryFailed;
    auto begin = [&](SqlConnection& c) -> Result<void> {
        answers = c.queryTogether(statements);
        if (answers) return {};
        (void)c.rollback();
        return answers.error();
    };
    return inTransactionBegunBy(conn, begin,
                                [&](SqlConnection& tx) -> Result<std::vector<std::int64_t>> {
                                    return checkBulk(tx, batch, rows, *answers);
                                });
}

Result<std::vector<std::int64_t>> SqlCallStore::checkBulk(SqlConnection& tx,
                                                          const std::vector<CallUpdate>& batch,
                                                          const BulkRows& rows,
                                                          const std::vector<SqlResult>& answers) {
    const SqlResult& updated = answers[2];
    if (updated.affected != static_cast<std::int64_t>(rows.call_count)) {
        log::warn("call update for an unknown call",
                  {{"expected", static_cast<std::int64_t>(rows.call_count)},
                   {"updated", updated.affected}});
        return StorageErrc::kQueryFailed;
    }
    std::vector<std::int64_t> ids;
    if (rows.event_count == 0) {
        // Entries then name events the batch does not carry.
        if (rows.has_outbox) return StorageErrc::kQueryFailed;
        return ids;
    }
    const SqlResult& inserted = answers[3];
    if (inserted.rows.size() != rows.event_count) return StorageErrc::kQueryFailed;

    // Matched by (call_id, seq), unique per event, rather than trusting RETURNING's row order.
    std::unordered_map<std::string, std::int64_t> by_key;
    by_key.reserve(rows.event_count);
    for (const SqlRow& row : inserted.rows) {
        by_key.emplace(row.text(1) + "/" + row.text(2), row.integer(0));
    }
    ids.reserve(rows.event_count);
    for (const CallUpdate& update : batch) {
        std::string prefix = lowerAscii(update.call.call_id) + "/";
        for (const CallEvent& event : update.events) {
            auto it = by_key.find(prefix + std::to_string(event.seq));
            if (it == by_key.end()) return StorageErrc::kQueryFailed;
            ids.push_back(it->second);
        }
    }
    if (rows.has_outbox) {
        if (auto queued = enqueueBulk(tx, batch, ids); !queued) return queued.error();
    }
    return ids;
}

Result<void> SqlCallStore::enqueueBulk(SqlConnection& tx, const std::vector<CallUpdate>& batch,
                                       const std::vector<std::int64_t>& ids) {
    json::array rows;
    std::size_t first_id = 0;  // index in `ids` of the update's first event
    for (const CallUpdate& update : batch) {
        if (!update.outbox.empty()) {
            if (!validOutbox(update)) return StorageErrc::kQueryFailed;
            for (const OutboxEntry& entry : update.outbox) {
                rows.emplace_back(json::object{
                    {"i", rows.size()},
                    {"call_id", update.call.call_id},
                    {"event_id", ids[first_id + entry.event_index]},
                    {"url", entry.url},
                });
            }
        }
        first_id += update.events.size();
    }
    auto queued = tx.query(kBulkInsertDeliveriesSql, {json::serialize(rows), clock_.now()});
    if (!queued) return queued.error();
    if (queued->affected != static_cast<std::int64_t>(rows.size())) {
        return StorageErrc::kQueryFailed;
    }
    return {};
}

Result<std::vector<Call>> SqlCallStore::nonTerminal() {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return readCalls((*conn)->query(kNonTerminalSql));
}

Result<std::int64_t> SqlCallStore::purgeEndedBefore(UnixMicros cutoff) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    // Idempotency keys go with their call and attempts with their delivery (ON DELETE CASCADE);
    // events and deliveries have no foreign key (see the migrations) and are deleted here.
    if (dialect_ == Dialect::kPostgres) {
        auto purged = (*conn)->query(kPgPurgeSql, {cutoff});
        if (!purged) return purged.error();
        return purged->first().integer(0);
    }
    return inTransaction(**conn, [&](SqlConnection& tx) -> Result<std::int64_t> {
        auto events = tx.query(kSqlitePurgeEventsSql, {cutoff});
        if (!events) return events.error();
        auto deliveries = tx.query(kSqlitePurgeDeliveriesSql, {cutoff});
        if (!deliveries) return deliveries.error();
        auto purged = tx.query(kSqlitePurgeCallsSql, {cutoff});
        if (!purged) return purged.error();
        return purged->affected;
    });
}

namespace {

// A page read's LIMIT, as a statement parameter.
std::int64_t pageLimit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min<std::size_t>(limit, INT32_MAX));
}

// Drops the rows past the horizon (ids rolled back below it leave room for some).
template <typename Row, typename IdOf>
void dropPast(std::vector<Row>& rows, std::int64_t horizon, IdOf id_of) {
    while (!rows.empty() && id_of(rows.back()) > horizon) rows.pop_back();
}

}  // namespace

Result<SqlCallStore::SettledRead> SqlCallStore::readSettled(SqlConnection& conn,
                                                            std::string_view sql,
                                                            std::int64_t after, std::size_t limit) {
    const SqlParam page[] = {after, pageLimit(limit)};
    if (dialect_ != Dialect::kPostgres) {
        auto read = conn.query(sql, page);
        if (!read) return read.error();
        return SettledRead{std::numeric_limits<std::int64_t>::max(), std::move(*read)};
    }
    // The horizon, then the page, sent together: one round trip, yet each its own transaction,
    // so the exclusive lock is gone before the page is read (held through the read, it stalls
    // every event writer for as long). The page's snapshot is taken after the lock was granted,
    // so every id up to the horizon is in it.
    const SqlParam lock_key[] = {kEventLogLockKey};
    const SqlStatement statements[] = {{kSettledHorizonSql, lock_key}, {sql, page}};
    auto answers = conn.queryTogether(statements, SqlConnection::Together::kEachOnItsOwn);
    if (!answers) return answers.error();
    return SettledRead{(*answers)[0].first().integer(1), std::move((*answers)[1])};
}

Result<std::vector<CallEvent>> SqlCallStore::eventsAfter(std::int64_t after_event_id,
                                                         std::size_t limit) {
    if (limit == 0) return std::vector<CallEvent>();
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto read = readSettled(**conn, kEventsAfterSql, after_event_id, limit);
    if (!read) return read.error();
    auto events = readEvents(std::move(read->rows));
    if (events) dropPast(*events, read->horizon, [](const CallEvent& e) { return e.event_id; });
    return events;
}

Result<std::int64_t> SqlCallStore::lastEventId() {
    // Safe to resume from: no smaller id is still in flight.
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    if (dialect_ == Dialect::kPostgres) return settledHorizon(**conn);
    auto max = (*conn)->query(kLastEventIdSql);
    if (!max) return max.error();
    return max->first().integer(0);
}

Result<std::vector<EventWithCall>> SqlCallStore::eventsWithCallsAfter(std::int64_t after_event_id,
                                                                      std::size_t limit) {
    auto page = readEventLog(after_event_id, 0, limit, LogRead::kSettled);
    if (!page) return page.error();
    return std::move(page->rows);
}

Result<CallStore::EventLogPage> SqlCallStore::readEventLog(std::int64_t after,
                                                           std::int64_t settled_through,
                                                           std::size_t limit, LogRead how) {
    EventLogPage page;
    page.settled_through = settled_through;
    if (limit == 0) return page;
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    if (how == LogRead::kSettled || dialect_ != Dialect::kPostgres) {
        auto read = readSettled(**conn, kEventsWithCallsAfterSql, after, limit);
        if (!read) return read.error();
        auto rows = readEventsWithCalls(std::move(read->rows));
        if (!rows) return rows.error();
        dropPast(*rows, read->horizon, [](const EventWithCall& r) { return r.event.event_id; });
        page.rows = std::move(*rows);
        page.settled_through = std::max(settled_through, read->horizon);
        return page;
    }
    auto rows =
        readEventsWithCalls((*conn)->query(kEventsWithCallsAfterSql, {after, pageLimit(limit)}));
    if (!rows) return rows.error();
    // Identity values are drawn one after another, so a missing id above `settled_through` may
    // be a writer still in flight, and every committed event past it must wait for it.
    std::int64_t next = after + 1;
    for (std::size_t i = 0; i < rows->size(); ++i) {
        const std::int64_t id = (*rows)[i].event.event_id;
        if (id > next && id - 1 > settled_through) {
            rows->resize(i);
            page.stopped_at_gap = true;
            break;
        }
        next = id + 1;
    }
    page.rows = std::move(*rows);
    return page;
}

Result<std::optional<EventWithCall>> SqlCallStore::eventWithCall(std::int64_t event_id) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query(kEventWithCallSql, {event_id});
    if (!result) return result.error();
    if (result->empty()) return std::optional<EventWithCall>();
    return std::optional<EventWithCall>(readEventWithCall(result->rows.front()));
}

}  // namespace ccapi::storage
