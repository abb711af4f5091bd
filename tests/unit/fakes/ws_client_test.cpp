#include "fakes/http/ws_client.hpp"

#include <gtest/gtest.h>

#include "echo_server.hpp"

namespace ccapi::testhttp {
namespace {

using namespace std::chrono_literals;

class WsClientTest : public ::testing::Test {
protected:
    EchoServer server;
    WsClient ws{"127.0.0.1", server.port()};
};

TEST_F(WsClientTest, ConnectsWithQueryAndHeadersAndEchoes) {
    auto connected = ws.connect("/events?call_id=42", {{"Authorization", "Bearer t0k3n"}});
    ASSERT_TRUE(connected) << connected.error().message();
    EXPECT_EQ(ws.handshakeResponse().status, 101u);
    auto hello = ws.readJson();
    ASSERT_TRUE(hello) << hello.error().message();
    EXPECT_EQ(hello->at("hello"), "/events?call_id=42");
    EXPECT_EQ(hello->at("authorization"), "Bearer t0k3n");
    ASSERT_TRUE(ws.sendText("ping 1"));
    auto echo = ws.readText();
    ASSERT_TRUE(echo) << echo.error().message();
    EXPECT_EQ(*echo, "ping 1");
}

TEST_F(WsClientTest, ATimedOutReadStaysPendingForTheNextMessage) {
    ASSERT_TRUE(ws.connect("/events"));
    ASSERT_TRUE(ws.readText());  // hello
    auto nothing = ws.readText(100ms);
    ASSERT_FALSE(nothing);
    EXPECT_TRUE(isTimeout(nothing.error())) << nothing.error().message();
    ASSERT_TRUE(ws.sendText("late"));
    auto late = ws.readText();
    ASSERT_TRUE(late) << late.error().message();
    EXPECT_EQ(*late, "late");
}

TEST_F(WsClientTest, ReportsTheServersCloseCode) {
    ASSERT_TRUE(ws.connect("/events"));
    ASSERT_TRUE(ws.sendText("close:4001"));
    auto code = ws.waitClose(2s);
    ASSERT_TRUE(code) << code.error().message();
    EXPECT_EQ(*code, 4001u);
    EXPECT_EQ(ws.closeCode(), 4001u);
    EXPECT_EQ(ws.closeReason(), "bye");
    EXPECT_FALSE(ws.isOpen());
    auto after = ws.readText(100ms);
    ASSERT_FALSE(after);
    EXPECT_TRUE(isConnectionClosed(after.error())) << after.error().message();
}

TEST_F(WsClientTest, ARefusedUpgradeKeepsTheServersAnswer) {
    auto connected = ws.connect("/ws-deny");
    ASSERT_FALSE(connected);
    EXPECT_EQ(ws.handshakeResponse().status, 401u);
    EXPECT_EQ(ws.handshakeResponse().json().at("detail"), "Not authenticated");
}

TEST_F(WsClientTest, ClosesCleanlyFromTheClientSide) {
    ASSERT_TRUE(ws.connect("/events"));
    ASSERT_TRUE(ws.readText());  // hello
    (void)ws.readText(50ms);     // leaves a read pending across the close
    auto closed = ws.close(1000, 2s);
    ASSERT_TRUE(closed) << closed.error().message();
    EXPECT_FALSE(ws.isOpen());
}

}  // namespace
}  // namespace ccapi::testhttp
