#include "store_fixture.hpp"

#ifdef CCAPI_TEST_POSTGRES
#include "support/pg_server.hpp"
#endif

namespace ccapi::storage::testing {

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
    switch (info.param) {
        case Backend::kSqliteFile:
            return "SqliteFile";
        case Backend::kSqliteMemory:
            return "InMemory";
        case Backend::kPostgres:
            return "Postgres";
    }
    return "Unknown";
}

void StoreTest::SetUp() {
    options_.clock = clock_;
    options_.pool_size = 10;
    switch (GetParam()) {
        case Backend::kSqliteFile:
            dir_ = std::make_unique<test::TempDir>("ccapi-storage-");
            // An absolute path is sqlite:////…; the parent directory does not exist yet.
            options_.url = "sqlite:///" + (dir_->path() / "nested" / "ccapi.db").string();
            break;
        case Backend::kSqliteMemory:
            options_.in_memory = true;
            break;
        case Backend::kPostgres:
#ifdef CCAPI_TEST_POSTGRES
            options_.url = test::sharedPgServer().createDatabase();
#else
            FAIL() << "this binary was built without PostgreSQL";
#endif
            break;
    }
    db_ = open();
    ASSERT_NE(db_, nullptr);
}

std::unique_ptr<Database> StoreTest::open() {
    auto db = openDatabase(options_);
    EXPECT_TRUE(db) << db.error().message();
    return db ? std::move(*db) : nullptr;
}

SqlResult StoreTest::query(std::string_view text, std::initializer_list<SqlParam> params) {
    auto conn = sql().pool().acquire();
    EXPECT_TRUE(conn);
    if (!conn) return {};
    auto result = (*conn)->query(text, params);
    EXPECT_TRUE(result) << text << ": " << result.error().message();
    return result ? *result : SqlResult{};
}

void MigratedStoreTest::SetUp() {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    auto migrated = db_->migrate();
    ASSERT_TRUE(migrated) << migrated.error().message();
}

User MigratedStoreTest::addUser(const std::string& username) {
    auto user = db_->users().create({.username = username,
                                     .email = username + "@example.com",
                                     .full_name = "User " + username,
                                     .hashed_password = "$2b$12$hash-of-" + username});
    EXPECT_TRUE(user) << user.error().message();
    return user ? *user : User{};
}

}  // namespace ccapi::storage::testing
