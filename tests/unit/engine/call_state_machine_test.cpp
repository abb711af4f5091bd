// The pure call state machine, rule by rule and edge by edge (SPEC §1, ari/README "Reading the
// outcome").
#include "engine/call_state_machine.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine_test_events.hpp"

namespace ccapi::engine {
namespace {

using storage::EventSource;
using test::CallRun;
using test::countCommands;
using test::destroyed;
using test::dial;
using test::freshCall;
using test::hangupRequest;
using test::kCallId;
using test::kPeerId;
using test::stasisEnd;
using test::stasisStart;
using test::stateChange;
using test::varset;

constexpr std::array kAllStatuses{
    CallStatus::kPending,  CallStatus::kDialing,   CallStatus::kRinging,
    CallStatus::kAnswered, CallStatus::kCompleted, CallStatus::kBusy,
    CallStatus::kNoAnswer, CallStatus::kFailed,    CallStatus::kCanceled,
};
constexpr std::array kTerminalStatuses{CallStatus::kCompleted, CallStatus::kBusy,
                                       CallStatus::kNoAnswer, CallStatus::kFailed,
                                       CallStatus::kCanceled};

// A call that reached `status` the way real traffic gets there, with the facts that go with it.
CallState callIn(CallStatus status) {
    CallRun run;
    switch (status) {
        case CallStatus::kPending:
            break;
        case CallStatus::kDialing:
            run.feedAll({OriginateSent{}, OriginateAccepted{}});
            break;
        case CallStatus::kRinging:
            run.feedAll({OriginateSent{}, OriginateAccepted{}, stateChange("Ringing")});
            break;
        case CallStatus::kAnswered:
            run.feedAll({OriginateSent{}, OriginateAccepted{}, stateChange("Ringing"),
                         stateChange("Up"), stasisStart()});
            break;
        case CallStatus::kCompleted:
            run.feedAll({OriginateSent{}, OriginateAccepted{}, stasisStart(), destroyed(16)});
            break;
        case CallStatus::kBusy:
            run.feedAll({OriginateSent{}, OriginateAccepted{}, dial("BUSY"), destroyed(0)});
            break;
        case CallStatus::kNoAnswer:
            run.feedAll({OriginateSent{}, OriginateAccepted{}, destroyed(19)});
            break;
        case CallStatus::kFailed:
            run.feedAll({OriginateSent{}, OriginateRefused{500, "Allocation failed"}});
            break;
        case CallStatus::kCanceled:
            run.feedAll({HangupRequested{}});
            break;
    }
    EXPECT_EQ(run.call().status, status);
    return run.state;
}

// ---- the transition table ----

TEST(CallStateMachineTable, AllowsExactlyTheTransitionsSpecListsAndNothingElse) {
    using S = CallStatus;
    const std::set<std::pair<S, S>> allowed{
        {S::kPending, S::kDialing},    {S::kPending, S::kRinging},  {S::kPending, S::kAnswered},
        {S::kPending, S::kBusy},       {S::kPending, S::kNoAnswer}, {S::kPending, S::kFailed},
        {S::kPending, S::kCanceled},   {S::kDialing, S::kRinging},  {S::kDialing, S::kAnswered},
        {S::kDialing, S::kBusy},       {S::kDialing, S::kNoAnswer}, {S::kDialing, S::kFailed},
        {S::kDialing, S::kCanceled},   {S::kRinging, S::kAnswered}, {S::kRinging, S::kBusy},
        {S::kRinging, S::kNoAnswer},   {S::kRinging, S::kFailed},   {S::kRinging, S::kCanceled},
        {S::kAnswered, S::kCompleted}, {S::kAnswered, S::kFailed},
    };
    int checked = 0;
    for (S from : kAllStatuses) {
        for (S to : kAllStatuses) {
            EXPECT_EQ(transitionAllowed(from, to), allowed.contains({from, to}))
                << storage::toString(from) << " -> " << storage::toString(to);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 81);
}

TEST(CallStateMachineTable, ReapplyingTheCurrentStatusIsNotATransition) {
    for (CallStatus status : kAllStatuses) EXPECT_FALSE(transitionAllowed(status, status));
}

// ---- forbidden transitions driven by real inputs ----

// Inputs that would push a call towards a given status if the table allowed it.
struct Push {
    const char* name;
    std::vector<Input> inputs;
    CallStatus towards;
};

std::vector<Push> pushes() {
    return {
        {"ChannelStateChange Ringing", {stateChange("Ringing")}, CallStatus::kRinging},
        {"Dial RINGING", {dial("RINGING")}, CallStatus::kRinging},
        {"ChannelStateChange Up", {stateChange("Up")}, CallStatus::kAnswered},
        {"Dial ANSWER", {dial("ANSWER")}, CallStatus::kAnswered},
        {"StasisStart", {stasisStart()}, CallStatus::kAnswered},
    };
}

TEST(CallStateMachineForbidden, AnsweredCallNeverGoesBackToRinging) {
    for (const auto& push : pushes()) {
        if (push.towards != CallStatus::kRinging) continue;
        CallRun run(callIn(CallStatus::kAnswered));
        const auto version = run.call().version;
        const auto& decision = run.feed(push.inputs.front());
        EXPECT_EQ(run.call().status, CallStatus::kAnswered) << push.name;
        EXPECT_EQ(run.call().version, version) << push.name;
        EXPECT_TRUE(decision.transitions.empty()) << push.name;
        ASSERT_EQ(decision.rejected.size(), 1U) << push.name;
        EXPECT_EQ(decision.rejected.front().rfind("answered -> ringing", 0), 0U)
            << decision.rejected.front();
        EXPECT_FALSE(decision.record_changed);
    }
}

TEST(CallStateMachineForbidden, AnsweredCallEndsOnlyCompletedOrFailed) {
    // answered -> busy | no_answer | canceled are forbidden: no input may produce them.
    const std::vector<std::pair<const char*, std::vector<Input>>> attempts{
        {"Dial BUSY then cause 17", {dial("BUSY"), destroyed(17)}},
        {"cause 19", {destroyed(19)}},
        {"Dial NOANSWER", {dial("NOANSWER"), destroyed(0)}},
        {"Dial CONGESTION", {dial("CONGESTION"), destroyed(0)}},
        {"our hang-up", {HangupRequested{}, destroyed(16)}},
        {"our timeout then the end", {StaleTimeout{}, destroyed(16)}},
        {"reconciled gone", {Reconciled{false, ""}}},
    };
    for (const auto& [name, inputs] : attempts) {
        CallRun run(callIn(CallStatus::kAnswered));
        run.feedAll(inputs);
        EXPECT_EQ(run.call().status, CallStatus::kCompleted) << name;
        EXPECT_TRUE(run.allRejected().empty()) << name;
        for (const auto& transition : run.allTransitions()) {
            EXPECT_EQ(transition.from, CallStatus::kAnswered) << name;
        }
    }
}

TEST(CallStateMachineForbidden, NothingMovesACallBackToPendingOrDialing) {
    for (CallStatus status : {CallStatus::kDialing, CallStatus::kRinging, CallStatus::kAnswered}) {
        for (const Input& input : {Input{OriginateAccepted{}}, Input{Reconciled{true, "Down"}},
                                   Input{stateChange("Down")}, Input{dial("")}}) {
            const Decision decision = step(callIn(status), input, 50'000'000);
            EXPECT_EQ(decision.next.call.status, status);
            EXPECT_FALSE(decision.record_changed);
        }
    }
}

class TerminalStatus : public ::testing::TestWithParam<CallStatus> {};

TEST_P(TerminalStatus, NeverChangesWhateverArrives) {
    const CallState start = callIn(GetParam());
    const std::vector<std::pair<const char*, Input>> inputs{
        {"OriginateSent", OriginateSent{}},
        {"OriginateAccepted", OriginateAccepted{}},
        {"OriginateRefused", OriginateRefused{400, "Invalid endpoint specified"}},
        {"PbxUnreachable", PbxUnreachable{}},
        {"NotSent", NotSent{"not sent: queue wait exceeded"}},
        {"HangupRequested", HangupRequested{}},
        {"Ringing", stateChange("Ringing")},
        {"Dial RINGING", dial("RINGING")},
        {"Up", stateChange("Up")},
        {"Dial ANSWER", dial("ANSWER")},
        {"StasisStart", stasisStart()},
        {"Dial BUSY", dial("BUSY")},
        {"hard hangup 21", hangupRequest(21)},
        {"shutdown", hangupRequest(4, true)},
        {"Reconciled Up", Reconciled{true, "Up"}},
        {"Reconciled Ringing", Reconciled{true, "Ringing"}},
        {"Reconciled gone", Reconciled{false, ""}},
        {"StaleTimeout", StaleTimeout{}},
    };
    for (const auto& [name, input] : inputs) {
        const Decision decision = step(start, input, 99'000'000);
        EXPECT_EQ(decision.next.call.status, GetParam()) << name;
        EXPECT_EQ(decision.next.call.version, start.call.version) << name;
        EXPECT_EQ(decision.next.call.ended_at, start.call.ended_at) << name;
        EXPECT_EQ(decision.next.call.failure_reason, start.call.failure_reason) << name;
        EXPECT_TRUE(decision.transitions.empty()) << name;
        EXPECT_EQ(countCommands<ContinueCommand>(decision.commands), 0) << name;
    }
}

TEST_P(TerminalStatus, StatusMovingEventsAreListedAsRejected) {
    for (const auto& push : pushes()) {
        const Decision decision = step(callIn(GetParam()), push.inputs.front(), 99'000'000);
        ASSERT_EQ(decision.rejected.size(), 1U) << push.name;
        const std::string expected = std::string(storage::toString(GetParam())) + " -> " +
                                     std::string(storage::toString(push.towards));
        EXPECT_EQ(decision.rejected.front().rfind(expected, 0), 0U) << decision.rejected.front();
    }
}

TEST_P(TerminalStatus, ADestroyedChannelCannotEndItAgain) {
    for (int cause : {0, 1, 16, 17, 19, 21, 34}) {
        const Decision decision = step(callIn(GetParam()), destroyed(cause), 99'000'000);
        EXPECT_EQ(decision.next.call.status, GetParam()) << cause;
        EXPECT_TRUE(decision.transitions.empty()) << cause;
    }
}

INSTANTIATE_TEST_SUITE_P(EveryTerminal, TerminalStatus, ::testing::ValuesIn(kTerminalStatuses),
                         [](const auto& info) {
                             return std::string(storage::toString(info.param));
                         });

// ---- which event moves the status (one event on a dialing call) ----

struct EventRule {
    const char* name;
    Input input;
    CallStatus expected;
};
void PrintTo(const EventRule& rule, std::ostream* os) { *os << rule.name; }

class SingleEventOnDialingCall : public ::testing::TestWithParam<EventRule> {};

TEST_P(SingleEventOnDialingCall, MovesTheStatusAsTheTableSays) {
    const Decision decision = step(callIn(CallStatus::kDialing), GetParam().input, 50'000'000);
    EXPECT_EQ(decision.next.call.status, GetParam().expected);
    EXPECT_TRUE(decision.rejected.empty());
    EXPECT_EQ(decision.record_changed, GetParam().expected != CallStatus::kDialing);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SingleEventOnDialingCall,
    ::testing::Values(
        EventRule{"StateChangeRinging", stateChange("Ringing"), CallStatus::kRinging},
        EventRule{"DialRinging", dial("RINGING"), CallStatus::kRinging},
        EventRule{"StateChangeUp", stateChange("Up"), CallStatus::kAnswered},
        EventRule{"DialAnswer", dial("ANSWER"), CallStatus::kAnswered},
        EventRule{"StasisStart", stasisStart(), CallStatus::kAnswered},
        EventRule{"FirstDialWithEmptyStatus", dial(""), CallStatus::kDialing},
        EventRule{"DialBusyOnlyRemembered", dial("BUSY"), CallStatus::kDialing},
        EventRule{"DialCongestionOnlyRemembered", dial("CONGESTION"), CallStatus::kDialing},
        EventRule{"DialNoAnswerOnlyRemembered", dial("NOANSWER"), CallStatus::kDialing},
        EventRule{"DialChanUnavailOnlyRemembered", dial("CHANUNAVAIL"), CallStatus::kDialing},
        EventRule{"DialCancelOnlyRemembered", dial("CANCEL"), CallStatus::kDialing},
        EventRule{"StateDownIgnored", stateChange("Down"), CallStatus::kDialing},
        EventRule{"StateRingIgnored", stateChange("Ring"), CallStatus::kDialing},
        EventRule{"StasisEndIsNotTheEnd", stasisEnd(), CallStatus::kDialing},
        EventRule{"HardHangupOnlyRemembered", hangupRequest(21), CallStatus::kDialing},
        EventRule{"SoftHangupIgnored", hangupRequest(32, true), CallStatus::kDialing},
        EventRule{"ShutdownOnlyRemembered", hangupRequest(4, true), CallStatus::kDialing},
        EventRule{"VarsetIgnored", varset("STASISSTATUS", ""), CallStatus::kDialing},
        EventRule{"DialplanIgnored", test::otherEvent("ChannelDialplan"), CallStatus::kDialing},
        EventRule{"PeerRingingIgnored", stateChange("Ringing", kPeerId), CallStatus::kDialing},
        EventRule{"PeerUpIgnored", stateChange("Up", kPeerId), CallStatus::kDialing},
        EventRule{"PeerStasisStartIgnored", stasisStart(kPeerId), CallStatus::kDialing},
        EventRule{"PeerDestroyedOnlyAddsDetail", destroyed(17, kPeerId), CallStatus::kDialing},
        EventRule{"OtherCallsEventIgnored", stateChange("Up", "another-call"),
                  CallStatus::kDialing},
        EventRule{"OtherCallsDestroyedIgnored", destroyed(16, "another-call"),
                  CallStatus::kDialing}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CallStateMachineEvents, FactsAreRememberedForTheEnd) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({dial("BUSY"), hangupRequest(21), hangupRequest(4, true), hangupRequest(32, true),
                 hangupRequest(16, true), destroyed(34, kPeerId)});
    const CallFacts& facts = run.state.facts;
    EXPECT_EQ(facts.last_dialstatus, "BUSY");
    EXPECT_EQ(facts.hard_cause, 21);
    EXPECT_TRUE(facts.shutdown_seen);
    EXPECT_EQ(facts.peer_destroyed_cause, 34);
    EXPECT_FALSE(facts.destroyed_cause.has_value());
    EXPECT_EQ(run.call().status, CallStatus::kRinging);
}

TEST(CallStateMachineEvents, EmptyAndProgressDialStatusesDoNotOverwriteTheOutcomeDialStatus) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({dial("NOANSWER"), dial(""), dial("PROGRESS")});
    EXPECT_EQ(run.state.facts.last_dialstatus, "NOANSWER");
}

TEST(CallStateMachineEvents, LastOutcomeDialStatusWins) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({dial("NOANSWER"), dial("BUSY"), destroyed(0)});
    EXPECT_EQ(run.call().status, CallStatus::kBusy);
}

TEST(CallStateMachineEvents, EventsOfAnotherCallLeaveTheStateUntouched) {
    const CallState start = callIn(CallStatus::kRinging);
    const Decision decision = step(start, destroyed(16, "someone-else;2"), 50'000'000);
    EXPECT_FALSE(decision.record_changed);
    EXPECT_FALSE(decision.next.facts.peer_destroyed_cause.has_value());
    EXPECT_EQ(decision.next.call.status, CallStatus::kRinging);
}

TEST(CallStateMachineEvents, ReapplyingTheCurrentStatusIsANoOp) {
    CallRun run(callIn(CallStatus::kRinging));
    const auto version = run.call().version;
    const auto updated = run.call().updated_at;
    for (const Input& input : {Input{stateChange("Ringing")}, Input{dial("RINGING")}}) {
        const auto& decision = run.feed(input);
        EXPECT_TRUE(decision.transitions.empty());
        EXPECT_TRUE(decision.rejected.empty());
        EXPECT_FALSE(decision.record_changed);
    }
    EXPECT_EQ(run.call().version, version);
    EXPECT_EQ(run.call().updated_at, updated);
}

// ---- the outcome when the channel is destroyed ----

struct DestroyedCase {
    const char* name;
    CallStatus from;  // where the call is before these events
    std::vector<Input> events;
    CallStatus status;
    std::optional<std::string> failure_reason;
    std::optional<int> hangup_cause;
    std::optional<std::string> hangup_cause_txt;
};
void PrintTo(const DestroyedCase& c, std::ostream* os) { *os << c.name; }

class OutcomeOnDestroyed : public ::testing::TestWithParam<DestroyedCase> {};

TEST_P(OutcomeOnDestroyed, EndsAsTheReadmeSays) {
    const auto& c = GetParam();
    CallRun run(callIn(c.from));
    run.feedAll(c.events);
    EXPECT_EQ(run.call().status, c.status);
    EXPECT_EQ(run.call().failure_reason, c.failure_reason);
    EXPECT_EQ(run.call().hangup_cause, c.hangup_cause);
    EXPECT_EQ(run.call().hangup_cause_txt, c.hangup_cause_txt);
    EXPECT_TRUE(run.allRejected().empty());
    const auto transitions = run.allTransitions();
    ASSERT_FALSE(transitions.empty());
    EXPECT_EQ(transitions.back().to, c.status);
    EXPECT_EQ(transitions.back().source, EventSource::kAri);
}

using S = CallStatus;
INSTANTIATE_TEST_SUITE_P(
    Rules, OutcomeOnDestroyed,
    ::testing::Values(
        // 1. hung up through our API
        DestroyedCase{"HangupBeforeAnswerIsCanceled",
                      S::kRinging,
                      {HangupRequested{}, hangupRequest(32, true), dial("NOANSWER"), destroyed(16)},
                      S::kCanceled,
                      std::nullopt,
                      16,
                      "Normal Clearing"},
        DestroyedCase{"HangupWithBusyReasonWhileRingingIsStillCanceled",
                      S::kRinging,
                      {HangupRequested{}, hangupRequest(32, true), dial("BUSY"), destroyed(17)},
                      S::kCanceled,
                      std::nullopt,
                      17,
                      "User busy"},
        DestroyedCase{"HangupAfterAnswerIsCompleted",
                      S::kAnswered,
                      {HangupRequested{}, hangupRequest(32, true), stasisEnd(), destroyed(16)},
                      S::kCompleted,
                      std::nullopt,
                      16,
                      "Normal Clearing"},
        DestroyedCase{"HangupAfterAnswerWinsOverShutdown",
                      S::kAnswered,
                      {HangupRequested{}, hangupRequest(4, true), destroyed(0)},
                      S::kCompleted,
                      std::nullopt,
                      0,
                      "Unknown"},
        // 2. answered
        DestroyedCase{"AnsweredFarEndHangsUpIsCompleted",
                      S::kAnswered,
                      {hangupRequest(16), stasisEnd(), destroyed(16)},
                      S::kCompleted,
                      std::nullopt,
                      16,
                      "Normal Clearing"},
        DestroyedCase{"AnsweredWithAnyCauseIsCompleted",
                      S::kAnswered,
                      {destroyed(21)},
                      S::kCompleted,
                      std::nullopt,
                      21,
                      "Call Rejected"},
        DestroyedCase{"AnsweredUnderShutdownIsFailed",
                      S::kAnswered,
                      {hangupRequest(4, true), stasisEnd(), hangupRequest(0), destroyed(0)},
                      S::kFailed,
                      "PBX shut down",
                      0,
                      "Unknown"},
        // 3. busy
        DestroyedCase{"DialBusyIsBusyWithThePeersCause",
                      S::kRinging,
                      {dial("BUSY"), destroyed(17, kPeerId), destroyed(0)},
                      S::kBusy,
                      std::nullopt,
                      17,
                      "User busy"},
        DestroyedCase{
            "Cause17IsBusy", S::kRinging, {destroyed(17)}, S::kBusy, std::nullopt, 17, "User busy"},
        DestroyedCase{"HardCause17IsBusyEvenWhenDestroyedSays0",
                      S::kRinging,
                      {hangupRequest(17), destroyed(0)},
                      S::kBusy,
                      std::nullopt,
                      0,
                      "Unknown"},
        // 4. no answer
        DestroyedCase{"Cause19IsNoAnswer",
                      S::kRinging,
                      {destroyed(19)},
                      S::kNoAnswer,
                      std::nullopt,
                      19,
                      "User alerting, no answer"},
        DestroyedCase{"Cause18IsNoAnswer",
                      S::kRinging,
                      {destroyed(18)},
                      S::kNoAnswer,
                      std::nullopt,
                      18,
                      "No user responding"},
        DestroyedCase{"DialNoAnswerWithoutCauseIsNoAnswer",
                      S::kRinging,
                      {dial("NOANSWER"), destroyed(0)},
                      S::kNoAnswer,
                      std::nullopt,
                      0,
                      "Unknown"},
        // 5. failed, with a reason
        DestroyedCase{"DialCongestionIsCongestion",
                      S::kDialing,
                      {dial("CONGESTION"), destroyed(0), destroyed(34, kPeerId)},
                      S::kFailed,
                      "congestion",
                      34,
                      "Circuit/channel congestion"},
        DestroyedCase{"Cause34IsCongestion",
                      S::kDialing,
                      {destroyed(34)},
                      S::kFailed,
                      "congestion",
                      34,
                      "Circuit/channel congestion"},
        DestroyedCase{"Cause42IsCongestion",
                      S::kDialing,
                      {destroyed(42)},
                      S::kFailed,
                      "congestion",
                      42,
                      "cause 42"},
        DestroyedCase{"Cause21IsRejected",
                      S::kDialing,
                      {hangupRequest(21), dial("NOANSWER"), destroyed(21)},
                      S::kFailed,
                      "rejected",
                      21,
                      "Call Rejected"},
        DestroyedCase{"Cause1IsUnallocated",
                      S::kDialing,
                      {hangupRequest(1), dial("NOANSWER"), destroyed(1)},
                      S::kFailed,
                      "unallocated number",
                      1,
                      "Unallocated (unassigned) number"},
        DestroyedCase{"HardCauseDecidesWhenDestroyedSays0",
                      S::kDialing,
                      {hangupRequest(21), destroyed(0)},
                      S::kFailed,
                      "rejected",
                      0,
                      "Unknown"},
        DestroyedCase{"NothingButCause0IsUnknown",
                      S::kDialing,
                      {destroyed(0)},
                      S::kFailed,
                      "unknown",
                      0,
                      "Unknown"},
        DestroyedCase{"HardCause0SaysNothing",
                      S::kDialing,
                      {hangupRequest(0), destroyed(0)},
                      S::kFailed,
                      "unknown",
                      0,
                      "Unknown"},
        DestroyedCase{"OtherCauseIsNamed",
                      S::kRinging,
                      {destroyed(38)},
                      S::kFailed,
                      "cause 38",
                      38,
                      "cause 38"},
        DestroyedCase{"UnansweredNormalClearingIsFailed",
                      S::kRinging,
                      {destroyed(16)},
                      S::kFailed,
                      "cause 16",
                      16,
                      "Normal Clearing"},
        DestroyedCase{"ChanUnavailIsChannelUnavailable",
                      S::kDialing,
                      {dial("CHANUNAVAIL"), destroyed(0)},
                      S::kFailed,
                      "channel unavailable",
                      0,
                      "Unknown"},
        DestroyedCase{"DialCancelWithoutOurHangupIsCanceledByPbx",
                      S::kRinging,
                      {dial("CANCEL"), destroyed(0)},
                      S::kFailed,
                      "canceled by PBX",
                      0,
                      "Unknown"},
        DestroyedCase{
            "SoftCausesAreNotQ850",
            S::kRinging,
            {hangupRequest(32, true), hangupRequest(16, true), dial("NOANSWER"), destroyed(0)},
            S::kNoAnswer,
            std::nullopt,
            0,
            "Unknown"},
        // shutdown while ringing (ws-asterisk-stop*.jsonl, both recorded variants)
        DestroyedCase{"ShutdownWhileRingingIsFailed",
                      S::kRinging,
                      {hangupRequest(4, true), dial("NOANSWER"), destroyed(0)},
                      S::kFailed,
                      "PBX shut down",
                      0,
                      "Unknown"},
        DestroyedCase{"ShutdownWhileRingingWithHardCause0IsFailed",
                      S::kRinging,
                      {hangupRequest(4, true), hangupRequest(0), dial("NOANSWER"), destroyed(0)},
                      S::kFailed,
                      "PBX shut down",
                      0,
                      "Unknown"},
        DestroyedCase{"RealBusyBeatsAShutdown",
                      S::kRinging,
                      {dial("BUSY"), hangupRequest(4, true), destroyed(0)},
                      S::kBusy,
                      std::nullopt,
                      0,
                      "Unknown"},
        // the nonexistent extension: nothing but destroyed on both halves
        DestroyedCase{"NonexistentExtensionIsUnknown",
                      S::kDialing,
                      {destroyed(0, kPeerId), destroyed(0)},
                      S::kFailed,
                      "unknown",
                      0,
                      "Unknown"},
        // events before the POST response: straight from pending
        DestroyedCase{"CongestionStraightFromPending",
                      S::kPending,
                      {dial(""), dial("CONGESTION"), destroyed(0)},
                      S::kFailed,
                      "congestion",
                      0,
                      "Unknown"},
        DestroyedCase{"RejectStraightFromPending",
                      S::kPending,
                      {hangupRequest(21), dial("NOANSWER"), destroyed(21)},
                      S::kFailed,
                      "rejected",
                      21,
                      "Call Rejected"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- hangup cause details from the peer ----

TEST(CallStateMachineHangupCause, PeersCauseArrivingAfterTheEndIsADetailUpdate) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({dial("BUSY"), destroyed(0)});
    ASSERT_EQ(run.call().status, CallStatus::kBusy);
    EXPECT_EQ(run.call().hangup_cause, 0);
    EXPECT_EQ(run.call().hangup_cause_txt, "Unknown");
    const auto version = run.call().version;
    const auto ended = run.call().ended_at;

    const auto& update = run.feed(destroyed(17, kPeerId), 77'000'000);
    EXPECT_TRUE(update.record_changed);
    EXPECT_TRUE(update.transitions.empty());
    EXPECT_TRUE(update.rejected.empty());
    EXPECT_EQ(run.call().status, CallStatus::kBusy);
    EXPECT_EQ(run.call().hangup_cause, 17);
    EXPECT_EQ(run.call().hangup_cause_txt, "User busy");
    EXPECT_EQ(run.call().version, version);
    EXPECT_EQ(run.call().ended_at, ended);
    EXPECT_EQ(run.call().updated_at, 77'000'000);
}

TEST(CallStateMachineHangupCause, PeersCause0AfterTheEndChangesNothing) {
    CallRun run(callIn(CallStatus::kDialing));
    run.feed(destroyed(0));
    const auto& update = run.feed(destroyed(0, kPeerId));
    EXPECT_FALSE(update.record_changed);
    EXPECT_EQ(run.call().hangup_cause, 0);
}

TEST(CallStateMachineHangupCause, OurOwnNonZeroCauseWinsOverThePeers) {
    for (bool peer_first : {true, false}) {
        CallRun run(callIn(CallStatus::kAnswered));
        if (peer_first) run.feed(destroyed(17, kPeerId));
        run.feed(destroyed(16));
        if (!peer_first) {
            EXPECT_FALSE(run.feed(destroyed(17, kPeerId)).record_changed);
        }
        EXPECT_EQ(run.call().hangup_cause, 16) << peer_first;
        EXPECT_EQ(run.call().hangup_cause_txt, "Normal Clearing") << peer_first;
    }
}

TEST(CallStateMachineHangupCause, PeerFirstGivesTheSameRecordAsPeerLast) {
    CallRun peer_first(callIn(CallStatus::kRinging));
    peer_first.feedAll({destroyed(17, kPeerId), dial("BUSY"), destroyed(0)});
    CallRun peer_last(callIn(CallStatus::kRinging));
    peer_last.feedAll({dial("BUSY"), destroyed(0), destroyed(17, kPeerId)});
    EXPECT_EQ(peer_first.call().status, peer_last.call().status);
    EXPECT_EQ(peer_first.call().hangup_cause, peer_last.call().hangup_cause);
    EXPECT_EQ(peer_first.call().hangup_cause_txt, peer_last.call().hangup_cause_txt);
    EXPECT_EQ(peer_first.call().version, peer_last.call().version);
}

TEST(CallStateMachineHangupCause, ThePeersCauseAloneNeverDecidesTheStatus) {
    // Busy on ;2 but nothing on ;1 says so: the status must not depend on which half came first.
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({destroyed(17, kPeerId), destroyed(0)});
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().failure_reason, "unknown");
    EXPECT_EQ(run.call().hangup_cause, 17);
}

// ---- answering and the continue command ----

TEST(CallStateMachineContinue, IsIssuedOnceOnStasisStartWithTheCallsDialplanTarget) {
    CallRun run(callIn(CallStatus::kRinging));
    const auto& up = run.feed(stateChange("Up"));
    EXPECT_EQ(run.call().status, CallStatus::kAnswered);
    EXPECT_TRUE(up.commands.empty());  // not yet in Stasis: continue would get 409
    EXPECT_TRUE(run.feed(dial("ANSWER")).commands.empty());
    const auto& start = run.feed(stasisStart());
    ASSERT_EQ(start.commands.size(), 1U);
    const auto* cont = std::get_if<ContinueCommand>(&start.commands.front());
    ASSERT_NE(cont, nullptr);
    EXPECT_EQ(cont->context, "outbound-ivr");
    EXPECT_EQ(cont->extension, "s");
    EXPECT_EQ(cont->priority, 3);
    EXPECT_TRUE(run.state.facts.continued);
    EXPECT_TRUE(run.feed(stasisStart()).commands.empty());
    EXPECT_EQ(countCommands<ContinueCommand>(run.allCommands()), 1);
}

TEST(CallStateMachineContinue, StasisStartFirstAnswersAndContinuesAtOnce) {
    CallRun run(callIn(CallStatus::kDialing));
    const auto& start = run.feed(stasisStart());
    EXPECT_EQ(run.call().status, CallStatus::kAnswered);
    EXPECT_EQ(countCommands<ContinueCommand>(start.commands), 1);
    run.feedAll({stateChange("Up"), dial("ANSWER")});
    EXPECT_EQ(countCommands<ContinueCommand>(run.allCommands()), 1);
    EXPECT_TRUE(run.allRejected().empty());
}

TEST(CallStateMachineContinue, IsNotIssuedWhenTheUserAlreadyHungUp) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({HangupRequested{}, stateChange("Up"), stasisStart(), destroyed(16)});
    EXPECT_EQ(countCommands<ContinueCommand>(run.allCommands()), 0);
    EXPECT_EQ(run.call().status, CallStatus::kCompleted);
}

TEST(CallStateMachineContinue, PeerStasisStartDoesNotContinue) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feed(stasisStart(kPeerId));
    EXPECT_TRUE(run.allCommands().empty());
}

