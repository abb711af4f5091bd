// The CallStore suite, run unchanged on every backend this binary was built for.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "storage/sql/sql_call_store.hpp"
#include "store_fixture.hpp"
#include "support/event_id_in_flight.hpp"

namespace ccapi::storage::testing {
namespace {

class CallStore : public MigratedStoreTest {
protected:
    template <typename ReadPage>
    void tailWhileCallsAreCreated(ReadPage read_page);
    storage::CallStore& calls() { return db_->calls(); }

    static Call newCall(std::int64_t user_id, UnixMicros created_at = kStart) {
        Call call;
        call.call_id = newUuid();
        call.user_id = user_id;
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
                .previous_status = std::nullopt,
                .at = call.created_at,
                .source = EventSource::kApi,
                .detail = "accepted"};
    }

    Result<CreateResult> tryCreate(const Call& call) {
        return calls().create(call, firstEvent(call));
    }

    // create() through createQueued(), waiting for the answer on this thread. Each lead the
    // store asks for runs on a thread of its own (joined before the store goes).
    Result<CreateResult> createThroughQueue(const Call& call, std::vector<std::string> urls = {}) {
        auto answer = std::make_shared<std::promise<Result<CreateResult>>>();
        auto answered = answer->get_future();
        calls().createQueued(
            NewCall{call, firstEvent(call), std::move(urls)},
            [answer](Result<CreateResult> result) { answer->set_value(std::move(result)); },
            [this](std::function<void()> work) { lead_threads_.start(std::move(work)); });
        return answered.get();
    }

    class LeadThreads {
    public:
        ~LeadThreads() {
            std::lock_guard lock(mutex_);
            for (auto& t : threads_) t.join();
        }
        void start(std::function<void()> work) {
            std::lock_guard lock(mutex_);
            threads_.emplace_back(std::move(work));
        }

    private:
        std::mutex mutex_;
        std::vector<std::thread> threads_;
    };
    LeadThreads lead_threads_;

    // Creates `call` and expects a new row.
    CreateResult create(const Call& call) {
        auto created = tryCreate(call);
        EXPECT_TRUE(created) << created.error().message();
        if (!created) return {};
        EXPECT_EQ(created->outcome, CreateOutcome::kCreated);
        return *created;
    }

    Call stored(std::string_view call_id) {
        auto found = calls().get(call_id);
        EXPECT_TRUE(found) << found.error().message();
        EXPECT_TRUE(found && found->has_value()) << call_id;
        return found && found->has_value() ? **found : Call{};
    }

    // Moves `call` to `to` as the engine would, returning the update with its one event.
    static CallUpdate advance(Call& call, CallStatus to, UnixMicros at, std::string detail = "") {
        CallEvent event{.call_id = call.call_id,
                        .seq = call.version + 1,
                        .status = to,
                        .previous_status = call.status,
                        .at = at,
                        .source = EventSource::kAri,
                        .detail = std::move(detail)};
        call.status = to;
        call.version += 1;
        call.updated_at = at;
        switch (to) {
            case CallStatus::kDialing:
                call.dialed_at = at;
                call.channel = call.call_id;
                break;
            case CallStatus::kAnswered:
                call.answered_at = at;
                break;
            default:
                break;
        }
        if (isTerminal(to)) {
            call.ended_at = at;
            if (call.answered_at) call.duration = (at - *call.answered_at) / 1'000'000;
            call.hangup_cause = 16;
            call.hangup_cause_txt = "Normal Clearing";
        }
        return {call, {event}};
    }

    std::vector<std::int64_t> apply(const std::vector<CallUpdate>& batch) {
        auto ids = calls().apply(batch);
        EXPECT_TRUE(ids) << ids.error().message();
        return ids ? *ids : std::vector<std::int64_t>{};
    }

