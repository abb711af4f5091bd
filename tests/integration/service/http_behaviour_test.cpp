// The HTTP core as a client sees it: errors in the SPEC's shape, request ids, CORS, keep-alive
// and pipelining, limits, malformed input, slow clients and graceful shutdown.
#include <boost/json.hpp>
#include <thread>

#include "fakes/http/raw_connection.hpp"
#include "fakes/http/wait.hpp"
#include "integration/service/service_fixture.hpp"

namespace ccapi::itest {
namespace {

using HttpBehaviour = ServiceTest;
using testhttp::RawConnection;
using namespace std::chrono_literals;

void expectErrorShape(const testhttp::Response& r, unsigned status, const std::string& code) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    auto body = r.json().as_object();
    EXPECT_EQ(body.at("code").as_string(), code);
    EXPECT_TRUE(body.at("detail").is_string());
    EXPECT_EQ(std::string(body.at("request_id").as_string()),
              r.header("X-Request-ID").value_or("?"));
}

TEST_P(HttpBehaviour, UnknownPathIs404InErrorShape) {
    start();
    auto c = client();
    auto r = c.get("/api/v2/nothing");
    ASSERT_TRUE(r);
    expectErrorShape(*r, 404, "not_found");
}

TEST_P(HttpBehaviour, WrongMethodIs405WithAllow) {
    start();
    auto c = client();
    auto r = c.request("DELETE", "/health");
    ASSERT_TRUE(r);
    expectErrorShape(*r, 405, "method_not_allowed");
    EXPECT_EQ(r->header("Allow"), "GET, HEAD");
}

TEST_P(HttpBehaviour, RequestIdIsEchoedOrGenerated) {
    start();
    auto c = client();
    auto echoed = c.get("/live", {{"X-Request-ID", "trace-abc-123"}});
    EXPECT_EQ(echoed->header("X-Request-ID"), "trace-abc-123");
    auto generated = c.get("/live");
    auto id = generated->header("X-Request-ID");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->size(), 32u);
    auto hostile = c.get("/live", {{"X-Request-ID", std::string(300, 'a')}});
    EXPECT_NE(hostile->header("X-Request-ID"), std::string(300, 'a'));
}

TEST_P(HttpBehaviour, AccessLogHasOneLinePerRequestAndNoSecrets) {
    start();
    auto c = client();
    c.get("/health?access_token=very-secret-token", {{"X-Request-ID", "log-check-1"}});
    c.postForm("/api/v2/token", {{"username", "x"}, {"password", "hunter2-secret"}});
    service().stop();
    service().waitExit();
    auto logs = service().stderrText();
    EXPECT_NE(logs.find("\"request_id\":\"log-check-1\""), std::string::npos) << logs;
    EXPECT_NE(logs.find("\"route\":\"/health\""), std::string::npos);
    EXPECT_EQ(logs.find("very-secret-token"), std::string::npos);
    EXPECT_EQ(logs.find("hunter2-secret"), std::string::npos);
    EXPECT_EQ(logs.find(kSecret), std::string::npos);
}

