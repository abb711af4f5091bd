#include "storage/sql/sql_connection.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "storage/migrations/migrations.hpp"

namespace ccapi::storage {
namespace {

TEST(Placeholders, DollarNumbersBecomeQuestionNumbers) {
    EXPECT_EQ(translatePlaceholders("SELECT a FROM t WHERE b = $1 AND c = $12"),
              "SELECT a FROM t WHERE b = ?1 AND c = ?12");
    EXPECT_EQ(translatePlaceholders("VALUES ($2, $1)"), "VALUES (?2, ?1)");
}

TEST(Placeholders, QuotedTextAndCommentsAreLeftAlone) {
    EXPECT_EQ(translatePlaceholders("SELECT '$1', \"$2\" -- $3\n, $4"),
              "SELECT '$1', \"$2\" -- $3\n, ?4");
    EXPECT_EQ(translatePlaceholders("SELECT 'it''s $1', $1"), "SELECT 'it''s $1', ?1");
    EXPECT_EQ(translatePlaceholders("SELECT $ || 'x'"), "SELECT $ || 'x'");
}

TEST(SqlRow, ReadsBothDialectsBooleans) {
    SqlRow row({"1", "0", "t", "f", std::nullopt});
    EXPECT_TRUE(row.boolean(0));
    EXPECT_FALSE(row.boolean(1));
    EXPECT_TRUE(row.boolean(2));
    EXPECT_FALSE(row.boolean(3));
    EXPECT_FALSE(row.boolean(4));
}

TEST(SqlRow, NullAndMissingCellsAreNull) {
    SqlRow row({"42", std::nullopt});
    EXPECT_EQ(row.integer(0), 42);
    EXPECT_EQ(row.optInteger(0), 42);
    EXPECT_TRUE(row.isNull(1));
    EXPECT_EQ(row.optInteger(1), std::nullopt);
    EXPECT_EQ(row.optText(1), std::nullopt);
    EXPECT_TRUE(row.isNull(7));
    EXPECT_EQ(row.text(7), "");
}

TEST(SqlRow, ReadsFullRangeMicroseconds) {
    SqlRow row({"-1", "9223372036854775807"});
    EXPECT_EQ(row.integer(0), -1);
    EXPECT_EQ(row.integer(1), INT64_MAX);
}

TEST(SqlParam, BindsTypedValues) {
    std::optional<std::string> none;
    std::optional<std::int64_t> some = 7;
    EXPECT_EQ(SqlParam(none).kind(), SqlParam::Kind::kNull);
    EXPECT_EQ(SqlParam(some).integer(), 7);
    EXPECT_EQ(SqlParam(true).integer(), 1);
    EXPECT_EQ(SqlParam(std::string_view("x")).text(), "x");
    EXPECT_EQ(SqlParam(nullptr).kind(), SqlParam::Kind::kNull);
}

// Records what a transaction did; fails on demand.
class ScriptedConnection final : public SqlConnection {
public:
    Dialect dialect() const override { return Dialect::kSqlite; }
    using SqlConnection::query;
    Result<SqlResult> query(std::string_view sql, std::span<const SqlParam>) override {
        log.emplace_back(sql);
        return SqlResult{};
    }
    Result<void> exec(std::string_view sql) override {
        log.emplace_back(sql);
        return {};
    }
    Result<void> begin() override {
        log.emplace_back("BEGIN");
        return {};
    }
    Result<void> commit() override {
        log.emplace_back("COMMIT");
        if (fail_commit) return StorageErrc::kUnavailable;
        return {};
    }
    Result<void> rollback() override {
        log.emplace_back("ROLLBACK");
        return {};
    }
    bool recycle() override { return true; }

    std::vector<std::string> log;
    bool fail_commit = false;
};

TEST(InTransaction, CommitsWhatSucceeds) {
    ScriptedConnection conn;
    auto r = inTransaction(conn, [](SqlConnection& c) -> Result<int> {
        (void)c.query("UPDATE");
        return 5;
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 5);
    EXPECT_EQ(conn.log, (std::vector<std::string>{"BEGIN", "UPDATE", "COMMIT"}));
}

TEST(InTransaction, RollsBackWhatFails) {
    ScriptedConnection conn;
    auto r = inTransaction(conn, [](SqlConnection&) -> Result<bool> {
        return {boost::system::in_place_error, StorageErrc::kConflict};
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), StorageErrc::kConflict);
    EXPECT_EQ(conn.log, (std::vector<std::string>{"BEGIN", "ROLLBACK"}));
}

TEST(InTransaction, AFailedCommitIsTheResult) {
    ScriptedConnection conn;
    conn.fail_commit = true;
    auto r = inTransaction(conn, [](SqlConnection&) -> Result<void> { return {}; });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), StorageErrc::kUnavailable);
}

TEST(MigrationList, VersionsStartAtOneWithoutGaps) {
    int expected = 1;
    for (const Migration& m : migrations()) {
        EXPECT_EQ(m.version, expected++);
        EXPECT_FALSE(m.name.empty());
        EXPECT_FALSE(m.sql(Dialect::kSqlite).empty());
        EXPECT_FALSE(m.sql(Dialect::kPostgres).empty());
    }
    EXPECT_EQ(latestSchemaVersion(), expected - 1);
}

TEST(MigrationList, BothDialectsCreateTheSameTables) {
    for (const Migration& m : migrations()) {
        auto count = [](std::string_view sql, std::string_view what) {
            int n = 0;
            for (auto pos = sql.find(what); pos != std::string_view::npos;
                 pos = sql.find(what, pos + 1)) {
                ++n;
            }
            return n;
        };
        for (std::string_view what : {"CREATE TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX"}) {
            EXPECT_EQ(count(m.sqlite, what), count(m.postgres, what)) << m.version << " " << what;
        }
    }
}

TEST(StorageErrors, HaveACategoryAndMessages) {
    ErrorCode ec = StorageErrc::kConflict;
    EXPECT_STREQ(ec.category().name(), "ccapi.storage");
    EXPECT_EQ(ec.message(), "conflicts with an existing record");
    EXPECT_EQ(ErrorCode(StorageErrc::kBadUrl).message(), "database URL not understood");
}

}  // namespace
}  // namespace ccapi::storage
