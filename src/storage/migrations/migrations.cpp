#include "storage/migrations/migrations.hpp"

#include <array>

#include "core/logging.hpp"

namespace ccapi::storage {

namespace {

// Timestamps are BIGINT microseconds since the epoch in both dialects: sortable, identical on
// both backends, and exactly the UnixMicros the code already carries.
//
// calls.user_id has no foreign key on purpose: every call insert would take a KEY SHARE lock on
// its user's row, which serializes one busy user's concurrent creates on PostgreSQL; users are
// only ever disabled, never deleted, so the reference cannot dangle.
//
// refresh_families holds the revocation of a whole token family, so that a token saved into a
// family at the same moment the family is revoked is revoked too (its row lock orders the two).
//
// Idempotency keys live in idempotency_keys alone, (user_id, key) unique: that row is the live
// reservation. A key older than 24 h is taken over by the next call that presents it (the row is
// re-pointed), so the earlier call keeps calls.idempotency_key as a record of how it was created
// and nothing on calls has to be unique.
//
// call_events.event_id is global and strictly increasing (the SSE id): AUTOINCREMENT on SQLite so
// that an id is never reused after a purge, an identity column on PostgreSQL. SQLite commits in id
// order (one writer); on PostgreSQL the store orders readers after in-flight writers (see
// SqlCallStore).
//
// The group commit (CallStore::apply) rewrites hundreds of call rows and appends twice as many
// events per transaction, so the schema is shaped for it:
//  - call_events.call_id has no foreign key: the RI check is a lookup plus a row lock per event.
//    The store only appends events in the transaction that inserted or updated (and so locked)
//    their call, and the purge deletes a call's events with it.
//  - No index covers a column that changes while a call is in progress (status, channel, …),
//    and on PostgreSQL calls keeps 20 % of each page free, so those updates are HOT there: no
//    new entry in any index. Only the final transition, which sets ended_at, leaves
//    calls_open_idx (the calls nonTerminal() recovers: ended_at is set exactly when a call
//    reaches a terminal status). The purge finds old rows through created_at (a call ends after
//    it was created).

constexpr std::string_view kSqliteV1 = R"sql(
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL UNIQUE,
    email           TEXT    NOT NULL DEFAULT '',
    full_name       TEXT    NOT NULL DEFAULT '',
    hashed_password TEXT    NOT NULL,
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_superuser    INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    created_at      INTEGER NOT NULL
);

CREATE TABLE revoked_tokens (
    jti        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);

CREATE TABLE refresh_families (
    family_id  TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX refresh_families_expires_idx ON refresh_families (expires_at);

CREATE TABLE refresh_tokens (
    jti        TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT    NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

CREATE TABLE calls (
    call_id                TEXT    PRIMARY KEY,
    user_id                INTEGER NOT NULL,
    phone_number           TEXT    NOT NULL,
    status                 TEXT    NOT NULL CHECK (status IN ('pending', 'dialing', 'ringing',
                               'answered', 'completed', 'busy', 'no_answer', 'failed', 'canceled')),
    context                TEXT    NOT NULL,
    extension              TEXT    NOT NULL,
    priority               INTEGER NOT NULL,
    timeout_ms             INTEGER NOT NULL,
    caller_id              TEXT,
    variables              TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(variables)),
    channel                TEXT,
    created_at             INTEGER NOT NULL,
    dialed_at              INTEGER,
    answered_at            INTEGER,
    ended_at               INTEGER,
    duration               INTEGER,
    failure_reason         TEXT,
    hangup_cause           INTEGER,
    hangup_cause_txt       TEXT,
    attempt_number         INTEGER NOT NULL DEFAULT 1,
    version                INTEGER NOT NULL DEFAULT 0,
    status_callback        TEXT,
    status_callback_events TEXT    CHECK (status_callback_events IS NULL
                                          OR json_valid(status_callback_events)),
    idempotency_key        TEXT,
    request_hash           TEXT    NOT NULL DEFAULT '',
    updated_at             INTEGER NOT NULL
);
CREATE INDEX calls_user_created_idx ON calls (user_id, created_at DESC, call_id DESC);
CREATE INDEX calls_created_idx ON calls (created_at DESC, call_id DESC);
CREATE INDEX calls_open_idx ON calls (created_at, call_id) WHERE ended_at IS NULL;

CREATE TABLE call_events (
    event_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id         TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    previous_status TEXT,
    at              INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    detail          TEXT    NOT NULL DEFAULT '',
    UNIQUE (call_id, seq)
);

CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    call_id      TEXT    NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_call_idx ON idempotency_keys (call_id);
)sql";

constexpr std::string_view kPostgresV1 = R"sql(
CREATE TABLE users (
    id              BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    email           TEXT    NOT NULL DEFAULT '',
    full_name       TEXT    NOT NULL DEFAULT '',
    hashed_password TEXT    NOT NULL,
    is_active       BOOLEAN NOT NULL DEFAULT TRUE,
    is_superuser    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT  NOT NULL
);

CREATE TABLE revoked_tokens (
    jti        TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);

CREATE TABLE refresh_families (
    family_id  TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX refresh_families_expires_idx ON refresh_families (expires_at);

CREATE TABLE refresh_tokens (
    jti        TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT    NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
    issued_at  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

CREATE TABLE calls (
    call_id                UUID    PRIMARY KEY,
    user_id                BIGINT  NOT NULL,
    phone_number           TEXT    NOT NULL,
    status                 TEXT    NOT NULL CHECK (status IN ('pending', 'dialing', 'ringing',
                               'answered', 'completed', 'busy', 'no_answer', 'failed', 'canceled')),
    context                TEXT    NOT NULL,
    extension              TEXT    NOT NULL,
    priority               INTEGER NOT NULL,
    timeout_ms             INTEGER NOT NULL,
    caller_id              TEXT,
    variables              JSONB   NOT NULL DEFAULT '{}',
    channel                TEXT,
    created_at             BIGINT  NOT NULL,
    dialed_at              BIGINT,
    answered_at            BIGINT,
    ended_at               BIGINT,
    duration               INTEGER,
    failure_reason         TEXT,
    hangup_cause           INTEGER,
    hangup_cause_txt       TEXT,
    attempt_number         INTEGER NOT NULL DEFAULT 1,
    version                INTEGER NOT NULL DEFAULT 0,
    status_callback        TEXT,
    status_callback_events JSONB,
    idempotency_key        TEXT,
    request_hash           TEXT    NOT NULL DEFAULT '',
    updated_at             BIGINT  NOT NULL
) WITH (fillfactor = 80);
CREATE INDEX calls_user_created_idx ON calls (user_id, created_at DESC, call_id DESC);
CREATE INDEX calls_created_idx ON calls (created_at DESC, call_id DESC);
CREATE INDEX calls_open_idx ON calls (created_at, call_id) WHERE ended_at IS NULL;

CREATE TABLE call_events (
    event_id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id         UUID    NOT NULL,
    seq             INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    previous_status TEXT,
    at              BIGINT  NOT NULL,
    source          TEXT    NOT NULL,
    detail          TEXT    NOT NULL DEFAULT '',
    UNIQUE (call_id, seq)
);

CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    call_id      UUID   NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_call_idx ON idempotency_keys (call_id);
)sql";

// Migration 2: the webhook outbox (SPEC §5). A delivery row per (event, receiver URL) is written
// by CallStore::create/apply in the transaction of its event, so an event is never committed
// without its deliveries nor a delivery without its event; the dispatcher then drives the rows.
//
//  - delivery_id is AUTOINCREMENT / an identity like event_id: it orders a call's deliveries to one
//    URL (the head-of-line rule), and an id is never reused after a purge, so a dispatcher still
//    holding a purged id cannot record an attempt on someone else's delivery.
//  - webhook_deliveries.call_id has no foreign key, for the reason call_events has none: deliveries
//    are appended by the group commit in the transaction that locked their call, and the purge
//    deletes them with it. event_id has none either (the event is inserted a statement earlier).
//  - webhook_attempts references its delivery ON DELETE CASCADE: its rows are written by
//    recordAttempt, which updates (so locks) the delivery in the same transaction, so the check is
//    free, and the cascade removes the attempts of a purged delivery even when an attempt was
//    recorded concurrently with the purge.
//  - webhook_deliveries_due_idx is partial on state = 'pending': it holds only the queue (small
//    however long the history), in the order due() and nextDue() read it. A delivered or dead
//    row leaves it and is never touched again.
//  - webhook_deliveries_call_idx (call_id, delivery_id) serves forCall() in order, the purge, and
//    due()'s head-of-line check ("no earlier pending delivery of this call to this URL"): a call
//    has a handful of deliveries, so filtering url and state among them beats the wider
//    (call_id, url, …) key every insert of the hot path would otherwise pay for.
//  - payload is NULL until the first attempt renders it: the group commit writes no bodies.

constexpr std::string_view kSqliteV2 = R"sql(
CREATE TABLE webhook_deliveries (
    delivery_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id          TEXT    NOT NULL,
    event_id         INTEGER NOT NULL,
    url              TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    payload          TEXT
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, delivery_id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_call_idx ON webhook_deliveries (call_id, delivery_id);

CREATE TABLE webhook_attempts (
    delivery_id   INTEGER NOT NULL
                  REFERENCES webhook_deliveries (delivery_id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    next_retry_at INTEGER,
    PRIMARY KEY (delivery_id, attempt)
);
)sql";

constexpr std::string_view kPostgresV2 = R"sql(
CREATE TABLE webhook_deliveries (
    delivery_id      BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id          UUID    NOT NULL,
    event_id         BIGINT  NOT NULL,
    url              TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    created_at       BIGINT  NOT NULL,
    delivered_at     BIGINT,
    last_status_code INTEGER,
    last_error       TEXT,
    payload          TEXT
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, delivery_id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_call_idx ON webhook_deliveries (call_id, delivery_id);

CREATE TABLE webhook_attempts (
    delivery_id   BIGINT  NOT NULL
                  REFERENCES webhook_deliveries (delivery_id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    at            BIGINT  NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   BIGINT  NOT NULL,
    next_retry_at BIGINT,
    PRIMARY KEY (delivery_id, attempt)
);
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema: users, tokens, calls, call events, idempotency keys", kSqliteV1,
              kPostgresV1},
    Migration{2, "webhook outbox: deliveries and their attempts", kSqliteV2, kPostgresV2},
};

constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";

// Any constant works; it only has to be the same in every process migrating this database.
constexpr std::int64_t kMigrationLockKey = 0x63636170694d6967;  // "ccapiMig"

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latestSchemaVersion() { return kMigrations.back().version; }

Result<int> readSchemaVersion(SqlConnection& conn) {
    std::string_view exists =
        conn.dialect() == Dialect::kSqlite
            ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            : "SELECT 1 FROM pg_catalog.pg_tables"
              " WHERE schemaname = current_schema() AND tablename = 'schema_migrations'";
    auto found = conn.query(exists);
    if (!found) return found.error();
    if (found->empty()) return 0;
    auto version = conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!version) return version.error();
    return static_cast<int>(version->first().integer(0));
}

Result<int> applyMigrations(SqlConnection& conn, UnixMicros now) {
    auto before = readSchemaVersion(conn);
    if (!before) return before.error();
    if (*before > latestSchemaVersion()) return StorageErrc::kSchemaTooNew;

    int reached = *before;
    for (const Migration& migration : kMigrations) {
        if (migration.version <= reached) continue;
        auto step = inTransaction(conn, [&](SqlConnection& c) -> Result<int> {
            if (c.dialect() == Dialect::kPostgres) {
                auto locked = c.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey});
                if (!locked) return locked.error();
            }
            if (auto created = c.exec(kCreateSchemaMigrations); !created) return created.error();
            // Re-read under the lock: another process may have migrated meanwhile.
            auto current = readSchemaVersion(c);
            if (!current) return current.error();
            if (*current > latestSchemaVersion()) return StorageErrc::kSchemaTooNew;
            if (*current >= migration.version) return *current;
            if (auto applied = c.exec(migration.sql(c.dialect())); !applied) {
                return applied.error();
            }
            auto recorded =
                c.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        {migration.version, now});
            if (!recorded) return recorded.error();
            return migration.version;
        });
        if (!step) {
            log::error("migration failed",
                       {{"version", migration.version}, {"error", step.error().message()}});
            return step.error();
        }
        if (*step == migration.version) {
            log::info("migration applied",
                      {{"version", migration.version}, {"name", migration.name}});
        }
        reached = *step;
    }
    return reached;
}

}  // namespace ccapi::storage
