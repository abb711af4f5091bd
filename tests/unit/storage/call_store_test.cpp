// The CallStore suite, run unchanged on every backend this binary was built for.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "store_fixture.hpp"

namespace ccapi::storage::testing {
namespace {

class CallStore : public MigratedStoreTest {
protected:
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

INSTANTIATE_TEST_SUITE_P(Store, CallStore, CCAPI_BACKENDS, backendName);

}  // namespace
}  // namespace ccapi::storage::testing
