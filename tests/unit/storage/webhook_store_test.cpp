// The webhook outbox (WebhookStore, and the CallStore writes that fill it) and the event-feed
// queries, run unchanged on every backend this binary was built for.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "store_fixture.hpp"

namespace ccapi::storage::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHookA = "https://a.example/hook";
constexpr std::string_view kHookB = "https://b.example/hook?x=1&y=ü";
constexpr UnixMicros kSecond = 1'000'000;

class Outbox : public MigratedStoreTest {
protected:
    storage::CallStore& calls() { return db_->calls(); }
    storage::WebhookStore& webhooks() { return db_->webhooks(); }

    static Call newCall(UnixMicros created_at = kStart) {
        Call call;
        call.call_id = newUuid();
        call.user_id = 1;
        call.phone_number = "+15551230001";
        call.context = "outbound-ivr";
        call.extension = "s";
        call.caller_id = "+15550000000";
        call.created_at = created_at;
        call.updated_at = created_at;
        call.request_hash = "hash-" + call.call_id;
        return call;
    }

    static CallEvent firstEvent(const Call& call) {
        return {.call_id = call.call_id,
                .seq = 1,
                .status = CallStatus::kPending,
                .at = call.created_at,
                .source = EventSource::kApi,
                .detail = "accepted"};
    }

    // Creates `call`, enqueueing its first event to `urls`; returns the first event's id.
    std::int64_t create(const Call& call, const std::vector<std::string>& urls = {}) {
        auto created = calls().create(call, firstEvent(call), urls);
        EXPECT_TRUE(created) << created.error().message();
        if (!created) return 0;
        EXPECT_EQ(created->outcome, CreateOutcome::kCreated);
        return created->first_event_id;
    }

    // Moves `call` to `to`, returning the update with its one event (and no outbox entries).
    static CallUpdate advance(Call& call, CallStatus to, UnixMicros at) {
        CallEvent event{.call_id = call.call_id,
                        .seq = call.version + 1,
                        .status = to,
                        .previous_status = call.status,
                        .at = at,
                        .source = EventSource::kAri,
                        .detail = std::string(toString(to))};
        call.status = to;
        call.version += 1;
        call.updated_at = at;
        if (to == CallStatus::kDialing) call.dialed_at = at;
        if (to == CallStatus::kAnswered) call.answered_at = at;
        if (isTerminal(to)) call.ended_at = at;
        return {call, {event}, {}};
    }

    // advance() whose event goes to `urls`.
    static CallUpdate advance(Call& call, CallStatus to, UnixMicros at,
                              const std::vector<std::string_view>& urls) {
        CallUpdate update = advance(call, to, at);
        for (std::string_view url : urls) update.outbox.push_back({0, std::string(url)});
        return update;
    }

    std::vector<std::int64_t> apply(const std::vector<CallUpdate>& batch) {
        auto ids = calls().apply(batch);
        EXPECT_TRUE(ids) << ids.error().message();
        return ids ? *ids : std::vector<std::int64_t>{};
    }

    std::vector<WebhookDelivery> forCall(std::string_view call_id) {
        auto found = webhooks().forCall(call_id);
        EXPECT_TRUE(found) << found.error().message();
        return found ? *found : std::vector<WebhookDelivery>{};
    }

    std::vector<WebhookAttempt> attemptsForCall(std::string_view call_id) {
        auto found = webhooks().attemptsForCall(call_id);
        EXPECT_TRUE(found) << found.error().message();
        return found ? *found : std::vector<WebhookAttempt>{};
    }

    std::vector<WebhookDelivery> due(UnixMicros now, std::size_t limit = 100) {
        auto found = webhooks().due(now, limit);
        EXPECT_TRUE(found) << found.error().message();
        return found ? *found : std::vector<WebhookDelivery>{};
    }

    static std::vector<std::int64_t> ids(const std::vector<WebhookDelivery>& deliveries) {
        std::vector<std::int64_t> out;
        for (const auto& d : deliveries) out.push_back(d.delivery_id);
        return out;
    }

    void record(const WebhookAttempt& attempt, DeliveryState state) {
        auto recorded = webhooks().recordAttempt(attempt, state);
        ASSERT_TRUE(recorded) << recorded.error().message();
        EXPECT_TRUE(*recorded) << "delivery " << attempt.delivery_id;
    }

    // A failed attempt `n` of `delivery` at `at`, retried at `retry_at`.
    void failAndRetry(std::int64_t delivery, int n, UnixMicros at, UnixMicros retry_at) {
        record({.delivery_id = delivery,
                .attempt = n,
                .at = at,
                .status_code = 503,
                .error = "HTTP 503",
                .duration_ms = 12,
                .next_retry_at = retry_at},
               DeliveryState::kPending);
    }

