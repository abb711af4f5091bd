#include "arisim/pbx.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "arisim/errors.hpp"
#include "arisim/event_hub.hpp"
#include "fake_scheduler.hpp"

namespace ccapi::arisim {
namespace {

using testing::FakeScheduler;
using Tokens = std::vector<std::string>;

struct Delivered {
    Event event;
    std::vector<std::string> apps;
    UnixMillis at = 0;
};

// fidelity.py's token(): one comparable word per event; dialplan and caller id noise dropped.
std::string token(const Event& e, bool with_noise) {
    const auto& b = e.body;
    const auto& t = e.type;
    if (!with_noise &&
        (t == "ChannelDialplan" || t == "ChannelCallerId" || t == "ChannelConnectedLine")) {
        return {};
    }
    if (t == "Dial") return "Dial(" + std::string(b.at("dialstatus").as_string()) + ")";
    if (t == "ChannelStateChange") {
        return "StateChange(" + std::string(b.at("channel").at("state").as_string()) + ")";
    }
    if (t == "ChannelHangupRequest") {
        return "HangupRequest(" + std::to_string(b.at("cause").as_int64()) +
               (b.contains("soft") ? ",soft)" : ")");
    }
    if (t == "ChannelDestroyed")
        return "Destroyed(" + std::to_string(b.at("cause").as_int64()) + ")";
    if (t == "ChannelVarset") {
        return "Varset(" + std::string(b.at("variable").as_string()) + "=" +
               std::string(b.at("value").as_string()) + ")";
    }
    return t;
}

Tokens sorted(Tokens t) {
    std::sort(t.begin(), t.end());
    return t;
}

class PbxTest : public ::testing::Test {
protected:
    void SetUp() override {
        apps.attach("contactcenter", 1, false);
        make({});
    }

    void make(PbxConfig config) {
        pbx.reset();
        pbx = std::make_unique<Pbx>(config, clock, apps, [this](Event e) {
            Delivered d;
            for (const auto* app : recipients(e, apps)) d.apps.push_back(app->name);
            d.event = std::move(e);
            d.at = clock.now();
            delivered.push_back(std::move(d));
        });
    }

    OriginateRequest request(std::string endpoint, std::string id = "c1", int timeout = 30) {
        OriginateRequest r;
        r.endpoint = std::move(endpoint);
        r.app = "contactcenter";
        r.channel_id = std::move(id);
        r.caller_id = "Test <+15550001111>";
        r.timeout = timeout;
        return r;
    }

    boost::json::object originate(OriginateRequest r) {
        auto result = pbx->originate(r);
        EXPECT_TRUE(result) << result.error().message();
        return result ? *result : boost::json::object{};
    }

    // What `app` received for channel `id` (";1") or its Local peer (";2").
    Tokens half(std::string_view id, int which, std::string_view app = "contactcenter",
                bool noise = false) const {
        std::string channel = which == 1 ? std::string(id) : std::string(id) + ";2";
        Tokens out;
        for (const auto& d : delivered) {
            if (d.event.channel_id != channel) continue;
            if (std::find(d.apps.begin(), d.apps.end(), app) == d.apps.end()) continue;
            auto t = token(d.event, noise);
            if (!t.empty()) out.push_back(t);
        }
        return out;
    }

    // Milliseconds after `start` at which `type` was first published for `channel`.
    long long at(std::string_view type, std::string_view channel, UnixMillis start) const {
        for (const auto& d : delivered) {
            if (d.event.type == type && d.event.channel_id == channel) return d.at - start;
        }
        return -1;
    }