// ---- originate responses ----

TEST(CallStateMachineOriginate, AcceptedMovesPendingToDialing) {
    CallRun run;
    run.feed(OriginateSent{});
    EXPECT_TRUE(run.state.facts.originate_sent);
    EXPECT_EQ(run.call().status, CallStatus::kPending);
    const auto& decision = run.feed(OriginateAccepted{}, 3'000'000);
    ASSERT_EQ(decision.transitions.size(), 1U);
    EXPECT_EQ(decision.transitions[0].from, CallStatus::kPending);
    EXPECT_EQ(decision.transitions[0].to, CallStatus::kDialing);
    EXPECT_EQ(decision.transitions[0].source, EventSource::kAri);
    EXPECT_EQ(run.call().dialed_at, 3'000'000);
    EXPECT_EQ(run.call().version, 2);
}

TEST(CallStateMachineOriginate, AcceptedNeverMovesBackwards) {
    for (CallStatus status : kAllStatuses) {
        if (status == CallStatus::kPending) continue;
        const CallState start = callIn(status);
        const Decision decision = step(start, OriginateAccepted{}, 50'000'000);
        EXPECT_EQ(decision.next.call.status, status);
        EXPECT_TRUE(decision.transitions.empty());
        EXPECT_TRUE(decision.rejected.empty()) << storage::toString(status);
        EXPECT_FALSE(decision.record_changed);
    }
}

