// The repository suite, run unchanged on every backend this binary was built for.
#include <gtest/gtest.h>

#include <latch>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "storage/migrations/migrations.hpp"
#include "storage/sql/connection_pool.hpp"
#include "storage/sql/sql_connection.hpp"
#include "store_fixture.hpp"

namespace ccapi::storage::testing {
namespace {

using namespace std::chrono_literals;

class Migrations : public StoreTest {};
class Database : public StoreTest {};
// One connection with a table of its own, for SqlConnection::queryTogether.
class StatementsTogether : public StoreTest {
protected:
    static constexpr std::string_view kInsert = "INSERT INTO together (v) VALUES ($1)";

    void SetUp() override {
        StoreTest::SetUp();
        auto acquired = sql().pool().acquire();
        ASSERT_TRUE(acquired);
        conn_.emplace(std::move(*acquired));
        ASSERT_TRUE(conn().exec("CREATE TABLE together (v INTEGER NOT NULL)"));
    }
    SqlConnection& conn() { return **conn_; }
    std::int64_t rows() {
        return conn().query("SELECT COUNT(*) FROM together")->first().integer(0);
    }
    // Three inserts; the second fails as it runs (NOT NULL), not as it is prepared.
    std::span<const SqlStatement> failingSecond() const { return failing_second_; }

private:
    const SqlParam one_[1] = {1};
    const SqlParam null_[1] = {nullptr};
    const SqlParam two_[1] = {2};
    const SqlStatement failing_second_[3] = {{kInsert, one_}, {kInsert, null_}, {kInsert, two_}};
    std::optional<PooledConnection> conn_;
};
class UserStore : public MigratedStoreTest {};
class TokenStore : public MigratedStoreTest {
protected:
    RefreshToken token(const User& user, std::string jti, std::string family,
                       UnixMicros lifetime = 24 * kHour) {
        return {.jti = std::move(jti),
                .user_id = user.id,
                .family_id = std::move(family),
                .issued_at = clock_->now(),
                .expires_at = clock_->now() + lifetime};
    }
    RefreshUse use(std::string_view jti) {
        auto used = db_->tokens().useRefresh(jti, clock_->now());
        EXPECT_TRUE(used) << used.error().message();
        return used ? used->outcome : RefreshUse::kUnknown;
    }
    void save(const RefreshToken& t) {
        auto saved = db_->tokens().saveRefresh(t);
        ASSERT_TRUE(saved) << saved.error().message();
    }
};

// ---------------------------------------------------------------------------------------------
// Migrations

TEST_P(Migrations, UnmigratedDatabaseReportsVersionZero) {
    auto version = db_->schemaVersion();
    ASSERT_TRUE(version) << version.error().message();
    EXPECT_EQ(*version, 0);
    EXPECT_EQ(checkSchema(*db_).error(), StorageErrc::kNotMigrated);
}

TEST_P(Migrations, MigrateReachesTheLatestVersion) {
    auto migrated = db_->migrate();
    ASSERT_TRUE(migrated) << migrated.error().message();
    EXPECT_EQ(*migrated, db_->latestSchemaVersion());
    EXPECT_EQ(db_->schemaVersion().value(), db_->latestSchemaVersion());
    EXPECT_TRUE(checkSchema(*db_));
}

TEST_P(Migrations, EveryMigrationIsRecordedOnceWithItsTime) {
    ASSERT_TRUE(db_->migrate());
    auto rows = query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
    ASSERT_EQ(rows.rows.size(), migrations().size());
    for (std::size_t i = 0; i < rows.rows.size(); ++i) {
        EXPECT_EQ(rows.rows[i].integer(0), migrations()[i].version);
        EXPECT_EQ(rows.rows[i].integer(1), kStart);
    }
}

TEST_P(Migrations, MigratingAgainChangesNothing) {
    ASSERT_TRUE(db_->migrate());
    ASSERT_TRUE(db_->users().create({.username = "alice", .hashed_password = "h"}));
    auto again = db_->migrate();
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, db_->latestSchemaVersion());
    EXPECT_EQ(db_->users().count().value(), 1);
    EXPECT_EQ(query("SELECT COUNT(*) FROM schema_migrations").rows.at(0).integer(0),
              static_cast<std::int64_t>(migrations().size()));
}

TEST_P(Migrations, SchemaNewerThanTheBinaryIsRefused) {
    ASSERT_TRUE(db_->migrate());
    query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
          {db_->latestSchemaVersion() + 1, kStart});
    EXPECT_EQ(checkSchema(*db_).error(), StorageErrc::kSchemaTooNew);
    EXPECT_EQ(db_->migrate().error(), StorageErrc::kSchemaTooNew);
}

