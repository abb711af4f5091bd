// The ARI client's REST side against the simulator over loopback: originate and its events,
// continue, hang up, list, refusals, deadlines, the circuit breaker and the connection pool.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "ari/url.hpp"
#include "fakes/http/http_client.hpp"
#include "fakes/http/wait.hpp"
#include "integration/ari/ari_fixture.hpp"

namespace ccapi::ari::test {
namespace {

using Kind = RestOutcome::Kind;
using testhttp::waitUntil;

// The ;1 events that decide an outcome, as "Kind[detail]", ChannelDialplan & co. left out.
std::vector<std::string> decisive(const std::vector<ChannelEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
        switch (e.kind) {
            case EventKind::kDial:
                out.push_back("Dial[" + e.dialstatus + "]");
                break;
            case EventKind::kChannelStateChange:
                out.push_back("State[" + e.channel_state + "]");
                break;
            case EventKind::kStasisStart:
                out.push_back("StasisStart");
                break;
            case EventKind::kStasisEnd:
                out.push_back("StasisEnd");
                break;
            case EventKind::kChannelHangupRequest:
                out.push_back("HangupRequest[" + std::to_string(e.cause.value_or(-1)) + "]");
                break;
            case EventKind::kChannelDestroyed:
                out.push_back("Destroyed[" + std::to_string(e.cause.value_or(-1)) + "]");
                break;
            default:
                break;
        }
    }
    return out;
}

using AriRest = AriClientTest;

TEST_F(AriRest, AnsweredNumberIsOriginatedAndItsEventsArriveInOrder) {
    makeClient();
    connectEvents();
    auto id = newChannelId();
    auto outcome = originate("Local/+15550001230@outbound-ivr", id);
    ASSERT_EQ(outcome.kind, Kind::kOk) << outcome.message;
    EXPECT_EQ(outcome.status, 200u);
    EXPECT_NE(outcome.body.find(id), std::string::npos);
    ASSERT_TRUE(listener_.waitEvent(id, EventKind::kChannelDestroyed));
    ASSERT_TRUE(listener_.waitEvent(id + ";2", EventKind::kChannelDestroyed));
    EXPECT_EQ(decisive(listener_.eventsOf(id)),
              (std::vector<std::string>{"Dial[]", "State[Ringing]", "Dial[RINGING]", "State[Up]",
                                        "Dial[ANSWER]", "StasisStart", "HangupRequest[16]",
                                        "StasisEnd", "Destroyed[16]"}));
    for (const auto& e : listener_.eventsOf(id + ";2")) {
        EXPECT_TRUE(e.peer_half);
        EXPECT_EQ(e.call_id, id);
    }
    EXPECT_TRUE(client_->httpReachable());
    EXPECT_EQ(listener_.connects(), 1);  // 100 ms pings were answered all along
}

TEST_F(AriRest, BusyNumberEndsWithDialBusy) {
    makeClient();
    connectEvents();
    auto id = newChannelId();
    ASSERT_EQ(originate("Local/+15550001231@outbound-ivr", id).kind, Kind::kOk);
    ASSERT_TRUE(listener_.waitEvent(id, EventKind::kChannelDestroyed));
    EXPECT_EQ(decisive(listener_.eventsOf(id)),
              (std::vector<std::string>{"Dial[]", "State[Ringing]", "Dial[RINGING]", "Dial[BUSY]",
                                        "Destroyed[0]"}));
    ASSERT_TRUE(listener_.waitEvent(id + ";2", EventKind::kChannelDestroyed));
    EXPECT_EQ(listener_.eventsOf(id + ";2").back().cause, 17);
}

TEST_F(AriRest, ContinueSendsTheAnsweredCallIntoTheDialplan) {
    makeClient();
    connectEvents();
    auto id = newChannelId();
    ASSERT_EQ(originate("Local/answer-long@sim", id).kind, Kind::kOk);
    ASSERT_TRUE(listener_.waitEvent(id, EventKind::kStasisStart));
    auto continued = await(client_->continueInDialplan(id, "outbound-ivr", "s", 1));
    EXPECT_EQ(continued.kind, Kind::kOk) << continued.message;
    EXPECT_EQ(continued.status, 204u);
    ASSERT_TRUE(listener_.waitEvent(id, EventKind::kStasisEnd));
    ASSERT_TRUE(listener_.waitEvent(id, EventKind::kChannelDestroyed));
}

TEST_F(AriRest, VariablesReachTheChannelAndHangupEndsIt) {
    makeClient();
    connectEvents();
    auto id = newChannelId();
    auto outcome = originate("Local/answer-long@sim", id,
                             {{"CAMPAIGN", "spring & summer=1"}, {"AGENT_GROUP", "b2b"}});
    ASSERT_EQ(outcome.kind, Kind::kOk) << outcome.message;

    // The simulator's own view, through a different HTTP client.
    testhttp::HttpClient http("127.0.0.1", sim().port());
    testhttp::HeaderList auth{{"Authorization", basicAuthorization("ariuser", "aripass")}};
    auto campaign = http.get("/ari/channels/" + id + "/variable?variable=CAMPAIGN", auth);
    ASSERT_TRUE(campaign);
    ASSERT_EQ(campaign->status, 200u) << campaign->body;
    EXPECT_EQ(campaign->json().at("value"), "spring & summer=1");
    auto group = http.get("/ari/channels/" + id + "/variable?variable=AGENT_GROUP", auth);
    ASSERT_TRUE(group);
    EXPECT_EQ(group->json().at("value"), "b2b");

    auto hungup = await(client_->hangup(id, "normal"));
    EXPECT_EQ(hungup.kind, Kind::kOk) << hungup.message;
    EXPECT_EQ(hungup.status, 204u);
    ASSERT_TRUE(listener_.waitEvent(id, EventKind::kChannelDestroyed));
    bool soft_32 = false;
    for (const auto& e : listener_.eventsOf(id)) {
        if (e.kind == EventKind::kChannelHangupRequest && e.soft && e.cause == 32) soft_32 = true;
    }
    EXPECT_TRUE(soft_32);

    auto again = await(client_->hangup(id, "normal"));
    EXPECT_EQ(again.kind, Kind::kRefused);
    EXPECT_EQ(again.status, 404u);
    EXPECT_EQ(again.message, "Channel not found");
}

TEST_F(AriRest, ChannelsListsBothHalvesOfALiveCall) {
    makeClient();
    connectEvents();
    auto id = newChannelId();
    ASSERT_EQ(originate("Local/answer-long@sim", id).kind, Kind::kOk);
    auto channels = io_.run(client_->channels());
    ASSERT_TRUE(channels && *channels);
    std::map<std::string, std::string> states;
    for (const auto& c : **channels) states[c.id] = c.state;
    EXPECT_TRUE(states.count(id));
    EXPECT_TRUE(states.count(id + ";2"));
    EXPECT_EQ(await(client_->hangup(id, "normal")).kind, Kind::kOk);
}

TEST_F(AriRest, RefusalsCarryAsterisksMessageAndDoNotTripTheBreaker) {
    makeClient();
    arisim::OriginateRefusal refusal;  // 500 {"error":"Allocation failed"}
    sim()->refuseOriginates(refusal);
    for (int i = 0; i < 5; ++i) {
        auto outcome = originate("Local/answer@sim", newChannelId());
        EXPECT_EQ(outcome.kind, Kind::kRefused);
        EXPECT_EQ(outcome.status, 500u);
        EXPECT_EQ(outcome.message, "Allocation failed");
    }
    EXPECT_EQ(client_->breakerState(), BreakerState::kClosed);
    EXPECT_TRUE(client_->httpReachable());

    sim()->clearFaults();
    auto bad = originate("", newChannelId());
    EXPECT_EQ(bad.kind, Kind::kRefused);
    EXPECT_EQ(bad.status, 400u);
    EXPECT_FALSE(bad.message.empty());

    refusal.status = 409;
    refusal.body = R"({"message":"Channel with given unique ID already exists"})";
    refusal.count = 1;
    sim()->refuseOriginates(refusal);
    auto duplicate = originate("Local/answer@sim", newChannelId());
    EXPECT_EQ(duplicate.kind, Kind::kRefused);
    EXPECT_EQ(duplicate.status, 409u);
    EXPECT_EQ(duplicate.message, "Channel with given unique ID already exists");
}

TEST_F(AriRest, EveryRequestHasADeadline) {
    auto options = testOptions(sim().baseUrl());
    options.request_timeout = 300ms;
    makeClient(options);
    arisim::ResponseDelay delay;
    delay.delay = 5000ms;
    delay.method = "GET";
    sim()->delayResponses(delay);
    auto started = std::chrono::steady_clock::now();
    auto channels = io_.run(client_->channels());
    ASSERT_TRUE(channels);
    EXPECT_FALSE(*channels);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms);
    EXPECT_NE(client_->lastError().find("no answer within 300 ms"), std::string::npos)
        << client_->lastError();

