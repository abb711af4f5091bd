#include "api/call_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace ccapi::api {
namespace {

std::shared_ptr<const CachedCall> record(const std::string& id, std::int64_t version = 1) {
    CachedCall c;
    c.call.call_id = id;
    c.call.version = version;
    c.v2_body = "{\"call_id\":\"" + id + "\",\"version\":" + std::to_string(version) + "}";
    return std::make_shared<const CachedCall>(std::move(c));
}

TEST(CallCache, StoresWhatWasReadAndServesIt) {
    CallCache cache(1000, std::chrono::seconds(60));
    EXPECT_EQ(cache.get("a"), nullptr);
    cache.put(record("a"), cache.ticket("a"));
    auto hit = cache.get("a");
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->call.call_id, "a");
    EXPECT_EQ(cache.size(), 1u);
}

TEST(CallCache, InvalidateDropsTheCall) {
    CallCache cache(1000, std::chrono::seconds(60));
    cache.put(record("a"), cache.ticket("a"));
    cache.invalidate("a");
    EXPECT_EQ(cache.get("a"), nullptr);
}

TEST(CallCache, AReadOvertakenByACommitIsNotStored) {
    CallCache cache(1000, std::chrono::seconds(60));
    auto ticket = cache.ticket("a");    // a GET starts reading version 1 …
    cache.invalidate("a");              // … version 2 commits meanwhile …
    cache.put(record("a", 1), ticket);  // … and the stale read must not land.
    EXPECT_EQ(cache.get("a"), nullptr);
    cache.put(record("a", 2), cache.ticket("a"));
    ASSERT_NE(cache.get("a"), nullptr);
    EXPECT_EQ(cache.get("a")->call.version, 2);
}

TEST(CallCache, EntriesExpire) {
    CallCache cache(1000, std::chrono::seconds(0));
    cache.put(record("a"), cache.ticket("a"));
    EXPECT_EQ(cache.get("a"), nullptr);
}

TEST(CallCache, CapacityIsBounded) {
    CallCache cache(64 * 2, std::chrono::seconds(60));  // two per shard
    for (int i = 0; i < 10'000; ++i) {
        auto id = "call-" + std::to_string(i);
        cache.put(record(id), cache.ticket(id));
    }
    EXPECT_LE(cache.size(), 128u);
    EXPECT_GT(cache.size(), 0u);
}

TEST(CallCache, ZeroCapacityCachesNothing) {
    CallCache cache(0, std::chrono::seconds(60));
    cache.put(record("a"), cache.ticket("a"));
    EXPECT_EQ(cache.get("a"), nullptr);
}

TEST(CallCache, ConcurrentReadersAndInvalidatorsNeverServeAnInvalidatedRead) {
    CallCache cache(10'000, std::chrono::seconds(60));
    std::atomic<std::int64_t> committed{1};
    std::atomic<bool> stop{false};
    // The writer bumps the version, then invalidates (as a commit then its observer do).
    std::thread writer([&] {
        for (int i = 0; i < 20'000; ++i) {
            committed.fetch_add(1);
            cache.invalidate("x");
        }
        stop = true;
    });
    std::int64_t stale = 0;
    while (!stop) {
        auto ticket = cache.ticket("x");
        auto version = committed.load();  // "read the store"
        cache.put(record("x", version), ticket);
        // Every commit before `floor - 1` was invalidated before `floor` was read (the writer
        // bumps, then invalidates), so no hit after this point may be older than that. (Reading
        // the counter after get() instead would race: the writer may advance twice in between.)
        auto floor = committed.load();
        if (auto hit = cache.get("x"); hit && hit->call.version < floor - 1) ++stale;
    }
    writer.join();
    if (auto hit = cache.get("x")) EXPECT_EQ(hit->call.version, committed.load());
    EXPECT_EQ(stale, 0);
}

}  // namespace
}  // namespace ccapi::api