    FakeScheduler clock;
    AppRegistry apps;
    std::vector<Delivered> delivered;
    std::unique_ptr<Pbx> pbx;
};

TEST_F(PbxTest, AnsweredCallMatchesTheRecording) {
    auto start = clock.now();
    auto body = originate(request("Local/answer@sim"));
    EXPECT_EQ(body.at("name").as_string(), "Local/answer@sim-00000000;1");
    EXPECT_EQ(body.at("state").as_string(), "Down");
    EXPECT_TRUE(delivered.empty()) << "events follow the response";
    clock.advance(Millis(10000));
    EXPECT_EQ(half("c1", 1),
              (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)", "StateChange(Up)",
                      "Dial(ANSWER)", "Varset(STASISSTATUS=)", "StasisStart", "HangupRequest(16)",
                      "StasisEnd", "Varset(STASISSTATUS=SUCCESS)", "Destroyed(16)"}));
    EXPECT_EQ(sorted(half("c1", 2)),
              sorted({"StateChange(Up)", "HangupRequest(16,soft)", "Destroyed(16)"}));
    EXPECT_EQ(at("StasisStart", "c1", start), 1000);
    EXPECT_EQ(at("ChannelDestroyed", "c1", start), 3500);  // Wait(1), Answer (+0.5 s), Wait(2)
    EXPECT_EQ(pbx->channelCount(), 0u);
}

TEST_F(PbxTest, CallerIdEventsOnThePeerOnlyWhenACallerIdIsGiven) {
    originate(request("Local/reject@sim"));
    auto without = request("Local/reject@sim", "c2");
    without.caller_id.clear();
    originate(without);
    clock.advance(Millis(100));
    auto with_noise = half("c1", 2, "contactcenter", true);
    EXPECT_EQ(with_noise.front(), "ChannelCallerId");
    EXPECT_EQ(with_noise[1], "ChannelConnectedLine");
    auto bare = half("c2", 2, "contactcenter", true);
    EXPECT_EQ(std::count(bare.begin(), bare.end(), "ChannelCallerId"), 0);
}

TEST_F(PbxTest, BusyEndsWithDialBusyAndCauseZeroOnTheCallersHalf) {
    originate(request("Local/busy@sim"));
    clock.advance(Millis(5000));
    EXPECT_EQ(half("c1", 1), (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)",
                                     "Dial(BUSY)", "Destroyed(0)"}));
    EXPECT_EQ(sorted(half("c1", 2)), sorted({"HangupRequest(0)", "StateChange(Busy)",
                                             "HangupRequest(16,soft)", "Destroyed(17)"}));
}