TEST_P(Migrations, ConcurrentMigrationsApplyEachVersionOnce) {
    // Two handles on one database race, as two service instances starting together would. An
    // in-memory database has one handle, so its race is between two threads on it.
    std::unique_ptr<storage::Database> second =
        GetParam() == Backend::kSqliteMemory ? nullptr : open();
    storage::Database& other = second ? *second : *db_;
    std::latch start(2);
    Result<int> a = 0, b = 0;
    std::thread ta([&] {
        start.arrive_and_wait();
        a = db_->migrate();
    });
    std::thread tb([&] {
        start.arrive_and_wait();
        b = other.migrate();
    });
    ta.join();
    tb.join();
    ASSERT_TRUE(a) << a.error().message();
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(*a, db_->latestSchemaVersion());
    EXPECT_EQ(*b, db_->latestSchemaVersion());
    EXPECT_EQ(query("SELECT COUNT(*) FROM schema_migrations").rows.at(0).integer(0),
              static_cast<std::int64_t>(migrations().size()));
}

TEST_P(Migrations, AVersion1DatabaseUpgradesKeepingItsCalls) {
    // A database an earlier release migrated: version 1 only, with a call in it.
    {
        auto conn = sql().pool().acquire();
        ASSERT_TRUE(conn);
        ASSERT_TRUE((*conn)->exec(migrations()[0].sql(sql().dialect())));
        ASSERT_TRUE(
            (*conn)->exec("CREATE TABLE schema_migrations ("
                          " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
    }
    query("INSERT INTO schema_migrations (version, applied_at) VALUES (1, $1)", {kStart});
    query(
        "INSERT INTO calls (call_id, user_id, phone_number, status, context, extension, priority,"
        " timeout_ms, variables, created_at, updated_at)"
        " VALUES ($1, 1, '+15551234567', 'answered', 'outbound-ivr', 's', 1, 30000, '{}', $2, $2)",
        {"3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01", kStart});
    ASSERT_EQ(db_->schemaVersion().value(), 1);

    auto migrated = db_->migrate();
    ASSERT_TRUE(migrated) << migrated.error().message();
    EXPECT_EQ(*migrated, db_->latestSchemaVersion());
    auto call = db_->calls().get("3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01");
    ASSERT_TRUE(call && call->has_value());
    EXPECT_EQ((*call)->status, CallStatus::kAnswered);
    EXPECT_EQ(db_->webhooks().pendingCount().value(), 0);
}

TEST_P(Migrations, CallSchemaEnforcesOneIdempotencyKeyPerUser) {
    ASSERT_TRUE(db_->migrate());
    constexpr std::string_view call =
        "INSERT INTO calls (call_id, user_id, phone_number, status, context, extension, priority,"
        " timeout_ms, variables, created_at, updated_at)"
        " VALUES ($1, 1, '+15551234567', 'pending', 'outbound-ivr', 's', 1, 30000, '{}', $2, $2)";
    constexpr std::string_view key =
        "INSERT INTO idempotency_keys (user_id, key, request_hash, call_id, created_at)"
        " VALUES ($1, $2, 'hash', $3, $4)";
    query(call, {"3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01", kStart});
    query(key, {1, "key-1", "3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01", kStart});
    query(key, {2, "key-1", "3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01", kStart});
    query(key, {1, "key-2", "3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01", kStart});
    auto conn = sql().pool().acquire();
    ASSERT_TRUE(conn);
    auto duplicate =
        (*conn)->query(key, {1, "key-1", "3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01", kStart});
    EXPECT_EQ(duplicate.error(), StorageErrc::kConflict);
}

TEST_P(Migrations, CallSchemaRejectsAnUnknownStatus) {
    ASSERT_TRUE(db_->migrate());
    auto conn = sql().pool().acquire();
    ASSERT_TRUE(conn);
    auto bad = (*conn)->query(
        "INSERT INTO calls (call_id, user_id, phone_number, status, context, extension, priority,"
        " timeout_ms, created_at, updated_at)"
        " VALUES ('3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01', 1, '+1555', 'exploded', 'c', 's', 1, 1,"
        " 0, 0)");
    EXPECT_FALSE(bad);
}

TEST_P(Migrations, OutboxSchemaRejectsAnUnknownStateAndAttemptsOfNoDelivery) {
    ASSERT_TRUE(db_->migrate());
    auto conn = sql().pool().acquire();
    ASSERT_TRUE(conn);
    auto bad_state = (*conn)->query(
        "INSERT INTO webhook_deliveries (call_id, event_id, url, state, attempts, created_at)"
        " VALUES ('3f1c1b4e-7d2a-4c55-9a0e-0a4b1f8f2c01', 1, 'https://x', 'lost', 0, 0)");
    EXPECT_FALSE(bad_state);
    auto orphan = (*conn)->query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms)"
        " VALUES (4711, 1, 0, 0)");
    EXPECT_FALSE(orphan);
}

