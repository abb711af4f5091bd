// The fixture every repository test runs on: one fresh, empty database per test, on each backend.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "core/time.hpp"
#include "storage/sql/sql_database.hpp"
#include "storage/stores.hpp"
#include "support/temp_dir.hpp"

namespace ccapi::storage::testing {

enum class Backend { kSqliteFile, kSqliteMemory, kPostgres };

// The backends of this binary: the SQLite binary runs both SQLite flavours, the PostgreSQL one
// its own server.
#ifdef CCAPI_TEST_POSTGRES
#define CCAPI_BACKENDS ::testing::Values(Backend::kPostgres)
#else
#define CCAPI_BACKENDS ::testing::Values(Backend::kSqliteFile, Backend::kSqliteMemory)
#endif

std::string backendName(const ::testing::TestParamInfo<Backend>& info);

// Time moves only when a test says so.
class ManualClock final : public Clock {
public:
    explicit ManualClock(UnixMicros start) : now_(start) {}
    UnixMicros now() const override { return now_.load(); }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::time_point(std::chrono::microseconds(now_.load()));
    }
    void advance(std::chrono::microseconds by) { now_ += by.count(); }

private:
    std::atomic<UnixMicros> now_;
};

constexpr UnixMicros kStart = 1'763'772'026'000'000;  // 2025-11-22T00:40:26Z
constexpr UnixMicros kHour = 3'600'000'000;

class StoreTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override;

    // Options naming this test's database; open() may be called again for a second handle on
    // the same database (not for in-memory, which is private to its one connection).
    DatabaseOptions options() const { return options_; }
    std::unique_ptr<Database> open();
    SqlDatabase& sql() { return dynamic_cast<SqlDatabase&>(*db_); }
    // A statement outside the repositories, for set-up and inspection.
    SqlResult query(std::string_view text, std::initializer_list<SqlParam> params = {});

    std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kStart);
    std::unique_ptr<test::TempDir> dir_;
    DatabaseOptions options_;
    std::unique_ptr<Database> db_;
};

// StoreTest on a migrated database.
class MigratedStoreTest : public StoreTest {
protected:
    void SetUp() override;
    User addUser(const std::string& username);
};

}  // namespace ccapi::storage::testing
