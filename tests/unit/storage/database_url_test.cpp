#include "storage/database_url.hpp"

#include <gtest/gtest.h>

namespace ccapi::storage {
namespace {

using Kind = DatabaseTarget::Kind;

DatabaseTarget parse(std::string_view url) {
    auto target = parseDatabaseUrl(url);
    EXPECT_TRUE(target) << url;
    return target ? *target : DatabaseTarget{};
}

TEST(DatabaseUrl, ThreeSlashesIsARelativeSqlitePath) {
    auto t = parse("sqlite:///./data/contact_center.db");
    EXPECT_EQ(t.kind, Kind::kSqliteFile);
    EXPECT_EQ(t.location, "./data/contact_center.db");
    EXPECT_EQ(parse("sqlite:///x.db").location, "x.db");
}

TEST(DatabaseUrl, FourSlashesIsAnAbsoluteSqlitePath) {
    auto t = parse("sqlite:////var/lib/ccapi/x.db");
    EXPECT_EQ(t.kind, Kind::kSqliteFile);
    EXPECT_EQ(t.location, "/var/lib/ccapi/x.db");
}

TEST(DatabaseUrl, SqliteQueryOptionsAndDriverAreIgnored) {
    auto t = parse("sqlite+aiosqlite:///./x.db?check_same_thread=false");
    EXPECT_EQ(t.kind, Kind::kSqliteFile);
    EXPECT_EQ(t.location, "./x.db");
}

TEST(DatabaseUrl, SqliteWithoutAPathIsInMemory) {
    EXPECT_EQ(parse("sqlite://").kind, Kind::kSqliteMemory);
    EXPECT_EQ(parse("sqlite:///").kind, Kind::kSqliteMemory);
    EXPECT_EQ(parse("sqlite:///:memory:").kind, Kind::kSqliteMemory);
}

TEST(DatabaseUrl, PostgresSpellingsBecomeOneLibpqUri) {
    EXPECT_EQ(parse("postgresql://u:p@db:5432/cc").location, "postgresql://u:p@db:5432/cc");
    EXPECT_EQ(parse("postgres://u@db/cc").location, "postgresql://u@db/cc");
    auto t = parse("postgresql+asyncpg://u@db/cc?sslmode=require");
    EXPECT_EQ(t.kind, Kind::kPostgres);
    EXPECT_EQ(t.location, "postgresql://u@db/cc?sslmode=require");
    EXPECT_EQ(parse("PostgreSQL://u@db/cc").kind, Kind::kPostgres);
}

TEST(DatabaseUrl, AnythingElseIsABadUrl) {
    for (std::string_view url : {"", "://x", "mysql://u@h/db", "sqlite:x.db", "sqlite://host/x.db",
                                 "/var/lib/x.db", "postgresql://u@h/db with spaces"}) {
        auto t = parseDatabaseUrl(url);
        ASSERT_FALSE(t) << url;
        EXPECT_EQ(t.error(), StorageErrc::kBadUrl) << url;
    }
}

TEST(DatabaseUrl, RedactionHidesOnlyThePassword) {
    EXPECT_EQ(redactDatabaseUrl("postgresql://user:s3cret@db:5432/cc"),
              "postgresql://user:***@db:5432/cc");
    EXPECT_EQ(redactDatabaseUrl("postgresql://user@db/cc"), "postgresql://user@db/cc");
    EXPECT_EQ(redactDatabaseUrl("postgresql://db:5432/cc"), "postgresql://db:5432/cc");
    EXPECT_EQ(redactDatabaseUrl("sqlite:///./x.db"), "sqlite:///./x.db");
}

}  // namespace
}  // namespace ccapi::storage