TEST_F(PbxTest, NoAnswerEndsWhenTheOriginateTimeoutExpires) {
    auto start = clock.now();
    originate(request("Local/noanswer@sim", "c1", 5));
    clock.advance(Millis(10000));
    EXPECT_EQ(half("c1", 1),
              (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)", "Destroyed(19)"}));
    EXPECT_EQ(sorted(half("c1", 2)),
              sorted({"HangupRequest(19)", "HangupRequest(16,soft)", "Destroyed(19)"}));
    EXPECT_EQ(at("ChannelDestroyed", "c1", start), 5000);
}

TEST_F(PbxTest, CongestionNeverRings) {
    originate(request("Local/congestion@sim"));
    clock.advance(Millis(100));
    EXPECT_EQ(half("c1", 1), (Tokens{"Dial()", "Dial(CONGESTION)", "Destroyed(0)"}));
    EXPECT_EQ(sorted(half("c1", 2)), sorted({"StateChange(Busy)", "HangupRequest(0)",
                                             "HangupRequest(16,soft)", "Destroyed(34)"}));
}

TEST_F(PbxTest, RejectAndUnallocatedHangUpWithTheirCause) {
    originate(request("Local/reject@sim", "r"));
    originate(request("Local/unallocated@sim", "u"));
    clock.advance(Millis(100));
    EXPECT_EQ(half("r", 1),
              (Tokens{"Dial()", "HangupRequest(21)", "Dial(NOANSWER)", "Destroyed(21)"}));
    EXPECT_EQ(sorted(half("r", 2)), sorted({"HangupRequest(16,soft)", "Destroyed(21)"}));
    EXPECT_EQ(half("u", 1),
              (Tokens{"Dial()", "HangupRequest(1)", "Dial(NOANSWER)", "Destroyed(1)"}));
    EXPECT_EQ(sorted(half("u", 2)), sorted({"HangupRequest(16,soft)", "Destroyed(1)"}));
}

TEST_F(PbxTest, AMissingExtensionOnlyDestroysBothHalves) {
    originate(request("Local/nosuchexten@sim"));
    clock.advance(Millis(100));
    EXPECT_EQ(half("c1", 1), (Tokens{"Destroyed(0)"}));
    EXPECT_EQ(half("c1", 2), (Tokens{"Destroyed(0)"}));
}

TEST_F(PbxTest, PhoneNumbersFollowTheirLastDigit) {
    struct Case {
        std::string number;
        Tokens one;
    };
    std::vector<Case> cases = {
        {"+15551230000",
         {"Dial()", "StateChange(Ringing)", "Dial(RINGING)", "StateChange(Up)", "Dial(ANSWER)",
          "Varset(STASISSTATUS=)", "StasisStart", "HangupRequest(16)", "StasisEnd",
          "Varset(STASISSTATUS=SUCCESS)", "Destroyed(16)"}},
        {"+15551230001",
         {"Dial()", "StateChange(Ringing)", "Dial(RINGING)", "Dial(BUSY)", "Destroyed(0)"}},
        {"+15551230002", {"Dial()", "StateChange(Ringing)", "Dial(RINGING)", "Destroyed(19)"}},
        {"+15551230003", {"Dial()", "Dial(CONGESTION)", "Destroyed(0)"}},
        {"+15551230004", {"Dial()", "HangupRequest(21)", "Dial(NOANSWER)", "Destroyed(21)"}},
        {"+15551230005", {"Dial()", "HangupRequest(1)", "Dial(NOANSWER)", "Destroyed(1)"}},
    };
    for (const auto& c : cases) {
        originate(request("Local/" + c.number + "@outbound-ivr", c.number, 5));
    }
    clock.advance(Millis(10000));
    for (const auto& c : cases) {
        EXPECT_EQ(half(c.number, 1), c.one) << c.number;
        auto noise = half(c.number, 2, "contactcenter", true);
        EXPECT_NE(std::find(noise.begin(), noise.end(), "Varset(LAST=" + c.number.substr(11) + ")"),
                  noise.end())
            << c.number;
    }
}

TEST_F(PbxTest, CalleeHangupTimeIsConfigurable) {
    PbxConfig config;
    config.times.answer_after = Millis(200);
    config.times.hangup_after = Millis(300);
    make(config);
    auto start = clock.now();
    originate(request("Local/+15551230009@outbound-ivr"));
    clock.advance(Millis(5000));
    EXPECT_EQ(at("StasisStart", "c1", start), 200);
    EXPECT_EQ(at("ChannelDestroyed", "c1", start), 200 + 500 + 300);
}

TEST_F(PbxTest, TimeScaleShortensEveryWait) {
    PbxConfig config;
    config.time_scale = 0.1;
    make(config);
    auto start = clock.now();
    originate(request("Local/answer@sim"));
    clock.advance(Millis(1000));
    EXPECT_EQ(at("StasisStart", "c1", start), 100);
    EXPECT_EQ(at("ChannelDestroyed", "c1", start), 350);
}

TEST_F(PbxTest, HangupWhileUpReportsTheReasonsCause) {
    struct Case {
        std::string reason, code;
        int cause;
    };
    std::vector<Case> cases = {
        {"normal", "", 16}, {"busy", "", 17}, {"no_answer", "", 19}, {"", "21", 21}, {"", "", 16}};
    int n = 0;
    for (const auto& c : cases) {
        std::string id = "up" + std::to_string(n++);
        originate(request("Local/answer-long@sim", id));
        clock.advance(Millis(1100));
        ASSERT_FALSE(pbx->hangup(id, c.reason, c.code));
        clock.advance(Millis(10));
        std::string cause = std::to_string(c.cause);
        EXPECT_EQ(half(id, 1), (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)",
                                       "StateChange(Up)", "Dial(ANSWER)", "Varset(STASISSTATUS=)",
                                       "StasisStart", "HangupRequest(32,soft)", "StasisEnd",
                                       "Varset(STASISSTATUS=SUCCESS)", "Destroyed(" + cause + ")"}))
            << id;
        EXPECT_EQ(sorted(half(id, 2)),
                  sorted({"StateChange(Up)", "HangupRequest(" + cause + ")",
                          "HangupRequest(16,soft)", "Destroyed(" + cause + ")"}))
            << id;
    }
}

