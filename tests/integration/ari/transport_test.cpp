// The ARI client against peers the simulator cannot play: a keep-alive connection that dies
// under a request, and TLS with a certificate made for the test.
#include <gtest/gtest.h>

#include <fstream>

#include "fakes/http/wait.hpp"
#include "integration/ari/fake_peers.hpp"
#include "support/temp_dir.hpp"

namespace ccapi::ari::test {
namespace {

using Kind = RestOutcome::Kind;

TEST(AriKeepAlive, IdempotentRequestLostOnAReusedConnectionIsRetriedOnce) {
    DroppingKeepAlivePeer peer;
    IoThread io;
    auto client = makeAriClient(io.executor(), testOptions(peer.baseUrl()));
    auto first = io.run(client->channels());
    ASSERT_TRUE(first && *first);
    // The reused connection takes the request and dies without an answer: sent again on a new
    // connection, which answers.
    auto second = io.run(client->channels());
    ASSERT_TRUE(second && *second) << client->lastError();
    EXPECT_EQ(peer.requests(), 3);
    EXPECT_EQ(peer.connections(), 2);
    client.reset();
}

TEST(AriKeepAlive, OriginateThatMayHaveBeenReceivedIsNeverSentTwice) {
    DroppingKeepAlivePeer peer;
    IoThread io;
    auto client = makeAriClient(io.executor(), testOptions(peer.baseUrl()));
    OriginateRequest request;
    request.endpoint = "Local/answer@sim";
    request.channel_id = newChannelId();
    auto first = io.run(client->originate(request));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->kind, Kind::kOk);
    request.channel_id = newChannelId();
    auto second = io.run(client->originate(request));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->kind, Kind::kUnreachable);
    EXPECT_EQ(second->message, "connection closed without a response");
    EXPECT_EQ(peer.requests(), 2);  // Asterisk may have placed the call: not sent again
    client.reset();
}

TEST(AriTls, HttpsAndWssWorkWithATrustedCertificate) {
    TlsAriPeer peer;
    ccapi::test::TempDir dir("ccapi-ari-tls-");
    auto ca_file = (dir / "pbx-ca.pem").string();
    std::ofstream(ca_file) << peer.certificatePem();

    IoThread io;
    RecordingListener listener;
    auto options = testOptions(peer.baseUrl());
    options.tls_ca_file = ca_file;
    auto client = makeAriClient(io.executor(), options);
    auto channels = io.run(client->channels());
    ASSERT_TRUE(channels);
    ASSERT_TRUE(*channels) << client->lastError();
    EXPECT_TRUE((*channels)->empty());

    client->start(listener);
    ASSERT_TRUE(listener.waitConnects(1)) << client->lastError();
    ASSERT_TRUE(listener.waitEvent("tls-1", EventKind::kStasisStart));
    EXPECT_TRUE(client->eventsConnected());
    client.reset();
}

TEST(AriTls, AnUntrustedCertificateIsRefused) {
    TlsAriPeer peer;
    IoThread io;
    RecordingListener listener;
    auto client = makeAriClient(io.executor(), testOptions(peer.baseUrl()));  // system CAs only
    auto channels = io.run(client->channels());
    ASSERT_TRUE(channels);
    EXPECT_FALSE(*channels);
    EXPECT_NE(client->lastError().find("certificate verify failed"), std::string::npos)
        << client->lastError();
    EXPECT_FALSE(client->httpReachable());

    client->start(listener);
    ASSERT_TRUE(testhttp::waitUntil(
        [&] { return client->lastError().rfind("events: tls:", 0) == 0; }, 5000ms))
        << client->lastError();
    EXPECT_EQ(listener.connects(), 0);
    client.reset();
}

}  // namespace
}  // namespace ccapi::ari::test