    void deliver(std::int64_t delivery, int n, UnixMicros at) {
        record({.delivery_id = delivery, .attempt = n, .at = at, .status_code = 200},
               DeliveryState::kDelivered);
    }

    std::int64_t pendingCount() {
        auto count = webhooks().pendingCount();
        EXPECT_TRUE(count) << count.error().message();
        return count ? *count : -1;
    }

    std::int64_t count(std::string_view table) {
        return query("SELECT COUNT(*) FROM " + std::string(table)).rows.at(0).integer(0);
    }
};

void expectSameCall(const Call& actual, const Call& expected) {
    EXPECT_EQ(actual.call_id, expected.call_id);
    EXPECT_EQ(actual.status, expected.status);
    EXPECT_EQ(actual.version, expected.version);
    EXPECT_EQ(actual.phone_number, expected.phone_number);
    EXPECT_EQ(actual.variables, expected.variables);
    EXPECT_EQ(actual.dialed_at, expected.dialed_at);
    EXPECT_EQ(actual.answered_at, expected.answered_at);
    EXPECT_EQ(actual.ended_at, expected.ended_at);
    EXPECT_EQ(actual.status_callback, expected.status_callback);
    EXPECT_EQ(actual.status_callback_events, expected.status_callback_events);
    EXPECT_EQ(actual.updated_at, expected.updated_at);
}

void expectSameEvent(const CallEvent& actual, const CallEvent& expected) {
    EXPECT_EQ(actual.call_id, expected.call_id);
    EXPECT_EQ(actual.seq, expected.seq);
    EXPECT_EQ(actual.status, expected.status);
    EXPECT_EQ(actual.previous_status, expected.previous_status);
    EXPECT_EQ(actual.at, expected.at);
    EXPECT_EQ(actual.source, expected.source);
    EXPECT_EQ(actual.detail, expected.detail);
}

// ---------------------------------------------------------------------------------------------
// Deliveries are written with their events

TEST_P(Outbox, CreateEnqueuesTheFirstEventToEachUrlDueNow) {
    clock_->advance(5s);
    Call call = newCall();
    std::int64_t event_id = create(call, {std::string(kHookA), std::string(kHookB)});

    auto deliveries = forCall(call.call_id);
    ASSERT_EQ(deliveries.size(), 2u);
    EXPECT_LT(deliveries[0].delivery_id, deliveries[1].delivery_id);
    EXPECT_EQ(deliveries[0].url, kHookA);
    EXPECT_EQ(deliveries[1].url, kHookB);
    for (const WebhookDelivery& d : deliveries) {
        EXPECT_EQ(d.call_id, call.call_id);
        EXPECT_EQ(d.event_id, event_id);
        EXPECT_EQ(d.state, DeliveryState::kPending);
        EXPECT_EQ(d.attempts, 0);
        EXPECT_EQ(d.created_at, kStart + 5 * kSecond);
        EXPECT_EQ(d.next_attempt_at, kStart + 5 * kSecond);
        EXPECT_FALSE(d.delivered_at);
        EXPECT_FALSE(d.last_status_code);
        EXPECT_FALSE(d.last_error);
        EXPECT_FALSE(d.payload);
    }
    EXPECT_EQ(pendingCount(), 2);
    EXPECT_EQ(ids(due(clock_->now())), ids(deliveries));
}

TEST_P(Outbox, CreateWithoutUrlsEnqueuesNothing) {
    Call call = newCall();
    create(call);
    Call other = newCall();
    ASSERT_TRUE(calls().create(other, firstEvent(other)));  // the two-argument form
    EXPECT_TRUE(forCall(call.call_id).empty());
    EXPECT_TRUE(forCall(other.call_id).empty());
    EXPECT_EQ(count("webhook_deliveries"), 0);
}

TEST_P(Outbox, ReplayedOrRefusedCreatesEnqueueNothing) {
    Call first = newCall();
    first.idempotency_key = "key-1";
    first.request_hash = "body-a";
    create(first, {std::string(kHookA)});

    Call replay = newCall();
    replay.idempotency_key = "key-1";
    replay.request_hash = "body-a";
    auto replayed = calls().create(replay, firstEvent(replay), {std::string(kHookA)});
    ASSERT_TRUE(replayed) << replayed.error().message();
    EXPECT_EQ(replayed->outcome, CreateOutcome::kReplayed);

    Call conflict = newCall();
    conflict.idempotency_key = "key-1";
    conflict.request_hash = "body-b";
    auto refused = calls().create(conflict, firstEvent(conflict), {std::string(kHookA)});
    ASSERT_TRUE(refused) << refused.error().message();
    EXPECT_EQ(refused->outcome, CreateOutcome::kKeyConflict);

    // A duplicate call_id rolls back with everything it wrote.
    Call same_id = first;
    same_id.idempotency_key.reset();
    auto duplicate = calls().create(same_id, firstEvent(same_id), {std::string(kHookB)});
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error(), StorageErrc::kConflict);

    EXPECT_EQ(count("webhook_deliveries"), 1);
    EXPECT_EQ(forCall(first.call_id).size(), 1u);
    EXPECT_TRUE(forCall(replay.call_id).empty());
    EXPECT_TRUE(forCall(conflict.call_id).empty());
}