    std::int64_t count(std::string_view table) {
        return query("SELECT COUNT(*) FROM " + std::string(table)).rows.at(0).integer(0);
    }
};

void expectSameCall(const Call& actual, const Call& expected) {
    EXPECT_EQ(actual.call_id, expected.call_id);
    EXPECT_EQ(actual.user_id, expected.user_id);
    EXPECT_EQ(actual.phone_number, expected.phone_number);
    EXPECT_EQ(actual.status, expected.status);
    EXPECT_EQ(actual.context, expected.context);
    EXPECT_EQ(actual.extension, expected.extension);
    EXPECT_EQ(actual.priority, expected.priority);
    EXPECT_EQ(actual.timeout_ms, expected.timeout_ms);
    EXPECT_EQ(actual.caller_id, expected.caller_id);
    EXPECT_EQ(actual.variables, expected.variables);
    EXPECT_EQ(actual.channel, expected.channel);
    EXPECT_EQ(actual.created_at, expected.created_at);
    EXPECT_EQ(actual.dialed_at, expected.dialed_at);
    EXPECT_EQ(actual.answered_at, expected.answered_at);
    EXPECT_EQ(actual.ended_at, expected.ended_at);
    EXPECT_EQ(actual.duration, expected.duration);
    EXPECT_EQ(actual.failure_reason, expected.failure_reason);
    EXPECT_EQ(actual.hangup_cause, expected.hangup_cause);
    EXPECT_EQ(actual.hangup_cause_txt, expected.hangup_cause_txt);
    EXPECT_EQ(actual.attempt_number, expected.attempt_number);
    EXPECT_EQ(actual.version, expected.version);
    EXPECT_EQ(actual.status_callback, expected.status_callback);
    EXPECT_EQ(actual.status_callback_events, expected.status_callback_events);
    EXPECT_EQ(actual.idempotency_key, expected.idempotency_key);
    EXPECT_EQ(actual.request_hash, expected.request_hash);
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
// Create and read back

TEST_P(CallStore, CreatedCallReadsBackWithEveryField) {
    Call call = newCall(7, kStart + 123'456);
    call.phone_number = "+442071838750";
    call.context = "sales-ivr";
    call.extension = "*100#";
    call.priority = 42;
    call.timeout_ms = 45'000;
    call.caller_id = "Support <+15550000000>";
    call.variables = {{"CUSTOMER", "Zoë O'Brien \"VIP\""},
                      {"GREETING", "こんにちは, 電話 ☎ $1 -- ?2"},
                      {"EMPTY", ""},
                      {"JSONISH", "{\"a\": [1, 2]}\\n"}};
    call.channel = "PJSIP/trunk-0001";
    call.dialed_at = kStart + 1;
    call.answered_at = kStart + 2;
    call.ended_at = kStart + 3'000'002;
    call.duration = 3;
    call.failure_reason = "none really";
    call.hangup_cause = 16;
    call.hangup_cause_txt = "Normal Clearing";
    call.attempt_number = 2;
    call.status_callback = "https://hooks.example.com/calls?x=1&y=ü";
    call.status_callback_events = std::vector<std::string>{"answered", "completed"};
    call.idempotency_key = "order-4711";
    call.request_hash = "sha256:abc";
    call.updated_at = kStart + 999;

    CreateResult created = create(call);
    expectSameCall(created.call, call);
    EXPECT_GT(created.first_event_id, 0);
    expectSameCall(stored(call.call_id), call);

    auto events = calls().events(call.call_id);
    ASSERT_TRUE(events) << events.error().message();
    ASSERT_EQ(events->size(), 1u);
    expectSameEvent(events->front(), firstEvent(call));
    EXPECT_EQ(events->front().event_id, created.first_event_id);
}

TEST_P(CallStore, OptionalFieldsStayNullUntilSet) {
    Call call = newCall(1);
    call.caller_id = "";
    create(call);
    Call read = stored(call.call_id);
    expectSameCall(read, call);
    EXPECT_FALSE(read.channel);
    EXPECT_FALSE(read.dialed_at);
    EXPECT_FALSE(read.duration);
    EXPECT_FALSE(read.hangup_cause);
    EXPECT_FALSE(read.status_callback_events);
    EXPECT_FALSE(read.idempotency_key);
    EXPECT_TRUE(read.variables.empty());

    // An explicitly empty subscription is not the same as none (none means every transition).
    Call subscribed = newCall(1);
    subscribed.status_callback_events = std::vector<std::string>{};
    create(subscribed);
    EXPECT_EQ(stored(subscribed.call_id).status_callback_events, std::vector<std::string>{});
}

TEST_P(CallStore, UnknownCallIsNotFound) {
    for (std::string id : {newUuid(), std::string("not-a-uuid"), std::string()}) {
        auto found = calls().get(id);
        ASSERT_TRUE(found) << id << ": " << found.error().message();
        EXPECT_FALSE(found->has_value()) << id;
        auto events = calls().events(id);
        ASSERT_TRUE(events) << id << ": " << events.error().message();
        EXPECT_TRUE(events->empty()) << id;
    }
}

TEST_P(CallStore, DuplicateCallIdIsAConflict) {
    Call call = newCall(1);
    create(call);
    auto again = tryCreate(call);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), StorageErrc::kConflict);
    EXPECT_EQ(count("calls"), 1);
    EXPECT_EQ(count("call_events"), 1);
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

TEST_P(CallStore, ReplayWithSameKeyReturnsTheFirstCall) {
    Call first = newCall(1);
    first.idempotency_key = "key-1";
    first.request_hash = "same-body";
    create(first);

    clock_->advance(std::chrono::hours(23));
    Call retry = newCall(1, kStart + 23 * kHour);
    retry.idempotency_key = "key-1";
    retry.request_hash = "same-body";
    auto replayed = tryCreate(retry);
    ASSERT_TRUE(replayed) << replayed.error().message();
    EXPECT_EQ(replayed->outcome, CreateOutcome::kReplayed);
    expectSameCall(replayed->call, first);
    EXPECT_EQ(replayed->first_event_id, 0);
    EXPECT_EQ(count("calls"), 1);
    EXPECT_EQ(count("call_events"), 1);
}

TEST_P(CallStore, SameKeyWithADifferentRequestIsAKeyConflict) {
    Call first = newCall(1);
    first.idempotency_key = "key-1";
    first.request_hash = "body-a";
    create(first);

    Call other = newCall(1);
    other.idempotency_key = "key-1";
    other.request_hash = "body-b";
    auto conflict = tryCreate(other);
    ASSERT_TRUE(conflict) << conflict.error().message();
    EXPECT_EQ(conflict->outcome, CreateOutcome::kKeyConflict);
    EXPECT_EQ(conflict->call.call_id, first.call_id);
    EXPECT_EQ(count("calls"), 1);
}

TEST_P(CallStore, SameKeyOfAnotherUserIsAnotherCall) {
    Call alice = newCall(1);
    alice.idempotency_key = "key-1";
    create(alice);
    Call bob = newCall(2);
    bob.idempotency_key = "key-1";
    bob.request_hash = alice.request_hash;
    create(bob);
    EXPECT_EQ(count("calls"), 2);
}

TEST_P(CallStore, KeyIsLiveForExactly24Hours) {
    Call first = newCall(1);
    first.idempotency_key = "key-1";
    first.request_hash = "same-body";
    create(first);

    // At exactly 24 h the key still answers with the first call ...
    Call at_24h = newCall(1, kStart + 24 * kHour);
    at_24h.idempotency_key = "key-1";
    at_24h.request_hash = "same-body";
    auto replayed = tryCreate(at_24h);
    ASSERT_TRUE(replayed) << replayed.error().message();
    EXPECT_EQ(replayed->outcome, CreateOutcome::kReplayed);

    // ... one microsecond later it is released and the same request places a new call.
    Call later = newCall(1, kStart + 24 * kHour + 1);
    later.idempotency_key = "key-1";
    later.request_hash = "same-body";
    CreateResult created = create(later);
    EXPECT_EQ(created.call.call_id, later.call_id);

    // The earlier call keeps its record, key included; the key now answers with the new call.
    expectSameCall(stored(first.call_id), first);
    Call retry = newCall(1, kStart + 25 * kHour);
    retry.idempotency_key = "key-1";
    retry.request_hash = "same-body";
    auto again = tryCreate(retry);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(again->outcome, CreateOutcome::kReplayed);
    EXPECT_EQ(again->call.call_id, later.call_id);
    EXPECT_EQ(count("calls"), 2);
}

TEST_P(CallStore, ExpiredKeyWithADifferentRequestPlacesANewCall) {
    Call first = newCall(1);
    first.idempotency_key = "key-1";
    first.request_hash = "body-a";
    create(first);
    Call later = newCall(1, kStart + 48 * kHour);
    later.idempotency_key = "key-1";
    later.request_hash = "body-b";
    create(later);
    EXPECT_EQ(count("calls"), 2);
}

TEST_P(CallStore, ConcurrentCreatesWithOneKeyCreateExactlyOneCall) {
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::vector<Result<CreateResult>> results(kThreads, StorageErrc::kQueryFailed);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            Call call = newCall(1);
            call.idempotency_key = "racy-key";
            call.request_hash = "same-body";
            start.arrive_and_wait();
            results[static_cast<std::size_t>(i)] = tryCreate(call);
        });
    }
    for (auto& t : threads) t.join();

    int created = 0, replayed = 0;
    std::set<std::string> call_ids;
    for (const auto& result : results) {
        ASSERT_TRUE(result) << result.error().message();
        created += result->outcome == CreateOutcome::kCreated;
        replayed += result->outcome == CreateOutcome::kReplayed;
        call_ids.insert(result->call.call_id);
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(replayed, kThreads - 1);
    EXPECT_EQ(call_ids.size(), 1u);  // everyone was answered with the one call
    EXPECT_EQ(count("calls"), 1);
    EXPECT_EQ(count("call_events"), 1);
}

