#include "storage/sql/connection_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace ccapi::storage {
namespace {

using namespace std::chrono_literals;

class FakeConnection final : public SqlConnection {
public:
    explicit FakeConnection(std::atomic<int>& live) : live_(live) { ++live_; }
    ~FakeConnection() override { --live_; }
    Dialect dialect() const override { return Dialect::kSqlite; }
    using SqlConnection::query;
    Result<SqlResult> query(std::string_view, std::span<const SqlParam>) override {
        return SqlResult{};
    }
    Result<void> exec(std::string_view) override { return {}; }
    Result<void> begin() override { return {}; }
    Result<void> commit() override { return {}; }
    Result<void> rollback() override { return {}; }
    bool recycle() override { return !broken; }

    bool broken = false;

private:
    std::atomic<int>& live_;
};

struct PoolHarness {
    std::atomic<int> live{0};
    std::atomic<int> opened{0};
    bool refuse = false;

    ConnectionPool::Factory factory() {
        return [this]() -> Result<std::unique_ptr<SqlConnection>> {
            if (refuse) return StorageErrc::kUnavailable;
            ++opened;
            return std::unique_ptr<SqlConnection>(std::make_unique<FakeConnection>(live));
        };
    }
};

TEST(ConnectionPool, OpensLazilyAndReusesReturnedConnections) {
    PoolHarness h;
    ConnectionPool pool(h.factory(), 4);
    EXPECT_EQ(h.opened, 0);
    for (int i = 0; i < 5; ++i) {
        auto conn = pool.acquire();
        ASSERT_TRUE(conn);
    }
    EXPECT_EQ(h.opened, 1);
    EXPECT_EQ(pool.openConnections(), 1u);
}

TEST(ConnectionPool, ACallerWaitsForAReturnedConnection) {
    PoolHarness h;
    ConnectionPool pool(h.factory(), 1, 5s);
    auto first = pool.acquire();
    ASSERT_TRUE(first);
    std::atomic<bool> got{false};
    std::thread waiter([&] {
        auto second = pool.acquire();
        got = static_cast<bool>(second);
    });
    first = PooledConnection();  // give it back
    waiter.join();
    EXPECT_TRUE(got);
    EXPECT_EQ(h.opened, 1);
}

TEST(ConnectionPool, ExhaustedPoolIsUnavailableAfterTheWait) {
    PoolHarness h;
    ConnectionPool pool(h.factory(), 2, 20ms);
    auto a = pool.acquire();
    auto b = pool.acquire();
    ASSERT_TRUE(a && b);
    auto c = pool.acquire();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), StorageErrc::kUnavailable);
}

TEST(ConnectionPool, BrokenConnectionsAreDroppedAndReplaced) {
    PoolHarness h;
    ConnectionPool pool(h.factory(), 1, 1s);
    {
        auto conn = pool.acquire();
        ASSERT_TRUE(conn);
        dynamic_cast<FakeConnection&>(**conn).broken = true;
    }
    EXPECT_EQ(h.live, 0);
    EXPECT_EQ(pool.openConnections(), 0u);
    auto again = pool.acquire();
    ASSERT_TRUE(again);
    EXPECT_EQ(h.opened, 2);
}

TEST(ConnectionPool, AFailedOpenFreesItsSlot) {
    PoolHarness h;
    h.refuse = true;
    ConnectionPool pool(h.factory(), 1, 1s);
    EXPECT_EQ(pool.acquire().error(), StorageErrc::kUnavailable);
    EXPECT_EQ(pool.warmUp().error(), StorageErrc::kUnavailable);
    h.refuse = false;
    EXPECT_TRUE(pool.acquire());
}

TEST(ConnectionPool, ManyThreadsNeverExceedTheSize) {
    PoolHarness h;
    ConnectionPool pool(h.factory(), 3, 5s);
    std::atomic<int> in_use{0}, peak{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                auto conn = pool.acquire();
                ASSERT_TRUE(conn);
                int now = ++in_use;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                }
                --in_use;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(peak, 3);
    EXPECT_LE(h.opened, 3);
}

}  // namespace
}  // namespace ccapi::storage