TEST(CallStateMachineOriginate, EventsBeforeThePostResponseThenAcceptedIsANoOp) {
    CallRun run;
    run.feed(OriginateSent{});
    run.feedAll({dial(""), stateChange("Ringing"), dial("RINGING")});
    EXPECT_EQ(run.call().status, CallStatus::kRinging);  // pending -> ringing directly
    EXPECT_EQ(run.allTransitions().front().from, CallStatus::kPending);
    const auto version = run.call().version;
    const auto& accepted = run.feed(OriginateAccepted{});
    EXPECT_TRUE(accepted.transitions.empty());
    EXPECT_FALSE(accepted.record_changed);
    EXPECT_EQ(run.call().version, version);
    run.feedAll({stateChange("Up"), stasisStart(), destroyed(16)});
    EXPECT_EQ(run.call().status, CallStatus::kCompleted);
    EXPECT_EQ(run.call().version, 4);  // pending, ringing, answered, completed
}

TEST(CallStateMachineOriginate, PendingCanSkipStraightToAnswered) {
    CallRun run;
    const auto& decision = run.feed(stasisStart(), 5'000'000);
    ASSERT_EQ(decision.transitions.size(), 1U);
    EXPECT_EQ(decision.transitions[0].from, CallStatus::kPending);
    EXPECT_EQ(decision.transitions[0].to, CallStatus::kAnswered);
    EXPECT_EQ(run.call().dialed_at, 5'000'000);
    EXPECT_EQ(run.call().answered_at, 5'000'000);
    EXPECT_EQ(countCommands<ContinueCommand>(decision.commands), 1);
}