TEST_F(PbxTest, HangupWhileRingingReportsADialStatus) {
    originate(request("Local/noanswer@sim", "n"));
    originate(request("Local/noanswer@sim", "b"));
    clock.advance(Millis(1000));
    ASSERT_FALSE(pbx->hangup("n", "normal", ""));
    ASSERT_FALSE(pbx->hangup("b", "busy", ""));
    clock.advance(Millis(10));
    EXPECT_EQ(half("n", 1), (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)",
                                    "HangupRequest(32,soft)", "Dial(NOANSWER)", "Destroyed(16)"}));
    EXPECT_EQ(sorted(half("n", 2)),
              sorted({"HangupRequest(16)", "HangupRequest(16,soft)", "Destroyed(16)"}));
    EXPECT_EQ(half("b", 1), (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)",
                                    "HangupRequest(32,soft)", "Dial(BUSY)", "Destroyed(17)"}));
}

TEST_F(PbxTest, HangupValidatesBeforeActing) {
    originate(request("Local/answer-long@sim"));
    EXPECT_EQ(pbx->hangup("nope", "normal", ""), make_error_code(Errc::kChannelNotFound));
    EXPECT_EQ(pbx->hangup("c1", "bogus", ""), make_error_code(Errc::kInvalidReason));
    EXPECT_EQ(pbx->hangup("c1", "busy", "17"), make_error_code(Errc::kReasonAndCode));
    EXPECT_EQ(pbx->hangup("c1", "", "x"), make_error_code(Errc::kInvalidReasonCode));
    EXPECT_EQ(pbx->channelCount(), 2u);
}

TEST_F(PbxTest, ContinueSendsTheCallIntoTheIvrWhichHangsUpAfterTwoSeconds) {
    auto start = clock.now();
    originate(request("Local/answer-long@sim"));
    clock.advance(Millis(1000));
    EXPECT_EQ(pbx->continueInDialplan("c1", "outbound-ivr", "s", 1, ""), ErrorCode{});
    clock.advance(Millis(5000));
    EXPECT_EQ(half("c1", 1),
              (Tokens{"Dial()", "StateChange(Ringing)", "Dial(RINGING)", "StateChange(Up)",
                      "Dial(ANSWER)", "Varset(STASISSTATUS=)", "StasisStart", "StasisEnd",
                      "Varset(STASISSTATUS=SUCCESS)", "Destroyed(16)"}));
    EXPECT_EQ(sorted(half("c1", 2)), sorted({"StateChange(Up)", "HangupRequest(16)",
                                             "HangupRequest(16,soft)", "Destroyed(16)"}));
    EXPECT_EQ(at("ChannelDestroyed", "c1", start), 3000);
    auto dialplan = half("c1", 1, "contactcenter", true);
    EXPECT_NE(std::find(dialplan.begin(), dialplan.end(), "ChannelDialplan"), dialplan.end());
}

TEST_F(PbxTest, ContinueNeedsAChannelInStasis) {
    originate(request("Local/answer-long@sim"));
    clock.advance(Millis(500));
    EXPECT_EQ(pbx->continueInDialplan("c1", "outbound-ivr", "s", 1, ""),
              make_error_code(Errc::kNotInStasis));
    EXPECT_EQ(pbx->continueInDialplan("c1;2", "outbound-ivr", "s", 1, ""),
              make_error_code(Errc::kNotInStasis));
    EXPECT_EQ(pbx->continueInDialplan("nope", "outbound-ivr", "s", 1, ""),
              make_error_code(Errc::kChannelNotFound));
}

TEST_F(PbxTest, ACallAnsweredWithoutASocketIsDroppedAndTheAppSeesNothing) {
    apps.attach("observer", 9, true);
    auto r = request("Local/answer@sim");
    r.app = "nosuchapp";
    originate(r);
    clock.advance(Millis(5000));
    EXPECT_TRUE(half("c1", 1).empty());
    EXPECT_TRUE(half("c1", 2).empty());
    EXPECT_EQ(half("c1", 1, "observer"),
              (Tokens{"ChannelCreated", "Dial()", "StateChange(Ringing)", "Dial(RINGING)",
                      "StateChange(Up)", "Dial(ANSWER)", "Varset(STASISSTATUS=)",
                      "Varset(STASISSTATUS=FAILED)", "Destroyed(0)"}));
    EXPECT_EQ(sorted(half("c1", 2, "observer")),
              sorted({"ChannelCreated", "StateChange(Up)", "HangupRequest(0)",
                      "HangupRequest(16,soft)", "Destroyed(0)"}));
}