TEST_P(CallStore, ConcurrentCreatesWithOneKeyAndDifferentBodiesCreateOneCall) {
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> created{0}, conflicts{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            Call call = newCall(1);
            call.idempotency_key = "racy-key";
            call.request_hash = "body-" + std::to_string(i);
            start.arrive_and_wait();
            auto result = tryCreate(call);
            if (!result) {
                ++other;
            } else if (result->outcome == CreateOutcome::kCreated) {
                ++created;
            } else if (result->outcome == CreateOutcome::kKeyConflict) {
                ++conflicts;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created, 1);
    EXPECT_EQ(conflicts, kThreads - 1);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(count("calls"), 1);
}

// ---------------------------------------------------------------------------------------------
// Concurrent creates (they share transactions: group commit)

// A request of the mixed load below and what came back.
struct Attempt {
    enum class Kind { kUnique, kContestedId, kSharedKey } kind = Kind::kUnique;
    int group = 0;  // which contested call_id / shared key
    bool with_hooks = false;
    Call call;
    Result<CreateResult> result = StorageErrc::kQueryFailed;
};

// Callers that wait in create() and callers answered through createQueued() (the API's way).
TEST_P(CallStore, ManyThreadsCreatingAtOnceStoreEveryCallExactlyOnce) {
    constexpr int kThreads = 16;
    constexpr int kPerThread = 100;
    constexpr int kContestedIds = 8;  // call_ids every thread tries to create once
    constexpr int kSharedKeys = 8;    // idempotency keys every thread uses once
    const std::vector<std::string> hooks{"https://a.example.com/h", "https://b.example.com/h"};

    std::vector<std::string> contested;
    for (int i = 0; i < kContestedIds; ++i) contested.push_back(newUuid());
    std::vector<std::vector<Attempt>> plans(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        auto& plan = plans[static_cast<std::size_t>(t)];
        for (int j = 0; j < kPerThread; ++j) {
            Attempt a;
            a.call = newCall(1 + t % 3, kStart + j);
            if (j < kContestedIds) {
                a.kind = Attempt::Kind::kContestedId;
                a.group = j;
                a.call.call_id = contested[static_cast<std::size_t>(j)];
                a.call.user_id = 1;
            } else if (j < kContestedIds + kSharedKeys) {
                // Even keys carry one body (replays), odd ones a body per thread (conflicts).
                a.kind = Attempt::Kind::kSharedKey;
                a.group = j - kContestedIds;
                a.call.user_id = 1;
                a.call.idempotency_key = "shared-" + std::to_string(a.group);
                a.call.request_hash = a.group % 2 == 0 ? "same-body" : "body-" + std::to_string(t);
            } else {
                a.with_hooks = j % 2 == 0;
            }
            plan.push_back(std::move(a));
        }
        // Each thread in its own order, so that the contested requests meet in varying batches.
        std::mt19937 rng(static_cast<unsigned>(t));
        std::shuffle(plan.begin(), plan.end(), rng);
    }

    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (Attempt& a : plans[static_cast<std::size_t>(t)]) {
                auto urls = a.with_hooks ? hooks : std::vector<std::string>{};
                // Half the threads wait in create(), half are answered through createQueued():
                // the two kinds meet in the same batches and lead each other's.
                a.result = t % 2 == 0 ? calls().create(a.call, firstEvent(a.call), urls)
                                      : createThroughQueue(a.call, urls);
            }
        });
    }
    for (auto& t : threads) t.join();

    std::map<std::string, const Attempt*> created;  // call_id -> the attempt that made it
    std::vector<int> contested_wins(kContestedIds), key_wins(kSharedKeys);
    std::vector<std::string> key_winner(kSharedKeys);
    std::size_t hooked = 0;
    for (const auto& plan : plans) {
        for (const Attempt& a : plan) {
            if (a.kind == Attempt::Kind::kContestedId && !a.result) {
                EXPECT_EQ(a.result.error(), StorageErrc::kConflict);
                continue;
            }
            ASSERT_TRUE(a.result) << a.result.error().message();
            if (a.result->outcome != CreateOutcome::kCreated) continue;
            EXPECT_GT(a.result->first_event_id, 0);
            expectSameCall(a.result->call, a.call);
            EXPECT_TRUE(created.emplace(a.call.call_id, &a).second) << "created twice";
            hooked += a.with_hooks;
            if (a.kind == Attempt::Kind::kContestedId) ++contested_wins[a.group];
            if (a.kind == Attempt::Kind::kSharedKey) {
                ++key_wins[a.group];
                key_winner[a.group] = a.call.call_id;
            }
        }
    }
    for (int i = 0; i < kContestedIds; ++i) EXPECT_EQ(contested_wins[i], 1) << "call_id " << i;
    for (int k = 0; k < kSharedKeys; ++k) EXPECT_EQ(key_wins[k], 1) << "key " << k;
    for (const auto& plan : plans) {
        for (const Attempt& a : plan) {
            if (a.kind == Attempt::Kind::kUnique) {
                EXPECT_EQ(a.result->outcome, CreateOutcome::kCreated);
            }
            if (a.kind != Attempt::Kind::kSharedKey ||
                a.result->outcome == CreateOutcome::kCreated) {
                continue;
            }
            EXPECT_EQ(a.result->outcome,
                      a.group % 2 == 0 ? CreateOutcome::kReplayed : CreateOutcome::kKeyConflict);
            EXPECT_EQ(a.result->call.call_id, key_winner[a.group]);
            EXPECT_EQ(a.result->first_event_id, 0);
        }
    }
    const std::size_t expected_created = static_cast<std::size_t>(
        kThreads * (kPerThread - kContestedIds - kSharedKeys) + kContestedIds + kSharedKeys);
    EXPECT_EQ(created.size(), expected_created);

    // What is stored: each created call once, with its one first event under the id reported.
    auto stored_calls = query("SELECT call_id, request_hash FROM calls");
    EXPECT_EQ(stored_calls.rows.size(), expected_created);
    for (const SqlRow& row : stored_calls.rows) {
        auto it = created.find(row.text(0));
        ASSERT_NE(it, created.end()) << "a call stored but not reported created: " << row.text(0);
        EXPECT_EQ(row.text(1), it->second->call.request_hash);  // the winner's row
    }
    EXPECT_EQ(count("idempotency_keys"), kSharedKeys);
    std::set<std::int64_t> event_ids;
    auto events = query("SELECT call_id, event_id, seq FROM call_events");
    EXPECT_EQ(events.rows.size(), expected_created);
    for (const SqlRow& row : events.rows) {
        auto it = created.find(row.text(0));
        ASSERT_NE(it, created.end()) << "an event of a call not created: " << row.text(0);
        EXPECT_EQ(row.integer(1), it->second->result->first_event_id);
        EXPECT_EQ(row.integer(2), 1);
        EXPECT_TRUE(event_ids.insert(row.integer(1)).second);
    }
    std::map<std::string, int> deliveries;
    for (const SqlRow& row : query("SELECT call_id, event_id FROM webhook_deliveries").rows) {
        auto it = created.find(row.text(0));
        ASSERT_NE(it, created.end()) << "a delivery of a call not created: " << row.text(0);
        EXPECT_TRUE(it->second->with_hooks);
        EXPECT_EQ(row.integer(1), it->second->result->first_event_id);
        ++deliveries[row.text(0)];
    }
    EXPECT_EQ(deliveries.size(), hooked);
    for (const auto& [call_id, n] : deliveries) EXPECT_EQ(n, 2) << call_id;
    // Readers resuming from the last id see every event.
    EXPECT_EQ(calls().eventsAfter(0, 100'000).value().size(), expected_created);
    EXPECT_EQ(calls().lastEventId().value(), *event_ids.rbegin());
}

// Lines creates up in one batch: holds back the leader (on the SQLite writer lock, the one
// connection of an in-memory database, PostgreSQL's event-log lock) while callers queue one at a
// time, in order, then lets the batch go.
class OneBatch {
public:
    OneBatch(SqlDatabase& db, Backend backend) : db_(db) {
        auto conn = db.pool().acquire();
        EXPECT_TRUE(conn);
        if (!conn) return;
        hold_ = std::move(*conn);
        if (backend == Backend::kSqliteMemory) return;
        EXPECT_TRUE(hold_->begin());
        if (backend == Backend::kPostgres) {
            EXPECT_TRUE(
                hold_->query("SELECT pg_advisory_xact_lock($1)", {SqlCallStore::kEventLogLockKey}));
        }
    }

    // Runs create(call) on a thread of its own once the creates before it are queued.
    void add(const Call& call, const CallEvent& first) {
        auto& store = dynamic_cast<SqlCallStore&>(db_.calls());
        const std::size_t queued = results_.size();
        results_.push_back(std::make_unique<Result<CreateResult>>(StorageErrc::kQueryFailed));
        threads_.emplace_back([&store, call, first, out = results_.back().get()] {
            *out = store.create(call, first);
        });
        waitFor([&] { return store.queuedCreates() == queued + 1; });
    }

    // Lets the leader go and waits for every answer.
    std::vector<Result<CreateResult>> commit() {
        EXPECT_TRUE(hold_->rollback());
        hold_ = PooledConnection();
        for (auto& t : threads_) t.join();
        std::vector<Result<CreateResult>> out;
        for (const auto& r : results_) out.push_back(*r);
        return out;
    }

private:
    template <class Pred>
    static void waitFor(Pred ready) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!ready()) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "the create did not queue";
                return;
            }
            std::this_thread::yield();
        }
    }

    SqlDatabase& db_;
    PooledConnection hold_;
    std::vector<std::unique_ptr<Result<CreateResult>>> results_;
    std::vector<std::thread> threads_;
};

