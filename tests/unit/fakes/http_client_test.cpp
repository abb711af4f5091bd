#include "fakes/http/http_client.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "echo_server.hpp"
#include "fakes/http/service_process.hpp"

namespace ccapi::testhttp {
namespace {

using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
protected:
    EchoServer server;
    HttpClient client{"127.0.0.1", server.port(), 5s};
};

TEST_F(HttpClientTest, SendsHeadersAndReadsStatusHeadersAndJson) {
    auto response = client.get("/echo?x=1", {{"X-Request-ID", "abc"}});
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 200u);
    EXPECT_EQ(response->header("content-type"), "application/json");
    EXPECT_EQ(response->header("CONTENT-TYPE"), "application/json");
    EXPECT_FALSE(response->headers.has("X-Missing"));
    auto body = response->json();
    EXPECT_EQ(body.at("method"), "GET");
    EXPECT_EQ(body.at("target"), "/echo?x=1");
    EXPECT_EQ(body.at("headers").at("x-request-id"), "abc");
    EXPECT_EQ(body.at("headers").at("host").as_string(),
              "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(HttpClientTest, PostJsonSendsTheDocumentWithItsContentType) {
    auto response = client.postJson("/calls", {{"phone_number", "+15551234567"}});
    ASSERT_TRUE(response) << response.error().message();
    auto body = response->json();
    EXPECT_EQ(body.at("method"), "POST");
    EXPECT_EQ(body.at("headers").at("content-type"), "application/json");
    EXPECT_EQ(body.at("body"), R"({"phone_number":"+15551234567"})");
}

TEST_F(HttpClientTest, PostFormEncodesFieldsLikeABrowser) {
    auto response = client.postForm("/token", {{"username", "a b"}, {"password", "p&q=\xC3\xA9"}});
    ASSERT_TRUE(response) << response.error().message();
    auto body = response->json();
    EXPECT_EQ(body.at("headers").at("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(body.at("body"), "username=a+b&password=p%26q%3D%C3%A9");
}

TEST_F(HttpClientTest, ArbitraryMethodsAndExplicitHeadersPassThrough) {
    auto response = client.request("PATCH", "/x", {{"Content-Type", "text/plain"}}, "raw");
    ASSERT_TRUE(response) << response.error().message();
    auto body = response->json();
    EXPECT_EQ(body.at("method"), "PATCH");
    EXPECT_EQ(body.at("headers").at("content-type"), "text/plain");
    EXPECT_EQ(body.at("headers").at("content-length"), "3");
    auto deleted = client.del("/calls/1");
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->json().at("method"), "DELETE");
}

TEST_F(HttpClientTest, ReportsNon2xxStatusesAsResponses) {
    auto response = client.get("/status/404");
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 404u);
    EXPECT_EQ(response->json().at("status"), 404);
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.get("/live"));
    EXPECT_EQ(client.connectionsOpened(), 1u);
    EXPECT_EQ(server.connectionsAccepted(), 1u);
    EXPECT_EQ(server.requestsServed(), 5u);
}

TEST_F(HttpClientTest, ReconnectsWhenTheServerClosedAnIdleConnection) {
    ASSERT_TRUE(client.get("/close-after"));
    ASSERT_TRUE(client.connected());
    // The server closed after answering; the next request notices and opens a new connection.
    auto response = client.get("/live");
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->body, "live");
    EXPECT_EQ(client.connectionsOpened(), 2u);
}

TEST_F(HttpClientTest, HonoursConnectionClose) {
    auto response = client.get("/close");
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->header("Connection"), "close");
    EXPECT_FALSE(client.connected());
    EXPECT_TRUE(client.get("/live"));
}

TEST_F(HttpClientTest, ADeadlineEndsARequestTheServerNeverAnswers) {
    auto start = std::chrono::steady_clock::now();
    auto response = client.request("GET", "/hang", {}, {}, 200ms);
    ASSERT_FALSE(response);
    EXPECT_TRUE(isTimeout(response.error())) << response.error().message();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_FALSE(client.connected());
    EXPECT_TRUE(client.get("/live")) << "the client recovers on a new connection";
}

TEST_F(HttpClientTest, JsonOfANonJsonBodyFailsWithTheBody) {
    auto response = client.get("/text");
    ASSERT_TRUE(response);
    EXPECT_FALSE(response->tryJson());
    try {
        (void)response->json();
        FAIL() << "json() accepted a non-JSON body";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("this is not json"), std::string::npos);
    }
}

TEST(HttpClient, FailsFastWhenNothingListens) {
    HttpClient client("127.0.0.1", FreePort(), 2s);
    auto response = client.get("/live");
    ASSERT_FALSE(response);
    EXPECT_FALSE(isTimeout(response.error())) << response.error().message();
}

TEST(FormEncode, EscapesReservedAndNonAsciiBytes) {
    EXPECT_EQ(formEncode({{"grant_type", "password"}, {"k", "a+b/c~"}}),
              "grant_type=password&k=a%2Bb%2Fc%7E");
    EXPECT_EQ(formEncode({}), "");
}

}  // namespace
}  // namespace ccapi::testhttp
