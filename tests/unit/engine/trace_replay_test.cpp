// Replays every call recorded from a real Asterisk 22 (shared/ari/traces) through the state
// machine, in the recorded order and in the other orders Asterisk may deliver, and checks the
// outcome the traces README gives for each scenario. Missing traces fail the suite.
#include "trace_replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine_test_events.hpp"

namespace ccapi::engine::trace {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using S = CallStatus;

struct Expected {
    CallStatus status;
    std::optional<std::string> failure_reason;
    std::optional<int> hangup_cause;
    std::optional<std::string> hangup_cause_txt;
    int continues;  // ContinueCommands issued over the call's life
};

struct ScenarioExpectation {
    const char* file;
    std::vector<Expected> calls;  // by originate order (originates with a channelId)
};

// GoogleTest names parameters by their trace file.
void PrintTo(const ScenarioExpectation& expectation, std::ostream* os) { *os << expectation.file; }

const Expected kCompleted16{S::kCompleted, std::nullopt, 16, "Normal Clearing", 1};
const Expected kRejected{S::kFailed, "rejected", 21, "Call Rejected", 0};
const Expected kShutDownWhileUp{S::kFailed, "PBX shut down", 0, "Unknown", 1};
const Expected kShutDownWhileRinging{S::kFailed, "PBX shut down", 0, "Unknown", 0};
const Expected kNoEventsEver{S::kDialing, std::nullopt, std::nullopt, std::nullopt, 0};
const Expected kAllocationFailed{S::kFailed, "Allocation failed", std::nullopt, std::nullopt, 0};
const Expected kDuplicateId{S::kFailed, "Channel with given unique ID already exists", std::nullopt,
                            std::nullopt, 0};

// The traces README's table, scenario by scenario.
const std::vector<ScenarioExpectation>& scenarioExpectations() {
    static const std::vector<ScenarioExpectation> expectations{
        {"originate-answer.jsonl", {kCompleted16}},
        {"originate-busy.jsonl", {{S::kBusy, std::nullopt, 17, "User busy", 0}}},  // 17 via ;2
        {"originate-noanswer.jsonl",
         {{S::kNoAnswer, std::nullopt, 19, "User alerting, no answer", 0}}},
        {"originate-congestion.jsonl",  // 34 via ;2
         {{S::kFailed, "congestion", 34, "Circuit/channel congestion", 0}}},
        {"originate-reject.jsonl", {kRejected}},
        {"originate-unallocated.jsonl",
         {{S::kFailed, "unallocated number", 1, "Unallocated (unassigned) number", 0}}},
        {"originate-nonexistent-extension.jsonl", {{S::kFailed, "unknown", 0, "Unknown", 0}}},
        // The app has no socket: nothing reaches us; only reconciliation could end it.
        {"originate-app-not-registered.jsonl", {kNoEventsEver}},
        {"originate-ivr-numbers.jsonl",
         {kCompleted16,
          {S::kBusy, std::nullopt, 17, "User busy", 0},
          {S::kNoAnswer, std::nullopt, 19, "User alerting, no answer", 0},
          {S::kFailed, "congestion", 34, "Circuit/channel congestion", 0},
          kRejected,
          {S::kFailed, "unallocated number", 1, "Unallocated (unassigned) number", 0}}},
        {"originate-continue-ivr.jsonl", {kCompleted16}},
        // Originated without app: no events on our socket.
        {"originate-dialplan-noapp.jsonl", {kNoEventsEver}},
        // Without app but subscribeAll: answered, never in Stasis, so never continued.
        {"originate-dialplan-subscribeall.jsonl",
         {{S::kCompleted, std::nullopt, 16, "Normal Clearing", 0}}},
        {"hangup-from-ari-up.jsonl", {kCompleted16}},
        {"hangup-while-ringing.jsonl", {{S::kCanceled, std::nullopt, 16, "Normal Clearing", 0}}},
        {"hangup-reasons.jsonl",
         {{S::kCompleted, std::nullopt, 17, "User busy", 1},
          {S::kCompleted, std::nullopt, 19, "User alerting, no answer", 1},
          {S::kCompleted, std::nullopt, 21, "Call Rejected", 1},
          kCompleted16,
          {S::kCanceled, std::nullopt, 17, "User busy", 0}}},
        {"errors.jsonl",
         {kAllocationFailed,                                       // Foo/bar
          kNoEventsEver,                                           // app=nosuchapp
          {S::kCanceled, std::nullopt, 16, "Normal Clearing", 0},  // DELETE while ringing
          kDuplicateId,                                            // same id while it lives
          kDuplicateId,                                            // otherChannelId == id
          kRejected,                                               // the id reused
          kRejected}},                                             // JSON body
        {"info-queries.jsonl", {kCompleted16}},
        // B took over from A; the second call was placed with no socket of ours attached.
        {"ws-two-connections.jsonl", {kCompleted16, kNoEventsEver}},
        // call2 was answered and dropped while we were away: reconciliation finds it gone.
        {"ws-reconnect-during-call.jsonl",
         {kCompleted16, {S::kFailed, "lost by PBX", std::nullopt, std::nullopt, 0}}},
        {"ws-asterisk-stop.jsonl", {kShutDownWhileUp, kShutDownWhileRinging}},
        {"ws-asterisk-stop-after-409.jsonl", {kShutDownWhileUp, kShutDownWhileRinging}},
        {"ws-asterisk-stop-gracefully.jsonl", {kCompleted16, kAllocationFailed}},
        // SIGKILL: no event at all; reconciliation after the restart ends the answered call.
        {"ws-asterisk-kill9.jsonl", {{S::kCompleted, std::nullopt, std::nullopt, std::nullopt, 1}}},
    };
    return expectations;
}

struct ThroughputExpectation {
    const char* file;
    const char* template_file;  // a single recorded call of the same destination
    Expected answered_by_pbx;   // POST 200
};

void PrintTo(const ThroughputExpectation& expectation, std::ostream* os) {
    *os << expectation.file;
}

const std::vector<ThroughputExpectation>& throughputExpectations() {
    static const std::vector<ThroughputExpectation> expectations{
        {"throughput.jsonl", "originate-answer.jsonl", kCompleted16},
        {"throughput-2000-answer.jsonl", "originate-answer.jsonl", kCompleted16},
        {"throughput-2000-reject.jsonl", "originate-reject.jsonl", kRejected},
        {"throughput-c150-reject.jsonl", "originate-reject.jsonl", kRejected},
    };
    return expectations;
}

struct Ordering {
    const char* name;
    Reordering reorder;
    bool real;  // observed (or equivalent to what was observed): no transition may be rejected
};

std::vector<ReplayInput> asRecorded(const std::vector<ReplayInput>& inputs) { return inputs; }

const std::vector<Ordering>& orderings() {
    static const std::vector<Ordering> all{
        {"as recorded", asRecorded, true},
        {"peer half first", peerHalfFirst, true},
        {"peer half last", peerHalfLast, true},
        {"halves swapped", halvesSwapped, true},
        {"originate response last", originateResponseLast, true},
        {"observed swaps", observedSwaps, true},
        {"neighbours swapped", neighboursSwapped, false},
    };
    return all;
}

fs::path requireTracesDir() {
    const fs::path dir = findTracesDir();
    EXPECT_FALSE(dir.empty()) << "shared/ari/traces not found (CCAPI_SOURCE_DIR="
                              << (std::getenv("CCAPI_SOURCE_DIR") ? std::getenv("CCAPI_SOURCE_DIR")
                                                                  : "unset")
                              << ", cwd=" << fs::current_path() << ")";
    return dir;
}

int countContinues(const ReplayResult& result) {
    return test::countCommands<ContinueCommand>(result.commands);
}

// Holds for any replay, whatever the order.
void expectInvariants(const ReplayResult& result) {
    const storage::Call& call = result.call;
    EXPECT_EQ(call.version, 1 + static_cast<std::int64_t>(result.transitions.size()));
    for (const Transition& transition : result.transitions) {
        EXPECT_TRUE(transitionAllowed(transition.from, transition.to))
            << storage::toString(transition.from) << " -> " << storage::toString(transition.to);
    }
    EXPECT_LE(countContinues(result), 1);
    EXPECT_EQ(storage::isTerminal(call.status), call.ended_at.has_value());
    if (call.answered_at) {
        ASSERT_TRUE(call.dialed_at.has_value());
        EXPECT_LE(*call.dialed_at, *call.answered_at);
        if (call.ended_at) {
            EXPECT_LE(*call.answered_at, *call.ended_at);
            EXPECT_EQ(call.duration, (*call.ended_at - *call.answered_at) / 1'000'000);
        }
    } else {
        EXPECT_FALSE(call.duration.has_value());
    }
}

void expectOutcome(const ReplayResult& result, const Expected& expected) {
    EXPECT_EQ(result.call.status, expected.status);
    EXPECT_EQ(result.call.failure_reason, expected.failure_reason);
    EXPECT_EQ(result.call.hangup_cause, expected.hangup_cause);
    EXPECT_EQ(result.call.hangup_cause_txt, expected.hangup_cause_txt);
    EXPECT_EQ(countContinues(result), expected.continues);
}

std::string describe(const std::vector<ReplayInput>& inputs) {
    std::string text;
    for (const auto& input : inputs) text += "\n    " + input.label;
    return text;
}

// ---- the trace directory itself ----

TEST(TraceReplay, TheRecordedTracesAreThere) {
    const fs::path dir = requireTracesDir();
    ASSERT_FALSE(dir.empty());
    const auto files = listTraceFiles(dir);
    ASSERT_FALSE(files.empty()) << "no *.jsonl in " << dir;
    std::set<std::string> known;
    for (const auto& e : scenarioExpectations()) known.insert(e.file);
    for (const auto& e : throughputExpectations()) known.insert(e.file);
    std::set<std::string> present;
    for (const auto& file : files) present.insert(file.filename().string());
    for (const auto& name : present) {
        EXPECT_TRUE(known.contains(name)) << name << " has no expected outcome in this test";
    }
    for (const auto& name : known) {
        EXPECT_TRUE(present.contains(name)) << name << " is missing from " << dir;
    }
}

// ---- recorded scenarios ----

class RecordedScenarioReplay : public ::testing::TestWithParam<ScenarioExpectation> {};

TEST_P(RecordedScenarioReplay, EveryCallEndsAsTheTracesSayInEveryOrder) {
    const fs::path dir = requireTracesDir();
    ASSERT_FALSE(dir.empty());
    const fs::path file = dir / GetParam().file;
    ASSERT_TRUE(fs::exists(file)) << file;
    const RecordedScenario scenario = loadScenario(file);
    ASSERT_TRUE(scenario.errors.empty()) << scenario.errors.front();
    EXPECT_EQ(scenario.undecodable_events, 0);
    ASSERT_EQ(scenario.calls.size(), GetParam().calls.size())
        << "originates with a channelId in " << GetParam().file;

    for (size_t i = 0; i < scenario.calls.size(); ++i) {
        const RecordedCall& call = scenario.calls[i];
        const Expected& expected = GetParam().calls[i];
        for (const Ordering& ordering : orderings()) {
            const auto inputs = ordering.reorder(call.inputs);
            SCOPED_TRACE(std::string(GetParam().file) + " call " + std::to_string(i) + " (" +
                         call.endpoint + ") " + ordering.name + ":" + describe(inputs));
            const ReplayResult result = replay(call.call_id, inputs);
            expectOutcome(result, expected);
            expectInvariants(result);
            if (ordering.real) {
                EXPECT_TRUE(result.rejected.empty()) << result.rejected.front();
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Traces, RecordedScenarioReplay,
                         ::testing::ValuesIn(scenarioExpectations()), [](const auto& info) {
                             std::string name = info.param.file;
                             name = name.substr(0, name.find('.'));
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(TraceReplay, EventsOfTheTwoHalvesReallyArriveInterleavedAndAfterThePostResponse) {
    // Guards the reorderings above against testing nothing: the recorded order differs from
    // the reordered ones for the scenarios that matter.
    const fs::path dir = requireTracesDir();
    ASSERT_FALSE(dir.empty());
    const RecordedScenario busy = loadScenario(dir / "originate-busy.jsonl");
    ASSERT_EQ(busy.calls.size(), 1U);
    const auto& inputs = busy.calls[0].inputs;
    std::vector<std::string> recorded;
    std::vector<std::string> swapped;
    for (const auto& input : inputs) recorded.push_back(input.label);
    for (const auto& input : halvesSwapped(inputs)) swapped.push_back(input.label);
    EXPECT_NE(recorded, swapped);
    EXPECT_GT(std::count_if(inputs.begin(), inputs.end(),
                            [](const auto& input) { return input.lane == Lane::kPeer; }),
              0);
}

// ---- throughput probes: per-call summaries, replayed with a recorded call's events ----

struct ThroughputTemplate {
    std::vector<ReplayInput> events;  // own and peer events of the recorded call
    std::vector<std::string> dialstatuses;
    int own_destroyed_cause = -1;
};

ThroughputTemplate throughputTemplate(const fs::path& file) {
    ThroughputTemplate result;
    const RecordedScenario scenario = loadScenario(file);
    EXPECT_EQ(scenario.calls.size(), 1U) << file;
    if (scenario.calls.empty()) return result;
    for (const auto& input : scenario.calls[0].inputs) {
        if (input.lane == Lane::kControl) continue;
        result.events.push_back(input);
        const auto& event = std::get<AriEvent>(input.input).event;
        if (event.peer_half) continue;
        if (event.kind == ari::EventKind::kDial && !event.dialstatus.empty()) {
            result.dialstatuses.push_back(event.dialstatus);
        }
        if (event.kind == ari::EventKind::kChannelDestroyed) {
            result.own_destroyed_cause = event.cause.value_or(0);
        }
    }
    return result;
}

// The template's events re-addressed to `call_id`, with the 200 where the probe saw it.
std::vector<ReplayInput> throughputCallInputs(const ThroughputTemplate& tmpl,
                                              const std::string& call_id, UnixMicros at,
                                              bool first_event_before_post_response) {
    std::vector<ReplayInput> inputs{{at, Lane::kControl, OriginateSent{}, "POST /channels"}};
    const ReplayInput accepted{at, Lane::kControl, OriginateAccepted{}, "200"};
    if (!first_event_before_post_response) inputs.push_back(accepted);
    for (const ReplayInput& input : tmpl.events) {
        ReplayInput copy = input;
        auto& event = std::get<AriEvent>(copy.input).event;
        event.call_id = call_id;
        event.channel_id = event.peer_half ? call_id + ";2" : call_id;
        copy.at = at;
        inputs.push_back(std::move(copy));
        if (first_event_before_post_response && inputs.size() == 2) inputs.push_back(accepted);
    }
    return inputs;
}

class ThroughputReplay : public ::testing::TestWithParam<ThroughputExpectation> {};

TEST_P(ThroughputReplay, EveryCallReachesTheOutcomeOfItsDestination) {
    const fs::path dir = requireTracesDir();
    ASSERT_FALSE(dir.empty());
    const auto& param = GetParam();
    const ThroughputTemplate tmpl = throughputTemplate(dir / param.template_file);
    ASSERT_FALSE(tmpl.events.empty());

    std::vector<std::string> errors;
    const auto lines = readJsonLines(dir / param.file, errors);
    ASSERT_TRUE(errors.empty()) << errors.front();
    const auto base = parseIso8601(std::string(lines.at(0).at("started_at").as_string()));
    ASSERT_TRUE(base.has_value());

    int replayed = 0;
    int accepted = 0;
    int unreachable = 0;
    int events_before_response = 0;
    std::optional<json::object> summary;
    for (const auto& line : lines) {
        const std::string dir_kind(line.at("dir").as_string());
        if (dir_kind == "summary") summary = line;
        if (dir_kind != "call") continue;
        const std::string call_id(line.at("id").as_string());
        const UnixMicros at =
            *base + static_cast<UnixMicros>(line.at("t").to_number<double>() * 1e6);
        SCOPED_TRACE(std::string(param.file) + " call " + call_id);
        std::vector<ReplayInput> inputs;
        Expected expected = param.answered_by_pbx;
        if (line.at("status").is_null()) {
            // Asterisk dropped the connection without an answer (HTTP session limit).
            inputs = {{at, Lane::kControl, OriginateSent{}, "POST /channels"},
                      {at, Lane::kControl, PbxUnreachable{}, "no response"}};
            expected = {S::kFailed, "PBX unreachable", std::nullopt, std::nullopt, 0};
            ++unreachable;
        } else {
            ASSERT_EQ(line.at("status").to_number<int>(), 200);
            // The probe's own summary of the call must match the events we replay for it.
            ASSERT_EQ(line.at("cause").to_number<int>(), tmpl.own_destroyed_cause);
            ASSERT_EQ(line.at("events").to_number<int>(), static_cast<int>(tmpl.events.size()));
            std::vector<std::string> dialstatuses;
            for (const auto& status : line.at("dialstatus").as_array()) {
                dialstatuses.emplace_back(status.as_string());
            }
            ASSERT_EQ(dialstatuses, tmpl.dialstatuses);
            const json::value* before = line.if_contains("first_event_before_post_response");
            const bool events_first = before != nullptr && before->is_bool() && before->as_bool();
            events_before_response += events_first ? 1 : 0;
            inputs = throughputCallInputs(tmpl, call_id, at, events_first);
            ++accepted;
        }
        for (Reordering reorder :
             {asRecorded, peerHalfFirst, halvesSwapped, originateResponseLast}) {
            const ReplayResult result = replay(call_id, reorder(inputs));
            expectOutcome(result, expected);
            expectInvariants(result);
            EXPECT_TRUE(result.rejected.empty());
        }
        ++replayed;
    }
    EXPECT_GT(replayed, 0);
    ASSERT_TRUE(summary.has_value());
    // Records are trimmed to the first 50 plus every failure: all failures must be here.
    EXPECT_EQ(unreachable, summary->at("post_non_200").to_number<int>());
    EXPECT_LE(accepted, summary->at("post_200").to_number<int>());
    if (std::string(param.file) == "throughput.jsonl") {
        EXPECT_EQ(replayed, 200);
        EXPECT_EQ(events_before_response,
                  summary->at("calls_with_first_ws_event_before_post_response").to_number<int>());
    }
}

INSTANTIATE_TEST_SUITE_P(Traces, ThroughputReplay, ::testing::ValuesIn(throughputExpectations()),
                         [](const auto& info) {
                             std::string name = info.param.file;
                             name = name.substr(0, name.find('.'));
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

// ---- outcome-repeatability.json: every per-half sequence seen, in every interleaving ----

// "Dial(BUSY)", "ChannelHangupRequest(16,soft)", "ChannelDestroyed(17)", "StasisStart", …
std::optional<AriEvent> parseSequenceToken(const std::string& token, const std::string& channel) {
    const auto open = token.find('(');
    const std::string name = token.substr(0, open);
    std::string args = open == std::string::npos ? "" : token.substr(open + 1);
    if (!args.empty() && args.back() == ')') args.pop_back();
    if (name == "Dial") return test::dial(args, channel);
    if (name == "ChannelStateChange") return test::stateChange(args, channel);
    if (name == "StasisStart") return test::stasisStart(channel);
    if (name == "StasisEnd") return test::stasisEnd(channel);
    if (name == "ChannelHangupRequest") {
        const bool soft = args.ends_with(",soft");
        return test::hangupRequest(std::stoi(args), soft, channel);
    }
    if (name == "ChannelDestroyed") return test::destroyed(std::stoi(args), channel);
    if (name == "ChannelVarset") {
        const auto eq = args.find('=');
        return test::varset(args.substr(0, eq), args.substr(eq + 1), channel);
    }
    return std::nullopt;
}

std::vector<ReplayInput> parseSequence(const std::string& sequence, const std::string& channel,
                                       Lane lane, std::vector<std::string>& errors) {
    std::vector<ReplayInput> inputs;
    size_t start = 0;
    while (start < sequence.size()) {
        auto end = sequence.find(' ', start);
        if (end == std::string::npos) end = sequence.size();
        const std::string token = sequence.substr(start, end - start);
        start = end + 1;
        if (token.empty()) continue;
        auto event = parseSequenceToken(token, channel);
        if (!event) {
            errors.push_back("unknown token " + token);
            continue;
        }
        inputs.push_back({0, lane, *event, token + (lane == Lane::kPeer ? " ;2" : " ;1")});
    }
    return inputs;
}

std::vector<std::vector<ReplayInput>> interleavings(const std::vector<ReplayInput>& own,
                                                    const std::vector<ReplayInput>& peer) {
    std::vector<std::vector<ReplayInput>> all;
    auto concat = [](const auto& a, const auto& b) {
        std::vector<ReplayInput> out = a;
        out.insert(out.end(), b.begin(), b.end());
        return out;
    };
    auto zip = [](const auto& a, const auto& b) {
        std::vector<ReplayInput> out;
        for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
            if (i < a.size()) out.push_back(a[i]);
            if (i < b.size()) out.push_back(b[i]);
        }
        return out;
    };
    all.push_back(concat(own, peer));
    all.push_back(concat(peer, own));
    all.push_back(zip(own, peer));
    all.push_back(zip(peer, own));
    return all;
}

TEST(TraceReplay, EveryRepeatedOutcomeSequenceEndsTheSameInEveryInterleaving) {
    const fs::path dir = requireTracesDir();
    ASSERT_FALSE(dir.empty());
    std::ifstream in(dir / "outcome-repeatability.json");
    ASSERT_TRUE(in) << "outcome-repeatability.json missing";
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    const json::value root = json::parse(text, ec);
    ASSERT_FALSE(ec);

    const std::map<std::string, Expected> expected{
        {"answer", kCompleted16},
        {"busy", {S::kBusy, std::nullopt, 17, "User busy", 0}},
        {"noanswer", {S::kNoAnswer, std::nullopt, 19, "User alerting, no answer", 0}},
        {"congestion", {S::kFailed, "congestion", 34, "Circuit/channel congestion", 0}},
        {"reject", kRejected},
        {"unallocated",
         {S::kFailed, "unallocated number", 1, "Unallocated (unassigned) number", 0}},
        {"nosuchexten", {S::kFailed, "unknown", 0, "Unknown", 0}},
    };
    const std::string call_id = test::kCallId;
    int replays = 0;
    std::set<std::string> outcomes_seen;
    for (const auto& [outcome, modes] : root.at("results").as_object()) {
        const std::string name(outcome);
        ASSERT_TRUE(expected.contains(name)) << "no expectation for outcome " << name;
        outcomes_seen.insert(name);
        for (const auto& [mode, runs] : modes.as_object()) {
            for (const auto& [own_text, own_count] : runs.at("half_1_sequences").as_object()) {
                for (const auto& [peer_text, peer_count] :
                     runs.at("half_2_sequences").as_object()) {
                    std::vector<std::string> errors;
                    const auto own =
                        parseSequence(std::string(own_text), call_id, Lane::kOwn, errors);
                    const auto peer =
                        parseSequence(std::string(peer_text), call_id + ";2", Lane::kPeer, errors);
                    ASSERT_TRUE(errors.empty()) << errors.front();
                    for (const auto& events : interleavings(own, peer)) {
                        for (bool response_first : {true, false}) {
                            std::vector<ReplayInput> inputs{
                                {0, Lane::kControl, OriginateSent{}, "POST"}};
                            const ReplayInput accepted{0, Lane::kControl, OriginateAccepted{},
                                                       "200"};
                            if (response_first) inputs.push_back(accepted);
                            inputs.insert(inputs.end(), events.begin(), events.end());
                            if (!response_first) inputs.push_back(accepted);
                            SCOPED_TRACE(name + " " + std::string(mode) + describe(inputs));
                            const ReplayResult result = replay(call_id, inputs);
                            const Expected& want = expected.at(name);
                            EXPECT_EQ(result.call.status, want.status);
                            EXPECT_EQ(result.call.failure_reason, want.failure_reason);
                            EXPECT_EQ(result.call.hangup_cause, want.hangup_cause);
                            EXPECT_EQ(countContinues(result), want.continues);
                            EXPECT_TRUE(result.rejected.empty());
                            expectInvariants(result);
                            ++replays;
                        }
                    }
                }
            }
        }
    }
    EXPECT_EQ(outcomes_seen.size(), expected.size());
    EXPECT_GT(replays, 0);
}

}  // namespace
}  // namespace ccapi::engine::trace