// createQueued() holds no thread: creates queued while their lead waits to run stay queued, the
// one lead asked for commits them all as one batch and answers each through its callback, and
// then the lead is free again. The runner here only defers, so every step can be looked at.
TEST_P(CallStore, QueuedCreatesAreCommittedByOneLeadAndAnsweredThroughTheirCallbacks) {
    Call existing = newCall(1);
    create(existing);

    std::vector<std::function<void()>> leads;
    auto defer = [&leads](std::function<void()> work) { leads.push_back(std::move(work)); };
    std::vector<std::optional<Result<CreateResult>>> answers(5);
    auto answerInto = [&answers](std::size_t i) {
        return [&answers, i](Result<CreateResult> result) {
            EXPECT_FALSE(answers[i].has_value()) << "answered twice: " << i;
            answers[i] = std::move(result);
        };
    };
    Call keyed = newCall(2);
    keyed.idempotency_key = "queued-key";
    Call replay = newCall(2);
    replay.idempotency_key = "queued-key";
    replay.request_hash = keyed.request_hash;
    Call duplicate = newCall(1);
    duplicate.call_id = existing.call_id;
    Call plain = newCall(3);
    const std::vector<Call> batch{keyed, replay, duplicate, plain};
    for (std::size_t i = 0; i < batch.size(); ++i) {
        calls().createQueued(NewCall{batch[i], firstEvent(batch[i]), {}}, answerInto(i), defer);
    }

    // The first asked for a lead; the rest joined the queue behind it. Nothing is written yet.
    ASSERT_EQ(leads.size(), 1u);
    auto& store = dynamic_cast<SqlCallStore&>(calls());
    EXPECT_EQ(store.queuedCreates(), 4u);
    for (const auto& answer : answers) EXPECT_FALSE(answer.has_value());
    EXPECT_EQ(count("calls"), 1);

    std::function<void()> lead = std::move(leads.front());
    leads.clear();
    lead();  // on this thread, as the runner's thread would

    EXPECT_TRUE(leads.empty()) << "the queue was empty at the commit: no next lead";
    EXPECT_EQ(store.queuedCreates(), 0u);
    ASSERT_TRUE(answers[0] && *answers[0]) << "keyed";
    EXPECT_EQ((*answers[0])->outcome, CreateOutcome::kCreated);
    expectSameCall((*answers[0])->call, keyed);
    ASSERT_TRUE(answers[1] && *answers[1]) << "replay";
    EXPECT_EQ((*answers[1])->outcome, CreateOutcome::kReplayed);  // sees the batch's earlier row
    EXPECT_EQ((*answers[1])->call.call_id, keyed.call_id);
    ASSERT_TRUE(answers[2].has_value()) << "duplicate";
    ASSERT_FALSE(*answers[2]);
    EXPECT_EQ(answers[2]->error(), StorageErrc::kConflict);  // failed alone
    ASSERT_TRUE(answers[3] && *answers[3]) << "plain";
    EXPECT_EQ((*answers[3])->outcome, CreateOutcome::kCreated);
    EXPECT_GT((*answers[3])->first_event_id, (*answers[0])->first_event_id);
    expectSameCall(stored(keyed.call_id), keyed);
    expectSameCall(stored(plain.call_id), plain);
    EXPECT_EQ(stored(existing.call_id).request_hash, existing.request_hash);
    EXPECT_EQ(count("calls"), 3);

    // The lead is free again: the next create asks for one of its own.
    Call later = newCall(4);
    calls().createQueued(NewCall{later, firstEvent(later), {}}, answerInto(4), defer);
    ASSERT_EQ(leads.size(), 1u);
    leads.front()();
    ASSERT_TRUE(answers[4] && *answers[4]);
    EXPECT_EQ((*answers[4])->outcome, CreateOutcome::kCreated);
    expectSameCall(stored(later.call_id), later);
}

// Every way one create can fail, at the start of the transaction (where a failure begins it
// again) and after a create already kept (where it rolls back to its savepoint).
TEST_P(CallStore, FailingCreatesInABatchFailOnlyThemselves) {
    for (bool failures_first : {true, false}) {
        SCOPED_TRACE(failures_first ? "failures first" : "failures after a kept create");
        query("DELETE FROM idempotency_keys");
        query("DELETE FROM call_events");
        query("DELETE FROM calls");
        Call existing = newCall(1);
        create(existing);
        // An event without its call: creating that call then fails on its event, after its
        // own row was written, which must go too.
        Call orphaned = newCall(1);
        query(
            "INSERT INTO call_events (call_id, seq, status, at, source, detail)"
            " VALUES ($1, 1, 'pending', 1, 'api', 'orphan')",
            {orphaned.call_id});

        Call fresh_a = newCall(1), fresh_b = newCall(2);
        Call keyed = newCall(3), replay = newCall(3), other_body = newCall(3);
        for (Call* c : {&keyed, &replay, &other_body}) c->idempotency_key = "batch-key";
        keyed.request_hash = replay.request_hash = "same-body";
        other_body.request_hash = "other-body";

        OneBatch batch(sql(), GetParam());
        if (!failures_first) batch.add(fresh_a, firstEvent(fresh_a));
        batch.add(existing, firstEvent(existing));  // 1: duplicate call_id
        batch.add(orphaned, firstEvent(orphaned));  // 2: its event collides
        if (failures_first) batch.add(fresh_a, firstEvent(fresh_a));
        batch.add(keyed, firstEvent(keyed));
        batch.add(replay, firstEvent(replay));
        batch.add(other_body, firstEvent(other_body));
        batch.add(fresh_b, firstEvent(fresh_b));
        auto results = batch.commit();
        ASSERT_EQ(results.size(), 7u);

        const std::size_t a = failures_first ? 2 : 0;
        const std::size_t dup = failures_first ? 0 : 1;
        ASSERT_FALSE(results[dup]);
        EXPECT_EQ(results[dup].error(), StorageErrc::kConflict);
        ASSERT_FALSE(results[dup + 1]);
        EXPECT_EQ(results[dup + 1].error(), StorageErrc::kConflict);
        for (std::size_t i : {a, std::size_t{3}, std::size_t{6}}) {
            ASSERT_TRUE(results[i]) << i << ": " << results[i].error().message();
            EXPECT_EQ(results[i]->outcome, CreateOutcome::kCreated) << i;
        }
        ASSERT_TRUE(results[4] && results[5]);
        EXPECT_EQ(results[4]->outcome, CreateOutcome::kReplayed);
        EXPECT_EQ(results[4]->call.call_id, keyed.call_id);
        EXPECT_EQ(results[5]->outcome, CreateOutcome::kKeyConflict);
        EXPECT_EQ(results[5]->call.call_id, keyed.call_id);

        // Created in batch order, each with its one event under the id reported.
        EXPECT_LT(results[a]->first_event_id, results[3]->first_event_id);
        EXPECT_LT(results[3]->first_event_id, results[6]->first_event_id);
        for (std::size_t i : {a, std::size_t{3}, std::size_t{6}}) {
            expectSameCall(stored(results[i]->call.call_id), results[i]->call);
            auto events = calls().events(results[i]->call.call_id).value();
            ASSERT_EQ(events.size(), 1u);
            EXPECT_EQ(events[0].event_id, results[i]->first_event_id);
        }
        EXPECT_FALSE(calls().get(orphaned.call_id).value());
        EXPECT_EQ(count("calls"), 4);
        EXPECT_EQ(count("call_events"), 5);  // the orphan, `existing` and the three created
        EXPECT_EQ(count("idempotency_keys"), 1);
        EXPECT_EQ(stored(existing.call_id).request_hash, existing.request_hash);
    }
}