TEST_P(Outbox, ApplyEnqueuesEachEntryForTheEventIdItWasAssigned) {
    Call a = newCall(), b = newCall(), quiet = newCall();
    for (const Call* c : {&a, &b, &quiet}) create(*c);
    clock_->advance(3s);

    // a: two events, the second to both URLs; b: one event to A; quiet: nothing.
    CallUpdate a_dialing = advance(a, CallStatus::kDialing, kStart + 1);
    CallUpdate a_ringing = advance(a, CallStatus::kRinging, kStart + 2);
    CallUpdate a_update{a,
                        {a_dialing.events[0], a_ringing.events[0]},
                        {{1, std::string(kHookB)}, {1, std::string(kHookA)}}};
    CallUpdate b_update = advance(b, CallStatus::kBusy, kStart + 3, {kHookA});
    CallUpdate quiet_update = advance(quiet, CallStatus::kDialing, kStart + 4);
    auto event_ids = apply({a_update, b_update, quiet_update});
    ASSERT_EQ(event_ids.size(), 4u);

    auto of_a = forCall(a.call_id);
    ASSERT_EQ(of_a.size(), 2u);
    EXPECT_EQ(of_a[0].event_id, event_ids[1]);
    EXPECT_EQ(of_a[0].url, kHookB);  // entries of one event keep the order given
    EXPECT_EQ(of_a[1].event_id, event_ids[1]);
    EXPECT_EQ(of_a[1].url, kHookA);
    auto of_b = forCall(b.call_id);
    ASSERT_EQ(of_b.size(), 1u);
    EXPECT_EQ(of_b[0].event_id, event_ids[2]);
    EXPECT_EQ(of_b[0].url, kHookA);
    EXPECT_EQ(of_b[0].state, DeliveryState::kPending);
    EXPECT_EQ(of_b[0].created_at, kStart + 3 * kSecond);
    EXPECT_EQ(of_b[0].next_attempt_at, kStart + 3 * kSecond);
    EXPECT_TRUE(forCall(quiet.call_id).empty());
    EXPECT_EQ(pendingCount(), 3);
}

TEST_P(Outbox, DeliveriesOfACallQueueInTheOrderOfItsEvents) {
    Call call = newCall();
    create(call, {std::string(kHookA)});
    // Three events in one update with their entries listed backwards, then a second update of
    // the same call in the same batch.
    CallUpdate dialing = advance(call, CallStatus::kDialing, kStart + 1);
    CallUpdate ringing = advance(call, CallStatus::kRinging, kStart + 2);
    CallUpdate answered = advance(call, CallStatus::kAnswered, kStart + 3);
    CallUpdate three{
        call,
        {dialing.events[0], ringing.events[0], answered.events[0]},
        {{2, std::string(kHookA)}, {1, std::string(kHookA)}, {0, std::string(kHookA)}}};
    CallUpdate completed = advance(call, CallStatus::kCompleted, kStart + 4, {kHookA});
    auto event_ids = apply({three, completed});
    ASSERT_EQ(event_ids.size(), 4u);

    auto deliveries = forCall(call.call_id);
    ASSERT_EQ(deliveries.size(), 5u);
    for (std::size_t i = 1; i < deliveries.size(); ++i) {
        EXPECT_LT(deliveries[i - 1].delivery_id, deliveries[i].delivery_id);
        EXPECT_LT(deliveries[i - 1].event_id, deliveries[i].event_id) << "at " << i;
    }
    EXPECT_EQ(deliveries[1].event_id, event_ids[0]);
    EXPECT_EQ(deliveries[4].event_id, event_ids[3]);
}

TEST_P(Outbox, AFailedBatchEnqueuesNothing) {
    Call known = newCall();
    create(known);
    Call unknown = newCall();
    auto failed = calls().apply({advance(known, CallStatus::kDialing, kStart + 1, {kHookA}),
                                 advance(unknown, CallStatus::kDialing, kStart + 1, {kHookA})});
    ASSERT_FALSE(failed);
    EXPECT_EQ(count("webhook_deliveries"), 0);
    EXPECT_EQ(count("call_events"), 1);
}