    sim()->clearFaults();
    arisim::OriginateRefusal hang;
    hang.mode = arisim::RefusalMode::kHang;
    sim()->refuseOriginates(hang);
    auto outcome = originate("Local/answer@sim", newChannelId());
    EXPECT_EQ(outcome.kind, Kind::kUnreachable);
    EXPECT_FALSE(client_->httpReachable());
}

TEST_F(AriRest, UnreachablePbxOpensTheBreakerAndATrialAfterTheOpenPeriodClosesIt) {
    makeClient(testOptions(sim().baseUrl()), &clock_);
    ASSERT_EQ(await(client_->hangup("nobody", "normal")).status, 404u);
    sim()->stop();  // the port is closed: connection refused

    for (int i = 0; i < 3; ++i) {
        auto outcome = await(client_->hangup("nobody", "normal"));
        EXPECT_EQ(outcome.kind, Kind::kUnreachable);
        EXPECT_NE(outcome.message.find("refused"), std::string::npos) << outcome.message;
    }
    EXPECT_EQ(client_->breakerState(), BreakerState::kOpen);
    EXPECT_FALSE(client_->httpReachable());
    EXPECT_NE(client_->lastError().find("refused"), std::string::npos);
    auto refused = originate("Local/answer@sim", newChannelId());
    EXPECT_EQ(refused.kind, Kind::kBreakerOpen);

    // After the open period, one trial; still down: open for another period.
    clock_.advance(60s);
    EXPECT_EQ(client_->breakerState(), BreakerState::kHalfOpen);
    EXPECT_EQ(await(client_->hangup("nobody", "normal")).kind, Kind::kUnreachable);
    EXPECT_EQ(client_->breakerState(), BreakerState::kOpen);
    EXPECT_EQ(await(client_->hangup("nobody", "normal")).kind, Kind::kBreakerOpen);

    // Back, but the breaker does not know until the next trial: no request reaches the PBX.
    sim().listenAgain();
    EXPECT_EQ(await(client_->hangup("nobody", "normal")).kind, Kind::kBreakerOpen);
    clock_.advance(60s);
    auto channels = io_.run(client_->channels());
    ASSERT_TRUE(channels);
    EXPECT_TRUE(*channels);
    EXPECT_EQ(client_->breakerState(), BreakerState::kClosed);
    EXPECT_TRUE(client_->httpReachable());
}