TEST(CallStateMachineOriginate, RefusedFailsWithAsterisksMessage) {
    CallRun run;
    run.feedAll({OriginateSent{}, OriginateRefused{500, "Allocation failed"}});
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().failure_reason, "Allocation failed");
    EXPECT_FALSE(run.call().dialed_at.has_value());
    EXPECT_TRUE(run.call().ended_at.has_value());
    EXPECT_FALSE(run.call().duration.has_value());
    EXPECT_FALSE(run.call().hangup_cause.has_value());
    EXPECT_EQ(run.allTransitions().back().source, EventSource::kAri);
}

TEST(CallStateMachineOriginate, RefusedWithoutMessageNamesTheHttpStatus) {
    CallRun run;
    run.feed(OriginateRefused{400, ""});
    EXPECT_EQ(run.call().failure_reason, "PBX refused the call (HTTP 400)");
}

TEST(CallStateMachineOriginate, RefusalAfterThePbxsEventsIsRejectedNotApplied) {
    for (CallStatus status : {CallStatus::kDialing, CallStatus::kRinging, CallStatus::kAnswered}) {
        const Decision decision =
            step(callIn(status), OriginateRefused{409, "Channel exists"}, 50'000'000);
        EXPECT_EQ(decision.next.call.status, status);
        EXPECT_FALSE(decision.next.call.failure_reason.has_value());
        EXPECT_EQ(decision.rejected.size(), 1U) << storage::toString(status);
    }
}

