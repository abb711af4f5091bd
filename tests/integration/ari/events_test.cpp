// The ARI client's event socket: reconnecting after every way Asterisk ends a socket, reporting
// ApplicationReplaced, and detecting a peer that stopped answering pings.
#include <gtest/gtest.h>

#include "fakes/http/wait.hpp"
#include "integration/ari/ari_fixture.hpp"
#include "integration/ari/fake_peers.hpp"

namespace ccapi::ari::test {
namespace {

using testhttp::waitUntil;
using Entry = RecordingListener::Entry;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

using AriEvents = AriClientTest;

TEST_F(AriEvents, ConnectingRegistersTheAppAndReportsConnected) {
    makeClient();
    EXPECT_FALSE(client_->eventsConnected());
    connectEvents();
    EXPECT_TRUE(client_->eventsConnected());
    ASSERT_TRUE(waitUntil([&] { return sim()->state().event_sockets == 1; }, 5000ms));
}

TEST_F(AriEvents, SocketDroppedWithoutCloseFrameIsReportedThenReconnected) {
    makeClient();
    connectEvents();
    sim()->dropEventSockets(false);  // as on SIGTERM
    ASSERT_TRUE(listener_.waitDisconnects(1));
    ASSERT_TRUE(listener_.waitConnects(2)) << client_->lastError();
    auto entries = listener_.entries();
    ASSERT_GE(entries.size(), 3u);
    EXPECT_EQ(entries[0].kind, Entry::Kind::kConnected);
    EXPECT_EQ(entries[1].kind, Entry::Kind::kDisconnected);
    EXPECT_EQ(entries[1].why, "connection closed without a close frame");
    EXPECT_EQ(entries[2].kind, Entry::Kind::kConnected);
    EXPECT_TRUE(client_->eventsConnected());

    // Events flow on the new socket.
    auto id = newChannelId();
    ASSERT_EQ(originate("Local/answer@sim", id).kind, RestOutcome::Kind::kOk);
    EXPECT_TRUE(listener_.waitEvent(id, EventKind::kChannelDestroyed));
}

TEST_F(AriEvents, CloseFrameFromAsteriskIsReportedThenReconnected) {
    makeClient();
    connectEvents();
    sim()->dropEventSockets(true);  // core stop gracefully: 1000, then FIN
    ASSERT_TRUE(listener_.waitDisconnects(1));
    EXPECT_TRUE(contains(listener_.disconnectReasons()[0], "close frame 1000"))
        << listener_.disconnectReasons()[0];
    ASSERT_TRUE(listener_.waitConnects(2)) << client_->lastError();
}

TEST_F(AriEvents, PbxRestartIsWaitedOutWithBackoffAndReconnected) {
    makeClient();
    connectEvents();
    auto id = newChannelId();
    ASSERT_EQ(originate("Local/answer-long@sim", id).kind, RestOutcome::Kind::kOk);
    sim()->restart(300ms);  // SIGKILL, back after 300 ms: nothing sent, the channel forgotten
    ASSERT_TRUE(listener_.waitDisconnects(1));
    EXPECT_FALSE(client_->eventsConnected());
    ASSERT_TRUE(listener_.waitConnects(2, 10s)) << client_->lastError();
    EXPECT_TRUE(client_->eventsConnected());
    // What the engine does on onConnected: nothing was replayed, the channel is gone.
    auto channels = io_.run(client_->channels());
    ASSERT_TRUE(channels && *channels);
    EXPECT_TRUE((*channels)->empty());
}

TEST_F(AriEvents, ApplicationReplacedIsReportedAndTheSocketIsNotFoughtOver) {
    makeClient();
    connectEvents();
    sim()->sendApplicationReplaced("contactcenter");
    ASSERT_TRUE(waitUntil(
        [&] {
            for (const auto& e : listener_.entries()) {
                if (e.kind == Entry::Kind::kEvent &&
                    e.event.kind == EventKind::kApplicationReplaced) {
                    return true;
                }
            }
            return false;
        },
        5000ms));
    EXPECT_EQ(client_->lastError(),
              "ApplicationReplaced: another connection took over app contactcenter");
    EXPECT_FALSE(client_->eventsConnected());
    EXPECT_EQ(listener_.disconnects(), 0);
    EXPECT_EQ(listener_.connects(), 1);
}

TEST_F(AriEvents, StopEndsTheLoopForGood) {
    makeClient();
    connectEvents();
    client_->stop();
    ASSERT_TRUE(waitUntil([&] { return sim()->state().event_sockets == 0; }, 5000ms));
    EXPECT_FALSE(client_->eventsConnected());
    EXPECT_EQ(listener_.disconnects(), 0);  // stopping is not a disconnection to report
    // Start again: a new loop registers the app again.
    client_->start(listener_);
    ASSERT_TRUE(listener_.waitConnects(2));
}

TEST_F(AriEvents, WrongCredentialsAreReportedAndRetried) {
    auto options = testOptions(sim().baseUrl());
    options.password = "wrong";
    makeClient(options);
    client_->start(listener_);
    ASSERT_TRUE(waitUntil([&] { return contains(client_->lastError(), "HTTP 401"); }, 5000ms))
        << client_->lastError();
    EXPECT_EQ(listener_.connects(), 0);
    EXPECT_FALSE(contains(client_->lastError(), "wrong"));  // the password never shows
}

TEST(AriEventsPing, APeerThatStopsAnsweringPingsIsDeclaredDeadAndReplaced) {
    SilentWebSocketPeer peer;
    RecordingListener listener;
    IoThread io;
    auto options = testOptions(peer.baseUrl());
    options.ping_interval = 100ms;
    options.pong_timeout = 200ms;
    auto client = makeAriClient(io.executor(), options);
    client->start(listener);
    ASSERT_TRUE(listener.waitConnects(1));
    ASSERT_TRUE(listener.waitDisconnects(1, 5000ms));
    EXPECT_EQ(listener.disconnectReasons()[0], "no pong within 200 ms");
    ASSERT_TRUE(listener.waitConnects(2, 5000ms));
    // The peer counts after its side of the handshake, which may finish after ours.
    EXPECT_TRUE(waitUntil([&] { return peer.accepted() >= 2; }, 5000ms));
    client.reset();
}

}  // namespace
}  // namespace ccapi::ari::test