// ---------------------------------------------------------------------------------------------
// The database handle

TEST_P(Database, NamesItsBackend) {
    switch (GetParam()) {
        case Backend::kSqliteFile:
            EXPECT_EQ(db_->backend(), "sqlite");
            break;
        case Backend::kSqliteMemory:
            EXPECT_EQ(db_->backend(), "memory");
            break;
        case Backend::kPostgres:
            EXPECT_EQ(db_->backend(), "postgresql");
            break;
    }
}

TEST_P(Database, PingSucceeds) { EXPECT_TRUE(db_->ping()); }

TEST_P(Database, QueriesOnAnUnmigratedDatabaseFailAsValues) {
    auto count = db_->users().count();
    ASSERT_FALSE(count);
    EXPECT_EQ(count.error(), StorageErrc::kQueryFailed);
}

// ---------------------------------------------------------------------------------------------
// Statements sent together (SqlConnection::queryTogether)

TEST_P(StatementsTogether, AnswerInOrderAndSeeEachOther) {
    ASSERT_TRUE(conn().begin());
    const SqlParam one[] = {1};
    const SqlParam two[] = {2};
    const SqlParam word[] = {"word"};
    const SqlStatement statements[] = {
        {kInsert, one},
        {kInsert, two},
        {"SELECT COUNT(*), SUM(v) FROM together", {}},
        {"SELECT CAST($1 AS TEXT)", word},
    };
    auto answers = conn().queryTogether(statements);
    ASSERT_TRUE(answers) << answers.error().message();
    ASSERT_EQ(answers->size(), 4u);
    EXPECT_EQ((*answers)[0].affected, 1);
    EXPECT_EQ((*answers)[1].affected, 1);
    EXPECT_EQ((*answers)[2].first().integer(0), 2);
    EXPECT_EQ((*answers)[2].first().integer(1), 3);
    EXPECT_EQ((*answers)[3].first().text(0), "word");
    ASSERT_TRUE(conn().commit());
    EXPECT_EQ(rows(), 2);
}