TEST(CallStateMachineOriginate, UnreachablePbxFailsTheCall) {
    CallRun run;
    run.feedAll({OriginateSent{}, PbxUnreachable{}});
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().failure_reason, "PBX unreachable");

    CallRun breaker;
    breaker.feed(PbxUnreachable{"PBX unreachable: circuit breaker open"});
    EXPECT_EQ(breaker.call().failure_reason, "PBX unreachable: circuit breaker open");
}

TEST(CallStateMachineOriginate, NotSentFailsWithItsReasonFromTheTimer) {
    CallRun run;
    const auto& decision = run.feed(NotSent{"not sent: queue wait exceeded"});
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().failure_reason, "not sent: queue wait exceeded");
    ASSERT_EQ(decision.transitions.size(), 1U);
    EXPECT_EQ(decision.transitions[0].source, EventSource::kTimeout);
}

TEST(CallStateMachineOriginate, ALiveChannelOfACallWeFailedIsHungUpOnce) {
    // The POST timed out but Asterisk created the channel after all.
    CallRun run;
    run.feedAll({OriginateSent{}, PbxUnreachable{}});
    const auto& ringing = run.feed(stateChange("Ringing"));
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(countCommands<HangupCommand>(ringing.commands), 1);
    EXPECT_EQ(ringing.rejected.size(), 1U);
    EXPECT_TRUE(run.feed(dial("RINGING")).commands.empty());
    EXPECT_TRUE(run.feed(destroyed(16)).record_changed);
    EXPECT_EQ(run.call().hangup_cause, 16);
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().failure_reason, "PBX unreachable");
}

