// What only SQLite files and in-memory databases do: URLs, files on disk, pragmas.
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/sql/sql_database.hpp"
#include "storage/stores.hpp"
#include "support/temp_dir.hpp"

namespace ccapi::storage {
namespace {

std::string sqliteUrl(const std::filesystem::path& absolute) {
    return "sqlite:///" + absolute.string();  // "sqlite:////tmp/…"
}

std::string pragma(Database& db, std::string_view sql) {
    auto conn = dynamic_cast<SqlDatabase&>(db).pool().acquire();
    EXPECT_TRUE(conn);
    auto result = (*conn)->query(sql);
    EXPECT_TRUE(result && !result->empty());
    return result && !result->empty() ? result->rows[0].text(0) : "";
}

TEST(OpenDatabase, UrlsItDoesNotUnderstandAreBadUrls) {
    for (std::string url : {"", "mysql://root@localhost/db", "sqlite:relative.db", "not a url",
                            "sqlite://host/x.db"}) {
        auto db = openDatabase({.url = url});
        ASSERT_FALSE(db) << url;
        EXPECT_EQ(db.error(), StorageErrc::kBadUrl) << url;
    }
}

TEST(OpenDatabase, SqliteFileAndItsParentDirectoriesAreCreated) {
    test::TempDir dir;
    auto file = dir.path() / "a" / "b" / "ccapi.db";
    auto db = openDatabase({.url = sqliteUrl(file)});
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ((*db)->backend(), "sqlite");
    EXPECT_TRUE(std::filesystem::exists(file));
}

TEST(OpenDatabase, RelativeSqlitePathIsRelativeToTheWorkingDirectory) {
    test::TempDir dir;
    auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    auto db = openDatabase({.url = "sqlite:///./data/contact_center.db"});
    std::filesystem::current_path(previous);
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "contact_center.db"));
}

TEST(OpenDatabase, SqlAlchemyDriverSuffixIsAccepted) {
    test::TempDir dir;
    auto db = openDatabase({.url = "sqlite+aiosqlite:///" + (dir.path() / "x.db").string()});
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ((*db)->backend(), "sqlite");
}

TEST(OpenDatabase, UncreatableSqlitePathIsUnavailable) {
    auto db = openDatabase({.url = "sqlite:////proc/ccapi-no-such-dir/x.db"});
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error(), StorageErrc::kUnavailable);
}

TEST(OpenDatabase, InMemoryIgnoresTheUrlAndIsNamedMemory) {
    auto db = openDatabase({.url = "postgresql://nowhere.invalid/db", .in_memory = true});
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ((*db)->backend(), "memory");
}

TEST(OpenDatabase, MemoryUrlIsAnInMemoryDatabase) {
    auto db = openDatabase({.url = "sqlite:///:memory:"});
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ((*db)->backend(), "memory");
}

TEST(SqliteFile, DataSurvivesReopening) {
    test::TempDir dir;
    DatabaseOptions options{.url = sqliteUrl(dir.path() / "ccapi.db")};
    {
        auto db = openDatabase(options);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->migrate());
        ASSERT_TRUE((*db)->users().create({.username = "alice", .hashed_password = "h"}));
    }
    auto db = openDatabase(options);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->schemaVersion().value(), (*db)->latestSchemaVersion());
    EXPECT_TRUE((*db)->users().findByUsername("alice").value().has_value());
}

TEST(SqliteFile, UsesWriteAheadLoggingAndForeignKeys) {
    test::TempDir dir;
    auto db = openDatabase({.url = sqliteUrl(dir.path() / "ccapi.db")});
    ASSERT_TRUE(db);
    EXPECT_EQ(pragma(**db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragma(**db, "PRAGMA foreign_keys"), "1");
    EXPECT_EQ(pragma(**db, "PRAGMA busy_timeout"), "5000");
}

TEST(SqliteFile, TwoHandlesSeeEachOthersWrites) {
    test::TempDir dir;
    DatabaseOptions options{.url = sqliteUrl(dir.path() / "ccapi.db")};
    auto a = openDatabase(options);
    auto b = openDatabase(options);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE((*a)->migrate());
    ASSERT_TRUE((*a)->users().create({.username = "alice", .hashed_password = "h"}));
    EXPECT_EQ((*b)->users().count().value(), 1);
}

TEST(SqliteFile, NotADatabaseFileIsUnavailable) {
    test::TempDir dir;
    auto file = dir.path() / "garbage.db";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs(
            "this is not an SQLite database, but it is long enough to look like one....."
            "..........................................................................",
            f);
        std::fclose(f);
    }
    auto db = openDatabase({.url = sqliteUrl(file)});
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error(), StorageErrc::kUnavailable);
}

}  // namespace
}  // namespace ccapi::storage
