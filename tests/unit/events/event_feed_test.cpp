#include "events/event_feed.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <thread>

#include "storage/sql/sql_database.hpp"
#include "support/event_id_in_flight.hpp"
#include "support/pg_server.hpp"
#include "unit/events/events_store.hpp"

namespace ccapi::events {
namespace {

namespace asio = boost::asio;
using storage::CallStatus;
using namespace std::chrono_literals;

Task<void> runThenMark(EventFeed* feed, std::atomic<bool>* ended) {
    co_await feed->run();
    ended->store(true);
}

// The feed on its own I/O thread over a real store (SQLite unless a subclass says otherwise), and
// one subscriber.
class EventFeedTest : public ::testing::Test {
protected:
    explicit EventFeedTest(
        std::unique_ptr<testing::EventsStore> store = std::make_unique<testing::EventsStore>())
        : owned_store_(std::move(store)), store_(*owned_store_) {}

    void SetUp() override {
        alice_ = store_.addUser("alice");
        bob_ = store_.addUser("bob");
    }

    void TearDown() override {
        if (feed_) feed_->stop();
        guard_.reset();
        if (thread_.joinable()) thread_.join();
        io_.stop();
        blocking_.join();
    }

    void startFeed(EventFeedOptions options = {}) {
        feed_ = std::make_unique<EventFeed>(io_.get_executor(), store_.calls(), blocking_, hub_,
                                            options);
        spawn(io_.get_executor(), feed_->run(), "test-feed");
        thread_ = std::thread([this] { io_.run(); });
    }

    Subscription subscribe(StreamFilter filter) {
        SubscribeOptions options;
        options.filter = std::move(filter);
        options.executor = io_.get_executor();
        options.queue_limit = 1'000'000;
        return hub_.subscribe(std::move(options));
    }

    static StreamFilter everything() {
        StreamFilter filter;
        filter.all_users = true;
        return filter;
    }

    // Takes from `subscription` until `count` messages arrived or 10 s passed.
    static std::vector<StreamMessagePtr> collect(Subscription& subscription, std::size_t count,
                                                 std::chrono::milliseconds timeout = 10s) {
        std::vector<StreamMessagePtr> all, taken;
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (all.size() < count && std::chrono::steady_clock::now() < deadline) {
            subscription.take(taken);
            all.insert(all.end(), taken.begin(), taken.end());
            if (all.size() < count) std::this_thread::sleep_for(2ms);
        }
        return all;
    }

    bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(2ms);
        }
        return true;
    }

    static std::vector<std::int64_t> ids(const std::vector<StreamMessagePtr>& messages) {
        std::vector<std::int64_t> out;
        for (const auto& m : messages) out.push_back(m->eventId());
        return out;
    }

    // Four writers create calls and move each through four statuses, notifying as the API and
    // the engine do; the subscriber must get every event once, in id order.
    void publishesEveryEventOnceInIdOrderUnderConcurrentWriters();

    std::unique_ptr<testing::EventsStore> owned_store_;
    testing::EventsStore& store_;
    std::int64_t alice_ = 0, bob_ = 0;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
    BlockingPool blocking_{2};
    EventHub hub_;
    std::unique_ptr<EventFeed> feed_;
    std::thread thread_;
};

TEST_F(EventFeedTest, StartsAfterTheEventsAlreadyStored) {
    auto old_call = store_.createCall(alice_);
    store_.advance(old_call, CallStatus::kDialing);
    auto subscription = subscribe(everything());
    startFeed();
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));

    std::int64_t first = 0;
    auto call = store_.createCall(alice_, &first);
    feed_->notify();
    auto got = collect(subscription, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->eventId(), first);
    EXPECT_EQ(got[0]->callId(), call.call_id);
    EXPECT_TRUE(collect(subscription, 1, 300ms).empty());
}

TEST_F(EventFeedTest, PublishesEveryCommittedEventOnceInIdOrderUnderConcurrentWriters) {
    publishesEveryEventOnceInIdOrderUnderConcurrentWriters();
}

TEST_F(EventFeedTest, MessagesAreTheSpecShapeAndTheSseFrameCarriesTheSameJson) {
    auto subscription = subscribe(everything());
    startFeed();
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));
    auto call = store_.createCall(alice_);
    auto ringing = store_.advance(call, CallStatus::kRinging);
    feed_->notify();
    auto got = collect(subscription, 2);
    ASSERT_EQ(got.size(), 2u);
    const auto& m = *got[1];
    EXPECT_EQ(m.eventId(), ringing);
    EXPECT_EQ(m.status(), CallStatus::kRinging);
    EXPECT_EQ(m.userId(), alice_);
    auto json = boost::json::parse(m.json()).as_object();
    EXPECT_EQ(json.at("event_id").as_int64(), ringing);
    EXPECT_EQ(json.at("type").as_string(), "call.status");
    EXPECT_EQ(json.at("call_id").as_string(), call.call_id);
    EXPECT_EQ(json.at("status").as_string(), "ringing");
    EXPECT_EQ(json.at("previous_status").as_string(), "pending");
    EXPECT_TRUE(json.contains("at"));
    EXPECT_EQ(json.at("call").as_object().at("call_id").as_string(), call.call_id);
    EXPECT_EQ(json.at("call").as_object().at("status").as_string(), "ringing");
    std::string frame(m.sseFrame());
    EXPECT_EQ(frame, "id: " + std::to_string(ringing) +
                         "\nevent: call.status\ndata: " + std::string(m.json()) + "\n\n");
}