// ---- hang-up through the API ----

TEST(CallStateMachineHangup, PendingNeverSentIsCanceledAtOnce) {
    CallRun run;
    const auto& decision = run.feed(HangupRequested{});
    EXPECT_EQ(run.call().status, CallStatus::kCanceled);
    EXPECT_TRUE(decision.commands.empty());  // no channel to hang up
    ASSERT_EQ(decision.transitions.size(), 1U);
    EXPECT_EQ(decision.transitions[0].source, EventSource::kApi);
    EXPECT_TRUE(run.call().ended_at.has_value());
    EXPECT_FALSE(run.call().dialed_at.has_value());
}

TEST(CallStateMachineHangup, PendingInFlightWaitsForTheChannelAndRetriesOnAccept) {
    CallRun run;
    run.feed(OriginateSent{});
    const auto& hangup = run.feed(HangupRequested{});
    EXPECT_EQ(run.call().status, CallStatus::kPending);
    EXPECT_EQ(countCommands<HangupCommand>(hangup.commands), 1);
    EXPECT_TRUE(run.state.facts.hangup_requested);
    const auto& accepted = run.feed(OriginateAccepted{});
    EXPECT_EQ(run.call().status, CallStatus::kDialing);
    EXPECT_EQ(countCommands<HangupCommand>(accepted.commands), 1);
    run.feedAll({hangupRequest(32, true), dial("NOANSWER"), destroyed(16)});
    EXPECT_EQ(run.call().status, CallStatus::kCanceled);
}

TEST(CallStateMachineHangup, BeforeAnswerSendsHangupAndEndsCanceledOnDestroyed) {
    for (CallStatus status : {CallStatus::kDialing, CallStatus::kRinging}) {
        CallRun run(callIn(status));
        const auto& decision = run.feed(HangupRequested{});
        EXPECT_EQ(run.call().status, status);
        EXPECT_TRUE(decision.transitions.empty());
        ASSERT_EQ(decision.commands.size(), 1U);
        EXPECT_EQ(std::get<HangupCommand>(decision.commands[0]).reason, "normal");
        run.feedAll({hangupRequest(32, true), dial("NOANSWER"), destroyed(16)});
        EXPECT_EQ(run.call().status, CallStatus::kCanceled);
        EXPECT_EQ(run.allTransitions().back().source, EventSource::kAri);
    }
}