TEST_F(PbxTest, EventsForAnAppWhoseSocketIsGoneAreLostAndResumeOnReconnect) {
    originate(request("Local/answer-long@sim"));
    clock.advance(Millis(1100));
    apps.detach(1);  // the socket closes; the app stays, subscribed to both halves
    ASSERT_TRUE(apps.exists("contactcenter"));
    clock.advance(Millis(1000));
    apps.attach("contactcenter", 2, false);
    ASSERT_FALSE(pbx->hangup("c1", "", ""));
    clock.advance(Millis(10));
    auto tokens = half("c1", 1);
    ASSERT_GE(tokens.size(), 4u);
    EXPECT_EQ(Tokens(tokens.end() - 4, tokens.end()),
              (Tokens{"HangupRequest(32,soft)", "StasisEnd", "Varset(STASISSTATUS=SUCCESS)",
                      "Destroyed(16)"}));
}

TEST_F(PbxTest, ObserversSeeChannelCreatedButNoStasisEvents) {
    apps.attach("observer", 9, true);
    originate(request("Local/answer@sim"));
    clock.advance(Millis(5000));
    auto observed = half("c1", 1, "observer");
    EXPECT_EQ(observed.front(), "ChannelCreated");
    EXPECT_EQ(std::count(observed.begin(), observed.end(), "StasisStart"), 0);
    EXPECT_EQ(std::count(observed.begin(), observed.end(), "StasisEnd"), 0);
    auto mine = half("c1", 1);
    EXPECT_EQ(std::count(mine.begin(), mine.end(), "ChannelCreated"), 0);
}

TEST_F(PbxTest, DuplicateIdsConflictAndUseUpALocalSequenceNumber) {
    originate(request("Local/answer-long@sim", "dup"));
    auto again = pbx->originate(request("Local/answer-long@sim", "dup"));
    EXPECT_EQ(again.error(), make_error_code(Errc::kChannelExists));
    auto same = request("Local/answer@sim", "x");
    same.other_channel_id = "x";
    EXPECT_EQ(pbx->originate(same).error(), make_error_code(Errc::kChannelExists));
    auto next = originate(request("Local/reject@sim", "next"));
    EXPECT_EQ(next.at("name").as_string(), "Local/reject@sim-00000003;1");
}

TEST_F(PbxTest, AnIdCanBeReusedOnceItsChannelIsDestroyed) {
    originate(request("Local/reject@sim", "again"));
    clock.advance(Millis(100));
    EXPECT_TRUE(pbx->originate(request("Local/reject@sim", "again")));
}

TEST_F(PbxTest, OriginateValidationMatchesAsterisk) {
    OriginateRequest r;
    r.app = "contactcenter";
    EXPECT_EQ(pbx->originate(r).error(), make_error_code(Errc::kEndpointRequired));
    r.endpoint = "nobody";
    EXPECT_EQ(pbx->originate(r).error(), make_error_code(Errc::kInvalidEndpoint));
    r.endpoint = "Foo/bar";
    EXPECT_EQ(pbx->originate(r).error(), make_error_code(Errc::kAllocationFailed));
    r.endpoint = "Local/answer@sim";
    r.app.clear();
    EXPECT_EQ(pbx->originate(r).error(), make_error_code(Errc::kAppOrExtensionRequired));
    r.app = "contactcenter";
    r.channel_id = std::string(150, 'x');
    EXPECT_EQ(pbx->originate(r).error(), make_error_code(Errc::kUniqueIdTooLong));
}

TEST_F(PbxTest, WithoutChannelIdTheIdsAreEpochDotCounter) {
    auto r = request("Local/answer-long@sim", "");
    auto body = originate(r);
    std::string id(body.at("id").as_string());
    auto dot = id.find('.');
    ASSERT_NE(dot, std::string::npos);
    EXPECT_EQ(id.substr(dot + 1), "0");
    auto list = pbx->list();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(std::string(list[0].at("id").as_string()), id.substr(0, dot) + ".1");
}

