// One webhook attempt against real receivers on loopback: headers, deadline, redirects, TLS,
// and the refusal to call this service itself.
#include "webhooks/sender.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <optional>

#include "fakes/http/webhook_receiver.hpp"
#include "fakes/http/webhook_signature_check.hpp"
#include "io_thread.hpp"
#include "support/temp_dir.hpp"
#include "webhooks/signature.hpp"

namespace ccapi::webhooks {
namespace {

using namespace std::chrono_literals;
using testhttp::signatureVerifies;
using testhttp::WebhookReceiver;
using testhttp::WebhookReply;

// A loopback port nobody listens on: bound, never listened, so connects are refused.
class ClosedPort {
public:
    ClosedPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~ClosedPort() { ::close(fd_); }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

// An IPv4 address of this host other than loopback, if it has one.
std::optional<std::string> nonLoopbackAddress() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return std::nullopt;
    std::optional<std::string> found;
    for (ifaddrs* entry = list; entry != nullptr && !found; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
        const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        found = text;
    }
    ::freeifaddrs(list);
    return found;
}

class SenderTest : public ::testing::Test {
protected:
    SendResult send(const Sender& sender, WebhookRequest request) {
        auto result = io_.run(sender.send(std::move(request)));
        EXPECT_TRUE(result.has_value()) << "send() did not finish";
        return result.value_or(SendResult{});
    }
    SendResult send(const SenderOptions& options, const std::string& url,
                    std::string body = R"({"event_id":7})") {
        Sender sender(options);
        return send(sender, request(url, std::move(body)));
    }
    static WebhookRequest request(const std::string& url, std::string body = R"({"event_id":7})") {
        WebhookRequest r;
        r.url = url;
        r.body = std::move(body);
        r.event_id = 7;
        r.attempt = 3;
        r.signature = signatureHeader("whsec", 1'763'772'026, r.body);
        return r;
    }

    test::IoThread io_;
};

TEST_F(SenderTest, PostsTheBodyWithEveryWebhookHeader) {
    WebhookReceiver receiver;
    auto result = send(SenderOptions{}, receiver.url("/hooks/calls?tenant=a%20b&x=1"));
    EXPECT_TRUE(result.delivered());
    EXPECT_EQ(result.status_code, 200);
    EXPECT_EQ(result.error, "");
    ASSERT_EQ(receiver.requestCount(), 1u);
    auto got = receiver.requests().front();
    EXPECT_EQ(got.method, "POST");
    EXPECT_EQ(got.target, "/hooks/calls?tenant=a%20b&x=1");
    EXPECT_EQ(got.body, R"({"event_id":7})");
    EXPECT_EQ(got.header("Host"), "127.0.0.1:" + std::to_string(receiver.port()));
    EXPECT_EQ(got.header("Content-Type"), "application/json");
    EXPECT_EQ(got.header("User-Agent"), defaultUserAgent());
    EXPECT_EQ(got.header("User-Agent").rfind("ccapi-webhooks/", 0), 0u);
    EXPECT_EQ(got.header("X-Event-ID"), "7");
    EXPECT_EQ(got.header("X-Delivery-Attempt"), "3");
    EXPECT_EQ(got.header("Content-Length"), std::to_string(got.body.size()));
    EXPECT_TRUE(signatureVerifies(got.header("X-Signature"), "whsec", got.body))
        << got.header("X-Signature");
}

TEST_F(SenderTest, NoSignatureHeaderWithoutASecret) {
    WebhookReceiver receiver;
    Sender sender(SenderOptions{});
    auto unsigned_request = request(receiver.url());
    unsigned_request.signature.clear();
    EXPECT_TRUE(send(sender, unsigned_request).delivered());
    ASSERT_EQ(receiver.requestCount(), 1u);
    EXPECT_FALSE(receiver.requests().front().has("X-Signature"));
}

TEST_F(SenderTest, EmptyPathIsSlash) {
    WebhookReceiver receiver;
    EXPECT_TRUE(
        send(SenderOptions{}, "http://127.0.0.1:" + std::to_string(receiver.port())).delivered());
    ASSERT_EQ(receiver.requestCount(), 1u);
    EXPECT_EQ(receiver.requests().front().target, "/");
}

TEST_F(SenderTest, NonSuccessStatusIsAFailureWithItsCode) {
    WebhookReceiver receiver;
    receiver.answer({.status = 503, .body = "busy"});
    auto result = send(SenderOptions{}, receiver.url());
    EXPECT_FALSE(result.delivered());
    EXPECT_FALSE(result.permanent);
    EXPECT_EQ(result.status_code, 503);
}

TEST_F(SenderTest, RedirectIsNotFollowed) {
    WebhookReceiver receiver;
    WebhookReceiver elsewhere;
    receiver.answer({.status = 302, .location = elsewhere.url("/moved")});
    auto result = send(SenderOptions{}, receiver.url());
    EXPECT_FALSE(result.delivered());
    EXPECT_EQ(result.status_code, 302);
    EXPECT_EQ(result.error, "redirect not followed");
    EXPECT_FALSE(result.permanent);
    EXPECT_EQ(receiver.requestCount(), 1u);
    EXPECT_EQ(elsewhere.requestCount(), 0u);
}

TEST_F(SenderTest, HangingReceiverTimesOutAtTheDeadline) {
    WebhookReceiver receiver;
    receiver.answer({.hang = true});
    SenderOptions options;
    options.timeout = 300ms;
    auto started = std::chrono::steady_clock::now();
    auto result = send(options, receiver.url());
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(result.status_code.has_value());
    EXPECT_EQ(result.error, "timed out after 300 ms");
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 3s);
    EXPECT_GE(result.duration, 290ms);
    EXPECT_EQ(receiver.requestCount(), 1u);
    EXPECT_TRUE(receiver.waitForNoConnections()) << "the sender must close its connection";
}

TEST_F(SenderTest, TimeoutInWholeSecondsReadsInSeconds) {
    WebhookReceiver receiver;
    receiver.answer({.hang = true});
    SenderOptions options;
    options.timeout = 1s;
    EXPECT_EQ(send(options, receiver.url()).error, "timed out after 1 s");
}

TEST_F(SenderTest, SlowAnswerWithinTheDeadlineCounts) {
    WebhookReceiver receiver;
    receiver.answer({.status = 204, .delay = 150ms, .body = ""});
    SenderOptions options;
    options.timeout = 2s;
    auto result = send(options, receiver.url());
    EXPECT_TRUE(result.delivered());
    EXPECT_EQ(result.status_code, 204);
    EXPECT_GE(result.duration, 140ms);
}

TEST_F(SenderTest, SlowAnswerPastTheDeadlineTimesOut) {
    WebhookReceiver receiver;
    receiver.answer({.delay = 1s});
    SenderOptions options;
    options.timeout = 200ms;
    auto result = send(options, receiver.url());
    EXPECT_FALSE(result.delivered());
    EXPECT_EQ(result.error, "timed out after 200 ms");
}

TEST_F(SenderTest, LargeResponseBodyIsCappedAndStillCounts) {
    WebhookReceiver receiver;
    receiver.answer({.body = std::string(4 * 1024 * 1024, 'x')});
    SenderOptions options;
    options.max_response_body = 16 * 1024;
    auto result = send(options, receiver.url());
    EXPECT_TRUE(result.delivered());
    EXPECT_EQ(result.status_code, 200);
}

TEST_F(SenderTest, RefusedConnectionIsReported) {
    ClosedPort closed;
    auto result = send(SenderOptions{}, "http://127.0.0.1:" + std::to_string(closed.port()) + "/");
    EXPECT_FALSE(result.status_code.has_value());
    EXPECT_EQ(result.error, "connection refused");
    EXPECT_FALSE(result.permanent);
}

TEST_F(SenderTest, InvalidUrlIsPermanent) {
    for (std::string url : {"ftp://example.com/x", "not a url", "http://"}) {
        auto result = send(SenderOptions{}, url);
        EXPECT_TRUE(result.permanent) << url;
        EXPECT_EQ(result.error, "invalid URL") << url;
    }
}

TEST_F(SenderTest, UrlPointingAtThisServiceIsRefusedBeforeConnecting) {
    WebhookReceiver receiver;  // stands for the service itself
    SenderOptions options;
    options.self_port = receiver.port();
    std::string port = std::to_string(receiver.port());
    std::vector<std::string> urls = {receiver.url(), "http://localhost:" + port + "/hook",
                                     "http://0.0.0.0:" + port + "/hook",
                                     "http://127.8.9.10:" + port + "/hook"};
    if (auto own = nonLoopbackAddress()) urls.push_back("http://" + *own + ":" + port + "/x");
    for (const auto& url : urls) {
        auto result = send(options, url);
        EXPECT_FALSE(result.status_code.has_value()) << url;
        EXPECT_EQ(result.error, "refused: URL points at this service") << url;
        EXPECT_TRUE(result.permanent) << url;
    }
    EXPECT_EQ(receiver.requestCount(), 0u);
}

TEST_F(SenderTest, SameHostOnAnotherPortIsAllowed) {
    WebhookReceiver receiver;
    SenderOptions options;
    options.self_port =
        static_cast<std::uint16_t>(receiver.port() == 65535 ? 1 : receiver.port() + 1);
    EXPECT_TRUE(send(options, receiver.url()).delivered());
}

TEST_F(SenderTest, HttpsWithATrustedCertificateDelivers) {
    WebhookReceiver receiver(WebhookReceiver::Tls::kYes);
    ccapi::test::TempDir dir;
    auto ca_file = dir / "ca.pem";
    std::ofstream(ca_file) << receiver.certificatePem();
    SenderOptions options;
    options.extra_ca_file = ca_file.string();
    auto result = send(options, receiver.url("/secure?a=1"));
    EXPECT_TRUE(result.delivered()) << result.error;
    ASSERT_EQ(receiver.requestCount(), 1u);
    EXPECT_EQ(receiver.requests().front().target, "/secure?a=1");
    EXPECT_EQ(receiver.requests().front().body, R"({"event_id":7})");
}

TEST_F(SenderTest, HttpsWithAnUntrustedCertificateFails) {
    WebhookReceiver receiver(WebhookReceiver::Tls::kYes);
    auto result = send(SenderOptions{}, receiver.url());  // system CAs only
    EXPECT_FALSE(result.status_code.has_value());
    EXPECT_EQ(result.error.rfind("TLS: ", 0), 0u) << result.error;
    EXPECT_FALSE(result.permanent);
    EXPECT_EQ(receiver.requestCount(), 0u);
}

TEST_F(SenderTest, ConcurrentSendsShareOneSender) {
    WebhookReceiver receiver;
    receiver.answer({.delay = 100ms});
    Sender sender(SenderOptions{});
    std::vector<std::future<SendResult>> futures;
    for (int i = 0; i < 5; ++i) {
        futures.push_back(
            asio::co_spawn(io_.executor(), sender.send(request(receiver.url())), asio::use_future));
    }
    for (auto& future : futures) {
        ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
        EXPECT_TRUE(future.get().delivered());
    }
    EXPECT_EQ(receiver.requestCount(), 5u);
    EXPECT_GE(receiver.peakConnections(), 2);
}

TEST(UrlHostForLog, ShowsTheHostOnly) {
    EXPECT_EQ(urlHostForLog("https://user:pw@hooks.example.com:8443/p?token=secret"),
              "hooks.example.com");
    EXPECT_EQ(urlHostForLog("http://[::1]:80/x"), "::1");
    EXPECT_EQ(urlHostForLog("nonsense"), "(invalid URL)");
}

}  // namespace
}  // namespace ccapi::webhooks