TEST(CallStateMachineHangup, AfterAnswerSendsHangupAndEndsCompletedOnDestroyed) {
    CallRun run(callIn(CallStatus::kAnswered));
    const auto& decision = run.feed(HangupRequested{});
    EXPECT_EQ(run.call().status, CallStatus::kAnswered);
    EXPECT_EQ(countCommands<HangupCommand>(decision.commands), 1);
    run.feedAll(
        {hangupRequest(32, true), stasisEnd(), varset("STASISSTATUS", "SUCCESS"), destroyed(16)});
    EXPECT_EQ(run.call().status, CallStatus::kCompleted);
    EXPECT_EQ(run.call().hangup_cause, 16);
}

TEST(CallStateMachineHangup, OnATerminalCallDoesNothing) {
    for (CallStatus status : kTerminalStatuses) {
        const Decision decision = step(callIn(status), HangupRequested{}, 50'000'000);
        EXPECT_TRUE(decision.commands.empty());
        EXPECT_FALSE(decision.record_changed);
    }
}

// ---- reconciliation after a (re)connection ----

struct ReconcileCase {
    const char* name;
    CallStatus from;
    Reconciled input;
    CallStatus expected;
    int continues;
    std::optional<std::string> failure_reason;
};
void PrintTo(const ReconcileCase& c, std::ostream* os) { *os << c.name; }

class Reconcile : public ::testing::TestWithParam<ReconcileCase> {};

TEST_P(Reconcile, ResumesOrEndsTheCall) {
    const auto& c = GetParam();
    CallState start = callIn(c.from);
    if (c.from == CallStatus::kPending) start.facts.originate_sent = true;
    const Decision decision = step(start, c.input, 50'000'000);
    EXPECT_EQ(decision.next.call.status, c.expected);
    EXPECT_EQ(countCommands<ContinueCommand>(decision.commands), c.continues);
    EXPECT_EQ(decision.next.call.failure_reason, c.failure_reason);
    EXPECT_TRUE(decision.rejected.empty());
    if (c.expected != c.from) {
        ASSERT_EQ(decision.transitions.size(), 1U);
        EXPECT_EQ(decision.transitions[0].source, EventSource::kReconcile);
    } else {
        EXPECT_TRUE(decision.transitions.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Reconcile,
    ::testing::Values(
        ReconcileCase{"DownChannelMakesPendingDialing",
                      S::kPending,
                      {true, "Down"},
                      S::kDialing,
                      0,
                      std::nullopt},
        ReconcileCase{"RingingChannelMakesDialingRinging",
                      S::kDialing,
                      {true, "Ringing"},
                      S::kRinging,
                      0,
                      std::nullopt},
        ReconcileCase{"UpChannelAnswersAndContinues",
                      S::kRinging,
                      {true, "Up"},
                      S::kAnswered,
                      1,
                      std::nullopt},
        ReconcileCase{"UpChannelOfAContinuedCallChangesNothing",
                      S::kAnswered,
                      {true, "Up"},
                      S::kAnswered,
                      0,
                      std::nullopt},
        ReconcileCase{"RingingChannelNeverMovesAnAnsweredCallBack",
                      S::kAnswered,
                      {true, "Ringing"},
                      S::kAnswered,
                      0,
                      std::nullopt},
        ReconcileCase{"DownChannelNeverMovesARingingCallBack",
                      S::kRinging,
                      {true, "Down"},
                      S::kRinging,
                      0,
                      std::nullopt},
        ReconcileCase{"GoneAfterAnswerIsCompleted",
                      S::kAnswered,
                      {false, ""},
                      S::kCompleted,
                      0,
                      std::nullopt},
        ReconcileCase{
            "GoneWhileRingingIsLost", S::kRinging, {false, ""}, S::kFailed, 0, "lost by PBX"},
        ReconcileCase{
            "GoneWhileDialingIsLost", S::kDialing, {false, ""}, S::kFailed, 0, "lost by PBX"},
        ReconcileCase{"GoneWhileThePostWasInFlightIsLost",
                      S::kPending,
                      {false, ""},
                      S::kFailed,
                      0,
                      "lost by PBX"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CallStateMachineReconcile, AnsweredButNeverContinuedGetsItsContinue) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feed(stateChange("Up"));  // StasisStart was lost with the socket
    const auto& decision = run.feed(Reconciled{true, "Up"});
    EXPECT_TRUE(decision.transitions.empty());
    EXPECT_EQ(countCommands<ContinueCommand>(decision.commands), 1);
}

TEST(CallStateMachineReconcile, AQueuedCallThatWasNeverSentIsLeftAlone) {
    const Decision decision = step(freshCall(), Reconciled{false, ""}, 50'000'000);
    EXPECT_EQ(decision.next.call.status, CallStatus::kPending);
    EXPECT_FALSE(decision.record_changed);
}

TEST(CallStateMachineReconcile, GoneAfterOurHangupIsCanceledOrCompleted) {
    CallRun ringing(callIn(CallStatus::kRinging));
    ringing.feedAll({HangupRequested{}, Reconciled{false, ""}});
    EXPECT_EQ(ringing.call().status, CallStatus::kCanceled);
    CallRun answered(callIn(CallStatus::kAnswered));
    answered.feedAll({HangupRequested{}, Reconciled{false, ""}});
    EXPECT_EQ(answered.call().status, CallStatus::kCompleted);
}

TEST(CallStateMachineReconcile, GoneAfterAnswerStampsTheDuration) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feed(stasisStart(), 10'000'000);
    run.feed(Reconciled{false, ""}, 25'500'000);
    EXPECT_EQ(run.call().status, CallStatus::kCompleted);
    EXPECT_EQ(run.call().ended_at, 25'500'000);
    EXPECT_EQ(run.call().duration, 15);
}

// ---- our own timeout ----

TEST(CallStateMachineStaleTimeout, EndsAnUnansweredCallAsNoAnswerAndHangsUp) {
    for (CallStatus status : {CallStatus::kDialing, CallStatus::kRinging}) {
        CallRun run(callIn(status));
        const auto& decision = run.feed(StaleTimeout{});
        EXPECT_EQ(run.call().status, CallStatus::kNoAnswer);
        ASSERT_EQ(decision.transitions.size(), 1U);
        EXPECT_EQ(decision.transitions[0].source, EventSource::kTimeout);
        EXPECT_EQ(countCommands<HangupCommand>(decision.commands), 1);
        EXPECT_FALSE(run.call().failure_reason.has_value());
    }
}

TEST(CallStateMachineStaleTimeout, PendingNeverSentHasNothingToHangUp) {
    CallRun run;
    const auto& decision = run.feed(StaleTimeout{});
    EXPECT_EQ(run.call().status, CallStatus::kNoAnswer);
    EXPECT_TRUE(decision.commands.empty());
}

TEST(CallStateMachineStaleTimeout, LeavesAnsweredCallsAlone) {
    const Decision decision = step(callIn(CallStatus::kAnswered), StaleTimeout{}, 50'000'000);
    EXPECT_EQ(decision.next.call.status, CallStatus::kAnswered);
    EXPECT_FALSE(decision.record_changed);
    EXPECT_TRUE(decision.commands.empty());
}

TEST(CallStateMachineStaleTimeout, AfterOurHangupRequestItIsCanceled) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feedAll({HangupRequested{}, StaleTimeout{}});
    EXPECT_EQ(run.call().status, CallStatus::kCanceled);
}

TEST(CallStateMachineStaleTimeout, TheChannelsLateEndOnlyFillsInTheCause) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feed(StaleTimeout{});
    const auto version = run.call().version;
    run.feedAll({hangupRequest(32, true), dial("NOANSWER")});
    EXPECT_EQ(countCommands<HangupCommand>(run.allCommands()), 1);  // no second hang-up
    const auto& late = run.feed(destroyed(16));
    EXPECT_TRUE(late.record_changed);
    EXPECT_TRUE(late.transitions.empty());
    EXPECT_EQ(run.call().status, CallStatus::kNoAnswer);
    EXPECT_EQ(run.call().hangup_cause, 16);
    EXPECT_EQ(run.call().version, version);
}