TEST_P(StatementsTogether, AFailureInsideATransactionIsTheResultAndLeavesTheConnectionUsable) {
    ASSERT_TRUE(conn().begin());
    auto answers = conn().queryTogether(failingSecond());
    ASSERT_FALSE(answers);
    EXPECT_EQ(answers.error(), StorageErrc::kQueryFailed);
    ASSERT_TRUE(conn().rollback());
    EXPECT_TRUE(conn().recycle());
    EXPECT_EQ(rows(), 0);
}

// As documented: outside a transaction PostgreSQL's pipeline is one implicit transaction, rolled
// back with its failure; SQLite commits each statement before the failure on its own. Either
// way the statements after the failure do not run.
TEST_P(StatementsTogether, AFailureOutsideATransactionStopsTheRest) {
    auto answers = conn().queryTogether(failingSecond());
    ASSERT_FALSE(answers);
    EXPECT_EQ(answers.error(), StorageErrc::kQueryFailed);
    EXPECT_TRUE(conn().recycle());
    EXPECT_EQ(rows(), GetParam() == Backend::kPostgres ? 0 : 1);
}

// Each on its own, a failure ends only its own statement: on PostgreSQL those after it still
// run; SQLite, running them in turn, stops at it.
TEST_P(StatementsTogether, AFailureAmongStatementsSentEachOnTheirOwnEndsOnlyItself) {
    auto answers = conn().queryTogether(failingSecond(), SqlConnection::Together::kEachOnItsOwn);
    ASSERT_FALSE(answers);
    EXPECT_EQ(answers.error(), StorageErrc::kQueryFailed);
    EXPECT_TRUE(conn().recycle());
    EXPECT_EQ(rows(), GetParam() == Backend::kPostgres ? 2 : 1);
}

// ---------------------------------------------------------------------------------------------
// Users

TEST_P(UserStore, CreatedUserCanBeFoundByNameAndId) {
    auto created = db_->users().create({.username = "alice",
                                        .email = "alice@example.com",
                                        .full_name = "Alice Liddell",
                                        .hashed_password = "$2b$12$abc",
                                        .is_superuser = true});
    ASSERT_TRUE(created) << created.error().message();
    EXPECT_GT(created->id, 0);
    EXPECT_EQ(created->created_at, kStart);
    EXPECT_TRUE(created->is_active);

    auto by_name = db_->users().findByUsername("alice");
    ASSERT_TRUE(by_name);
    ASSERT_TRUE(by_name->has_value());
    const User& user = **by_name;
    EXPECT_EQ(user.id, created->id);
    EXPECT_EQ(user.username, "alice");
    EXPECT_EQ(user.email, "alice@example.com");
    EXPECT_EQ(user.full_name, "Alice Liddell");
    EXPECT_EQ(user.hashed_password, "$2b$12$abc");
    EXPECT_TRUE(user.is_active);
    EXPECT_TRUE(user.is_superuser);
    EXPECT_EQ(user.created_at, kStart);

    auto by_id = db_->users().findById(created->id);
    ASSERT_TRUE(by_id);
    ASSERT_TRUE(by_id->has_value());
    EXPECT_EQ((*by_id)->username, "alice");
}

TEST_P(UserStore, DuplicateUsernameIsAConflict) {
    addUser("alice");
    auto again = db_->users().create({.username = "alice", .hashed_password = "other"});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), StorageErrc::kConflict);
    EXPECT_EQ(db_->users().count().value(), 1);
}

TEST_P(UserStore, UnknownUserIsNotFound) {
    auto by_name = db_->users().findByUsername("nobody");
    ASSERT_TRUE(by_name);
    EXPECT_FALSE(by_name->has_value());
    auto by_id = db_->users().findById(424242);
    ASSERT_TRUE(by_id);
    EXPECT_FALSE(by_id->has_value());
}

TEST_P(UserStore, ListReturnsEveryUserInCreationOrder) {
    addUser("carol");
    addUser("alice");
    addUser("bob");
    auto users = db_->users().list();
    ASSERT_TRUE(users);
    ASSERT_EQ(users->size(), 3u);
    EXPECT_EQ((*users)[0].username, "carol");
    EXPECT_EQ((*users)[1].username, "alice");
    EXPECT_EQ((*users)[2].username, "bob");
    EXPECT_EQ(db_->users().count().value(), 3);
}