TEST_F(AriRest, DisabledBreakerNeverOpens) {
    auto options = testOptions(sim().baseUrl());
    options.breaker_enabled = false;
    makeClient(options, &clock_);
    sim()->stop();
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(await(client_->hangup("nobody", "normal")).kind, Kind::kUnreachable);
    }
    EXPECT_EQ(client_->breakerState(), BreakerState::kClosed);
}

TEST_F(AriRest, FiftyConcurrentRequestsNeverOpenMoreThanPoolSizeConnections) {
    auto options = testOptions(sim().baseUrl());
    options.pool_size = 4;
    options.request_timeout = 10000ms;
    makeClient(options);
    // Asterisk's session limit, set to the pool size: a fifth connection would be dropped
    // without a response, and its request would fail.
    sim()->setSessionLimit(4);
    arisim::ResponseDelay delay;  // every request holds its connection a while: they overlap
    delay.delay = 20ms;
    sim()->delayResponses(delay);

    std::vector<std::future<RestOutcome>> pending;
    for (int i = 0; i < 50; ++i) {
        auto task = i % 2 == 0 ? client_->hangup("nobody-" + std::to_string(i), "normal")
                               : originateTask("Local/answer@sim", newChannelId());
        pending.push_back(asio::co_spawn(io_.executor(), std::move(task), asio::use_future));
    }
    int answered = 0;
    for (auto& f : pending) {
        ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
        auto outcome = f.get();
        EXPECT_NE(outcome.kind, Kind::kUnreachable) << outcome.message;
        answered += outcome.status != 0;
    }
    EXPECT_EQ(answered, 50);
    auto state = sim()->state();
    EXPECT_LE(state.sessions, 4u);
    EXPECT_TRUE(client_->httpReachable());
}

TEST_F(AriRest, IdleConnectionClosedByAsteriskIsReplacedTransparently) {
    // Asterisk closes idle keep-alive connections (after 15 s; here 100 ms).
    auto sim_options = SimulatorPeer::defaults();
    sim_options.http_idle_timeout = 100ms;
    restartSimulator(sim_options);
    makeClient();
    for (int round = 0; round < 3; ++round) {
        auto channels = io_.run(client_->channels());
        ASSERT_TRUE(channels && *channels) << client_->lastError();
        ASSERT_TRUE(waitUntil([&] { return sim()->state().sessions == 0; }, 5000ms));
        auto outcome = originate("Local/answer@sim", newChannelId());
        EXPECT_EQ(outcome.kind, Kind::kOk) << outcome.message;
        ASSERT_TRUE(waitUntil([&] { return sim()->state().sessions == 0; }, 5000ms));
    }
    EXPECT_TRUE(client_->httpReachable());
}

}  // namespace
}  // namespace ccapi::ari::test
