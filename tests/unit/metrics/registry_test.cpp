#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ccapi::metrics {
namespace {

TEST(Registry, RendersALabelledCounterExactly) {
    Registry registry;
    auto& requests =
        registry.counter("http_requests_total", "Requests served.", {"method", "route", "code"});
    requests.labels({"GET", "/health", "200"}).inc(3);
    requests.labels({"POST", "/api/v2/calls", "201"}).inc();
    EXPECT_EQ(registry.render(),
              "# HELP http_requests_total Requests served.\n"
              "# TYPE http_requests_total counter\n"
              "http_requests_total{method=\"GET\",route=\"/health\",code=\"200\"} 3\n"
              "http_requests_total{method=\"POST\",route=\"/api/v2/calls\",code=\"201\"} 1\n");
}

TEST(Registry, ShowsAnUnlabelledMetricAtZeroBeforeItsFirstEvent) {
    Registry registry;
    registry.counter("ari_reconnects_total", "Reconnections to the PBX.");
    registry.gauge("calls_in_flight", "Calls not yet terminal.").labels().set(2.5);
    EXPECT_EQ(registry.render(),
              "# HELP ari_reconnects_total Reconnections to the PBX.\n"
              "# TYPE ari_reconnects_total counter\n"
              "ari_reconnects_total 0\n"
              "# HELP calls_in_flight Calls not yet terminal.\n"
              "# TYPE calls_in_flight gauge\n"
              "calls_in_flight 2.5\n");
}

TEST(Registry, ALabelledFamilyWithoutSeriesStillDeclaresItself) {
    Registry registry;
    registry.gauge("queue_depth", "Calls waiting.", {"queue"});
    EXPECT_EQ(registry.render(),
              "# HELP queue_depth Calls waiting.\n"
              "# TYPE queue_depth gauge\n");
}

TEST(Registry, RendersAHistogramWithCumulativeBucketsSumAndCount) {
    Registry registry;
    auto& latency = registry.histogram("request_seconds", "Latency.", {"route"}, {0.1, 0.5, 1});
    auto& health = latency.labels({"/health"});
    health.observe(0.05);
    health.observe(0.1);
    health.observe(0.75);
    health.observe(3);
    EXPECT_EQ(registry.render(),
              "# HELP request_seconds Latency.\n"
              "# TYPE request_seconds histogram\n"
              "request_seconds_bucket{route=\"/health\",le=\"0.1\"} 2\n"
              "request_seconds_bucket{route=\"/health\",le=\"0.5\"} 2\n"
              "request_seconds_bucket{route=\"/health\",le=\"1\"} 3\n"
              "request_seconds_bucket{route=\"/health\",le=\"+Inf\"} 4\n"
              "request_seconds_sum{route=\"/health\"} 3.9\n"
              "request_seconds_count{route=\"/health\"} 4\n");
}

TEST(Registry, RendersAnUnlabelledHistogramWithOnlyLe) {
    Registry registry;
    registry.histogram("db_seconds", "Store latency.", {}, {0.01, HUGE_VAL}).labels().observe(0.02);
    EXPECT_EQ(registry.render(),
              "# HELP db_seconds Store latency.\n"
              "# TYPE db_seconds histogram\n"
              "db_seconds_bucket{le=\"0.01\"} 0\n"
              "db_seconds_bucket{le=\"+Inf\"} 1\n"
              "db_seconds_sum 0.02\n"
              "db_seconds_count 1\n");
}

TEST(Registry, DefaultHistogramBucketsRenderFromHalfAMillisecond) {
    Registry registry;
    registry.histogram("x_seconds", "x");
    auto text = registry.render();
    EXPECT_NE(text.find("x_seconds_bucket{le=\"0.0005\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("x_seconds_bucket{le=\"2.5\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("x_seconds_bucket{le=\"10\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("x_seconds_bucket{le=\"+Inf\"} 0\n"), std::string::npos);
}

TEST(Registry, EscapesLabelValuesAndHelp) {
    Registry registry;
    registry.counter("odd_total", "Back\\slash and\nnewline \"kept\".", {"path"})
        .labels({"C:\\dir \"q\"\nnext"})
        .inc();
    EXPECT_EQ(registry.render(),
              "# HELP odd_total Back\\\\slash and\\nnewline \"kept\".\n"
              "# TYPE odd_total counter\n"
              "odd_total{path=\"C:\\\\dir \\\"q\\\"\\nnext\"} 1\n");
}

TEST(Registry, SortsFamiliesByNameAndSeriesByLabels) {
    Registry registry;
    auto& b = registry.gauge("b", "b", {"k"});
    registry.gauge("a", "a");
    b.labels({"z"}).set(1);
    b.labels({"m"}).set(2);
    EXPECT_EQ(registry.render(),
              "# HELP a a\n# TYPE a gauge\na 0\n"
              "# HELP b b\n# TYPE b gauge\nb{k=\"m\"} 2\nb{k=\"z\"} 1\n");
}

TEST(Registry, LabelsReturnsTheSameHandleEveryTime) {
    Registry registry;
    auto& family = registry.counter("c_total", "c", {"k"});
    Counter& first = family.labels({"v"});
    for (int i = 0; i < 100; ++i) family.labels({"other" + std::to_string(i)});
    EXPECT_EQ(&first, &family.labels({"v"}));
}

TEST(Registry, RegisteringTheSameShapeAgainSharesTheFamily) {
    Registry registry;
    auto& first = registry.counter("shared_total", "s", {"k"});
    auto& second = registry.counter("shared_total", "s", {"k"});
    EXPECT_EQ(&first, &second);
    auto& h1 = registry.histogram("h", "h", {}, {1, 2});
    auto& h2 = registry.histogram("h", "h", {}, {1, 2, HUGE_VAL});
    EXPECT_EQ(&h1, &h2);
}

TEST(Registry, RejectsConflictingRegistrations) {
    Registry registry;
    registry.counter("x_total", "x", {"k"});
    EXPECT_THROW(registry.gauge("x_total", "x", {"k"}), std::invalid_argument);
    EXPECT_THROW(registry.counter("x_total", "other help", {"k"}), std::invalid_argument);
    EXPECT_THROW(registry.counter("x_total", "x", {"j"}), std::invalid_argument);
    registry.histogram("h", "h", {}, {1, 2});
    EXPECT_THROW(registry.histogram("h", "h", {}, {1, 3}), std::invalid_argument);
}

TEST(Registry, RejectsInvalidNamesAndBuckets) {
    Registry registry;
    EXPECT_THROW(registry.counter("bad-name", "x"), std::invalid_argument);
    EXPECT_THROW(registry.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
    EXPECT_THROW(registry.counter("dup_total", "x", {"a", "a"}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h1", "x", {"le"}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h2", "x", {}, {}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h3", "x", {}, {2, 1}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h4", "x", {}, {1, 1}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h5", "x", {}, {NAN}), std::invalid_argument);
    EXPECT_EQ(registry.render(), "");
}

TEST(Registry, RejectsTheWrongNumberOfLabelValues) {
    Registry registry;
    auto& family = registry.counter("y_total", "y", {"a", "b"});
    EXPECT_THROW(family.labels({"1"}), std::invalid_argument);
    EXPECT_THROW(family.labels({"1", "2", "3"}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("z", "z", {"a"}).labels(), std::invalid_argument);
}

TEST(Registry, GaugeFnIsEvaluatedAtEveryScrape) {
    Registry registry;
    std::atomic<int> depth{3};
    auto handle = registry.gaugeFn("queue_depth", "Calls waiting.", [&] { return depth.load(); });
    EXPECT_EQ(registry.render(),
              "# HELP queue_depth Calls waiting.\n# TYPE queue_depth gauge\nqueue_depth 3\n");
    depth = 7;
    EXPECT_NE(registry.render().find("queue_depth 7\n"), std::string::npos);
}

TEST(Registry, DroppingTheHandleRemovesTheCallbackSeries) {
    Registry registry;
    auto handle = registry.gaugeFn("pool_size", "p", [] { return 4.0; });
    handle.reset();
    EXPECT_FALSE(handle);
    EXPECT_EQ(registry.render(), "# HELP pool_size p\n# TYPE pool_size gauge\n");
    // The series is free again for a new owner.
    auto again = registry.gaugeFn("pool_size", "p", [] { return 5.0; });
    EXPECT_NE(registry.render().find("pool_size 5\n"), std::string::npos);
}

TEST(Registry, ACallbackHandleMayOutliveTheRegistry) {
    CallbackHandle handle;
    {
        Registry registry;
        handle = registry.counterFn("spawn_failures_total", "s", [] { return 1.0; });
        EXPECT_NE(registry.render().find("# TYPE spawn_failures_total counter\n"
                                         "spawn_failures_total 1\n"),
                  std::string::npos);
    }
    handle.reset();
}

TEST(Registry, LabelledCallbacksAndStoredValuesCannotShareASeries) {
    Registry registry;
    auto& family = registry.gauge("conns", "c", {"kind"});
    family.labels({"http"}).set(2);
    auto ws = family.callback({"ws"}, [] { return 9.0; });
    EXPECT_EQ(registry.render(),
              "# HELP conns c\n# TYPE conns gauge\nconns{kind=\"http\"} 2\nconns{kind=\"ws\"} 9\n");
    EXPECT_THROW((void)family.callback({"http"}, [] { return 0.0; }), std::invalid_argument);
    EXPECT_THROW((void)family.callback({"ws"}, [] { return 0.0; }), std::invalid_argument);
    EXPECT_THROW(family.labels({"ws"}), std::invalid_argument);
}

TEST(Registry, AThrowingCallbackIsLeftOutOfTheScrape) {
    Registry registry;
    auto handle =
        registry.gaugeFn("broken", "b", []() -> double { throw std::runtime_error("x"); });
    EXPECT_EQ(registry.render(), "# HELP broken b\n# TYPE broken gauge\n");
}

TEST(Registry, ConcurrentLookupsIncrementsAndScrapesLoseNothing) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 20000;
    Registry registry;
    auto& family = registry.counter("hits_total", "h", {"worker"});
    std::atomic<bool> done{false};
    std::thread scraper([&] {
        while (!done.load()) (void)registry.render();
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            // Half the threads resolve the handle every time, half cache it; both must add up.
            Counter& cached = family.labels({"shared"});
            for (int i = 0; i < kPerThread; ++i) {
                if (t % 2 == 0) {
                    cached.inc();
                } else {
                    family.labels({"shared"}).inc();
                }
                if (i % 1000 == 0) family.labels({"w" + std::to_string(t)}).inc();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    done = true;
    scraper.join();
    EXPECT_EQ(family.labels({"shared"}).value(), static_cast<double>(kThreads) * kPerThread);
    EXPECT_NE(registry.render().find("hits_total{worker=\"shared\"} 160000\n"), std::string::npos);
}

}  // namespace
}  // namespace ccapi::metrics