TEST_P(Outbox, AnEntryNamingNoEventOfItsUpdateFailsTheBatch) {
    Call call = newCall();
    create(call);
    Call before = call;
    CallUpdate update = advance(call, CallStatus::kDialing, kStart + 1, {kHookA});
    update.outbox.push_back({1, std::string(kHookB)});  // the update has one event
    auto failed = calls().apply({update});
    ASSERT_FALSE(failed);
    EXPECT_EQ(count("webhook_deliveries"), 0);
    EXPECT_EQ(count("call_events"), 1);
    auto stored = calls().get(call.call_id).value();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, before.status);
}

// ---------------------------------------------------------------------------------------------
// The queue

TEST_P(Outbox, EmptyQueue) {
    EXPECT_TRUE(due(kStart + 1000 * kHour).empty());
    auto next = webhooks().nextDue();
    ASSERT_TRUE(next) << next.error().message();
    EXPECT_FALSE(*next);
    EXPECT_EQ(pendingCount(), 0);
}

TEST_P(Outbox, DueIsEarliestFirstThenByDeliveryIdAndHonoursTheLimit) {
    std::vector<Call> made;
    for (int i = 0; i < 4; ++i) {
        made.push_back(newCall());
        create(made.back(), {std::string(kHookA)});
        clock_->advance(1s);
    }
    std::vector<std::int64_t> d;
    for (const Call& c : made) d.push_back(forCall(c.call_id).at(0).delivery_id);
    const UnixMicros now = clock_->now();  // kStart + 4 s

    // d0 retried in 10 s, d1 in 2 s; d2 (due at +2 s) and d3 (+3 s) untouched.
    failAndRetry(d[0], 1, now, now + 10 * kSecond);
    failAndRetry(d[1], 1, now, now + 2 * kSecond);
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{d[2], d[3]}));
    EXPECT_EQ(ids(due(now, 1)), (std::vector<std::int64_t>{d[2]}));
    EXPECT_TRUE(due(now, 0).empty());
    EXPECT_TRUE(due(kStart + 2 * kSecond - 1).empty());
    EXPECT_EQ(ids(due(now + 2 * kSecond)), (std::vector<std::int64_t>{d[2], d[3], d[1]}));
    EXPECT_EQ(ids(due(now + 10 * kSecond)), (std::vector<std::int64_t>{d[2], d[3], d[1], d[0]}));

    // Equal times: by delivery_id.
    failAndRetry(d[3], 1, now, now + 2 * kSecond);
    failAndRetry(d[2], 1, now, now + 2 * kSecond);
    EXPECT_EQ(ids(due(now + 2 * kSecond)), (std::vector<std::int64_t>{d[1], d[2], d[3]}));

    auto next = webhooks().nextDue();
    ASSERT_TRUE(next) << next.error().message();
    EXPECT_EQ(*next, now + 2 * kSecond);
}

TEST_P(Outbox, ALaterDeliveryWaitsWhileAnEarlierOneToTheSameUrlIsRetried) {
    Call call = newCall();
    create(call, {std::string(kHookA), std::string(kHookB)});
    apply({advance(call, CallStatus::kDialing, kStart + 1, {kHookA, kHookB})});
    auto deliveries = forCall(call.call_id);
    ASSERT_EQ(deliveries.size(), 4u);
    const std::int64_t a1 = deliveries[0].delivery_id, b1 = deliveries[1].delivery_id;
    const std::int64_t a2 = deliveries[2].delivery_id, b2 = deliveries[3].delivery_id;
    const UnixMicros now = clock_->now();

    // Only the head of each (call, URL) queue is due.
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{a1, b1}));

    // a1 fails and waits 60 s: a2 waits behind it; B's queue is not held up.
    failAndRetry(a1, 1, now, now + 60 * kSecond);
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{b1}));
    deliver(b1, 1, now);
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{b2}));
    deliver(b2, 1, now);
    EXPECT_TRUE(due(now + 59 * kSecond).empty());
    // A blocked delivery is not a reason to look again before its head's retry.
    auto next = webhooks().nextDue();
    ASSERT_TRUE(next) << next.error().message();
    EXPECT_EQ(*next, now + 60 * kSecond);
    EXPECT_EQ(pendingCount(), 2);

    // At the retry time the head goes again (still alone); once delivered, a2 is due at once.
    EXPECT_EQ(ids(due(now + 60 * kSecond)), (std::vector<std::int64_t>{a1}));
    deliver(a1, 2, now + 60 * kSecond);
    EXPECT_EQ(ids(due(now + 60 * kSecond)), (std::vector<std::int64_t>{a2}));
    EXPECT_EQ(webhooks().nextDue().value(), now);
}