// ---------------------------------------------------------------------------------------------
// Listing

class CallList : public CallStore {
protected:
    // Every page of `filter`, following `next` until it is unset.
    std::vector<Call> allPages(CallFilter filter, int* pages = nullptr) {
        std::vector<Call> out;
        filter.after.reset();
        for (int page = 1; page <= 1000; ++page) {
            auto result = calls().list(filter);
            EXPECT_TRUE(result) << result.error().message();
            if (!result) break;
            EXPECT_LE(result->items.size(), static_cast<std::size_t>(filter.limit));
            out.insert(out.end(), result->items.begin(), result->items.end());
            if (pages) *pages = page;
            if (!result->next) break;
            EXPECT_EQ(result->items.size(), static_cast<std::size_t>(filter.limit));
            EXPECT_EQ(result->next->call_id, result->items.back().call_id);
            EXPECT_EQ(result->next->created_at, result->items.back().created_at);
            filter.after = result->next;
        }
        return out;
    }

    static std::vector<std::string> ids(const std::vector<Call>& calls) {
        std::vector<std::string> out;
        for (const auto& c : calls) out.push_back(c.call_id);
        return out;
    }

    // Newest first, ties broken by call_id, also descending.
    static std::vector<std::string> expectedOrder(std::vector<Call> calls) {
        std::sort(calls.begin(), calls.end(), [](const Call& a, const Call& b) {
            return a.created_at != b.created_at ? a.created_at > b.created_at
                                                : a.call_id > b.call_id;
        });
        return ids(calls);
    }

    // Many rows at once, in one transaction (the list tests need volume, not create()).
    void insertMany(const std::vector<Call>& rows) {
        auto conn = sql().pool().acquire();
        ASSERT_TRUE(conn);
        auto inserted = inTransaction(**conn, [&](SqlConnection& c) -> Result<void> {
            for (const Call& call : rows) {
                auto r = c.query(
                    "INSERT INTO calls (call_id, user_id, phone_number, status, context,"
                    " extension, priority, timeout_ms, created_at, updated_at)"
                    " VALUES ($1, $2, $3, $4, 'ctx', 's', 1, 30000, $5, $5)",
                    {call.call_id, call.user_id, call.phone_number, toString(call.status),
                     call.created_at});
                if (!r) return r.error();
            }
            return {};
        });
        ASSERT_TRUE(inserted) << inserted.error().message();
    }
};

TEST_P(CallList, ListIsNewestFirst) {
    std::vector<Call> made;
    for (int i = 0; i < 5; ++i) {
        made.push_back(newCall(1, kStart + i * 1000));
        create(made.back());
    }
    auto page = calls().list({});
    ASSERT_TRUE(page) << page.error().message();
    EXPECT_EQ(ids(page->items), expectedOrder(made));
    EXPECT_FALSE(page->next);
    expectSameCall(page->items.front(), made.back());
}

TEST_P(CallList, PagesAcrossTiesNeverSkipOrRepeatARow) {
    // 40 calls over 6 distinct microseconds: pages of 3 keep ending inside a tie.
    std::vector<Call> made;
    for (int i = 0; i < 40; ++i) made.push_back(newCall(1 + i % 2, kStart + (i % 6)));
    insertMany(made);

    int pages = 0;
    auto listed = allPages({.limit = 3}, &pages);
    EXPECT_EQ(ids(listed), expectedOrder(made));
    EXPECT_EQ(pages, 14);

    // The same with a filter narrowing the rows under the cursor.
    std::vector<Call> user_2;
    std::copy_if(made.begin(), made.end(), std::back_inserter(user_2),
                 [](const Call& c) { return c.user_id == 2; });
    EXPECT_EQ(ids(allPages({.user_id = 2, .limit = 4})), expectedOrder(user_2));
}

TEST_P(CallList, ExactlyFullLastPageHasNoNext) {
    std::vector<Call> made;
    for (int i = 0; i < 4; ++i) made.push_back(newCall(1, kStart + i));
    insertMany(made);
    auto first = calls().list({.limit = 2});
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->next);
    auto second = calls().list({.limit = 2, .after = first->next});
    ASSERT_TRUE(second);
    EXPECT_EQ(second->items.size(), 2u);
    EXPECT_FALSE(second->next);
}