TEST_P(UserStore, DisablingAUserIsStored) {
    addUser("alice");
    EXPECT_TRUE(db_->users().setActive("alice", false).value());
    EXPECT_FALSE(db_->users().findByUsername("alice").value()->is_active);
    EXPECT_TRUE(db_->users().setActive("alice", true).value());
    EXPECT_TRUE(db_->users().findByUsername("alice").value()->is_active);
}

TEST_P(UserStore, ChangingAnUnknownUserReportsFalse) {
    EXPECT_FALSE(db_->users().setActive("nobody", false).value());
    EXPECT_FALSE(db_->users().setPassword("nobody", "x").value());
}

TEST_P(UserStore, SetPasswordReplacesTheHash) {
    addUser("alice");
    addUser("bob");
    EXPECT_TRUE(db_->users().setPassword("alice", "$2b$12$new").value());
    EXPECT_EQ(db_->users().findByUsername("alice").value()->hashed_password, "$2b$12$new");
    EXPECT_EQ(db_->users().findByUsername("bob").value()->hashed_password, "$2b$12$hash-of-bob");
}

TEST_P(UserStore, TextSurvivesTheRoundTripVerbatim) {
    // Quotes, placeholders and comment markers are data, never SQL.
    std::string name = "o'brien \"$1\" -- ?2 ünïcødé 電話";
    auto created = db_->users().create({.username = name,
                                        .email = "$2",
                                        .full_name = "'); DROP TABLE users; --",
                                        .hashed_password = "h"});
    ASSERT_TRUE(created) << created.error().message();
    auto found = db_->users().findByUsername(name);
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->username, name);
    EXPECT_EQ((*found)->email, "$2");
    EXPECT_EQ((*found)->full_name, "'); DROP TABLE users; --");
    EXPECT_EQ(db_->users().count().value(), 1);
}

TEST_P(UserStore, ConcurrentCreatesOfOneUsernameYieldOneUser) {
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> created{0}, conflicts{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            auto user = db_->users().create(
                {.username = "racer", .hashed_password = "h" + std::to_string(i)});
            if (user) {
                ++created;
            } else if (user.error() == StorageErrc::kConflict) {
                ++conflicts;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created, 1);
    EXPECT_EQ(conflicts, kThreads - 1);
    EXPECT_EQ(other, 0);
}

// ---------------------------------------------------------------------------------------------
// Tokens

TEST_P(TokenStore, RevokedAccessTokenIsReportedRevoked) {
    EXPECT_FALSE(db_->tokens().isAccessRevoked("jti-1").value());
    ASSERT_TRUE(db_->tokens().revokeAccess("jti-1", kStart + kHour));
    EXPECT_TRUE(db_->tokens().isAccessRevoked("jti-1").value());
    EXPECT_FALSE(db_->tokens().isAccessRevoked("jti-2").value());
}

TEST_P(TokenStore, RevokingAnAccessTokenTwiceIsNotAnError) {
    ASSERT_TRUE(db_->tokens().revokeAccess("jti-1", kStart + kHour));
    EXPECT_TRUE(db_->tokens().revokeAccess("jti-1", kStart + kHour));
}

TEST_P(TokenStore, LiveRevocationsLeaveOutExpiredOnes) {
    ASSERT_TRUE(db_->tokens().revokeAccess("old", kStart - 1));
    ASSERT_TRUE(db_->tokens().revokeAccess("live-2", kStart + 2 * kHour));
    ASSERT_TRUE(db_->tokens().revokeAccess("live-1", kStart + kHour));
    auto live = db_->tokens().liveRevokedAccess(kStart);
    ASSERT_TRUE(live);
    EXPECT_EQ(*live, (std::vector<std::string>{"live-1", "live-2"}));
}

TEST_P(TokenStore, RefreshTokenIsAcceptedOnce) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    auto used = db_->tokens().useRefresh("r1", kStart + 1);
    ASSERT_TRUE(used) << used.error().message();
    EXPECT_EQ(used->outcome, RefreshUse::kAccepted);
    ASSERT_TRUE(used->token);
    EXPECT_EQ(used->token->jti, "r1");
    EXPECT_EQ(used->token->user_id, alice.id);
    EXPECT_EQ(used->token->family_id, "fam");
    EXPECT_EQ(used->token->issued_at, kStart);
    EXPECT_EQ(used->token->expires_at, kStart + 24 * kHour);
    EXPECT_EQ(query("SELECT used_at FROM refresh_tokens WHERE jti = 'r1'").rows.at(0).integer(0),
              kStart + 1);
}

