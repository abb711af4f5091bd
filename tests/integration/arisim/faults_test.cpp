// The simulator over real sockets: Asterisk's wire details, and every fault it can inject.
#include <gtest/gtest.h>

#include <boost/beast/websocket/error.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "client.hpp"
#include "simulator_fixture.hpp"

namespace ccapi::arisim {
namespace {

using namespace std::chrono_literals;
using testing::HttpCall;
using testing::httpCall;
using testing::HttpConnection;
using testing::RunningSimulator;
using testing::WsClient;

constexpr const char* kEvents = "/ari/events?app=contactcenter&api_key=ariuser:aripass";

SimulatorOptions fast() {
    SimulatorOptions options;
    options.time_scale = 0.1;  // answer after 100 ms, callee hangs up 250 ms later
    return options;
}

HttpCall originate(std::string endpoint, std::string id) {
    return {"POST", "/ari/channels?endpoint=" + endpoint + "&app=contactcenter&channelId=" + id, "",
            "", true};
}

std::string channelOf(const boost::json::object& event) {
    if (auto* c = event.if_contains("channel")) return std::string(c->at("id").as_string());
    if (auto* p = event.if_contains("peer")) return std::string(p->at("id").as_string());
    return {};
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return condition();
}

bool isCloseFrame(const boost::system::error_code& ec) {
    return ec == boost::beast::websocket::error::closed;
}

TEST(EventSocket, HandshakeCarriesOnlyAsterisksThreeHeaders) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    EXPECT_EQ(ws.handshakeHeaders(),
              (std::vector<std::string>{"Upgrade", "Connection", "Sec-WebSocket-Accept"}));
}

TEST(EventSocket, WrongCredentialsGet401) {
    RunningSimulator sim(fast());
    WsClient ws;
    EXPECT_TRUE(ws.connect(sim.port(), "/ari/events?app=contactcenter&api_key=ariuser:wrong"));
}

TEST(Rest, ResponsesCarryAsterisksHeadersInOrder) {
    RunningSimulator sim(fast());
    auto ping = httpCall(sim.port(), {"GET", "/ari/asterisk/ping"});
    ASSERT_EQ(ping.status, 200) << ping.error.message();
    std::vector<std::string> names;
    for (const auto& [name, value] : ping.headers) names.push_back(name);
    EXPECT_EQ(names, (std::vector<std::string>{"Server", "Date", "Cache-Control", "Content-type",
                                               "Content-Length"}));
    EXPECT_EQ(ping.header("Server"), "Asterisk/22.11.0-rc1");
    EXPECT_EQ(ping.header("Cache-Control"), "no-cache, no-store");

    auto created = httpCall(sim.port(), originate("Local/answer-long@sim", "h1"));
    ASSERT_EQ(created.status, 200);
    auto deleted = httpCall(sim.port(), {"DELETE", "/ari/channels/h1?reason=normal"});
    EXPECT_EQ(deleted.status, 204);
    EXPECT_EQ(deleted.reason, "No Content");
    EXPECT_EQ(deleted.header("Content-Length"), "0");
    EXPECT_EQ(deleted.header("Content-type"), "");

    auto bogus = httpCall(sim.port(), {"DELETE", "/ari/channels/nope?reason=bogus"});
    EXPECT_EQ(bogus.status, 404);
    auto unauthorized = httpCall(sim.port(), {"GET", "/ari/channels", "", "", false});
    EXPECT_EQ(unauthorized.status, 401);
    EXPECT_EQ(unauthorized.header("WWW-Authenticate"), "Basic realm=\"Asterisk REST Interface\"");
}

TEST(Rest, OriginateTakesAJsonBodyWithVariables) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    HttpCall call{"POST", "/ari/channels",
                  R"j({"endpoint":"Local/reject@sim","app":"contactcenter","channelId":"b1",)j"
                  R"j("timeout":30,"callerId":"Test <+15550001111>",)j"
                  R"j("variables":{"CALLERID(name)":"Body Test","MYVAR":"x"}})j",
                  "application/json", true};
    auto reply = httpCall(sim.port(), call);
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json().as_object();
    EXPECT_EQ(body.at("caller").at("name").as_string(), "Body Test");
    auto varset = ws.nextOfType("ChannelVarset");
    ASSERT_TRUE(varset);
    EXPECT_EQ(channelOf(*varset), "b1;2");
    EXPECT_EQ(varset->at("variable").as_string(), "MYVAR");
}

TEST(Faults, DroppedSocketWithoutCloseFrameEndsInEof) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_TRUE(waitFor([&] { return sim->state().event_sockets == 1; }));
    sim->dropEventSockets(false);
    ASSERT_TRUE(ws.waitClosed());
    EXPECT_FALSE(isCloseFrame(ws.closeError())) << ws.closeError().message();
    EXPECT_FALSE(ws.closeCode());
}

TEST(Faults, DroppedSocketWithCloseFrameSends1000) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_TRUE(waitFor([&] { return sim->state().event_sockets == 1; }));
    sim->dropEventSockets(true, "contactcenter");
    ASSERT_TRUE(ws.waitClosed());
    EXPECT_TRUE(isCloseFrame(ws.closeError())) << ws.closeError().message();
    EXPECT_EQ(ws.closeCode(), 1000);
}

