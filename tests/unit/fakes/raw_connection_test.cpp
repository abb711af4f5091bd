#include "fakes/http/raw_connection.hpp"

#include <gtest/gtest.h>

#include "echo_server.hpp"

namespace ccapi::testhttp {
namespace {

using namespace std::chrono_literals;

class RawConnectionTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(raw.connect()); }

    EchoServer server;
    RawConnection raw{"127.0.0.1", server.port()};
};

TEST_F(RawConnectionTest, AMalformedRequestLineGets400AndAClose) {
    ASSERT_TRUE(raw.send("GARBAGE\r\n\r\n"));
    auto read = raw.readUntilClose(2s);
    EXPECT_TRUE(read.text.starts_with("HTTP/1.1 400")) << read.text;
    EXPECT_TRUE(read.closed);
    EXPECT_FALSE(read.timed_out);
}

TEST_F(RawConnectionTest, OversizedHeadersGet431) {
    std::string request =
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
    ASSERT_TRUE(raw.send(request));
    auto response = raw.readResponse(2s);
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 431u);
    EXPECT_TRUE(raw.waitClosed(2s));
}

TEST_F(RawConnectionTest, ATruncatedBodyThenHalfCloseIsRejected) {
    ASSERT_TRUE(raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    ASSERT_TRUE(raw.shutdownSend());
    auto read = raw.readUntilClose(2s);
    EXPECT_TRUE(read.text.starts_with("HTTP/1.1 400")) << read.text;
    EXPECT_TRUE(read.closed);
}

TEST_F(RawConnectionTest, TrickledBytesStillMakeARequest) {
    ASSERT_TRUE(raw.sendSlowly("GET /live HTTP/1.1\r\nHost: x\r\n\r\n", 4, 2ms));
    auto response = raw.readResponse(2s);
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 200u);
    EXPECT_EQ(response->body, "live");
}

TEST_F(RawConnectionTest, PipelinedResponsesAreReadOneByOne) {
    ASSERT_TRUE(
        raw.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto first = raw.readResponse(2s);
    auto second = raw.readResponse(2s);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->json().at("target"), "/first");
    EXPECT_EQ(second->json().at("target"), "/second");
}

TEST_F(RawConnectionTest, AQuietServerTimesOutWithoutClosing) {
    auto nothing = raw.readSome(100ms);
    ASSERT_FALSE(nothing);
    EXPECT_TRUE(isTimeout(nothing.error())) << nothing.error().message();
    auto read = raw.readUntilClose(100ms);
    EXPECT_TRUE(read.timed_out);
    EXPECT_FALSE(read.closed);
    // Still usable afterwards.
    ASSERT_TRUE(raw.send("GET /live HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto head = raw.readUntil("\r\n\r\n", 2s);
    ASSERT_TRUE(head) << head.error().message();
    EXPECT_TRUE(head->starts_with("HTTP/1.1 200 OK\r\n")) << *head;
    auto rest = raw.readSome(2s);
    ASSERT_TRUE(rest);
    EXPECT_EQ(*rest, "live");
}

TEST_F(RawConnectionTest, SeesTheServerClose) {
    ASSERT_TRUE(raw.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto response = raw.readResponse(2s);
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 200u);
    EXPECT_TRUE(raw.waitClosed(2s));
    auto after = raw.readSome(100ms);
    ASSERT_FALSE(after);
    EXPECT_TRUE(isConnectionClosed(after.error())) << after.error().message();
}

}  // namespace
}  // namespace ccapi::testhttp
