// The WebSocket and SSE sessions over loopback, against the in-process StreamServer.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "core/ids.hpp"
#include "fakes/http/http_client.hpp"
#include "fakes/http/raw_connection.hpp"
#include "fakes/http/sse_client.hpp"
#include "fakes/http/wait.hpp"
#include "fakes/http/ws_client.hpp"
#include "unit/events/stream_server.hpp"

namespace ccapi::events {
namespace {

using namespace std::chrono_literals;
using storage::CallStatus;
using testhttp::HttpClient;
using testhttp::SseClient;
using testhttp::waitUntil;
using testhttp::WsClient;
using testing::StreamServer;
using testing::StreamServerOptions;

std::string str(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class StreamSessions : public ::testing::Test {
protected:
    void start(StreamServerOptions options = {}) {
        server_ = std::make_unique<StreamServer>(options);
        alice_ = server_->store().addUser("alice");
        bob_ = server_->store().addUser("bob");
        root_ = server_->store().addUser("root", true);
    }

    testhttp::HeaderList bearer(const std::string& user) {
        return {{"Authorization", "Bearer " + server_->token(user)}};
    }

    std::unique_ptr<WsClient> ws(const std::string& user, const std::string& query = "") {
        auto client = std::make_unique<WsClient>("127.0.0.1", server_->port());
        auto connected = client->connect("/api/v2/events" + query, bearer(user));
        EXPECT_TRUE(connected) << connected.error().message() << " "
                               << client->handshakeResponse().body;
        return client;
    }

    std::unique_ptr<SseClient> sse(const std::string& user, const std::string& query = "",
                                   testhttp::HeaderList extra = {}) {
        auto client = std::make_unique<SseClient>("127.0.0.1", server_->port());
        auto headers = bearer(user);
        headers.insert(headers.end(), extra.begin(), extra.end());
        auto opened = client->open("/api/v2/events/stream" + query, headers);
        EXPECT_TRUE(opened) << opened.error().message();
        if (opened) {
            EXPECT_EQ(opened->status, 200u);
        }
        return client;
    }

    // Waits until the hub has `n` subscribers: the streams are live from then on.
    void waitSubscribers(std::size_t n) {
        ASSERT_TRUE(waitUntil([&] { return server_->hub().subscribers() == n; }, 5s))
            << server_->hub().subscribers();
    }

    // A call of `user` through pending → dialing → ringing; the event ids in order.
    std::vector<std::int64_t> ringCall(std::int64_t user, storage::Call* out = nullptr) {
        std::int64_t first = 0;
        auto call = server_->store().createCall(user, &first);
        std::vector<std::int64_t> ids{first};
        ids.push_back(server_->store().advance(call, CallStatus::kDialing));
        ids.push_back(server_->store().advance(call, CallStatus::kRinging));
        server_->feed().notify();
        if (out) *out = call;
        return ids;
    }

    // Waits until the feed has published up to `event_id`: a stream opened afterwards is sure
    // not to receive it live (one opened before the feed got there could).
    void waitPublished(std::int64_t event_id) {
        ASSERT_TRUE(waitUntil([&] { return server_->feed().lastEventId() >= event_id; }, 5s));
    }

    // Reads `n` messages; their event ids (stops at the first failure).
    static std::vector<std::int64_t> readIds(WsClient& client, std::size_t n,
                                             std::vector<boost::json::object>* messages = nullptr) {
        std::vector<std::int64_t> ids;
        while (ids.size() < n) {
            auto message = client.readJson();
            EXPECT_TRUE(message) << message.error().message();
            if (!message) break;
            ids.push_back(message->as_object().at("event_id").as_int64());
            if (messages) messages->push_back(message->as_object());
        }
        return ids;
    }

    static std::vector<std::int64_t> readIds(SseClient& client, std::size_t n) {
        std::vector<std::int64_t> ids;
        while (ids.size() < n) {
            auto frame = client.nextEvent();
            EXPECT_TRUE(frame) << frame.error().message();
            if (!frame) break;
            EXPECT_EQ(frame->event, "call.status");
            auto json = boost::json::parse(frame->data).as_object();
            EXPECT_EQ(json.at("event_id").as_int64(), frame->id.value_or(-1));
            ids.push_back(*frame->id);
        }
        return ids;
    }

    static std::vector<std::int64_t> concat(std::vector<std::int64_t> a,
                                            const std::vector<std::int64_t>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    }

    std::string droppedSeries(const std::string& transport, const std::string& reason) {
        return "event_stream_dropped_total{transport=\"" + transport + "\",reason=\"" + reason +
               "\"}";
    }

    std::unique_ptr<StreamServer> server_;
    std::int64_t alice_ = 0, bob_ = 0, root_ = 0;
};

// ---- WebSocket ----

TEST_F(StreamSessions, WebSocketClientsSeeOnlyTheCallsTheirUserMaySee) {
    start();
    auto alice = ws("alice");
    auto bob = ws("bob");
    auto root = ws("root");
    waitSubscribers(3);
    auto alice_ids = ringCall(alice_);
    auto bob_ids = ringCall(bob_);
    EXPECT_EQ(readIds(*alice, 3), alice_ids);
    EXPECT_EQ(readIds(*bob, 3), bob_ids);
    EXPECT_EQ(readIds(*root, 6), concat(alice_ids, bob_ids));
    EXPECT_FALSE(alice->readText(200ms));  // nothing of bob's follows
    EXPECT_FALSE(bob->readText(50ms));
    EXPECT_EQ(server_->metric("event_stream_clients{transport=\"websocket\"}"), 3);
}

TEST_F(StreamSessions, WebSocketMessagesCarryTheEventAndTheCallRecord) {
    start();
    auto alice = ws("alice");
    waitSubscribers(1);
    storage::Call call;
    auto ids = ringCall(alice_, &call);
    std::vector<boost::json::object> messages;
    readIds(*alice, 3, &messages);
    ASSERT_EQ(messages.size(), 3u);
    const auto& ringing = messages[2];
    EXPECT_EQ(str(ringing.at("type")), "call.status");
    EXPECT_EQ(str(ringing.at("call_id")), call.call_id);
    EXPECT_EQ(str(ringing.at("status")), "ringing");
    EXPECT_EQ(str(ringing.at("previous_status")), "dialing");
    EXPECT_TRUE(messages[0].at("previous_status").is_null());
    EXPECT_EQ(str(ringing.at("call").as_object().at("call_id")), call.call_id);
}

TEST_F(StreamSessions, WebSocketFiltersByCallIdAndStatus) {
    start();
    storage::Call first;
    waitPublished(ringCall(alice_, &first).back());
    auto by_call = ws("alice", "?call_id=" + first.call_id);
    auto by_status = ws("alice", "?status=ringing&status=completed");
    auto by_both = ws("root", "?call_id=" + first.call_id + "&status=dialing,completed");
    waitSubscribers(3);
    storage::Call second;
    auto second_ids = ringCall(alice_, &second);
    auto done_first = server_->store().advance(first, CallStatus::kAnswered);
    auto completed_first = server_->store().advance(first, CallStatus::kCompleted);
    server_->feed().notify();
    EXPECT_EQ(readIds(*by_call, 2), (std::vector<std::int64_t>{done_first, completed_first}));
    EXPECT_EQ(readIds(*by_status, 2), (std::vector<std::int64_t>{second_ids[2], completed_first}));
    EXPECT_EQ(readIds(*by_both, 1), (std::vector<std::int64_t>{completed_first}));
    EXPECT_FALSE(by_both->readText(200ms));
}

TEST_F(StreamSessions, WebSocketAcceptsTheAccessTokenInTheQuery) {
    start();
    WsClient client("127.0.0.1", server_->port());
    ASSERT_TRUE(client.connect("/api/v2/events?access_token=" + server_->token("bob"),
                               {{"X-Request-ID", "trace-ws-1"}}));
    EXPECT_EQ(client.handshakeResponse().status, 101u);
    EXPECT_EQ(client.handshakeResponse().header("X-Request-ID").value_or(""), "trace-ws-1");
    waitSubscribers(1);
    auto ids = ringCall(bob_);
    EXPECT_EQ(readIds(client, 3), ids);
}

TEST_F(StreamSessions, RefusalsAreJsonErrors) {
    start();
    WsClient no_token("127.0.0.1", server_->port());
    EXPECT_FALSE(no_token.connect("/api/v2/events"));
    EXPECT_EQ(no_token.handshakeResponse().status, 401u);
    EXPECT_EQ(str(no_token.handshakeResponse().json().as_object().at("code")), "unauthorized");

    WsClient bad_token("127.0.0.1", server_->port());
    EXPECT_FALSE(bad_token.connect("/api/v2/events?access_token=nope"));
    EXPECT_EQ(bad_token.handshakeResponse().status, 401u);

    WsClient bad_filter("127.0.0.1", server_->port());
    EXPECT_FALSE(bad_filter.connect("/api/v2/events?status=ringin", bearer("alice")));
    EXPECT_EQ(bad_filter.handshakeResponse().status, 400u);
    EXPECT_EQ(str(bad_filter.handshakeResponse().json().as_object().at("code")), "invalid_filter");

    WsClient bad_call("127.0.0.1", server_->port());
    EXPECT_FALSE(bad_call.connect("/api/v2/events?call_id=12", bearer("alice")));
    EXPECT_EQ(bad_call.handshakeResponse().status, 400u);

    HttpClient http("127.0.0.1", server_->port());
    auto plain = http.get("/api/v2/events", bearer("alice"));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 426u);
    auto body = plain->json().as_object();
    EXPECT_EQ(str(body.at("code")), "upgrade_required");
    EXPECT_EQ(str(body.at("detail")), "WebSocket upgrade required");
    EXPECT_TRUE(body.contains("request_id"));
    EXPECT_EQ(plain->header("Upgrade").value_or(""), "websocket");

    auto sse_no_token = http.get("/api/v2/events/stream");
    EXPECT_EQ(sse_no_token->status, 401u);
    auto sse_bad_filter = http.get("/api/v2/events/stream?call_id=x", bearer("alice"));
    EXPECT_EQ(sse_bad_filter->status, 400u);
    EXPECT_EQ(str(sse_bad_filter->json().at("code")), "invalid_filter");
    auto resume_headers = bearer("alice");
    resume_headers.emplace_back("Last-Event-ID", "-3");
    auto sse_bad_resume = http.get("/api/v2/events/stream", resume_headers);
    EXPECT_EQ(sse_bad_resume->status, 400u);
    EXPECT_EQ(server_->hub().subscribers(), 0u);
}

TEST_F(StreamSessions, ASlowWebSocketConsumerIsClosedWith1008) {
    start({.queue_limit = 20});
    auto flooded = ws("alice");
    storage::Call other;
    waitPublished(ringCall(bob_, &other).back());
    auto unaffected = ws("root", "?call_id=" + other.call_id);
    waitSubscribers(2);
    // More than the queue limit in one burst: the session overflows before it can write.
    std::vector<StreamMessagePtr> burst;
    auto call_id = newUuid();
    for (int i = 1; i <= 50; ++i) {
        storage::Call call;
        call.call_id = call_id;
        call.user_id = alice_;
        storage::CallEvent event;
        event.event_id = 1'000'000 + i;
        event.call_id = call_id;
        burst.push_back(makeStreamMessage(call, event));
    }
    server_->hub().publish(burst);
    auto code = flooded->waitClose();
    ASSERT_TRUE(code) << code.error().message();
    EXPECT_EQ(*code, 1008u);
    EXPECT_EQ(flooded->closeReason(), "slow consumer");
    EXPECT_EQ(server_->metric(droppedSeries("websocket", "slow_consumer")), 1);
    auto completed = server_->store().advance(other, CallStatus::kCompleted);
    server_->feed().notify();
    EXPECT_EQ(readIds(*unaffected, 1), (std::vector<std::int64_t>{completed}));
}

TEST_F(StreamSessions, AWebSocketClientThatStopsReadingIsCutWhileOthersGetEverything) {
    start({.queue_limit = 20});
    auto stalled = ws("alice");
    ASSERT_TRUE(stalled->setReceiveBufferSize(4096));
    auto healthy = ws("alice");
    waitSubscribers(2);
    // Big messages, one at a time, each read by the healthy client before the next: only the
    // stalled client falls behind, first in the kernel buffers, then in its queue.
    auto call_id = newUuid();
    std::string padding(16 * 1024, 'x');
    std::int64_t id = 0;
    auto slow = droppedSeries("websocket", "slow_consumer");
    while (server_->metric(slow) < 1 && id < 5000) {
        storage::Call call;
        call.call_id = call_id;
        call.user_id = alice_;
        call.variables["PADDING"] = padding;
        storage::CallEvent event;
        event.event_id = ++id;
        event.call_id = call_id;
        server_->hub().publish(makeStreamMessage(call, event));
        auto got = healthy->readJson();
        ASSERT_TRUE(got) << "message " << id << ": " << got.error().message();
        ASSERT_EQ(got->as_object().at("event_id").as_int64(), id);
    }
    EXPECT_LT(id, 5000);
    // The stalled client's writes were stuck: after the close grace its connection is cut.
    ASSERT_TRUE(waitUntil([&] { return server_->hub().subscribers() == 1; }, 10s));
    EXPECT_EQ(server_->metric(droppedSeries("websocket", "slow_consumer")), 1);
    EXPECT_TRUE(waitUntil(
        [&] { return server_->metric("event_stream_clients{transport=\"websocket\"}") == 1; }, 5s));
    // Not drained here: with a receive buffer below the loopback MSS the kernel trickles the
    // rest out through zero-window probes (a property of this test client, not of the server).
}

TEST_F(StreamSessions, ShutdownClosesWebSocketsWith1001AndEndsSseStreams) {
    start();
    auto client = ws("alice");
    auto stream = sse("bob");
    waitSubscribers(2);
    server_->api().closeAll();
    auto code = client->waitClose();
    ASSERT_TRUE(code) << code.error().message();
    EXPECT_EQ(*code, 1001u);
    EXPECT_TRUE(stream->waitClosed());
    // Late comers are closed at once.
    WsClient late("127.0.0.1", server_->port());
    ASSERT_TRUE(late.connect("/api/v2/events", bearer("alice")));
    auto late_code = late.waitClose();
    ASSERT_TRUE(late_code);
    EXPECT_EQ(*late_code, 1001u);
}

TEST_F(StreamSessions, AnExpiredAccessTokenEndsTheStream) {
    start({.access_ttl = 2s});
    auto client = ws("alice");
    auto stream = sse("alice");
    waitSubscribers(2);
    auto code = client->waitClose(6s);
    ASSERT_TRUE(code) << code.error().message();
    EXPECT_EQ(*code, 1008u);
    EXPECT_EQ(client->closeReason(), "token expired");
    EXPECT_TRUE(stream->waitClosed(3s));
    EXPECT_EQ(server_->metric(droppedSeries("websocket", "token_expired")), 1);
    EXPECT_EQ(server_->metric(droppedSeries("sse", "token_expired")), 1);
}

TEST_F(StreamSessions, TheServerPingsWebSocketClients) {
    start({.ping_interval = 1s});
    auto client = ws("alice");
    auto message = client->readText(2500ms);  // nothing to read; pings are answered meanwhile
    EXPECT_FALSE(message);
    EXPECT_GE(client->pingsReceived(), 1u);
    EXPECT_TRUE(client->isOpen());
    auto ids = ringCall(alice_);
    EXPECT_EQ(readIds(*client, 3), ids);  // answering pings keeps the stream alive
}

TEST_F(StreamSessions, AWebSocketClientThatAnswersNoPingIsDropped) {
    start({.ping_interval = 1s});
    testhttp::RawConnection raw("127.0.0.1", server_->port());
    ASSERT_TRUE(raw.connect());
    std::string upgrade =
        "GET /api/v2/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " +
        server_->token("alice") + "\r\n\r\n";
    ASSERT_TRUE(raw.send(upgrade));
    auto head = raw.readUntil("\r\n\r\n");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->rfind("HTTP/1.1 101", 0), 0u) << *head;
    auto opened = std::chrono::steady_clock::now();
    EXPECT_TRUE(raw.waitClosed(6s));
    EXPECT_GE(std::chrono::steady_clock::now() - opened, 1500ms);
    // Beast cuts the connection, then the session's reader learns why.
    auto series = droppedSeries("websocket", "ping_timeout");
    EXPECT_TRUE(waitUntil([&] { return server_->metric(series) == 1; }, 2s));
    EXPECT_TRUE(waitUntil([&] { return server_->hub().subscribers() == 0; }, 2s));
}

TEST_F(StreamSessions, AClientCloseEndsTheSession) {
    start();
    auto client = ws("alice");
    waitSubscribers(1);
    ASSERT_TRUE(client->close());
    EXPECT_TRUE(waitUntil([&] { return server_->hub().subscribers() == 0; }, 5s));
    EXPECT_TRUE(waitUntil(
        [&] { return server_->metric("event_stream_clients{transport=\"websocket\"}") == 0; }, 5s));
}

// ---- Server-Sent Events ----

TEST_F(StreamSessions, SseAnswersWithAStreamHeadAndEventFrames) {
    start({.allowed_origins = {"https://app.example.com"}});
    SseClient client("127.0.0.1", server_->port());
    auto headers = bearer("alice");
    headers.emplace_back("X-Request-ID", "trace-sse-1");
    headers.emplace_back("Origin", "https://app.example.com");
    auto head = client.open("/api/v2/events/stream", headers);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(head->header("Content-Type").value_or(""), "text/event-stream");
    EXPECT_EQ(head->header("Cache-Control").value_or(""), "no-cache");
    EXPECT_EQ(head->header("X-Accel-Buffering").value_or(""), "no");
    EXPECT_EQ(head->header("X-Request-ID").value_or(""), "trace-sse-1");
    EXPECT_EQ(head->header("Access-Control-Allow-Origin").value_or(""), "https://app.example.com");
    EXPECT_FALSE(head->header("Content-Length"));
    waitSubscribers(1);
    auto ids = ringCall(alice_);
    ringCall(bob_);
    EXPECT_EQ(readIds(client, 3), ids);
    EXPECT_EQ(server_->metric("event_stream_clients{transport=\"sse\"}"), 1);
}

TEST_F(StreamSessions, SseAcceptsTheTokenAndLastEventIdInTheQuery) {
    start();
    auto before = ringCall(bob_);
    SseClient client("127.0.0.1", server_->port());
    auto head = client.open("/api/v2/events/stream?access_token=" + server_->token("bob") +
                            "&last_event_id=" + std::to_string(before[0]));
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(readIds(client, 2), (std::vector<std::int64_t>{before[1], before[2]}));
}

TEST_F(StreamSessions, SseResumesAfterLastEventIdWithoutGapOrDuplicate) {
    start();
    auto first = ringCall(alice_);
    ringCall(bob_);  // not alice's: never replayed to her
    auto second = ringCall(alice_);
    auto stream = sse("alice", "", {{"Last-Event-ID", std::to_string(first[1])}});
    // The replay: everything of alice's after first[1].
    EXPECT_EQ(readIds(*stream, 4),
              (std::vector<std::int64_t>{first[2], second[0], second[1], second[2]}));
    waitSubscribers(1);
    auto third = ringCall(alice_);
    EXPECT_EQ(readIds(*stream, 3), third);
    EXPECT_FALSE(stream->nextEvent(300ms));
}

TEST_F(StreamSessions, SseResumeWhileEventsKeepComingAndTheQueueOverflowsMissesNothing) {
    // A tiny queue: live events overflow it while the long replay runs, which must not matter.
    start({.queue_limit = 2});
    // 1,200 stored events, some 600 KB of frames: far more than the socket buffers of a client
    // that reads nothing (its receive window grows only as it reads), so the replay stalls on
    // them. A client that reads while events are written can let the whole replay through
    // first, and then the live events overflow the queue after it, which ends the stream.
    for (int i = 0; i < 400; ++i) ringCall(alice_);
    auto stream = sse("alice", "", {{"Last-Event-ID", "0"}});
    waitSubscribers(1);
    std::int64_t last_live = 0;
    for (int i = 0; i < 20; ++i) {
        std::int64_t ignored = 0;
        auto call = server_->store().createCall(alice_, &ignored);
        last_live = server_->store().advance(call, CallStatus::kFailed);
        server_->feed().notify();
    }
    waitPublished(last_live);  // 40 live events through a queue of 2: it overflowed

    auto stored = server_->store().calls().eventsAfter(0, 100000).value();
    std::vector<std::int64_t> got;
    while (got.size() < stored.size()) {
        auto more = readIds(*stream, 1);
        if (more.empty()) break;
        got.push_back(more[0]);
    }
    ASSERT_EQ(got.size(), stored.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i], stored[i].event_id) << "at " << i;
    }
    EXPECT_EQ(server_->metric(droppedSeries("sse", "slow_consumer")), 0);
}

TEST_F(StreamSessions, SsePingsAreComments) {
    start({.ping_interval = 1s});
    auto stream = sse("alice");
    auto frame = stream->next(2500ms);
    ASSERT_TRUE(frame) << frame.error().message();
    ASSERT_TRUE(frame->comment);
    EXPECT_EQ(*frame->comment, "ping");
}

TEST_F(StreamSessions, AnSseClientThatDisconnectsIsForgotten) {
    start();
    auto stream = sse("alice");
    waitSubscribers(1);
    stream->close();
    EXPECT_TRUE(waitUntil([&] { return server_->hub().subscribers() == 0; }, 5s));
    EXPECT_TRUE(waitUntil(
        [&] { return server_->metric("event_stream_clients{transport=\"sse\"}") == 0; }, 5s));
}

}  // namespace
}  // namespace ccapi::events