TEST_P(CallList, LimitIsClampedBetweenOneAndFiveHundred) {
    std::vector<Call> made;
    for (int i = 0; i < 501; ++i) made.push_back(newCall(1, kStart + i));
    insertMany(made);
    for (int limit : {0, -5}) {
        auto page = calls().list({.limit = limit});
        ASSERT_TRUE(page) << page.error().message();
        EXPECT_EQ(page->items.size(), 1u) << limit;
        EXPECT_TRUE(page->next);
    }
    auto big = calls().list({.limit = 10'000});
    ASSERT_TRUE(big) << big.error().message();
    EXPECT_EQ(big->items.size(), 500u);
    EXPECT_TRUE(big->next);
    auto rest = calls().list({.limit = 10'000, .after = big->next});
    ASSERT_TRUE(rest);
    EXPECT_EQ(rest->items.size(), 1u);
    EXPECT_FALSE(rest->next);
}

TEST_P(CallList, FiltersByUser) {
    Call a = newCall(1), b = newCall(2), c = newCall(1, kStart + 1);
    insertMany({a, b, c});
    EXPECT_EQ(ids(allPages({.user_id = 1})), (std::vector<std::string>{c.call_id, a.call_id}));
    EXPECT_EQ(ids(allPages({.user_id = 2})), (std::vector<std::string>{b.call_id}));
    EXPECT_TRUE(allPages({.user_id = 3}).empty());
    EXPECT_EQ(allPages({}).size(), 3u);
}

TEST_P(CallList, FiltersByAnyOfSeveralStatuses) {
    std::vector<Call> made;
    for (CallStatus status : {CallStatus::kPending, CallStatus::kRinging, CallStatus::kCompleted,
                              CallStatus::kNoAnswer, CallStatus::kCompleted}) {
        made.push_back(newCall(1, kStart + static_cast<UnixMicros>(made.size())));
        made.back().status = status;
    }
    insertMany(made);
    EXPECT_EQ(ids(allPages({.statuses = {CallStatus::kCompleted}})),
              (std::vector<std::string>{made[4].call_id, made[2].call_id}));
    EXPECT_EQ(ids(allPages({.statuses = {CallStatus::kPending, CallStatus::kNoAnswer}})),
              (std::vector<std::string>{made[3].call_id, made[0].call_id}));
    EXPECT_TRUE(allPages({.statuses = {CallStatus::kBusy}}).empty());
}

TEST_P(CallList, FiltersByExactPhoneNumber) {
    Call a = newCall(1), b = newCall(1, kStart + 1), c = newCall(1, kStart + 2);
    a.phone_number = "+15551230001";
    b.phone_number = "+155512300011";
    c.phone_number = "+15551230001";
    insertMany({a, b, c});
    EXPECT_EQ(ids(allPages({.phone_number = "+15551230001"})),
              (std::vector<std::string>{c.call_id, a.call_id}));
    EXPECT_TRUE(allPages({.phone_number = "+1555123000"}).empty());
}

TEST_P(CallList, CreatedAfterIsInclusiveAndCreatedBeforeExclusive) {
    std::vector<Call> made;
    for (int i = 0; i < 5; ++i) made.push_back(newCall(1, kStart + i * 10));
    insertMany(made);
    // [kStart + 10, kStart + 30): the calls at +10 and +20.
    auto listed =
        allPages({.created_after = kStart + 10, .created_before = kStart + 30, .limit = 1});
    EXPECT_EQ(ids(listed), (std::vector<std::string>{made[2].call_id, made[1].call_id}));
}

TEST_P(CallList, FiltersCombine) {
    std::vector<Call> made;
    for (int i = 0; i < 12; ++i) {
        made.push_back(newCall(1 + i % 2, kStart + i / 3));
        made.back().status = i % 3 == 0 ? CallStatus::kFailed : CallStatus::kCompleted;
    }
    insertMany(made);
    std::vector<Call> expected;
    std::copy_if(made.begin(), made.end(), std::back_inserter(expected), [](const Call& c) {
        return c.user_id == 1 && c.status == CallStatus::kCompleted && c.created_at >= kStart + 1;
    });
    auto listed = allPages({.user_id = 1,
                            .statuses = {CallStatus::kCompleted},
                            .phone_number = "+15551230001",
                            .created_after = kStart + 1,
                            .created_before = kStart + 100,
                            .limit = 2});
    EXPECT_EQ(ids(listed), expectedOrder(expected));
}

// ---------------------------------------------------------------------------------------------
// Applying transitions (group commit)

TEST_P(CallStore, ApplyWritesABatchOf500UpdatesWithTwoEventsEachInOneGo) {
    constexpr int kCalls = 500;
    std::vector<Call> made;
    for (int i = 0; i < kCalls; ++i) {
        made.push_back(newCall(1, kStart + i));
        create(made.back());
    }
    std::vector<CallUpdate> batch;
    for (Call& call : made) {
        CallUpdate dialing = advance(call, CallStatus::kDialing, kStart + kHour, "originate ok");
        CallUpdate ringing = advance(call, CallStatus::kRinging, kStart + kHour + 5, "ringing");
        batch.push_back({call, {dialing.events[0], ringing.events[0]}});
    }
    std::int64_t before = calls().lastEventId().value();
    auto ids = apply(batch);
    ASSERT_EQ(ids.size(), 2u * kCalls);
    EXPECT_GT(ids.front(), before);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end(), std::less_equal<>()) &&
                std::adjacent_find(ids.begin(), ids.end()) == ids.end())
        << "event_ids must strictly increase in batch order";

    for (std::size_t i = 0; i < made.size(); ++i) {
        expectSameCall(stored(made[i].call_id), made[i]);
        auto events = calls().events(made[i].call_id).value();
        ASSERT_EQ(events.size(), 3u);
        expectSameEvent(events[1], batch[i].events[0]);
        expectSameEvent(events[2], batch[i].events[1]);
        EXPECT_EQ(events[1].event_id, ids[2 * i]);
        EXPECT_EQ(events[2].event_id, ids[2 * i + 1]);
    }
}

TEST_P(CallStore, ApplyStoresEveryMutableColumn) {
    Call call = newCall(1);
    create(call);
    std::vector<CallUpdate> batch{advance(call, CallStatus::kDialing, kStart + 10),
                                  advance(call, CallStatus::kAnswered, kStart + 2'000'010)};
    CallUpdate end = advance(call, CallStatus::kFailed, kStart + 9'000'010, "lost");
    call.failure_reason = "PBX lost the channel";
    call.hangup_cause = 38;
    call.hangup_cause_txt = "Network out of order";
    call.attempt_number = 2;
    call.channel = "PJSIP/trunk-00000042";
    end.call = call;
    batch.push_back(end);
    apply(batch);
    Call read = stored(call.call_id);
    expectSameCall(read, call);
    EXPECT_EQ(read.duration, 7);
    EXPECT_EQ(read.version, 4);
}

TEST_P(CallStore, ACallTwiceInOneBatchEndsInItsLastState) {
    Call call = newCall(1);
    create(call);
    CallUpdate dialing = advance(call, CallStatus::kDialing, kStart + 1);
    CallUpdate ringing = advance(call, CallStatus::kRinging, kStart + 2);
    CallUpdate answered = advance(call, CallStatus::kAnswered, kStart + 3);
    Call other = newCall(1);
    create(other);
    CallUpdate busy = advance(other, CallStatus::kBusy, kStart + 4);
    auto ids = apply({dialing, busy, ringing, answered});
    ASSERT_EQ(ids.size(), 4u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    expectSameCall(stored(call.call_id), call);
    expectSameCall(stored(other.call_id), other);
    auto events = calls().events(call.call_id).value();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[1].event_id, ids[0]);
    EXPECT_EQ(events[2].event_id, ids[2]);
    EXPECT_EQ(events[3].event_id, ids[3]);
    EXPECT_EQ(events[3].status, CallStatus::kAnswered);
    EXPECT_EQ(events[3].previous_status, CallStatus::kRinging);
}

TEST_P(CallStore, ApplyOfAnUnknownCallCommitsNothingOfTheBatch) {
    Call known = newCall(1);
    create(known);
    Call before = known;
    Call unknown = newCall(1);
    auto result = calls().apply({advance(known, CallStatus::kDialing, kStart + 1),
                                 advance(unknown, CallStatus::kDialing, kStart + 1)});
    ASSERT_FALSE(result);
    expectSameCall(stored(known.call_id), before);
    EXPECT_EQ(count("call_events"), 1);
}

TEST_P(CallStore, EmptyBatchIsANoOp) {
    auto ids = calls().apply({});
    ASSERT_TRUE(ids) << ids.error().message();
    EXPECT_TRUE(ids->empty());
}

TEST_P(CallStore, EventIdsIncreaseAcrossBatchesAndCalls) {
    std::vector<std::int64_t> seen;
    std::vector<Call> made;
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 3; ++i) {
            made.push_back(newCall(1));
            seen.push_back(create(made.back()).first_event_id);
        }
        std::vector<CallUpdate> batch;
        for (Call& call : made) {
            if (!isTerminal(call.status)) {
                CallStatus to = call.status == CallStatus::kPending   ? CallStatus::kDialing
                                : call.status == CallStatus::kDialing ? CallStatus::kRinging
                                                                      : CallStatus::kNoAnswer;
                batch.push_back(advance(call, to, kStart + round));
            }
        }
        auto ids = apply(batch);
        seen.insert(seen.end(), ids.begin(), ids.end());
    }
    ASSERT_EQ(seen.size(), 9u + 3 + 6 + 9);
    for (std::size_t i = 1; i < seen.size(); ++i) {
        EXPECT_LT(seen[i - 1], seen[i]) << "at " << i;
    }
    EXPECT_EQ(calls().lastEventId().value(), seen.back());
}

// ---------------------------------------------------------------------------------------------
// The event log

TEST_P(CallStore, EmptyLogHasLastEventIdZero) {
    EXPECT_EQ(calls().lastEventId().value(), 0);
    auto events = calls().eventsAfter(0, 100);
    ASSERT_TRUE(events) << events.error().message();
    EXPECT_TRUE(events->empty());
}

TEST_P(CallStore, EventsAfterResumesWhereTheReaderStopped) {
    std::vector<Call> made;
    std::vector<CallUpdate> batch;
    for (int i = 0; i < 10; ++i) {
        made.push_back(newCall(1, kStart + i));
        create(made.back());
        batch.push_back(advance(made.back(), CallStatus::kDialing, kStart + 100 + i));
    }
    apply(batch);
    auto all = calls().eventsAfter(0, 1000).value();
    ASSERT_EQ(all.size(), 20u);

    // A reader that stops every 3 events and resumes from the last id it saw.
    std::vector<CallEvent> resumed;
    std::int64_t cursor = 0;
    for (;;) {
        auto page = calls().eventsAfter(cursor, 3);
        ASSERT_TRUE(page) << page.error().message();
        if (page->empty()) break;
        EXPECT_LE(page->size(), 3u);
        resumed.insert(resumed.end(), page->begin(), page->end());
        cursor = page->back().event_id;
    }
    ASSERT_EQ(resumed.size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(resumed[i].event_id, all[i].event_id);
        expectSameEvent(resumed[i], all[i]);
        if (i > 0) {
            EXPECT_LT(all[i - 1].event_id, all[i].event_id);
        }
    }
    EXPECT_EQ(cursor, calls().lastEventId().value());
    EXPECT_TRUE(calls().eventsAfter(cursor, 3).value().empty());
    EXPECT_TRUE(calls().eventsAfter(0, 0).value().empty());
}