TEST_F(PbxTest, VariablesReachThePeerAndCallerIdFunctionsTheCaller) {
    auto r = request("Local/reject@sim");
    r.variables = {{"CALLERID(name)", "Body Test"}, {"MYVAR", "x"}};
    auto body = originate(r);
    EXPECT_EQ(body.at("caller").at("name").as_string(), "Body Test");
    EXPECT_EQ(body.at("connected").at("name").as_string(), "Test");
    EXPECT_EQ(*pbx->variable("c1", "MYVAR"), "x");
    EXPECT_EQ(*pbx->variable("c1", "CALLERID(num)"), "+15550001111");
    EXPECT_EQ(pbx->variable("c1", "NOPE").error(), make_error_code(Errc::kVariableNotFound));
    clock.advance(Millis(100));
    auto peer = half("c1", 2, "contactcenter", true);
    EXPECT_EQ(peer.front(), "Varset(MYVAR=x)");
}

TEST_F(PbxTest, ShutdownHangsUpEveryChannelLikeSigterm) {
    originate(request("Local/answer-long@sim", "up"));
    clock.advance(Millis(1100));
    originate(request("Local/noanswer@sim", "ringing"));
    clock.advance(Millis(200));
    delivered.clear();
    pbx->shutdown();
    EXPECT_EQ(half("up", 1),
              (Tokens{"HangupRequest(4,soft)", "StasisEnd", "Varset(STASISSTATUS=SUCCESS)",
                      "HangupRequest(0)", "Destroyed(0)"}));
    EXPECT_EQ(sorted(half("up", 2)),
              sorted({"HangupRequest(4,soft)", "HangupRequest(16,soft)", "Destroyed(0)"}));
    EXPECT_EQ(half("ringing", 1), (Tokens{"HangupRequest(4,soft)", "HangupRequest(0)",
                                          "Dial(NOANSWER)", "Destroyed(0)"}));
    EXPECT_EQ(pbx->channelCount(), 0u);
    EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(PbxTest, ResetForgetsEverythingSilently) {
    originate(request("Local/answer-long@sim"));
    clock.advance(Millis(1100));
    delivered.clear();
    pbx->reset();
    clock.advance(Millis(60000));
    EXPECT_TRUE(delivered.empty());
    EXPECT_EQ(pbx->list().size(), 0u);
    EXPECT_EQ(pbx->get("c1").error(), make_error_code(Errc::kChannelNotFound));
    auto body = originate(request("Local/answer@sim", "after"));
    EXPECT_EQ(body.at("name").as_string(), "Local/answer@sim-00000000;1");
}

TEST_F(PbxTest, NotAcceptingMeansAllocationFailed) {
    pbx->setAccepting(false);
    EXPECT_EQ(pbx->originate(request("Local/answer@sim")).error(),
              make_error_code(Errc::kAllocationFailed));
}

TEST_F(PbxTest, OriginateIntoTheDialplanRunsTheIvrOnAnswer) {
    apps.attach("observer", 9, true);
    OriginateRequest r;
    r.endpoint = "Local/answer@sim";
    r.extension = "s";
    r.context = "outbound-ivr";
    r.priority = 1;
    r.channel_id = "d";
    originate(r);
    clock.advance(Millis(5000));
    EXPECT_TRUE(half("d", 1).empty()) << "a plain app socket sees nothing";
    EXPECT_EQ(half("d", 1, "observer"), (Tokens{"ChannelCreated", "Dial()", "StateChange(Ringing)",
                                                "Dial(RINGING)", "StateChange(Up)", "Dial(ANSWER)",
                                                "HangupRequest(16,soft)", "Destroyed(16)"}));
    EXPECT_EQ(sorted(half("d", 2, "observer")),
              sorted({"ChannelCreated", "StateChange(Up)", "HangupRequest(16)",
                      "HangupRequest(16,soft)", "Destroyed(16)"}));
}

}  // namespace
}  // namespace ccapi::arisim