TEST_P(Outbox, ADeadEarlierDeliveryDoesNotBlockTheNextOne) {
    Call call = newCall();
    create(call, {std::string(kHookA)});
    apply({advance(call, CallStatus::kDialing, kStart + 1, {kHookA})});
    auto deliveries = forCall(call.call_id);
    ASSERT_EQ(deliveries.size(), 2u);
    const UnixMicros now = clock_->now();
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{deliveries[0].delivery_id}));
    record({.delivery_id = deliveries[0].delivery_id,
            .attempt = 1,
            .at = now,
            .error = "connection refused",
            .duration_ms = 3},
           DeliveryState::kDead);
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{deliveries[1].delivery_id}));
}

TEST_P(Outbox, OtherCallsToTheSameUrlAreNotBlocked) {
    Call first = newCall(), second = newCall();
    create(first, {std::string(kHookA)});
    create(second, {std::string(kHookA)});
    const UnixMicros now = clock_->now();
    std::int64_t d1 = forCall(first.call_id).at(0).delivery_id;
    std::int64_t d2 = forCall(second.call_id).at(0).delivery_id;
    failAndRetry(d1, 1, now, now + kHour);
    EXPECT_EQ(ids(due(now)), (std::vector<std::int64_t>{d2}));
}

// ---------------------------------------------------------------------------------------------
// Attempts

TEST_P(Outbox, SetPayloadKeepsTheBodyForEveryRetry) {
    Call call = newCall();
    create(call, {std::string(kHookA)});
    std::int64_t id = forCall(call.call_id).at(0).delivery_id;
    const std::string body = R"({"call_id":"x","status":"pending","note":"Zoë ☎ $1 ?2"})";
    auto set = webhooks().setPayload(id, body);
    ASSERT_TRUE(set) << set.error().message();
    EXPECT_TRUE(*set);
    EXPECT_EQ(forCall(call.call_id).at(0).payload, body);
    failAndRetry(id, 1, kStart, kStart + kSecond);
    EXPECT_EQ(due(kStart + kSecond).at(0).payload, body);

    auto missing = webhooks().setPayload(id + 1000, body);
    ASSERT_TRUE(missing) << missing.error().message();
    EXPECT_FALSE(*missing);
}

