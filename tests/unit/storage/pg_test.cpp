// What only PostgreSQL does: connection failures, native column types, the test server itself.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/sql/connection_pool.hpp"
#include "storage/sql/sql_call_store.hpp"
#include "storage/sql/sql_connection.hpp"
#include "storage/sql/sql_database.hpp"
#include "storage/stores.hpp"
#include "support/pg_server.hpp"

namespace ccapi::storage {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kAdvisoryLocksHeldSql =
    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()";

// A loopback port nobody listens on: bound, never listened, so connects are refused.
class ClosedPort {
public:
    ClosedPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~ClosedPort() { ::close(fd_); }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

TEST(Postgres, UnreachableServerIsUnavailable) {
    ClosedPort closed;
    auto started = Clock::now();
    auto db = openDatabase(
        {.url = "postgresql://ccapi@127.0.0.1:" + std::to_string(closed.port()) + "/ccapi"});
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error(), StorageErrc::kUnavailable);
    EXPECT_LT(Clock::now() - started, 5s);
}

TEST(Postgres, SilentServerIsUnavailableAfterTheConnectTimeoutNotAHang) {
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the connect either fails at once or times out.
    auto started = Clock::now();
    auto db = openDatabase({.url = "postgresql://ccapi@192.0.2.1:5432/ccapi",
                            .connect_timeout = std::chrono::seconds(1)});
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error(), StorageErrc::kUnavailable);
    EXPECT_LT(Clock::now() - started, 5s);
}

TEST(Postgres, LostServerIsUnavailableNotAnError) {
    test::PgTestServer server;
    auto db = openDatabase({.url = server.url()});
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE((*db)->migrate());
    ASSERT_TRUE((*db)->ping());
    server.stop();
    EXPECT_EQ((*db)->ping().error(), StorageErrc::kUnavailable);
    EXPECT_EQ((*db)->users().count().error(), StorageErrc::kUnavailable);
    EXPECT_EQ((*db)->schemaVersion().error(), StorageErrc::kUnavailable);
}

TEST(Postgres, UnmigratedDatabaseReportsVersionZero) {
    auto db = openDatabase({.url = test::sharedPgServer().createDatabase()});
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ((*db)->schemaVersion().value(), 0);
    EXPECT_EQ(checkSchema(**db).error(), StorageErrc::kNotMigrated);
}

TEST(Postgres, SqlAlchemyAndShortSchemesAreAccepted) {
    std::string url = test::sharedPgServer().url();
    std::string rest = url.substr(url.find("://"));
    for (std::string scheme : {"postgres", "postgresql+psycopg2", "postgresql+asyncpg"}) {
        auto db = openDatabase({.url = scheme + rest});
        ASSERT_TRUE(db) << scheme << ": " << db.error().message();
        EXPECT_EQ((*db)->backend(), "postgresql");
    }
}

TEST(Postgres, CallColumnsUseNativeTypes) {
    auto db = openDatabase({.url = test::sharedPgServer().createDatabase()});
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->migrate());
    auto conn = dynamic_cast<SqlDatabase&>(**db).pool().acquire();
    ASSERT_TRUE(conn);
    auto types = (*conn)->query(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = 'calls' AND column_name IN ($1, $2, $3, $4) ORDER BY column_name",
        {"call_id", "created_at", "status_callback_events", "variables"});
    ASSERT_TRUE(types);
    ASSERT_EQ(types->rows.size(), 4u);
    EXPECT_EQ(types->rows[0].text(1), "uuid");
    EXPECT_EQ(types->rows[1].text(1), "bigint");
    EXPECT_EQ(types->rows[2].text(1), "jsonb");
    EXPECT_EQ(types->rows[3].text(1), "jsonb");
}

// The plan PostgreSQL keeps for a prepared statement is the generic one: made without the
// parameters, with the table's statistics of that moment.
TEST(Postgres, AGroupCommitUpdatesItsCallsByPrimaryKeyOnATableOfThousands) {
    auto db = openDatabase({.url = test::sharedPgServer().createDatabase()});
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->migrate());
    auto conn = dynamic_cast<SqlDatabase&>(**db).pool().acquire();
    ASSERT_TRUE(conn);
    ASSERT_TRUE((*conn)->exec(
        "INSERT INTO users (username, email, full_name, hashed_password, is_active,"
        " is_superuser, created_at) VALUES ('u', 'u@example.com', 'U', 'x', true, true, 0);"
        "INSERT INTO calls (call_id, user_id, phone_number, status, context, extension,"
        " priority, timeout_ms, created_at, updated_at)"
        " SELECT gen_random_uuid(), 1, '+15551230001', 'dialing', 'outbound-ivr', 's', 1,"
        " 30000, n, n FROM generate_series(1, 5000) AS n;"
        "ANALYZE calls;"
        "SET plan_cache_mode = force_generic_plan;"
        "PREPARE bulk_update(json, uuid[]) AS " +
        std::string(SqlCallStore::kBulkUpdateCallsSql)));
    auto plan = (*conn)->query("EXPLAIN EXECUTE bulk_update('[]', '{}')");
    ASSERT_TRUE(plan) << plan.error().message();
    std::string text;
    for (const auto& row : plan->rows) text += std::string(row.text(0)) + "\n";
    EXPECT_NE(text.find("calls_pkey"), std::string::npos) << text;
    EXPECT_EQ(text.find("Seq Scan on calls"), std::string::npos) << text;
}

