// The outcome rules on their own: facts in, terminal status and reason out.
#include "engine/outcome.hpp"

#include <gtest/gtest.h>

#include "engine_test_events.hpp"

namespace ccapi::engine {
namespace {

CallFacts factsWith(std::optional<std::string> dialstatus, std::optional<int> hard,
                    std::optional<int> destroyed) {
    CallFacts facts;
    facts.last_dialstatus = std::move(dialstatus);
    facts.hard_cause = hard;
    facts.destroyed_cause = destroyed;
    return facts;
}

TEST(Outcome, PrecedenceFollowsTheReadme) {
    struct Case {
        CallFacts facts;
        bool answered;
        CallStatus status;
        std::optional<std::string> reason;
    };
    CallFacts hung_up = factsWith("BUSY", 17, 17);
    hung_up.hangup_requested = true;
    CallFacts shutdown_answered = factsWith(std::nullopt, 0, 0);
    shutdown_answered.shutdown_seen = true;
    CallFacts shutdown_rejected = factsWith("NOANSWER", 21, 21);
    shutdown_rejected.shutdown_seen = true;
    const std::vector<Case> cases{
        {hung_up, false, CallStatus::kCanceled, std::nullopt},
        {hung_up, true, CallStatus::kCompleted, std::nullopt},
        {factsWith("BUSY", std::nullopt, 0), true, CallStatus::kCompleted, std::nullopt},
        {shutdown_answered, true, CallStatus::kFailed, "PBX shut down"},
        {shutdown_answered, false, CallStatus::kFailed, "PBX shut down"},
        {shutdown_rejected, false, CallStatus::kFailed, "rejected"},
        {factsWith("BUSY", std::nullopt, 19), false, CallStatus::kBusy, std::nullopt},
        {factsWith("NOANSWER", std::nullopt, 17), false, CallStatus::kBusy, std::nullopt},
        {factsWith("CONGESTION", std::nullopt, 19), false, CallStatus::kNoAnswer, std::nullopt},
        {factsWith("NOANSWER", 21, 21), false, CallStatus::kFailed, "rejected"},
        {factsWith("CONGESTION", std::nullopt, 0), false, CallStatus::kFailed, "congestion"},
        {factsWith("NOANSWER", std::nullopt, 0), false, CallStatus::kNoAnswer, std::nullopt},
        {factsWith("NOANSWER", std::nullopt, 16), false, CallStatus::kFailed, "cause 16"},
        {factsWith(std::nullopt, std::nullopt, std::nullopt), false, CallStatus::kFailed,
         "unknown"},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        const Outcome outcome = decideOutcome(cases[i].facts, cases[i].answered);
        EXPECT_EQ(outcome.status, cases[i].status) << "case " << i;
        EXPECT_EQ(outcome.failure_reason, cases[i].reason) << "case " << i;
        EXPECT_FALSE(outcome.detail.empty());
    }
}

TEST(Outcome, ThePeersCauseIsNeverConsultedForTheStatus) {
    CallFacts facts = factsWith(std::nullopt, std::nullopt, 0);
    facts.peer_destroyed_cause = 17;
    EXPECT_EQ(decideOutcome(facts, false).status, CallStatus::kFailed);
}

TEST(Outcome, FailureReasonsForCauses) {
    EXPECT_EQ(failureReasonForCause(0), "unknown");
    EXPECT_EQ(failureReasonForCause(1), "unallocated number");
    EXPECT_EQ(failureReasonForCause(21), "rejected");
    EXPECT_EQ(failureReasonForCause(34), "congestion");
    EXPECT_EQ(failureReasonForCause(42), "congestion");
    EXPECT_EQ(failureReasonForCause(38), "cause 38");
}

TEST(HangupCause, OursUnlessItIsZeroAndThePeerSaysMore) {
    CallFacts facts;
    EXPECT_FALSE(effectiveHangupCause(facts).has_value());

    facts.peer_destroyed_cause = 0;
    facts.peer_destroyed_cause_txt = "Unknown";
    EXPECT_FALSE(effectiveHangupCause(facts).has_value());  // peer's 0 says nothing

    facts.destroyed_cause = 0;
    facts.destroyed_cause_txt = "Unknown";
    EXPECT_EQ(effectiveHangupCause(facts)->cause, 0);
    EXPECT_EQ(effectiveHangupCause(facts)->text, "Unknown");

    facts.peer_destroyed_cause = 17;
    facts.peer_destroyed_cause_txt = "User busy";
    EXPECT_EQ(effectiveHangupCause(facts)->cause, 17);
    EXPECT_EQ(effectiveHangupCause(facts)->text, "User busy");

    facts.destroyed_cause = 16;
    facts.destroyed_cause_txt = "Normal Clearing";
    EXPECT_EQ(effectiveHangupCause(facts)->cause, 16);

    CallFacts peer_only;
    peer_only.peer_destroyed_cause = 19;
    peer_only.peer_destroyed_cause_txt = "User alerting, no answer";
    EXPECT_EQ(effectiveHangupCause(peer_only)->cause, 19);
}

}  // namespace
}  // namespace ccapi::engine