TEST_P(Outbox, RecordAttemptMovesADeliveryThroughItsStatesAndLogsEveryAttempt) {
    Call call = newCall();
    create(call, {std::string(kHookA), std::string(kHookB)});
    auto deliveries = forCall(call.call_id);
    ASSERT_EQ(deliveries.size(), 2u);
    const std::int64_t a = deliveries[0].delivery_id, b = deliveries[1].delivery_id;

    // a: 503, retried; then 200.
    failAndRetry(a, 1, kStart + 1, kStart + 30 * kSecond);
    WebhookDelivery after_first = forCall(call.call_id).at(0);
    EXPECT_EQ(after_first.state, DeliveryState::kPending);
    EXPECT_EQ(after_first.attempts, 1);
    EXPECT_EQ(after_first.next_attempt_at, kStart + 30 * kSecond);
    EXPECT_EQ(after_first.last_status_code, 503);
    EXPECT_EQ(after_first.last_error, "HTTP 503");
    EXPECT_FALSE(after_first.delivered_at);

    deliver(a, 2, kStart + 31 * kSecond);
    WebhookDelivery delivered = forCall(call.call_id).at(0);
    EXPECT_EQ(delivered.state, DeliveryState::kDelivered);
    EXPECT_EQ(delivered.attempts, 2);
    EXPECT_FALSE(delivered.next_attempt_at);
    EXPECT_EQ(delivered.delivered_at, kStart + 31 * kSecond);
    EXPECT_EQ(delivered.last_status_code, 200);
    EXPECT_FALSE(delivered.last_error);

    // b: a timeout (no answer), then dead.
    record({.delivery_id = b,
            .attempt = 1,
            .at = kStart + 2,
            .error = "timeout after 10 s",
            .duration_ms = 10'000,
            .next_retry_at = kStart + 60 * kSecond},
           DeliveryState::kPending);
    record({.delivery_id = b,
            .attempt = 2,
            .at = kStart + 60 * kSecond,
            .status_code = 500,
            .error = "HTTP 500",
            .duration_ms = 40},
           DeliveryState::kDead);
    WebhookDelivery dead = forCall(call.call_id).at(1);
    EXPECT_EQ(dead.state, DeliveryState::kDead);
    EXPECT_EQ(dead.attempts, 2);
    EXPECT_FALSE(dead.next_attempt_at);
    EXPECT_FALSE(dead.delivered_at);
    EXPECT_EQ(dead.last_status_code, 500);
    EXPECT_EQ(dead.last_error, "HTTP 500");

    EXPECT_EQ(pendingCount(), 0);
    EXPECT_TRUE(due(kStart + 1000 * kHour).empty());
    EXPECT_FALSE(webhooks().nextDue().value());

    auto attempts = attemptsForCall(call.call_id);
    ASSERT_EQ(attempts.size(), 4u);
    EXPECT_EQ(attempts[0].delivery_id, a);
    EXPECT_EQ(attempts[0].attempt, 1);
    EXPECT_EQ(attempts[0].at, kStart + 1);
    EXPECT_EQ(attempts[0].status_code, 503);
    EXPECT_EQ(attempts[0].error, "HTTP 503");
    EXPECT_EQ(attempts[0].duration_ms, 12);
    EXPECT_EQ(attempts[0].next_retry_at, kStart + 30 * kSecond);
    EXPECT_EQ(attempts[1].delivery_id, a);
    EXPECT_EQ(attempts[1].attempt, 2);
    EXPECT_EQ(attempts[1].status_code, 200);
    EXPECT_FALSE(attempts[1].error);
    EXPECT_FALSE(attempts[1].next_retry_at);
    EXPECT_EQ(attempts[2].delivery_id, b);
    EXPECT_EQ(attempts[2].attempt, 1);
    EXPECT_FALSE(attempts[2].status_code);
    EXPECT_EQ(attempts[2].error, "timeout after 10 s");
    EXPECT_EQ(attempts[2].duration_ms, 10'000);
    EXPECT_EQ(attempts[2].next_retry_at, kStart + 60 * kSecond);
    EXPECT_EQ(attempts[3].delivery_id, b);
    EXPECT_EQ(attempts[3].attempt, 2);
    EXPECT_EQ(attempts[3].status_code, 500);
    EXPECT_FALSE(attempts[3].next_retry_at);
}

TEST_P(Outbox, AnAttemptOfAnUnknownDeliveryIsRefusedAndNotLogged) {
    auto recorded = webhooks().recordAttempt(
        {.delivery_id = 4711, .attempt = 1, .at = kStart, .status_code = 200},
        DeliveryState::kDelivered);
    ASSERT_TRUE(recorded) << recorded.error().message();
    EXPECT_FALSE(*recorded);
    EXPECT_EQ(count("webhook_attempts"), 0);
}

TEST_P(Outbox, AnAttemptNumberRecordedTwiceIsAConflictAndChangesNothing) {
    Call call = newCall();
    create(call, {std::string(kHookA)});
    std::int64_t id = forCall(call.call_id).at(0).delivery_id;
    failAndRetry(id, 1, kStart, kStart + kSecond);
    auto again = webhooks().recordAttempt(
        {.delivery_id = id, .attempt = 1, .at = kStart + kSecond, .status_code = 200},
        DeliveryState::kDelivered);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), StorageErrc::kConflict);
    WebhookDelivery d = forCall(call.call_id).at(0);
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.next_attempt_at, kStart + kSecond);
    EXPECT_EQ(count("webhook_attempts"), 1);
}

TEST_P(Outbox, ForCallListsOnlyThatCallsDeliveriesOldestFirst) {
    Call a = newCall(), b = newCall();
    create(a, {std::string(kHookA)});
    create(b, {std::string(kHookA)});
    apply({advance(a, CallStatus::kDialing, kStart + 1, {kHookB}),
           advance(b, CallStatus::kDialing, kStart + 1, {kHookA}),
           advance(a, CallStatus::kRinging, kStart + 2, {kHookA})});
    auto of_a = forCall(a.call_id);
    ASSERT_EQ(of_a.size(), 3u);
    EXPECT_TRUE(std::is_sorted(of_a.begin(), of_a.end(), [](const auto& x, const auto& y) {
        return x.delivery_id < y.delivery_id;
    }));
    for (const auto& d : of_a) EXPECT_EQ(d.call_id, a.call_id);
    EXPECT_EQ(forCall(b.call_id).size(), 2u);

    failAndRetry(of_a[0].delivery_id, 1, kStart, kStart + 1);
    failAndRetry(forCall(b.call_id).at(0).delivery_id, 1, kStart, kStart + 1);
    auto attempts = attemptsForCall(a.call_id);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].delivery_id, of_a[0].delivery_id);

    for (std::string id : {newUuid(), std::string("not-a-uuid"), std::string()}) {
        EXPECT_TRUE(forCall(id).empty()) << id;
        EXPECT_TRUE(attemptsForCall(id).empty()) << id;
    }
}