void EventFeedTest::publishesEveryEventOnceInIdOrderUnderConcurrentWriters() {
    auto subscription = subscribe(everything());
    startFeed({.poll_interval = 250ms, .page_size = 7});  // small pages: paging is exercised
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));
    constexpr int kWriters = 4;
    constexpr int kCallsEach = 15;
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            for (int i = 0; i < kCallsEach; ++i) {
                auto call = store_.createCall(w % 2 ? alice_ : bob_);
                feed_->onCommitted(call, {});
                for (auto to : {CallStatus::kDialing, CallStatus::kRinging, CallStatus::kAnswered,
                                CallStatus::kCompleted}) {
                    store_.advance(call, to);
                    feed_->notify();
                }
            }
        });
    }
    for (auto& t : writers) t.join();
    std::size_t total = kWriters * kCallsEach * 5;
    auto got = collect(subscription, total);
    ASSERT_EQ(got.size(), total);
    auto stored = store_.calls().eventsAfter(0, total + 10).value();
    ASSERT_EQ(stored.size(), total);
    for (std::size_t i = 0; i < total; ++i) {
        ASSERT_EQ(got[i]->eventId(), stored[i].event_id) << "at " << i;
    }
    EXPECT_TRUE(collect(subscription, 1, 300ms).empty());
}

TEST_F(EventFeedTest, FindsEventsByPollingWhenNobodyNotifies) {
    auto subscription = subscribe(everything());
    startFeed({.poll_interval = 50ms, .page_size = 1000});
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));
    std::int64_t first = 0;
    store_.createCall(bob_, &first);
    auto got = collect(subscription, 1, 5s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->eventId(), first);
}

TEST_F(EventFeedTest, SkipsAheadWhileNobodyListensAndDeliversWhatComesAfterASubscription) {
    startFeed({.poll_interval = 50ms, .page_size = 1000});
    auto call = store_.createCall(alice_);
    auto last_unheard = store_.advance(call, CallStatus::kDialing);
    feed_->notify();
    ASSERT_TRUE(waitFor([&] { return feed_->lastEventId() == last_unheard; }));
    auto subscription = subscribe(everything());
    auto heard = store_.advance(call, CallStatus::kRinging);
    feed_->notify();
    auto got = collect(subscription, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->eventId(), heard);
}

TEST_F(EventFeedTest, StopEndsRun) {
    std::atomic<bool> ended{false};
    feed_ = std::make_unique<EventFeed>(io_.get_executor(), store_.calls(), blocking_, hub_);
    spawn(io_.get_executor(), runThenMark(feed_.get(), &ended), "test-feed");
    thread_ = std::thread([this] { io_.run(); });
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));
    feed_->stop();
    EXPECT_TRUE(waitFor([&] { return ended.load(); }, 2s));
}

// On PostgreSQL an event id is drawn at insert and seen at commit, so writers commit ids out of
// order; the feed reads without waiting for them and holds back only what follows a missing id.
class EventFeedOnPostgres : public EventFeedTest {
protected:
    EventFeedOnPostgres()
        : EventFeedTest(
              std::make_unique<testing::EventsStore>(test::sharedPgServer().createDatabase())) {}

    storage::ConnectionPool& pool() {
        return dynamic_cast<storage::SqlDatabase&>(store_.db()).pool();
    }
};

TEST_F(EventFeedOnPostgres, PublishesEveryCommittedEventOnceInIdOrderUnderConcurrentWriters) {
    publishesEveryEventOnceInIdOrderUnderConcurrentWriters();
}

TEST_F(EventFeedOnPostgres, PublishesWhatCameBeforeAWriterInFlightAndWhatFollowsOnceItCommits) {
    auto subscription = subscribe(everything());
    // Never a settled read: only the commit can let the later event through.
    startFeed({.poll_interval = 50ms, .page_size = 1000, .gap_wait = 1h});
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));
    std::int64_t first = 0, later = 0;
    auto call = store_.createCall(alice_, &first);
    auto in_flight = test::EventIdInFlight::draw(pool(), call.call_id, 2);
    ASSERT_TRUE(in_flight) << in_flight.error().message();
    store_.createCall(bob_, &later);
    ASSERT_GT(later, in_flight->id());
    feed_->notify();
    // A read that waited for the writer in flight would publish nothing here.
    EXPECT_EQ(ids(collect(subscription, 1)), (std::vector<std::int64_t>{first}));

    ASSERT_TRUE(in_flight->commit());
    feed_->notify();
    EXPECT_EQ(ids(collect(subscription, 2)), (std::vector<std::int64_t>{in_flight->id(), later}));
}

TEST_F(EventFeedOnPostgres, GetsPastAnIdRolledBackOnceItHasWaitedGapWait) {
    auto subscription = subscribe(everything());
    startFeed({.poll_interval = 50ms, .page_size = 1000, .gap_wait = 100ms});
    ASSERT_TRUE(waitFor([&] { return feed_->started(); }));
    std::int64_t first = 0, later = 0;
    auto call = store_.createCall(alice_, &first);
    feed_->notify();
    EXPECT_EQ(ids(collect(subscription, 1)), (std::vector<std::int64_t>{first}));

    auto rolled_back = test::EventIdInFlight::draw(pool(), call.call_id, 2);
    ASSERT_TRUE(rolled_back) << rolled_back.error().message();
    ASSERT_TRUE(rolled_back->rollback());
    store_.createCall(bob_, &later);
    ASSERT_GT(later, rolled_back->id());
    feed_->notify();
    EXPECT_EQ(ids(collect(subscription, 1)), (std::vector<std::int64_t>{later}));
}

}  // namespace
}  // namespace ccapi::events
