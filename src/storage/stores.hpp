// Repository interfaces. Every method is thread-safe and, but for CallStore::createQueued,
// blocking: callers on I/O threads reach them only through ccapi::offload (core/async.hpp).
// Backends: sqlite/, postgres/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/call_models.hpp"
#include "storage/errors.hpp"
#include "storage/models.hpp"
#include "storage/webhook_models.hpp"

namespace ccapi::storage {

class UserStore {
public:
    virtual ~UserStore() = default;
    // kConflict when the username exists.
    virtual Result<User> create(const NewUser& user) = 0;
    virtual Result<std::optional<User>> findByUsername(std::string_view username) = 0;
    virtual Result<std::optional<User>> findById(std::int64_t id) = 0;
    virtual Result<std::vector<User>> list() = 0;
    // false when no such user.
    virtual Result<bool> setActive(std::string_view username, bool active) = 0;
    virtual Result<bool> setPassword(std::string_view username, std::string_view hashed) = 0;
    virtual Result<std::int64_t> count() = 0;
};

class TokenStore {
public:
    virtual ~TokenStore() = default;
    // Access-token revocation by jti, kept until the token would have expired anyway.
    virtual Result<void> revokeAccess(std::string_view jti, UnixMicros expires_at) = 0;
    virtual Result<bool> isAccessRevoked(std::string_view jti) = 0;
    // All revoked jtis not yet expired (to warm an in-memory cache at start-up).
    virtual Result<std::vector<std::string>> liveRevokedAccess(UnixMicros now) = 0;

    // kConflict when the jti exists. A token saved into a revoked family is stored revoked.
    virtual Result<void> saveRefresh(const RefreshToken& token) = 0;
    // Atomically checks and consumes a refresh token (see RefreshUse). Of several concurrent uses
    // of one token exactly one is kAccepted.
    virtual Result<RefreshUseResult> useRefresh(std::string_view jti, UnixMicros now) = 0;
    virtual Result<void> revokeRefreshFamily(std::string_view family_id) = 0;
    // Drops expired revocations and refresh tokens; returns rows removed.
    virtual Result<std::int64_t> purgeExpired(UnixMicros now) = 0;
};

// One create as createQueued() takes it: create()'s arguments, owned.
struct NewCall {
    Call call;
    CallEvent first;
    std::vector<std::string> webhook_urls;
};

// Calls, their timelines and idempotency keys. The call engine is the only writer of call state
// after creation; it batches transitions (group commit) into apply().
class CallStore {
public:
    // createQueued()'s answer, called exactly once.
    using CreateDone = std::function<void(Result<CreateResult>)>;
    // Runs `work` later on a thread that may block (never inline: the caller may hold a lock).
    using BlockingRunner = std::function<void(std::function<void()>)>;

    virtual ~CallStore() = default;
    // Inserts `call` (status pending, version 1) and `first` (seq 1) in one transaction. With
    // call.idempotency_key set, an existing (user_id, key) younger than 24 h is a kReplayed (same
    // request_hash) or kKeyConflict (different); an older one is released and a new call made.
    // "Younger" is measured from call.created_at: live while key time >= created_at - 24 h. A
    // released key now names the new call; the old call keeps its idempotency_key field as a
    // record. Of concurrent creates with one key exactly one is kCreated. kConflict when the
    // call_id exists.
    Result<CreateResult> create(const Call& call, const CallEvent& first) {
        return create(call, first, {});
    }
    // The same, and enqueues a webhook delivery of `first` to each of `webhook_urls` in the same
    // transaction (only when kCreated).
    virtual Result<CreateResult> create(const Call& call, const CallEvent& first,
                                        const std::vector<std::string>& webhook_urls) = 0;
    // create() with no thread waiting for it, for callers on I/O threads: queues the create for
    // the next group commit and returns at once. Not blocking, unlike every other method here.
    // `done` gets what create() would have returned, on the thread that committed it; when the
    // create has to lead a batch itself, that work goes to `run_lead`.
    virtual void createQueued(NewCall create, CreateDone done, BlockingRunner run_lead) = 0;
    virtual Result<std::optional<Call>> get(std::string_view call_id) = 0;
    virtual Result<CallPage> list(const CallFilter& filter) = 0;
    // The call's events, oldest first.
    virtual Result<std::vector<CallEvent>> events(std::string_view call_id) = 0;
    // Writes every update (row state + appended events) in ONE transaction and returns the
    // event_ids assigned, in the order the events appear in the batch (they increase in that
    // order). A call may appear several times; its last update is its final state. An update of
    // a call that is not stored fails the whole batch (kQueryFailed) and writes nothing. Each
    // update's outbox entries become pending webhook deliveries (due now) of its events, in the
    // same transaction.
    virtual Result<std::vector<std::int64_t>> apply(const std::vector<CallUpdate>& batch) = 0;
    // Every call not in a terminal status, oldest first (engine recovery at start-up).
    virtual Result<std::vector<Call>> nonTerminal() = 0;
    // Deletes terminal calls that ended before `cutoff` (with their events, idempotency keys,
    // webhook deliveries and attempts); calls removed.
    virtual Result<std::int64_t> purgeEndedBefore(UnixMicros cutoff) = 0;
    // Events with event_id > after_event_id, oldest first, at most `limit` (stream resume).
    // Gap-free: an event committed later never has an id below one already returned, so
    // resuming from the last id seen misses nothing.
    virtual Result<std::vector<CallEvent>> eventsAfter(std::int64_t after_event_id,
                                                       std::size_t limit) = 0;
    // The highest event_id stored (0 when none); as safe to resume from as eventsAfter's ids.
    virtual Result<std::int64_t> lastEventId() = 0;
    // eventsAfter with each event's call (its current row): what the event streams send. Same
    // gap-free guarantee.
    virtual Result<std::vector<EventWithCall>> eventsWithCallsAfter(std::int64_t after_event_id,
                                                                    std::size_t limit) = 0;
    // One event and its call; nullopt when the event (or its call) is gone.
    virtual Result<std::optional<EventWithCall>> eventWithCall(std::int64_t event_id) = 0;