TEST_P(Outbox, PurgeDeletesThePurgedCallsDeliveriesAndAttempts) {
    Call old_done = newCall(), recent_done = newCall();
    create(old_done, {std::string(kHookA)});
    create(recent_done, {std::string(kHookA)});
    apply({advance(old_done, CallStatus::kCompleted, kStart + 10, {kHookA}),
           advance(recent_done, CallStatus::kFailed, kStart + 5 * kHour, {kHookA})});
    for (const Call* c : {&old_done, &recent_done}) {
        for (const auto& d : forCall(c->call_id)) failAndRetry(d.delivery_id, 1, kStart, kStart);
    }
    ASSERT_EQ(count("webhook_attempts"), 4);

    auto removed = calls().purgeEndedBefore(kStart + kHour);
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_EQ(*removed, 1);
    EXPECT_TRUE(forCall(old_done.call_id).empty());
    EXPECT_TRUE(attemptsForCall(old_done.call_id).empty());
    EXPECT_EQ(forCall(recent_done.call_id).size(), 2u);
    EXPECT_EQ(attemptsForCall(recent_done.call_id).size(), 2u);
    EXPECT_EQ(count("webhook_deliveries"), 2);
    EXPECT_EQ(count("webhook_attempts"), 2);
    EXPECT_EQ(pendingCount(), 2);
}

// ---------------------------------------------------------------------------------------------
// The event feed

TEST_P(Outbox, EventsWithCallsAfterPairsEachEventWithItsCallsCurrentRow) {
    Call a = newCall(kStart + 1), b = newCall(kStart + 2);
    a.variables = {{"CUSTOMER", "Zoë"}};
    a.status_callback = std::string(kHookA);
    a.status_callback_events = std::vector<std::string>{"answered"};
    std::int64_t a1 = create(a);
    std::int64_t b1 = create(b);
    CallUpdate a_dialing = advance(a, CallStatus::kDialing, kStart + 10);
    CallUpdate b_busy = advance(b, CallStatus::kBusy, kStart + 11);
    CallUpdate a_answered = advance(a, CallStatus::kAnswered, kStart + 12);
    auto event_ids = apply({a_dialing, b_busy, a_answered});
    ASSERT_EQ(event_ids.size(), 3u);

    auto feed = calls().eventsWithCallsAfter(0, 100);
    ASSERT_TRUE(feed) << feed.error().message();
    ASSERT_EQ(feed->size(), 5u);
    const std::vector<std::int64_t> expected_ids{a1, b1, event_ids[0], event_ids[1], event_ids[2]};
    const std::vector<const Call*> expected_calls{&a, &b, &a, &b, &a};
    for (std::size_t i = 0; i < feed->size(); ++i) {
        EXPECT_EQ((*feed)[i].event.event_id, expected_ids[i]) << i;
        expectSameCall((*feed)[i].call, *expected_calls[i]);  // the current row, not then
        EXPECT_EQ((*feed)[i].event.call_id, (*feed)[i].call.call_id);
    }
    expectSameEvent((*feed)[0].event, firstEvent(a));
    expectSameEvent((*feed)[1].event, firstEvent(b));
    expectSameEvent((*feed)[2].event, a_dialing.events[0]);
    expectSameEvent((*feed)[3].event, b_busy.events[0]);
    expectSameEvent((*feed)[4].event, a_answered.events[0]);

    // Resuming from any id gives the rest; a limit cuts it.
    auto rest = calls().eventsWithCallsAfter(b1, 2);
    ASSERT_TRUE(rest) << rest.error().message();
    ASSERT_EQ(rest->size(), 2u);
    EXPECT_EQ((*rest)[0].event.event_id, event_ids[0]);
    EXPECT_EQ((*rest)[1].event.event_id, event_ids[1]);
    EXPECT_TRUE(calls().eventsWithCallsAfter(event_ids[2], 100).value().empty());
    EXPECT_TRUE(calls().eventsWithCallsAfter(0, 0).value().empty());
}

TEST_P(Outbox, EventWithCallFindsOneEventAndItsCall) {
    Call call = newCall();
    call.variables = {{"GREETING", "こんにちは"}};
    std::int64_t first = create(call);
    CallUpdate dialing = advance(call, CallStatus::kDialing, kStart + 5);
    std::int64_t second = apply({dialing}).at(0);

    auto found = calls().eventWithCall(first);
    ASSERT_TRUE(found) << found.error().message();
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->event.event_id, first);
    expectSameEvent((*found)->event, firstEvent(call));
    expectSameCall((*found)->call, call);

    auto later = calls().eventWithCall(second).value();
    ASSERT_TRUE(later);
    EXPECT_EQ(later->event.event_id, second);
    expectSameEvent(later->event, dialing.events[0]);

    auto missing = calls().eventWithCall(second + 1000);
    ASSERT_TRUE(missing) << missing.error().message();
    EXPECT_FALSE(missing->has_value());
}