// ---- timestamps, duration, version ----

TEST(CallStateMachineTimestamps, AFullAnsweredCallIsStampedAtEachStep) {
    CallRun run(freshCall(1'000'000));
    run.feed(OriginateSent{}, 2'000'000);
    run.feed(OriginateAccepted{}, 2'100'000);
    run.feed(stateChange("Ringing"), 2'200'000);
    run.feed(dial("RINGING"), 2'300'000);
    run.feed(stateChange("Up"), 3'200'000);
    run.feed(stasisStart(), 3'300'000);
    run.feed(hangupRequest(16), 6'100'000);
    run.feed(stasisEnd(), 6'150'000);
    run.feed(destroyed(16), 6'199'999);
    const storage::Call& call = run.call();
    EXPECT_EQ(call.status, CallStatus::kCompleted);
    EXPECT_EQ(call.created_at, 1'000'000);
    EXPECT_EQ(call.dialed_at, 2'100'000);
    EXPECT_EQ(call.answered_at, 3'200'000);
    EXPECT_EQ(call.ended_at, 6'199'999);
    EXPECT_EQ(call.duration, 2);  // 2.999999 s, floored
    EXPECT_EQ(call.updated_at, 6'199'999);
    EXPECT_EQ(call.version, 5);  // pending(1) dialing ringing answered completed
    const auto transitions = run.allTransitions();
    ASSERT_EQ(transitions.size(), 4U);
    EXPECT_EQ(transitions[0].detail, "originate accepted");
    EXPECT_EQ(transitions[1].detail, "ChannelStateChange Ringing");
    EXPECT_EQ(transitions[2].detail, "ChannelStateChange Up");
    EXPECT_EQ(transitions[3].detail, "ChannelDestroyed cause 16");
}

TEST(CallStateMachineTimestamps, DialedAtIsTheFirstOfDialingRingingAnswered) {
    CallRun ringing_first;
    ringing_first.feed(dial("RINGING"), 4'000'000);
    ringing_first.feed(OriginateAccepted{}, 5'000'000);
    EXPECT_EQ(ringing_first.call().dialed_at, 4'000'000);

    CallRun answered_first;
    answered_first.feed(stateChange("Up"), 7'000'000);
    EXPECT_EQ(answered_first.call().dialed_at, 7'000'000);
    EXPECT_EQ(answered_first.call().answered_at, 7'000'000);
}

TEST(CallStateMachineTimestamps, AnEndStraightFromPendingStillRecordsThatThePbxDialled) {
    CallRun run;
    run.feed(OriginateSent{}, 3'000'000);
    run.feed(dial(""), 3'010'000);
    run.feed(dial("CONGESTION"), 3'020'000);
    run.feed(destroyed(0), 3'030'000);
    run.feed(OriginateAccepted{}, 3'040'000);
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().dialed_at, 3'030'000);
    EXPECT_EQ(run.call().ended_at, 3'030'000);
}

TEST(CallStateMachineTimestamps, UnansweredEndsHaveNoDuration) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feed(destroyed(19), 40'000'000);
    EXPECT_EQ(run.call().ended_at, 40'000'000);
    EXPECT_FALSE(run.call().answered_at.has_value());
    EXPECT_FALSE(run.call().duration.has_value());
}

TEST(CallStateMachineTimestamps, AnsweredThenFailedStillHasADuration) {
    CallRun run(callIn(CallStatus::kRinging));
    run.feed(stasisStart(), 10'000'000);
    run.feed(hangupRequest(4, true), 11'000'000);
    run.feed(destroyed(0), 12'000'000);
    EXPECT_EQ(run.call().status, CallStatus::kFailed);
    EXPECT_EQ(run.call().duration, 2);
}

TEST(CallStateMachineTimestamps, VersionCountsOnlyAppliedTransitions) {
    CallRun run;
    run.feedAll({OriginateSent{}, dial(""), stateChange("Ringing"), dial("RINGING"),
                 OriginateAccepted{}, stateChange("Ringing"), HangupRequested{},
                 hangupRequest(32, true), dial("NOANSWER"), destroyed(16), destroyed(16, kPeerId)});
    EXPECT_EQ(run.call().version, 1 + static_cast<int>(run.allTransitions().size()));
    EXPECT_EQ(run.call().version, 3);  // pending -> ringing -> canceled
}

TEST(CallStateMachineTimestamps, NonTransitionsDoNotTouchUpdatedAt) {
    CallRun run(callIn(CallStatus::kRinging));
    const auto updated = run.call().updated_at;
    run.feedAll({dial("BUSY"), hangupRequest(16, true), stasisEnd(), OriginateSent{}});
    EXPECT_EQ(run.call().updated_at, updated);
}

}  // namespace
}  // namespace ccapi::engine

namespace ccapi::engine {
namespace {

TEST(CallStateMachineChannel, DiallingRecordsTheChannelNamedAfterTheCall) {
    CallState state;
    state.call.call_id = "0b7b1c5e-1111-4222-8333-444455556666";
    state.call.status = CallStatus::kPending;
    EXPECT_FALSE(state.call.channel);
    auto d = step(state, OriginateAccepted{}, 1'000'000);
    ASSERT_EQ(d.next.call.status, CallStatus::kDialing);
    EXPECT_EQ(d.next.call.channel, state.call.call_id);
}

}  // namespace
}  // namespace ccapi::engine