    // How readEventLog reads.
    enum class LogRead {
        // Never waits for writers: stops before the first missing id above `settled_through`,
        // which may belong to a transaction still in flight.
        kCommitted,
        // As eventsWithCallsAfter: first waits for the writers in flight, and says how far the
        // log is settled.
        kSettled,
    };
    struct EventLogPage {
        std::vector<EventWithCall> rows;
        // Every id up to here is committed or never will be (rolled back): a missing id at or
        // below it is no reason to stop.
        std::int64_t settled_through = 0;
        // kCommitted stopped before a missing id: committed events may follow it.
        bool stopped_at_gap = false;
    };
    // For a reader that follows the log (the event feed): the events after `after` with their
    // calls, oldest first, at most `limit`, never one out of order. A kCommitted read is the
    // cheap one; a reader that finds the same gap for a while (a rolled-back id never fills
    // in) reads kSettled once to get past it.
    virtual Result<EventLogPage> readEventLog(std::int64_t after, std::int64_t settled_through,
                                              std::size_t limit, LogRead how) = 0;
};

// The webhook outbox (SPEC §5). Deliveries are created by CallStore::create/apply in the
// transaction of their event; a single dispatcher per database drives them from here.
class WebhookStore {
public:
    virtual ~WebhookStore() = default;
    // Pending deliveries with next_attempt_at <= now that head their (call_id, url) queue: no
    // pending delivery of the same call to the same URL has a lower delivery_id (so a call's
    // events reach a receiver in order, a later one waiting while an earlier one is retried).
    // Earliest due first, then by delivery_id; at most `limit`.
    virtual Result<std::vector<WebhookDelivery>> due(UnixMicros now, std::size_t limit) = 0;
    // The earliest next_attempt_at of a pending delivery that heads its (call_id, url) queue
    // (when to look again); nullopt: none.
    virtual Result<std::optional<UnixMicros>> nextDue() = 0;
    // Saves the body of the first attempt (kept for every retry). false: no such delivery.
    virtual Result<bool> setPayload(std::int64_t delivery_id, std::string_view payload) = 0;
    // Appends `attempt` and moves its delivery to `state` in one transaction: attempts :=
    // attempt.attempt, last_status_code/last_error from it, next_attempt_at :=
    // attempt.next_retry_at (pending) or null, delivered_at := attempt.at when delivered.
    // false: no such delivery.
    virtual Result<bool> recordAttempt(const WebhookAttempt& attempt, DeliveryState state) = 0;
    // The call's deliveries, oldest first, and every attempt of them (by delivery, then attempt).
    virtual Result<std::vector<WebhookDelivery>> forCall(std::string_view call_id) = 0;
    virtual Result<std::vector<WebhookAttempt>> attemptsForCall(std::string_view call_id) = 0;
    // Deliveries still pending (the queue depth).
    virtual Result<std::int64_t> pendingCount() = 0;
};

// One opened store: the repositories plus schema management. Owned by the composition root.
class Database {
public:
    virtual ~Database() = default;
    virtual UserStore& users() = 0;
    virtual TokenStore& tokens() = 0;
    virtual CallStore& calls() = 0;
    virtual WebhookStore& webhooks() = 0;

    // "sqlite", "postgresql" or "memory" (DISABLE_DB: SQLite in memory, lost at exit).
    virtual std::string_view backend() const = 0;
    virtual Result<void> ping() = 0;
    virtual Result<int> schemaVersion() = 0;
    virtual int latestSchemaVersion() const = 0;
    // Applies every pending migration in its own transaction; returns the new version.
    virtual Result<int> migrate() = 0;
};

struct DatabaseOptions {
    std::string url;         // postgresql://… | sqlite:///path | sqlite:///:memory:
    bool in_memory = false;  // DISABLE_DB=true
    int pool_size = 10;      // connections at most; an in-memory database always has one
    // Bounds every connection attempt, so an unreachable server is kUnavailable, not a hang.
    // A connect_timeout in a PostgreSQL URL wins.
    std::chrono::seconds connect_timeout{5};
    // How long a caller waits for a free pooled connection before kUnavailable.
    std::chrono::milliseconds pool_wait{30'000};
    // Stamps created_at and applied_at; the system clock when null.
    std::shared_ptr<const Clock> clock = nullptr;
};

// Opens (but does not migrate) the database named by options, and opens one connection so that
// a bad URL (kBadUrl) or an unreachable server (kUnavailable) is reported here. A SQLite file's
// parent directory is created.
Result<std::unique_ptr<Database>> openDatabase(const DatabaseOptions& options);

// Start-up gate: kNotMigrated below latestSchemaVersion(), kSchemaTooNew above it.
Result<void> checkSchema(Database& db);

}  // namespace ccapi::storage