TEST(Postgres, PoolNeverOpensMoreThanItsSize) {
    auto db = openDatabase({.url = test::sharedPgServer().createDatabase(),
                            .pool_size = 2,
                            .pool_wait = std::chrono::milliseconds(50)});
    ASSERT_TRUE(db);
    auto& pool = dynamic_cast<SqlDatabase&>(**db).pool();
    auto a = pool.acquire();
    auto b = pool.acquire();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(pool.openConnections(), 2u);
    auto c = pool.acquire();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), StorageErrc::kUnavailable);
}

// One connection to a fresh database, for the tests of queryTogether.
class PgStatementsTogether : public ::testing::Test {
protected:
    void SetUp() override {
        auto db = openDatabase({.url = test::sharedPgServer().createDatabase()});
        ASSERT_TRUE(db);
        db_ = std::move(*db);
        auto acquired = dynamic_cast<SqlDatabase&>(*db_).pool().acquire();
        ASSERT_TRUE(acquired);
        conn_.emplace(std::move(*acquired));
    }
    SqlConnection& conn() { return **conn_; }

    std::int64_t advisoryLocksHeld() {
        auto held = conn().query(kAdvisoryLocksHeldSql);
        return held ? held->first().integer(0) : -1;
    }
    // Sends "take an advisory lock" and "count the locks held" together; -1 if that failed.
    std::int64_t locksSeenBySecondStatement(SqlConnection::Together together) {
        const SqlParam key[] = {std::int64_t{4242}};
        const SqlStatement statements[] = {{"SELECT pg_advisory_xact_lock($1)", key},
                                           {kAdvisoryLocksHeldSql, {}}};
        auto answers = conn().queryTogether(statements, together);
        return answers ? (*answers)[1].first().integer(0) : -1;
    }

private:
    std::unique_ptr<Database> db_;
    std::optional<PooledConnection> conn_;  // declared after db_: returned to its pool first
};

// Sent as one transaction, a lock the first statement takes lasts through the others and ends
// with them.
TEST_F(PgStatementsTogether, ALockTakenByStatementsSentAsOneTransactionEndsWithThem) {
    EXPECT_EQ(locksSeenBySecondStatement(SqlConnection::Together::kOneTransaction), 1);
    EXPECT_EQ(advisoryLocksHeld(), 0);
}

// The settled-horizon read: its lock must be gone before the page read sent with it runs, or
// every event writer would wait for that read.
TEST_F(PgStatementsTogether, StatementsSentEachOnTheirOwnEndTheirOwnTransactions) {
    EXPECT_EQ(locksSeenBySecondStatement(SqlConnection::Together::kEachOnItsOwn), 0);
}

// Statements are prepared before they are sent together; one prepared early must not be
// evicted by the cache's limit while the later ones are prepared.
TEST_F(PgStatementsTogether, StatementsSentTogetherSurviveAFullStatementCache) {
    std::vector<std::string> texts;
    for (int i = 0; i < 300; ++i) texts.push_back("SELECT " + std::to_string(i));
    // Fill the cache to one short of its 256 statements, then send three new ones together.
    for (int i = 0; i < 255; ++i) ASSERT_TRUE(conn().query(texts[static_cast<std::size_t>(i)]));
    const SqlStatement statements[] = {{texts[255], {}}, {texts[256], {}}, {texts[257], {}}};
    auto answers = conn().queryTogether(statements);
    ASSERT_TRUE(answers) << answers.error().message();
    EXPECT_EQ((*answers)[0].first().integer(0), 255);
    EXPECT_EQ((*answers)[1].first().integer(0), 256);
    EXPECT_EQ((*answers)[2].first().integer(0), 257);
}

TEST(Postgres, StatementsSentTogetherOnALostSessionAreUnavailable) {
    auto db = openDatabase({.url = test::sharedPgServer().createDatabase(), .pool_size = 2});
    ASSERT_TRUE(db);
    auto& pool = dynamic_cast<SqlDatabase&>(**db).pool();
    auto victim = pool.acquire();
    auto other = pool.acquire();
    ASSERT_TRUE(victim && other);
    auto pid = (*victim)->query("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid);
    ASSERT_TRUE((*other)->query("SELECT pg_terminate_backend(CAST($1 AS INTEGER))",
                                {pid->first().integer(0)}));
    const SqlStatement statements[] = {{"SELECT 1", {}}, {"SELECT 2", {}}};
    auto answers = (*victim)->queryTogether(statements);
    ASSERT_FALSE(answers);
    EXPECT_EQ(answers.error(), StorageErrc::kUnavailable);
    EXPECT_FALSE((*victim)->recycle());
}

TEST(PgTestServer, ServesItsDatabaseOnLoopback) {
    auto& server = test::sharedPgServer();
    EXPECT_EQ(server.url(),
              "postgresql://ccapi@127.0.0.1:" + std::to_string(server.port()) + "/ccapi_test");
    auto db = openDatabase({.url = server.url()});
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_TRUE((*db)->ping());
}

}  // namespace
}  // namespace ccapi::storage