TEST_P(TokenStore, RotationKeepsTheFamilyAlive) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    EXPECT_EQ(use("r1"), RefreshUse::kAccepted);
    save(token(alice, "r2", "fam"));
    EXPECT_EQ(use("r2"), RefreshUse::kAccepted);
    save(token(alice, "r3", "fam"));
    EXPECT_EQ(use("r3"), RefreshUse::kAccepted);
}

TEST_P(TokenStore, ReuseOfARotatedTokenRevokesTheWholeFamily) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    save(token(alice, "other-login", "fam-2"));
    EXPECT_EQ(use("r1"), RefreshUse::kAccepted);
    save(token(alice, "r2", "fam"));

    EXPECT_EQ(use("r1"), RefreshUse::kReused);
    EXPECT_EQ(use("r2"), RefreshUse::kRevoked);
    EXPECT_EQ(use("r1"), RefreshUse::kRevoked);
    EXPECT_EQ(query("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = 'fam' AND NOT revoked")
                  .rows.at(0)
                  .integer(0),
              0);
    // Another login of the same user is not affected.
    EXPECT_EQ(use("other-login"), RefreshUse::kAccepted);
}

TEST_P(TokenStore, TokenSavedIntoARevokedFamilyIsRevoked) {
    // The race this guards: a rotation saving its new token just as a reuse elsewhere revokes
    // the family. Whatever the order, the new token must not outlive the revocation.
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    ASSERT_TRUE(db_->tokens().revokeRefreshFamily("fam"));
    save(token(alice, "r2", "fam"));
    EXPECT_EQ(use("r2"), RefreshUse::kRevoked);
}

TEST_P(TokenStore, RevokedFamilyRejectsItsTokens) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    ASSERT_TRUE(db_->tokens().revokeRefreshFamily("fam"));
    EXPECT_EQ(use("r1"), RefreshUse::kRevoked);
    EXPECT_TRUE(db_->tokens().revokeRefreshFamily("fam"));  // idempotent
    EXPECT_TRUE(db_->tokens().revokeRefreshFamily("no-such-family"));
}

TEST_P(TokenStore, ExpiredRefreshTokenIsExpired) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam", kHour));
    clock_->advance(std::chrono::hours(1));
    EXPECT_EQ(use("r1"), RefreshUse::kExpired);
    // Expiry consumes nothing: the family is not treated as compromised.
    EXPECT_EQ(query("SELECT COUNT(*) FROM refresh_tokens WHERE used_at IS NOT NULL")
                  .rows.at(0)
                  .integer(0),
              0);
}

TEST_P(TokenStore, UnknownRefreshTokenIsUnknown) {
    auto used = db_->tokens().useRefresh("never-issued", kStart);
    ASSERT_TRUE(used);
    EXPECT_EQ(used->outcome, RefreshUse::kUnknown);
    EXPECT_FALSE(used->token);
}

TEST_P(TokenStore, DuplicateRefreshJtiIsAConflict) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    auto again = db_->tokens().saveRefresh(token(alice, "r1", "fam"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), StorageErrc::kConflict);
}