TEST_P(HttpBehaviour, CorsPreflightForAnAllowedOrigin) {
    start({{"ALLOWED_ORIGINS", "https://app.example.com,https://admin.example.com"}});
    auto c = client();
    auto pre = c.request("OPTIONS", "/api/v2/token",
                         {{"Origin", "https://app.example.com"},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "authorization,content-type"}});
    ASSERT_TRUE(pre);
    EXPECT_EQ(pre->status, 200u);
    EXPECT_EQ(pre->header("Access-Control-Allow-Origin"), "https://app.example.com");
    EXPECT_NE(pre->header("Access-Control-Allow-Methods").value_or("").find("POST"),
              std::string::npos);
    EXPECT_EQ(pre->header("Access-Control-Allow-Headers"), "authorization,content-type");

    auto denied = c.request(
        "OPTIONS", "/api/v2/token",
        {{"Origin", "https://evil.example.com"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(denied->status, 400u);
    EXPECT_FALSE(denied->header("Access-Control-Allow-Origin"));

    auto simple = c.get("/health", {{"Origin", "https://admin.example.com"}});
    EXPECT_EQ(simple->header("Access-Control-Allow-Origin"), "https://admin.example.com");
    EXPECT_EQ(simple->header("Vary"), "Origin");
    auto other = c.get("/health", {{"Origin", "https://evil.example.com"}});
    EXPECT_FALSE(other->header("Access-Control-Allow-Origin"));
}

TEST_P(HttpBehaviour, KeepAliveAndPipelinedRequestsAnswerInOrder) {
    start();
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    ASSERT_TRUE(
        raw.send("GET /live HTTP/1.1\r\nHost: x\r\nX-Request-ID: one\r\n\r\n"
                 "GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-ID: two\r\n\r\n"
                 "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: three\r\n\r\n"));
    auto first = raw.readResponse();
    auto second = raw.readResponse();
    auto third = raw.readResponse();
    ASSERT_TRUE(first && second && third);
    EXPECT_EQ(first->header("X-Request-ID"), "one");
    EXPECT_EQ(first->status, 200u);
    EXPECT_EQ(second->header("X-Request-ID"), "two");
    EXPECT_EQ(second->status, 404u);
    EXPECT_EQ(third->header("X-Request-ID"), "three");
    EXPECT_TRUE(raw.isOpen());
}

TEST_P(HttpBehaviour, BodyOverOneMegabyteIs413) {
    start();
    auto c = client();
    auto r =
        c.request("POST", "/api/v2/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
                  std::string((1 << 20) + 10, 'a'));
    ASSERT_TRUE(r);
    expectErrorShape(*r, 413, "payload_too_large");
    EXPECT_EQ(client().get("/live").value().status, 200u);
}

// A client uploading far more than the socket buffers hold is still writing when we answer; it
// must read our 413, not have its write cut by a reset because we closed with its bytes unread.
TEST_P(HttpBehaviour, ClientStillSendingAnOversizedBodyReadsThe413) {
    start();
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    const std::size_t body_bytes = 16u << 20;
    auto sent = raw.send(
        "POST /api/v2/token HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
        std::to_string(body_bytes) + "\r\n\r\n" + std::string(body_bytes, 'a'));
    ASSERT_TRUE(sent) << sent.error().message();
    auto r = raw.readResponse();
    ASSERT_TRUE(r) << r.error().message();
    expectErrorShape(*r, 413, "payload_too_large");
    EXPECT_TRUE(raw.waitClosed());
}

// The read-away after a refusal is bounded: a client that neither finishes nor closes is cut off.
TEST_P(HttpBehaviour, RefusedClientThatNeverFinishesIsClosed) {
    start();
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    ASSERT_TRUE(
        raw.send("POST /api/v2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n"
                 "\r\npartial"));
    auto r = raw.readResponse();
    ASSERT_TRUE(r);
    expectErrorShape(*r, 413, "payload_too_large");
    // Our side is half-closed now; keep trickling the body (10 s worth) until the server hangs up.
    auto trickled = raw.sendSlowly(std::string(100 * 10240, 'a'), 10240,
                                   std::chrono::milliseconds(100), std::chrono::seconds(30));
    EXPECT_FALSE(trickled);
}

TEST_P(HttpBehaviour, OversizedHeadersAre431) {
    start();
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    ASSERT_TRUE(raw.send("GET /live HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'h') +
                         "\r\n\r\n"));
    auto r = raw.readResponse();
    ASSERT_TRUE(r);
    expectErrorShape(*r, 431, "headers_too_large");
    EXPECT_EQ(client().get("/live").value().status, 200u);
}

TEST_P(HttpBehaviour, MalformedRequestsGet400AndTheServerKeepsServing) {
    start();
    for (std::string garbage :
         {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
          std::string("GET /live HTTP/1.1\r\nHost x\r\n\r\n"),
          std::string("POST /api/v2/token HTTP/1.1\r\nHost: x\r\n"
                      "Content-Length: banana\r\n\r\n"),
          std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}) {
        RawConnection raw(service().host(), service().port());
        ASSERT_TRUE(raw.connect());
        ASSERT_TRUE(raw.send(garbage));
        auto r = raw.readResponse();
        ASSERT_TRUE(r) << garbage;
        EXPECT_EQ(r->status, 400u) << garbage;
        EXPECT_TRUE(raw.waitClosed());
    }
    EXPECT_EQ(client().get("/live").value().status, 200u);
}

TEST_P(HttpBehaviour, TruncatedBodyIs400) {
    start();
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    ASSERT_TRUE(
        raw.send("POST /api/v2/token HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: 100\r\n\r\nusername=a"));
    ASSERT_TRUE(raw.shutdownSend());
    auto r = raw.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
    EXPECT_EQ(client().get("/live").value().status, 200u);
}

TEST_P(HttpBehaviour, ClientThatTricklesBytesIsCutOff) {
    start({{"REQUEST_TIMEOUT_SECONDS", "1"}});
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    // One byte every 300 ms never completes a request within the 1 s request deadline.
    auto sent = raw.sendSlowly(
        "GET /live HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa\r\n\r\n", 1, 300ms, 30s);
    auto rest = raw.readUntilClose(10s);
    EXPECT_TRUE(rest.closed || !sent);
    EXPECT_NE(rest.text.find("408"), std::string::npos) << rest.text;
    EXPECT_EQ(client().get("/live").value().status, 200u);
}

TEST_P(HttpBehaviour, ARequestWhoseFirstByteArrivesAloneIsServed) {
    start();
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    // The idle connection's first read takes in just "G"; the parser must go on from it.
    ASSERT_TRUE(raw.send("G"));
    std::this_thread::sleep_for(100ms);  // let that byte be read alone (not an assertion)
    ASSERT_TRUE(raw.send("ET /live HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = raw.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
}

TEST_P(HttpBehaviour, AnIdleConnectionWaitsForItsNextRequestUnderTheIdleTimeout) {
    // Between requests the idle timeout applies, not the (shorter) request timeout.
    start({{"REQUEST_TIMEOUT_SECONDS", "1"}, {"IDLE_TIMEOUT_SECONDS", "30"}});
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    ASSERT_TRUE(raw.send("GET /live HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto first = raw.readResponse();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 200u);
    std::this_thread::sleep_for(2500ms);  // past the request timeout, idle all along
    ASSERT_TRUE(raw.send("GET /live HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto second = raw.readResponse();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 200u);
}

TEST_P(HttpBehaviour, IdleKeepAliveConnectionsAreClosed) {
    start({{"IDLE_TIMEOUT_SECONDS", "1"}});
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    EXPECT_TRUE(raw.waitClosed(10s));
}

TEST_P(HttpBehaviour, GracefulShutdownFinishesTheRequestInFlight) {
    start({{"SHUTDOWN_GRACE_SECONDS", "10"}});
    RawConnection raw(service().host(), service().port());
    ASSERT_TRUE(raw.connect());
    // Half a request: the connection is busy, not idle, when the signal arrives.
    ASSERT_TRUE(
        raw.send("POST /api/v2/token HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: 21\r\n\r\nusername=a"));
    // Give the server a moment to read the first half (synchronisation, not an assertion).
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(service().stop(SIGTERM));
    // New connections are refused once the listeners are closed.
    EXPECT_TRUE(testhttp::waitUntil(
        [&] {
            RawConnection probe(service().host(), service().port());
            return !probe.connect(200ms);
        },
        5s));
    ASSERT_TRUE(raw.send("&password=b"));
    auto r = raw.readResponse(10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401u);
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_EQ(service().waitExit(15s), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpBehaviour, ::testing::Values("sqlite", "postgresql"),
                         backendName);

}  // namespace
}  // namespace ccapi::itest