TEST_P(Outbox, EventWithCallIsGoneWithAPurgedCall) {
    Call call = newCall();
    std::int64_t first = create(call);
    apply({advance(call, CallStatus::kCanceled, kStart + 1)});
    ASSERT_EQ(calls().purgeEndedBefore(kStart + kHour).value(), 1);
    EXPECT_FALSE(calls().eventWithCall(first).value());
    EXPECT_TRUE(calls().eventsWithCallsAfter(0, 100).value().empty());
}

TEST_P(Outbox, AReaderTailingTheFeedWhileCallsAreWrittenMissesNothing) {
    // As CallStore.AReaderTailingTheLog…, through the joined feed: writers commit in an order
    // unrelated to the ids they drew, with deliveries in the same transactions.
    constexpr int kWriters = 4;
    constexpr int kCallsEach = 40;
    std::atomic<int> writing{kWriters};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&] {
            for (int i = 0; i < kCallsEach; ++i) {
                Call call = newCall(kStart + i);
                if (!calls().create(call, firstEvent(call), {std::string(kHookA)})) {
                    ADD_FAILURE() << "create failed";
                }
                if (!calls().apply(
                        {advance(call, CallStatus::kDialing, kStart + i + 1, {kHookA})})) {
                    ADD_FAILURE() << "apply failed";
                }
            }
            --writing;
        });
    }
    std::vector<std::int64_t> tailed;
    std::int64_t cursor = 0;
    for (bool last_round = false;;) {
        bool done = writing.load() == 0;
        auto page = calls().eventsWithCallsAfter(cursor, 50);
        ASSERT_TRUE(page) << page.error().message();
        for (const auto& e : *page) {
            tailed.push_back(e.event.event_id);
            EXPECT_EQ(e.event.call_id, e.call.call_id);
        }
        if (!page->empty()) cursor = page->back().event.event_id;
        if (page->empty() && last_round) break;
        last_round = done;
    }
    for (auto& t : writers) t.join();

    std::vector<std::int64_t> stored_ids;
    for (const auto& e : calls().eventsAfter(0, 100'000).value()) stored_ids.push_back(e.event_id);
    EXPECT_EQ(stored_ids.size(), 2u * kWriters * kCallsEach);
    EXPECT_EQ(tailed, stored_ids);
    EXPECT_EQ(count("webhook_deliveries"), 2 * kWriters * kCallsEach);
}

// ---------------------------------------------------------------------------------------------
// Throughput (printed, not asserted: the machine is shared)

TEST_P(Outbox, ApplyWithDeliveriesThroughputIsReported) {
    constexpr int kBatches = 10;
    constexpr int kBatchSize = 500;
    std::vector<Call> made;
    for (int i = 0; i < kBatchSize; ++i) {
        made.push_back(newCall(kStart + i));
        create(made.back());
    }
    // Every batch: each call's new state and two events, each event to two URLs (2 500 rows).
    std::vector<std::vector<CallUpdate>> batches;
    for (int b = 0; b < kBatches; ++b) {
        std::vector<CallUpdate> batch;
        for (Call& call : made) {
            CallUpdate u1 = advance(call, CallStatus::kDialing, kStart + b);
            CallUpdate u2 = advance(call, CallStatus::kRinging, kStart + b);
            call.status = CallStatus::kPending;  // keep the engine's rules out of a benchmark
            batch.push_back({call,
                             {u1.events[0], u2.events[0]},
                             {{0, std::string(kHookA)},
                              {0, std::string(kHookB)},
                              {1, std::string(kHookA)},
                              {1, std::string(kHookB)}}});
        }
        batches.push_back(std::move(batch));
    }
    auto started = std::chrono::steady_clock::now();
    for (const auto& batch : batches) ASSERT_TRUE(calls().apply(batch));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf(
        "[ perf     ] apply with deliveries on %s: %d batches of %d updates + %d events + %d"
        " deliveries, %.1f ms per batch\n",
        backendName({GetParam(), 0}).c_str(), kBatches, kBatchSize, 2 * kBatchSize, 4 * kBatchSize,
        seconds * 1000 / kBatches);
    EXPECT_EQ(count("webhook_deliveries"), 4 * kBatches * kBatchSize);
    EXPECT_EQ(pendingCount(), 4 * kBatches * kBatchSize);
}

INSTANTIATE_TEST_SUITE_P(Store, Outbox, CCAPI_BACKENDS, backendName);

}  // namespace
}  // namespace ccapi::storage::testing