TEST_P(TokenStore, RefreshTokenOfAnUnknownUserIsRejected) {
    RefreshToken orphan{.jti = "r1",
                        .user_id = 999,
                        .family_id = "fam",
                        .issued_at = kStart,
                        .expires_at = kStart + kHour};
    EXPECT_FALSE(db_->tokens().saveRefresh(orphan));
    EXPECT_EQ(use("r1"), RefreshUse::kUnknown);
}

TEST_P(TokenStore, PurgeDropsOnlyExpiredRows) {
    User alice = addUser("alice");
    ASSERT_TRUE(db_->tokens().revokeAccess("access-old", kStart + kHour));
    ASSERT_TRUE(db_->tokens().revokeAccess("access-live", kStart + 3 * kHour));
    save(token(alice, "refresh-old", "fam-old", kHour));
    save(token(alice, "refresh-live", "fam-live", 3 * kHour));

    auto removed = db_->tokens().purgeExpired(kStart + 2 * kHour);
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_EQ(*removed, 3);  // one revocation, one refresh token, its family
    EXPECT_FALSE(db_->tokens().isAccessRevoked("access-old").value());
    EXPECT_TRUE(db_->tokens().isAccessRevoked("access-live").value());
    EXPECT_EQ(use("refresh-old"), RefreshUse::kUnknown);
    EXPECT_EQ(use("refresh-live"), RefreshUse::kAccepted);
    EXPECT_EQ(db_->tokens().purgeExpired(kStart + 2 * kHour).value(), 0);
}

TEST_P(TokenStore, ConcurrentUsesOfOneTokenAcceptExactlyOne) {
    User alice = addUser("alice");
    save(token(alice, "r1", "fam"));
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> accepted{0}, reused{0}, revoked{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            start.arrive_and_wait();
            auto used = db_->tokens().useRefresh("r1", kStart + 1);
            if (!used) {
                ++other;
                ADD_FAILURE() << used.error().message();
                return;
            }
            switch (used->outcome) {
                case RefreshUse::kAccepted:
                    ++accepted;
                    break;
                case RefreshUse::kReused:
                    ++reused;
                    break;
                case RefreshUse::kRevoked:
                    ++revoked;
                    break;
                default:
                    ++other;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted, 1);
    // The first late use detects the reuse and revokes the family; later ones find it revoked.
    EXPECT_GE(reused, 1);
    EXPECT_EQ(reused + revoked, kThreads - 1);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(use("r1"), RefreshUse::kRevoked);
}

TEST_P(TokenStore, ConcurrentRotationsOfDifferentFamiliesAllSucceed) {
    User alice = addUser("alice");
    constexpr int kThreads = 8;
    for (int i = 0; i < kThreads; ++i) {
        save(token(alice, "r" + std::to_string(i), "fam-" + std::to_string(i)));
    }
    std::latch start(kThreads);
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            std::string n = std::to_string(i);
            for (int round = 0; round < 5; ++round) {
                std::string jti = "r" + n + (round ? "-" + std::to_string(round) : "");
                auto used = db_->tokens().useRefresh(jti, kStart + 1);
                if (!used || used->outcome != RefreshUse::kAccepted) return;
                auto saved = db_->tokens().saveRefresh(
                    token(alice, "r" + n + "-" + std::to_string(round + 1), "fam-" + n));
                if (!saved) return;
                ++accepted;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted, kThreads * 5);
}

INSTANTIATE_TEST_SUITE_P(Store, Migrations, CCAPI_BACKENDS, backendName);
INSTANTIATE_TEST_SUITE_P(Store, Database, CCAPI_BACKENDS, backendName);
INSTANTIATE_TEST_SUITE_P(Store, StatementsTogether, CCAPI_BACKENDS, backendName);
INSTANTIATE_TEST_SUITE_P(Store, UserStore, CCAPI_BACKENDS, backendName);
INSTANTIATE_TEST_SUITE_P(Store, TokenStore, CCAPI_BACKENDS, backendName);

}  // namespace
}  // namespace ccapi::storage::testing