TEST(Faults, RestartForgetsEveryChannelWithoutAnEvent) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_EQ(httpCall(sim.port(), originate("Local/answer-long@sim", "k1")).status, 200);
    ASSERT_TRUE(ws.nextOfType("StasisStart"));
    sim->restart();
    ASSERT_TRUE(ws.waitClosed());
    EXPECT_FALSE(isCloseFrame(ws.closeError()));
    EXPECT_FALSE(ws.next(200ms)) << "a killed Asterisk sends nothing";
    auto list = httpCall(sim.port(), {"GET", "/ari/channels"});
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list.body, "[]");
    EXPECT_EQ(httpCall(sim.port(), {"GET", "/ari/channels/k1"}).status, 404);
    auto again = httpCall(sim.port(), originate("Local/answer@sim", "k2"));
    EXPECT_EQ(again.json().at("name").as_string(), "Local/answer@sim-00000000;1");
}

TEST(Faults, RestartWithDowntimeRefusesConnectionsMeanwhile) {
    RunningSimulator sim(fast());
    sim->restart(500ms);
    auto refused = httpCall(sim.port(), {"GET", "/ari/asterisk/ping"}, 1s);
    EXPECT_EQ(refused.status, 0);
    EXPECT_TRUE(waitFor([&] {
        return httpCall(sim.port(), {"GET", "/ari/asterisk/ping"}, 1s).status == 200;
    }));
}

TEST(Faults, ASlowConsumerIsDisconnectedWithoutACloseFrame) {
    SimulatorOptions options;
    options.ws_write_timeout = 100ms;  // Asterisk's websocket_write_timeout
    RunningSimulator sim(options);
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents, 5s, 4096));
    ASSERT_TRUE(waitFor([&] { return sim->state().event_sockets == 1; }));
    HttpConnection http(sim.port());
    ASSERT_TRUE(http.connected());
    // The client reads nothing while the calls (8 events each) pile up in the socket buffers.
    for (int i = 0; i < 3000 && sim->state().event_sockets == 1; ++i) {
        ASSERT_EQ(http.request(originate("Local/reject@sim", "slow" + std::to_string(i))).status,
                  200);
    }
    EXPECT_TRUE(waitFor([&] { return sim->state().event_sockets == 0; }, 10s));
    ASSERT_TRUE(ws.waitClosed(10s));
    EXPECT_FALSE(isCloseFrame(ws.closeError())) << ws.closeError().message();
}

TEST(Faults, RefusedOriginatesAnswerWithTheGivenStatus) {
    RunningSimulator sim(fast());
    OriginateRefusal refusal;
    refusal.count = 1;
    sim->refuseOriginates(refusal);
    auto refused = httpCall(sim.port(), originate("Local/answer@sim", "r1"));
    EXPECT_EQ(refused.status, 500);
    EXPECT_EQ(refused.body, R"({"error":"Allocation failed"})");
    EXPECT_EQ(httpCall(sim.port(), originate("Local/answer@sim", "r1")).status, 200);

    refusal.mode = RefusalMode::kDrop;
    sim->refuseOriginates(refusal);
    auto dropped = httpCall(sim.port(), originate("Local/answer@sim", "r2"));
    EXPECT_EQ(dropped.status, 0);
    EXPECT_TRUE(dropped.error);
}

