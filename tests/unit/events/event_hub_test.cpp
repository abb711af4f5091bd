#include "events/event_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "core/ids.hpp"

namespace ccapi::events {
namespace {

namespace asio = boost::asio;
using storage::CallStatus;

StreamMessagePtr message(std::int64_t event_id, std::int64_t user_id, const std::string& call_id,
                         CallStatus status = CallStatus::kRinging) {
    storage::Call call;
    call.call_id = call_id;
    call.user_id = user_id;
    call.status = status;
    storage::CallEvent event;
    event.event_id = event_id;
    event.call_id = call_id;
    event.status = status;
    return makeStreamMessage(call, event);
}

StreamFilter everything() {
    StreamFilter filter;
    filter.all_users = true;
    return filter;
}

struct Client {
    Subscription subscription;
    std::atomic<int> wakes{0};
};

std::unique_ptr<Client> subscribe(EventHub& hub, asio::io_context& io, StreamFilter filter,
                                  std::size_t limit = 1000) {
    auto client = std::make_unique<Client>();
    SubscribeOptions options;
    options.filter = std::move(filter);
    options.executor = io.get_executor();
    options.queue_limit = limit;
    options.wake = [c = client.get()] { c->wakes.fetch_add(1); };
    client->subscription = hub.subscribe(std::move(options));
    return client;
}

std::vector<std::int64_t> ids(const std::vector<StreamMessagePtr>& messages) {
    std::vector<std::int64_t> out;
    for (const auto& m : messages) out.push_back(m->eventId());
    return out;
}

void runPending(asio::io_context& io) {
    io.restart();
    io.poll();
}

TEST(EventHub, DeliversMatchingMessagesInOrderAndWakesTheSession) {
    asio::io_context io;
    EventHub hub;
    auto client = subscribe(hub, io, everything());
    auto call = newUuid();
    std::vector<StreamMessagePtr> batch{message(1, 1, call), message(2, 1, call)};
    hub.publish(batch);
    hub.publish(message(3, 2, call));
    EXPECT_EQ(client->wakes.load(), 0);  // wake-ups run on the session's executor
    runPending(io);
    EXPECT_EQ(client->wakes.load(), 1);
    std::vector<StreamMessagePtr> taken;
    EXPECT_EQ(client->subscription.take(taken), QueueState::kOpen);
    EXPECT_EQ(ids(taken), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(taken[0].get(), batch[0].get());  // shared, not copied
}

TEST(EventHub, WakesOnlyWhenTheQueueGoesFromEmptyToNonEmpty) {
    asio::io_context io;
    EventHub hub;
    auto client = subscribe(hub, io, everything());
    auto call = newUuid();
    for (int i = 1; i <= 100; ++i) hub.publish(message(i, 1, call));
    runPending(io);
    EXPECT_EQ(client->wakes.load(), 1);
    std::vector<StreamMessagePtr> taken;
    client->subscription.take(taken);
    EXPECT_EQ(taken.size(), 100u);
    hub.publish(message(101, 1, call));
    runPending(io);
    EXPECT_EQ(client->wakes.load(), 2);
}

TEST(EventHub, AppliesEachSubscribersFilter) {
    asio::io_context io;
    EventHub hub;
    auto a = newUuid();
    auto b = newUuid();
    StreamFilter alice;
    alice.user_id = 1;
    StreamFilter only_b = everything();
    only_b.call_ids = {b};
    StreamFilter completed = everything();
    completed.status_mask = 1u << static_cast<unsigned>(CallStatus::kCompleted);
    auto alice_client = subscribe(hub, io, alice);
    auto b_client = subscribe(hub, io, only_b);
    auto completed_client = subscribe(hub, io, completed);
    auto root_client = subscribe(hub, io, everything());

    std::vector<StreamMessagePtr> batch{message(1, 1, a), message(2, 2, b),
                                        message(3, 1, a, CallStatus::kCompleted),
                                        message(4, 2, b, CallStatus::kCompleted)};
    hub.publish(batch);
    runPending(io);
    std::vector<StreamMessagePtr> taken;
    alice_client->subscription.take(taken);
    EXPECT_EQ(ids(taken), (std::vector<std::int64_t>{1, 3}));
    b_client->subscription.take(taken);
    EXPECT_EQ(ids(taken), (std::vector<std::int64_t>{2, 4}));
    completed_client->subscription.take(taken);
    EXPECT_EQ(ids(taken), (std::vector<std::int64_t>{3, 4}));
    root_client->subscription.take(taken);
    EXPECT_EQ(ids(taken), (std::vector<std::int64_t>{1, 2, 3, 4}));
}

TEST(EventHub, ASubscriberThatFallsBehindIsOverflowedAndWoken) {
    asio::io_context io;
    EventHub hub;
    auto slow = subscribe(hub, io, everything(), 3);
    auto fast = subscribe(hub, io, everything(), 100);
    auto call = newUuid();
    for (int i = 1; i <= 3; ++i) hub.publish(message(i, 1, call));
    EXPECT_EQ(slow->subscription.state(), QueueState::kOpen);
    hub.publish(message(4, 1, call));
    EXPECT_EQ(slow->subscription.state(), QueueState::kOverflowed);
    hub.publish(message(5, 1, call));
    runPending(io);
    EXPECT_EQ(slow->wakes.load(), 2);  // the first message, then the overflow
    std::vector<StreamMessagePtr> taken;
    EXPECT_EQ(slow->subscription.take(taken), QueueState::kOverflowed);
    EXPECT_TRUE(taken.empty());  // what was queued is released at once
    EXPECT_EQ(fast->subscription.take(taken), QueueState::kOpen);
    EXPECT_EQ(taken.size(), 5u);  // nobody else is affected
}

TEST(EventHub, ClearOverflowReopensAnEmptyQueue) {
    asio::io_context io;
    EventHub hub;
    auto client = subscribe(hub, io, everything(), 2);
    auto call = newUuid();
    for (int i = 1; i <= 3; ++i) hub.publish(message(i, 1, call));
    EXPECT_EQ(client->subscription.state(), QueueState::kOverflowed);
    client->subscription.clearOverflow();
    hub.publish(message(4, 1, call));
    std::vector<StreamMessagePtr> taken;
    EXPECT_EQ(client->subscription.take(taken), QueueState::kOpen);
    EXPECT_EQ(ids(taken), (std::vector<std::int64_t>{4}));
}

TEST(EventHub, CloseAllClosesEverySubscriberAndEveryLaterOne) {
    asio::io_context io;
    EventHub hub;
    auto a = subscribe(hub, io, everything());
    auto b = subscribe(hub, io, everything());
    hub.closeAll();
    EXPECT_TRUE(hub.closed());
    runPending(io);
    EXPECT_EQ(a->wakes.load(), 1);
    EXPECT_EQ(b->wakes.load(), 1);
    EXPECT_EQ(a->subscription.state(), QueueState::kClosed);
    auto late = subscribe(hub, io, everything());
    EXPECT_EQ(late->subscription.state(), QueueState::kClosed);
    hub.publish(message(1, 1, newUuid()));
    std::vector<StreamMessagePtr> taken;
    EXPECT_EQ(a->subscription.take(taken), QueueState::kClosed);
    EXPECT_TRUE(taken.empty());
}

TEST(EventHub, DestroyingTheSubscriptionUnsubscribes) {
    asio::io_context io;
    EventHub hub;
    auto a = subscribe(hub, io, everything());
    auto b = subscribe(hub, io, everything());
    auto c = subscribe(hub, io, everything());
    EXPECT_EQ(hub.subscribers(), 3u);
    a.reset();
    EXPECT_EQ(hub.subscribers(), 2u);
    hub.publish(message(1, 1, newUuid()));
    std::vector<StreamMessagePtr> taken;
    c->subscription.take(taken);
    EXPECT_EQ(taken.size(), 1u);  // the survivors' slots stayed right
    b->subscription.reset();
    c.reset();
    EXPECT_EQ(hub.subscribers(), 0u);
}

TEST(EventHub, ASubscriptionMayOutliveTheHub) {
    asio::io_context io;
    auto hub = std::make_unique<EventHub>();
    auto client = subscribe(*hub, io, everything());
    hub.reset();
    std::vector<StreamMessagePtr> taken;
    EXPECT_EQ(client->subscription.take(taken), QueueState::kOpen);
    client.reset();  // unsubscribing from a hub that is gone does nothing
}

TEST(EventHub, WakeUpsRunOnEachSubscribersOwnThread) {
    asio::io_context io1, io2;
    auto guard1 = asio::make_work_guard(io1);
    auto guard2 = asio::make_work_guard(io2);
    std::thread t1([&] { io1.run(); });
    std::thread t2([&] { io2.run(); });
    EventHub hub;
    constexpr int kPerThread = 5000;
    std::atomic<int> woken_right{0}, woken_wrong{0};
    std::vector<Subscription> subscriptions;
    for (int i = 0; i < 2 * kPerThread; ++i) {
        auto& io = i % 2 ? io1 : io2;
        auto expected = i % 2 ? t1.get_id() : t2.get_id();
        SubscribeOptions options;
        options.filter = everything();
        options.executor = io.get_executor();
        options.wake = [&, expected] {
            (std::this_thread::get_id() == expected ? woken_right : woken_wrong).fetch_add(1);
        };
        subscriptions.push_back(hub.subscribe(std::move(options)));
    }
    hub.publish(message(1, 1, newUuid()));
    bool all = false;
    for (int i = 0; i < 500 && !all; ++i) {
        all = woken_right.load() + woken_wrong.load() == 2 * kPerThread;
        if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(woken_right.load(), 2 * kPerThread);
    EXPECT_EQ(woken_wrong.load(), 0);
    guard1.reset();
    guard2.reset();
    io1.stop();
    io2.stop();
    t1.join();
    t2.join();
}

TEST(EventHub, PublishingWhileClientsComeAndGoKeepsEveryLiveQueueInOrder) {
    asio::io_context io;
    EventHub hub;
    auto steady = subscribe(hub, io, everything(), 1'000'000);
    std::atomic<bool> done{false};
    std::thread churn([&] {
        while (!done.load()) {
            auto transient = subscribe(hub, io, everything());
            std::vector<StreamMessagePtr> taken;
            transient->subscription.take(taken);
        }
    });
    auto call = newUuid();
    constexpr int kMessages = 20000;
    for (int i = 1; i <= kMessages; ++i) hub.publish(message(i, 1, call));
    done = true;
    churn.join();
    std::vector<StreamMessagePtr> taken;
    steady->subscription.take(taken);
    ASSERT_EQ(taken.size(), static_cast<std::size_t>(kMessages));
    for (int i = 0; i < kMessages; ++i) ASSERT_EQ(taken[i]->eventId(), i + 1);
}

}  // namespace
}  // namespace ccapi::events