// Writers commit in an order unrelated to the ids they drew; a reader that resumes from the last
// id it saw must still see every event exactly once. `read_page(cursor)` returns the ids of up to
// 50 events after `cursor`.
template <typename ReadPage>
void CallStore::tailWhileCallsAreCreated(ReadPage read_page) {
    constexpr int kWriters = 4;
    constexpr int kCallsEach = 60;
    std::atomic<int> writing{kWriters};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            for (int i = 0; i < kCallsEach; ++i) {
                Call call = newCall(1 + w, kStart + i);
                if (!tryCreate(call)) ADD_FAILURE() << "create failed";
                Call moving = call;
                if (!calls().apply({advance(moving, CallStatus::kDialing, kStart + i + 1)})) {
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
        auto page = read_page(cursor);
        ASSERT_TRUE(page) << page.error().message();
        tailed.insert(tailed.end(), page->begin(), page->end());
        if (!page->empty()) cursor = page->back();
        if (page->empty() && last_round) break;
        last_round = done;
    }
    for (auto& t : writers) t.join();

    std::vector<std::int64_t> stored_ids;
    for (const auto& e : calls().eventsAfter(0, 100'000).value()) {
        stored_ids.push_back(e.event_id);
    }
    EXPECT_EQ(stored_ids.size(), 2u * kWriters * kCallsEach);
    EXPECT_EQ(tailed, stored_ids);
}

TEST_P(CallStore, AReaderTailingTheLogWhileCallsAreCreatedMissesNothing) {
    tailWhileCallsAreCreated([this](std::int64_t cursor) -> Result<std::vector<std::int64_t>> {
        auto page = calls().eventsAfter(cursor, 50);
        if (!page) return page.error();
        std::vector<std::int64_t> ids;
        for (const auto& e : *page) ids.push_back(e.event_id);
        return ids;
    });
}

TEST_P(CallStore, AStreamTailingEventsWithTheirCallsMissesNothing) {
    tailWhileCallsAreCreated([this](std::int64_t cursor) -> Result<std::vector<std::int64_t>> {
        auto page = calls().eventsWithCallsAfter(cursor, 50);
        if (!page) return page.error();
        std::vector<std::int64_t> ids;
        for (const auto& row : *page) {
            EXPECT_EQ(row.call.call_id, row.event.call_id);
            ids.push_back(row.event.event_id);
        }
        return ids;
    });
}

// The event feed's way of following the log: committed reads, and a settled read once the same
// missing id has stopped three reads in a row.
TEST_P(CallStore, AReaderFollowingTheLogWithCommittedReadsMissesNothing) {
    std::int64_t settled_through = 0;
    int stuck = 0;
    tailWhileCallsAreCreated([&](std::int64_t cursor) -> Result<std::vector<std::int64_t>> {
        auto how = stuck >= 3 ? storage::CallStore::LogRead::kSettled
                              : storage::CallStore::LogRead::kCommitted;
        auto page = calls().readEventLog(cursor, settled_through, 50, how);
        if (!page) return page.error();
        EXPECT_GE(page->settled_through, settled_through);
        settled_through = page->settled_through;
        stuck = page->stopped_at_gap && page->rows.empty() ? stuck + 1 : 0;
        std::vector<std::int64_t> ids;
        for (const auto& row : page->rows) {
            EXPECT_EQ(row.call.call_id, row.event.call_id);
            ids.push_back(row.event.event_id);
        }
        return ids;
    });
}

#ifdef CCAPI_TEST_POSTGRES
// On PostgreSQL an id is drawn at insert and seen at commit: a writer in flight leaves a gap
// that later commits can pass.
class EventLogGaps : public CallStore {
protected:
    void SetUp() override {
        CallStore::SetUp();
        Call call = newCall(1);
        first_ = create(call).first_event_id;
        held_call_ = call.call_id;
    }

    // A writer in flight that has drawn the next event id.
    std::int64_t holdAnEventId() {
        auto drawn = test::EventIdInFlight::draw(sql().pool(), held_call_, 2);
        EXPECT_TRUE(drawn) << drawn.error().message();
        if (!drawn) return 0;
        writer_.emplace(std::move(*drawn));
        return writer_->id();
    }

    // A committed event after the held one.
    std::int64_t commitALaterEvent() { return create(newCall(1)).first_event_id; }

    // readEventLog on a thread of its own, so that a read that waits for the writer in flight
    // fails the test (the writer is let go first) instead of hanging it.
    Result<storage::CallStore::EventLogPage> readWithoutWaiting(std::int64_t after,
                                                                std::int64_t settled_through,
                                                                storage::CallStore::LogRead how) {
        auto read = std::async(std::launch::async, [&] {
            return calls().readEventLog(after, settled_through, 100, how);
        });
        if (read.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
            ADD_FAILURE() << "the read waited for the writer in flight";
            (void)writer_->rollback();
        }
        return read.get();
    }

    static std::vector<std::int64_t> ids(const storage::CallStore::EventLogPage& page) {
        std::vector<std::int64_t> out;
        for (const auto& row : page.rows) out.push_back(row.event.event_id);
        return out;
    }

    std::int64_t first_ = 0;
    std::string held_call_;
    std::optional<test::EventIdInFlight> writer_;
};

TEST_P(EventLogGaps, ACommittedReadStopsBeforeAnIdInFlightWithoutWaitingAndGetsItOnceCommitted) {
    const std::int64_t held = holdAnEventId();
    const std::int64_t later = commitALaterEvent();
    ASSERT_GT(later, held);
    using enum storage::CallStore::LogRead;

    auto page = readWithoutWaiting(0, 0, kCommitted);
    ASSERT_TRUE(page) << page.error().message();
    EXPECT_EQ(ids(*page), (std::vector<std::int64_t>{first_}));
    EXPECT_TRUE(page->stopped_at_gap);
    EXPECT_EQ(page->settled_through, 0);

    ASSERT_TRUE(writer_->commit());
    page = readWithoutWaiting(first_, 0, kCommitted);
    ASSERT_TRUE(page) << page.error().message();
    EXPECT_EQ(ids(*page), (std::vector<std::int64_t>{held, later}));
    EXPECT_FALSE(page->stopped_at_gap);
}

TEST_P(EventLogGaps, AnIdRolledBackStopsCommittedReadsUntilASettledReadGetsPastIt) {
    const std::int64_t held = holdAnEventId();
    ASSERT_TRUE(writer_->rollback());
    const std::int64_t later = commitALaterEvent();
    ASSERT_GT(later, held);
    using enum storage::CallStore::LogRead;

    // A committed read cannot tell a rollback from a writer in flight.
    auto page = readWithoutWaiting(first_, first_, kCommitted);
    ASSERT_TRUE(page) << page.error().message();
    EXPECT_TRUE(page->rows.empty());
    EXPECT_TRUE(page->stopped_at_gap);

    auto settled = calls().readEventLog(first_, first_, 100, kSettled);
    ASSERT_TRUE(settled) << settled.error().message();
    EXPECT_EQ(ids(*settled), (std::vector<std::int64_t>{later}));
    EXPECT_GE(settled->settled_through, later);
    EXPECT_FALSE(settled->stopped_at_gap);

    // Past a gap known to be settled, a committed read goes on.
    page = readWithoutWaiting(first_, settled->settled_through, kCommitted);
    ASSERT_TRUE(page) << page.error().message();
    EXPECT_EQ(ids(*page), (std::vector<std::int64_t>{later}));
    EXPECT_FALSE(page->stopped_at_gap);
}

INSTANTIATE_TEST_SUITE_P(Store, EventLogGaps, CCAPI_BACKENDS, backendName);
#endif

// ---------------------------------------------------------------------------------------------
// Recovery and retention

TEST_P(CallStore, NonTerminalListsActiveCallsOldestFirst) {
    std::vector<Call> made;
    for (int i = 0; i < 6; ++i) {
        made.push_back(newCall(1, kStart + 100 - i));  // created newest first
        create(made.back());
    }
    apply({advance(made[0], CallStatus::kDialing, kStart + 200),
           advance(made[1], CallStatus::kBusy, kStart + 200),
           advance(made[2], CallStatus::kAnswered, kStart + 200),
           advance(made[3], CallStatus::kCanceled, kStart + 200)});
    auto active = calls().nonTerminal();
    ASSERT_TRUE(active) << active.error().message();
    std::vector<std::string> ids;
    for (const auto& c : *active) ids.push_back(c.call_id);
    EXPECT_EQ(ids, (std::vector<std::string>{made[5].call_id, made[4].call_id, made[2].call_id,
                                             made[0].call_id}));
    expectSameCall(active->back(), made[0]);
}

TEST_P(CallStore, PurgeDeletesTerminalCallsEndedBeforeTheCutoffWithTheirEventsAndKeys) {
    Call old_done = newCall(1), old_active = newCall(1), recent_done = newCall(1);
    old_done.idempotency_key = "old-key";
    for (Call* c : {&old_done, &old_active, &recent_done}) create(*c);
    apply({advance(old_done, CallStatus::kCompleted, kStart + 10),
           advance(old_active, CallStatus::kAnswered, kStart + 10),
           advance(recent_done, CallStatus::kFailed, kStart + 5 * kHour)});

    auto removed = calls().purgeEndedBefore(kStart + kHour);
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_EQ(*removed, 1);
    EXPECT_FALSE(calls().get(old_done.call_id).value());
    EXPECT_TRUE(calls().events(old_done.call_id).value().empty());
    EXPECT_TRUE(calls().get(old_active.call_id).value());
    EXPECT_TRUE(calls().get(recent_done.call_id).value());
    EXPECT_EQ(count("call_events"), 4);
    EXPECT_EQ(count("idempotency_keys"), 0);

    // The purged call's key no longer answers, even within its 24 h.
    Call reuse = newCall(1, kStart + 2 * kHour);
    reuse.idempotency_key = "old-key";
    reuse.request_hash = old_done.request_hash;
    create(reuse);
    EXPECT_EQ(calls().purgeEndedBefore(kStart + kHour).value(), 0);
}

// ---------------------------------------------------------------------------------------------
// Throughput (printed, not asserted: the machine is shared)

TEST_P(CallStore, ApplyThroughputIsReported) {
    constexpr int kBatches = 20;
    constexpr int kBatchSize = 500;
    std::vector<Call> made;
    for (int i = 0; i < kBatchSize; ++i) made.push_back(newCall(1, kStart + i));
    {
        std::vector<CallUpdate> seed;
        auto conn = sql().pool().acquire();
        ASSERT_TRUE(conn);
        auto inserted = inTransaction(**conn, [&](SqlConnection& c) -> Result<void> {
            for (const Call& call : made) {
                auto r = c.query(
                    "INSERT INTO calls (call_id, user_id, phone_number, status, context,"
                    " extension, priority, timeout_ms, created_at, updated_at)"
                    " VALUES ($1, 1, '+15551230001', 'pending', 'ctx', 's', 1, 30000, $2, $2)",
                    {call.call_id, call.created_at});
                if (!r) return r.error();
            }
            return {};
        });
        ASSERT_TRUE(inserted);
    }
    // Every batch: each call's full new state and two events (1 500 rows).
    std::vector<std::vector<CallUpdate>> batches;
    for (int b = 0; b < kBatches; ++b) {
        std::vector<CallUpdate> batch;
        for (Call& call : made) {
            CallUpdate u1 = advance(call, CallStatus::kDialing, kStart + b);
            CallUpdate u2 = advance(call, CallStatus::kRinging, kStart + b);
            call.status = CallStatus::kPending;  // keep the engine's rules out of a benchmark
            batch.push_back({call, {u1.events[0], u2.events[0]}});
        }
        batches.push_back(std::move(batch));
    }
    auto started = std::chrono::steady_clock::now();
    for (const auto& batch : batches) ASSERT_TRUE(calls().apply(batch));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    double rows = static_cast<double>(kBatches) * kBatchSize * 3;
    std::printf(
        "[ perf     ] apply on %s: %d batches of %d updates + %d events, %.0f rows/s"
        " (%.1f ms per batch)\n",
        backendName({GetParam(), 0}).c_str(), kBatches, kBatchSize, 2 * kBatchSize, rows / seconds,
        seconds * 1000 / kBatches);
    EXPECT_EQ(count("call_events"), 2 * kBatches * kBatchSize);
}

// The test server runs PostgreSQL with fsync and synchronous_commit off; a create's cost is its
// commit's flush, so the measurement turns durability on for its duration (the server is this
// binary's alone, and its tests run one at a time).
class DurableCommits {
public:
    DurableCommits(ConnectionPool& pool, Backend backend) : pool_(pool) {
        if (backend == Backend::kPostgres) set("SET", "on");
    }
    ~DurableCommits() {
        if (active_) set("RESET", "off");
    }
    DurableCommits(const DurableCommits&) = delete;
    DurableCommits& operator=(const DurableCommits&) = delete;

private:
    void set(const std::string& verb, const std::string& expected) {
        auto conn = pool_.acquire();
        ASSERT_TRUE(conn);
        for (const char* name : {"fsync", "synchronous_commit"}) {
            std::string value = verb == "SET" ? " = on" : "";
            ASSERT_TRUE((*conn)->exec("ALTER SYSTEM " + verb + " " + name + value));
        }
        ASSERT_TRUE((*conn)->query("SELECT pg_reload_conf()"));
        active_ = true;
        // A backend applies the reload before its next command; wait until this one has (the
        // others have too by their next command).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            auto shown = (*conn)->query(
                "SELECT current_setting('fsync') || '/' || current_setting('synchronous_commit')");
            ASSERT_TRUE(shown);
            if (shown->first().text(0) == expected + "/" + expected) return;
            std::this_thread::yield();
        }
        FAIL() << "durability settings did not become " << expected;
    }

    ConnectionPool& pool_;
    bool active_ = false;
};

TEST_P(CallStore, CreateThroughputIsReported) {
    DurableCommits durable(sql().pool(), GetParam());
    auto run = [&](int threads, int each) {
        std::latch start(threads + 1);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&] {
                std::vector<Call> mine;
                for (int i = 0; i < each; ++i) mine.push_back(newCall(1, kStart + i));
                start.arrive_and_wait();
                for (const Call& call : mine) {
                    if (!tryCreate(call)) ADD_FAILURE() << "create failed";
                }
            });
        }
        start.arrive_and_wait();
        auto started = std::chrono::steady_clock::now();
        for (auto& w : workers) w.join();
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return threads * each / seconds;
    };
    double alone = run(1, 200);
    double together = run(16, 100);
    std::printf("[ perf     ] create on %s: %.0f creates/s from 1 thread, %.0f from 16 threads\n",
                backendName({GetParam(), 0}).c_str(), alone, together);
    EXPECT_EQ(count("calls"), 200 + 16 * 100);
}

INSTANTIATE_TEST_SUITE_P(Store, CallStore, CCAPI_BACKENDS, backendName);
INSTANTIATE_TEST_SUITE_P(Store, CallList, CCAPI_BACKENDS, backendName);

}  // namespace
}  // namespace ccapi::storage::testing