TEST(Faults, SlowResponsesAreHeld) {
    RunningSimulator sim(fast());
    ResponseDelay delay;
    // Long enough that an unheld GET answers well within it even on a loaded machine.
    delay.delay = 1500ms;
    delay.method = "POST";
    sim->delayResponses(delay);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(httpCall(sim.port(), originate("Local/reject@sim", "s1")).status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 1500ms);
    start = std::chrono::steady_clock::now();
    EXPECT_EQ(httpCall(sim.port(), {"GET", "/ari/asterisk/ping"}).status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(Faults, SessionLimitDropsExtraConnectionsWithoutAResponse) {
    RunningSimulator sim(fast());
    sim->setSessionLimit(2);
    auto first = std::make_unique<HttpConnection>(sim.port());
    HttpConnection second(sim.port());
    ASSERT_TRUE(first->connected() && second.connected());
    ASSERT_TRUE(waitFor([&] { return sim->state().sessions == 2; }));
    auto over = httpCall(sim.port(), {"GET", "/ari/asterisk/ping"});
    EXPECT_EQ(over.status, 0);
    EXPECT_TRUE(over.error);
    EXPECT_EQ(second.request({"GET", "/ari/asterisk/ping"}).status, 200);
    first.reset();
    ASSERT_TRUE(waitFor([&] { return sim->state().sessions == 1; }));
    EXPECT_EQ(httpCall(sim.port(), {"GET", "/ari/asterisk/ping"}).status, 200);
}

TEST(Faults, TerminateHangsUpEverythingThenClosesWithoutAFrame) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_EQ(httpCall(sim.port(), originate("Local/answer-long@sim", "t1")).status, 200);
    ASSERT_TRUE(ws.nextOfType("StasisStart"));
    ASSERT_EQ(httpCall(sim.port(), originate("Local/noanswer@sim", "t2")).status, 200);
    sim->terminate();
    std::vector<std::string> t1;
    int destroyed = 0;
    while (auto event = ws.next(3s)) {
        std::string type(event->at("type").as_string());
        if (type == "ChannelDestroyed") {
            ++destroyed;
            EXPECT_EQ(event->at("cause").as_int64(), 0);
        }
        if (channelOf(*event) == "t1") t1.push_back(type);
    }
    EXPECT_EQ(destroyed, 4);
    ASSERT_GE(t1.size(), 2u);
    EXPECT_EQ(t1.back(), "ChannelDestroyed");
    ASSERT_TRUE(ws.waitClosed());
    EXPECT_FALSE(isCloseFrame(ws.closeError()));
    EXPECT_EQ(httpCall(sim.port(), {"GET", "/ari/asterisk/ping"}, 1s).status, 0);
}

TEST(Faults, StopGracefullyLetsCallsFinishThenSendsClose1000) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_EQ(httpCall(sim.port(), originate("Local/answer@sim", "g1")).status, 200);
    ASSERT_TRUE(ws.nextOfType("StasisStart"));
    sim->stopGracefully();
    auto refused = httpCall(sim.port(), originate("Local/answer@sim", "g2"));
    EXPECT_EQ(refused.status, 500);
    EXPECT_EQ(refused.body, R"({"error":"Allocation failed"})");
    EXPECT_EQ(httpCall(sim.port(), {"GET", "/ari/asterisk/ping"}).status, 200);
    auto end = ws.nextOfType("ChannelDestroyed", 3s);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->at("cause").as_int64(), 16);
    ASSERT_TRUE(ws.waitClosed(3s));
    EXPECT_TRUE(isCloseFrame(ws.closeError())) << ws.closeError().message();
    EXPECT_EQ(ws.closeCode(), 1000);
}

TEST(Faults, ASecondSocketForTheAppReplacesTheFirst) {
    RunningSimulator sim(fast());
    WsClient a, b;
    ASSERT_FALSE(a.connect(sim.port(), kEvents));
    ASSERT_TRUE(waitFor([&] { return sim->state().event_sockets == 1; }));
    ASSERT_FALSE(b.connect(sim.port(), kEvents));
    auto replaced = a.next();
    ASSERT_TRUE(replaced);
    EXPECT_EQ(replaced->at("type").as_string(), "ApplicationReplaced");
    EXPECT_EQ(replaced->at("application").as_string(), "contactcenter");
    ASSERT_EQ(httpCall(sim.port(), originate("Local/reject@sim", "a1")).status, 200);
    EXPECT_TRUE(b.nextOfType("ChannelDestroyed"));
    EXPECT_FALSE(a.next(300ms)) << "the replaced socket hears nothing more";
    EXPECT_FALSE(a.isClosed());
}

TEST(Faults, InjectedApplicationReplacedSilencesTheSocketAndDropsAnsweredCalls) {
    RunningSimulator sim(fast());
    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_TRUE(waitFor([&] { return sim->state().event_sockets == 1; }));
    sim->sendApplicationReplaced("contactcenter");
    auto replaced = ws.next();
    ASSERT_TRUE(replaced);
    EXPECT_EQ(replaced->at("type").as_string(), "ApplicationReplaced");
    ASSERT_EQ(httpCall(sim.port(), originate("Local/answer@sim", "x1")).status, 200);
    EXPECT_FALSE(ws.next(500ms));
    EXPECT_TRUE(waitFor([&] { return sim->state().channels == 0; }));
}

TEST(ControlEndpoints, DriveFaultsOverHttp) {
    RunningSimulator sim(fast());
    auto set =
        httpCall(sim.port(), {"POST",
                              "/_sim/refuse-originates?status=409&count=1&"
                              "message=Channel%20with%20given%20unique%20ID%20already%20exists"});
    ASSERT_EQ(set.status, 200) << set.body;
    auto refused = httpCall(sim.port(), originate("Local/answer@sim", "c1"));
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused.body, R"({"message":"Channel with given unique ID already exists"})");
    EXPECT_EQ(httpCall(sim.port(), originate("Local/answer-long@sim", "c1")).status, 200);

    WsClient ws;
    ASSERT_FALSE(ws.connect(sim.port(), kEvents));
    ASSERT_EQ(httpCall(sim.port(), {"POST", "/_sim/restart"}).status, 200);
    ASSERT_TRUE(ws.waitClosed());
    EXPECT_FALSE(isCloseFrame(ws.closeError()));
    auto list = httpCall(sim.port(), {"GET", "/ari/channels"});
    EXPECT_EQ(list.body, "[]") << list.error.message();
    auto state = httpCall(sim.port(), {"GET", "/_sim/state"});
    ASSERT_EQ(state.status, 200);
    EXPECT_EQ(state.json().at("channels").as_int64(), 0);
}

}  // namespace
}  // namespace ccapi::arisim
