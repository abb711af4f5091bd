// The event streams of the real service (SPEC §2 "Events out"): real calls through the ARI
// simulator, real WebSocket and SSE clients over loopback, on SQLite and on PostgreSQL.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "fakes/http/sse_client.hpp"
#include "fakes/http/wait.hpp"
#include "fakes/http/ws_client.hpp"
#include "integration/calls/calls_fixture.hpp"

namespace ccapi::itest {
namespace {

using namespace std::chrono_literals;
using testhttp::SseClient;
using testhttp::waitUntil;
using testhttp::WsClient;

std::string str(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class EventStreams : public CallsTest {
protected:
    std::unique_ptr<WsClient> ws(const std::string& token, const std::string& query = "") {
        auto client = std::make_unique<WsClient>(service().host(), service().port());
        auto connected =
            client->connect("/api/v2/events" + query, {{"Authorization", "Bearer " + token}});
        EXPECT_TRUE(connected) << connected.error().message() << " "
                               << client->handshakeResponse().body;
        return client;
    }

    std::unique_ptr<SseClient> sse(const std::string& token, testhttp::HeaderList headers = {},
                                   const std::string& query = "") {
        auto client = std::make_unique<SseClient>(service().host(), service().port());
        headers.emplace_back("Authorization", "Bearer " + token);
        auto opened = client->open("/api/v2/events/stream" + query, headers);
        EXPECT_TRUE(opened) << opened.error().message();
        if (opened) {
            EXPECT_EQ(opened->status, 200u);
        }
        return client;
    }

    // One series of GET /metrics (-1 when absent).
    double metric(const std::string& series) {
        auto r = client().get("/metrics");
        if (!r || r->status != 200) return -1;
        std::istringstream text(r->body);
        std::string line;
        while (std::getline(text, line)) {
            if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
        }
        return -1;
    }

    // Streams are live (subscribed) once counted in event_stream_clients.
    void waitClients(const std::string& transport, double n) {
        auto series = "event_stream_clients{transport=\"" + transport + "\"}";
        ASSERT_TRUE(waitUntil([&] { return metric(series) == n; }, 10s, 20ms))
            << series << " = " << metric(series);
    }

    std::string call(const std::string& token, const std::string& number,
                     const boost::json::value& body = nullptr) {
        auto r = post(token, "/api/v2/interaction/" + number, body);
        EXPECT_EQ(r.status, 201u) << r.body;
        return r.status == 201 ? str(r.json().as_object().at("call_id")) : "";
    }

    // The stored timeline's event ids (GET /api/v2/calls/{id}/events).
    std::vector<std::int64_t> eventIds(const std::string& token, const std::string& call_id) {
        auto c = client();
        auto r =
            c.get("/api/v2/calls/" + call_id + "/events", {{"Authorization", "Bearer " + token}});
        std::vector<std::int64_t> out;
        EXPECT_TRUE(r && r->status == 200);
        if (!r || r->status != 200) return out;
        auto body = r->json();
        for (const auto& e : body.as_object().at("events").as_array()) {
            out.push_back(e.as_object().at("event_id").as_int64());
        }
        return out;
    }

    std::vector<std::int64_t> allEventIds(const std::vector<std::string>& call_ids) {
        std::vector<std::int64_t> all;
        for (const auto& id : call_ids) {
            auto ids = eventIds(root_, id);
            all.insert(all.end(), ids.begin(), ids.end());
        }
        std::sort(all.begin(), all.end());
        return all;
    }

    // Reads WebSocket messages until `n` arrived (or a read fails); their JSON.
    static std::vector<boost::json::object> readMessages(WsClient& client, std::size_t n,
                                                         std::chrono::milliseconds each = 10s) {
        std::vector<boost::json::object> out;
        while (out.size() < n) {
            auto m = client.readJson(each);
            EXPECT_TRUE(m) << "after " << out.size() << " of " << n << ": " << m.error().message();
            if (!m) break;
            out.push_back(m->as_object());
        }
        return out;
    }

    static std::vector<std::int64_t> idsOf(const std::vector<boost::json::object>& messages) {
        std::vector<std::int64_t> out;
        for (const auto& m : messages) out.push_back(m.at("event_id").as_int64());
        return out;
    }

    static std::vector<std::int64_t> readSseIds(SseClient& client, std::size_t n) {
        std::vector<std::int64_t> out;
        while (out.size() < n) {
            auto frame = client.nextEvent(10s);
            EXPECT_TRUE(frame) << "after " << out.size() << " of " << n << ": "
                               << frame.error().message();
            if (!frame) break;
            EXPECT_EQ(frame->event, "call.status");
            auto data = boost::json::parse(frame->data).as_object();
            EXPECT_EQ(data.at("event_id").as_int64(), frame->id.value_or(-1));
            out.push_back(*frame->id);
        }
        return out;
    }
};

TEST_P(EventStreams, EachUserSeesOnlyTheirOwnCallsAndASuperuserSeesBoth) {
    startAll();
    auto alice = ws(alice_);
    auto bob = ws(bob_);
    auto root = ws(root_);
    waitClients("websocket", 3);
    auto alice_call = call(alice_, "+15550001000");
    auto bob_call = call(bob_, "+15550002001");  // busy
    waitForStatus(alice_, alice_call);
    waitForStatus(bob_, bob_call);
    auto alice_ids = eventIds(alice_, alice_call);
    auto bob_ids = eventIds(bob_, bob_call);

    auto alice_got = readMessages(*alice, alice_ids.size());
    EXPECT_EQ(idsOf(alice_got), alice_ids);
    for (const auto& m : alice_got) {
        EXPECT_EQ(str(m.at("type")), "call.status");
        EXPECT_EQ(str(m.at("call_id")), alice_call);
        EXPECT_EQ(str(m.at("call").as_object().at("call_id")), alice_call);
    }
    EXPECT_EQ(str(alice_got.back().at("status")), "completed");
    auto bob_got = readMessages(*bob, bob_ids.size());
    EXPECT_EQ(idsOf(bob_got), bob_ids);
    EXPECT_EQ(str(bob_got.back().at("status")), "busy");
    EXPECT_EQ(idsOf(readMessages(*root, alice_ids.size() + bob_ids.size())),
              allEventIds({alice_call, bob_call}));
    // Nothing else for anyone.
    EXPECT_FALSE(alice->readText(300ms));
    EXPECT_FALSE(bob->readText(50ms));
    EXPECT_FALSE(root->readText(50ms));
}

TEST_P(EventStreams, CallIdAndStatusFiltersNarrowTheStream) {
    startAll();
    // A call that rings for two seconds, then times out: its later events happen while the
    // filtered streams are connected.
    auto slow_call = call(alice_, "+15550003002", {{"timeout", 2000}});
    auto by_call = ws(alice_, "?call_id=" + slow_call);
    auto by_status = ws(root_, "?status=no_answer,busy&status=completed");
    waitClients("websocket", 2);
    auto other_call = call(alice_, "+15550001000");  // completed
    auto busy_call = call(bob_, "+15550002001");     // busy
    auto slow_done = waitForStatus(alice_, slow_call);
    EXPECT_EQ(str(slow_done.at("status")), "no_answer");
    waitForStatus(alice_, other_call);
    waitForStatus(bob_, busy_call);

    // by_call: only slow_call's events, the tail of its timeline, ending with no_answer.
    auto slow_ids = eventIds(alice_, slow_call);
    std::vector<boost::json::object> got;
    for (;;) {
        auto m = by_call->readJson(10s);
        ASSERT_TRUE(m) << m.error().message();
        got.push_back(m->as_object());
        if (str(got.back().at("status")) == "no_answer") break;
    }
    for (const auto& m : got) EXPECT_EQ(str(m.at("call_id")), slow_call);
    auto got_ids = idsOf(got);
    ASSERT_LE(got_ids.size(), slow_ids.size());
    EXPECT_TRUE(std::equal(got_ids.begin(), got_ids.end(), slow_ids.end() - got_ids.size()));
    EXPECT_FALSE(by_call->readText(300ms));

    // by_status: one terminal event per call, in event_id order.
    auto statuses = readMessages(*by_status, 3);
    std::set<std::string> seen;
    for (const auto& m : statuses) seen.insert(str(m.at("status")));
    EXPECT_EQ(seen, (std::set<std::string>{"no_answer", "busy", "completed"}));
    auto status_ids = idsOf(statuses);
    EXPECT_TRUE(std::is_sorted(status_ids.begin(), status_ids.end()));
    EXPECT_FALSE(by_status->readText(300ms));
}

TEST_P(EventStreams, AClientThatStopsReadingIsDroppedWhileAnotherGetsEveryEvent) {
    // A small queue (bursts from the group commit stay well below it); the stalled client's small
    // receive buffer and the service's bounded send buffer fill after a few hundred messages.
    startAll({{"EVENT_STREAM_QUEUE_LIMIT", "100"}, {"MAX_CALLS_PER_SECOND", "50"}});
    auto stalled = ws(root_);
    ASSERT_TRUE(stalled->setReceiveBufferSize(4096));
    auto healthy = ws(root_);
    waitClients("websocket", 2);

    // The healthy client reads on its own thread all along.
    std::mutex mutex;
    std::vector<std::int64_t> received;
    std::atomic<bool> reading{true};
    std::string reader_error;
    std::thread reader([&] {
        while (reading.load()) {
            auto m = healthy->readJson(200ms);
            if (!m) {
                if (testhttp::isTimeout(m.error())) continue;
                std::lock_guard lock(mutex);
                reader_error = m.error().message();
                return;
            }
            std::lock_guard lock(mutex);
            received.push_back(m->as_object().at("event_id").as_int64());
        }
    });

    const std::string dropped =
        "event_stream_dropped_total{transport=\"websocket\",reason=\"slow_consumer\"}";
    std::vector<std::string> calls;
    // Batches of calls, each played out before the next, until the stalled client is dropped
    // (the calls are accepted long before their events happen).
    while (metric(dropped) < 1 && calls.size() < 300) {
        std::vector<std::string> batch;
        for (int i = 0; i < 10; ++i) {
            auto id = call(root_, "+15550001000");  // a failure is reported by call()
            if (!id.empty()) batch.push_back(id);
        }
        if (batch.empty()) break;
        for (const auto& id : batch) waitForStatus(root_, id);
        calls.insert(calls.end(), batch.begin(), batch.end());
    }
    EXPECT_EQ(metric(dropped), 1) << "after " << calls.size() << " calls";
    for (const auto& id : calls) waitForStatus(root_, id);
    auto expected = allEventIds(calls);
    EXPECT_TRUE(waitUntil(
        [&] {
            std::lock_guard lock(mutex);
            return received.size() >= expected.size() || !reader_error.empty();
        },
        20s));
    reading = false;
    reader.join();
    EXPECT_EQ(reader_error, "");
    std::vector<std::int64_t> got;
    {
        std::lock_guard lock(mutex);
        got = received;
    }
    // Every event of every call, once, in order (nothing else was happening).
    EXPECT_EQ(got, expected);
    waitClients("websocket", 1);  // the stalled one is gone, the healthy one still there
}

TEST_P(EventStreams, SseResumesFromLastEventIdWithoutGapOrDuplicate) {
    startAll();
    auto first = sse(root_);
    waitClients("sse", 1);
    std::vector<std::string> calls;
    calls.push_back(call(alice_, "+15550001000"));
    calls.push_back(call(bob_, "+15550002001"));
    for (const auto& id : calls) waitForStatus(root_, id);
    auto before = allEventIds(calls);
    ASSERT_GE(before.size(), 6u);
    // Read up to event k, then go away.
    auto head = readSseIds(*first, 4);
    ASSERT_EQ(head, std::vector<std::int64_t>(before.begin(), before.begin() + 4));
    auto k = head.back();
    first->close();
    waitClients("sse", 0);

    // Events while disconnected.
    calls.push_back(call(alice_, "+15550003001"));  // busy
    calls.push_back(call(root_, "+15550001000"));
    for (const auto& id : calls) waitForStatus(root_, id);

    auto resumed = sse(root_, {{"Last-Event-ID", std::to_string(k)}});
    auto all = allEventIds(calls);
    std::vector<std::int64_t> after_k;
    std::copy_if(all.begin(), all.end(), std::back_inserter(after_k),
                 [k](std::int64_t id) { return id > k; });
    EXPECT_EQ(readSseIds(*resumed, after_k.size()), after_k);

    // Then live, seamlessly.
    auto live_call = call(bob_, "+15550001000");
    waitForStatus(bob_, live_call);
    auto live = eventIds(bob_, live_call);
    EXPECT_EQ(readSseIds(*resumed, live.size()), live);
    EXPECT_FALSE(resumed->nextEvent(300ms));

    // A normal user's resume replays only their own calls.
    auto bobs = sse(bob_, {{"Last-Event-ID", std::to_string(k)}});
    std::vector<std::int64_t> bob_after_k;
    for (const auto& id : calls) {
        for (auto e : eventIds(root_, id)) {
            if (e > k && id == calls[1]) bob_after_k.push_back(e);
        }
    }
    for (auto e : live) bob_after_k.push_back(e);
    std::sort(bob_after_k.begin(), bob_after_k.end());
    EXPECT_EQ(readSseIds(*bobs, bob_after_k.size()), bob_after_k);
}

TEST_P(EventStreams, BothTransportsPingAtTheConfiguredInterval) {
    startAll({{"EVENT_STREAM_PING_SECONDS", "1"}});
    auto stream = sse(alice_);
    auto frame = stream->next(2500ms);
    ASSERT_TRUE(frame) << frame.error().message();
    ASSERT_TRUE(frame->comment);
    EXPECT_EQ(*frame->comment, "ping");

    auto socket = ws(alice_);
    EXPECT_FALSE(socket->readText(2500ms));  // no event; pings are answered meanwhile
    EXPECT_GE(socket->pingsReceived(), 1u);
    EXPECT_TRUE(socket->isOpen());
}

TEST_P(EventStreams, RefusalsAndQueryTokensAndTokensNeverLogged) {
    startAll();
    WsClient no_token(service().host(), service().port());
    EXPECT_FALSE(no_token.connect("/api/v2/events"));
    EXPECT_EQ(no_token.handshakeResponse().status, 401u);
    EXPECT_EQ(str(no_token.handshakeResponse().json().as_object().at("code")), "unauthorized");

    WsClient bad_filter(service().host(), service().port());
    EXPECT_FALSE(
        bad_filter.connect("/api/v2/events?call_id=nope", {{"Authorization", "Bearer " + alice_}}));
    EXPECT_EQ(bad_filter.handshakeResponse().status, 400u);
    EXPECT_EQ(str(bad_filter.handshakeResponse().json().as_object().at("code")), "invalid_filter");

    auto c = client();
    auto plain = c.get("/api/v2/events", {{"Authorization", "Bearer " + alice_}});
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 426u);
    EXPECT_EQ(str(plain->json().as_object().at("code")), "upgrade_required");
    auto sse_no_token = c.get("/api/v2/events/stream");
    EXPECT_EQ(sse_no_token->status, 401u);
    auto sse_bad_status =
        c.get("/api/v2/events/stream?status=nope", {{"Authorization", "Bearer " + alice_}});
    EXPECT_EQ(sse_bad_status->status, 400u);

    // ?access_token= for browsers, on both transports.
    WsClient by_query(service().host(), service().port());
    ASSERT_TRUE(by_query.connect("/api/v2/events?access_token=" + alice_));
    SseClient sse_by_query(service().host(), service().port());
    auto head = sse_by_query.open("/api/v2/events/stream?access_token=" + alice_);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200u);
    waitClients("websocket", 1);
    waitClients("sse", 1);
    auto id = call(alice_, "+15550001000");
    waitForStatus(alice_, id);
    auto ids = eventIds(alice_, id);
    EXPECT_EQ(idsOf(readMessages(by_query, ids.size())), ids);
    EXPECT_EQ(readSseIds(sse_by_query, ids.size()), ids);

    // The token travelled in query strings: it must appear in no log line.
    auto output = service().stdoutText() + service().stderrText();
    EXPECT_NE(output.find("/api/v2/events"), std::string::npos);  // the requests were logged
    EXPECT_EQ(output.find(alice_), std::string::npos);
    EXPECT_EQ(output.find("access_token="), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, EventStreams, ::testing::Values("sqlite", "postgresql"),
                         backendName);

}  // namespace
}  // namespace ccapi::itest
