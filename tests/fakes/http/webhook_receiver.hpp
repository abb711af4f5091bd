// A webhook receiver for tests: a real HTTP(S) server on 127.0.0.1 port 0, on its own thread,
// that records every request and answers as the test scripts it (fail N times, hang, answer
// slowly, redirect, or decide per request). The one receiver for the sender and dispatcher tests
// and for the end-to-end tests against the service process.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/http/response.hpp"

namespace ccapi::testhttp {

struct RecordedRequest {
    std::string method;
    std::string target;
    Headers headers;  // looked up case-insensitively
    std::string body;

    // "" when absent.
    std::string header(std::string_view name) const;
    bool has(std::string_view name) const { return headers.has(name); }
};

struct WebhookReply {
    int status = 200;
    std::chrono::milliseconds delay{0};  // before the answer goes out
    bool hang = false;                   // never answer; hold the connection until the client goes
    std::string location{};              // Location header (3xx)
    std::string body = "ok";
};

// Owned by one test; every method is safe from any thread.
class WebhookReceiver {
public:
    enum class Tls { kNo, kYes };
    // Decides the answer to the n-th request (0-based, counted over all requests).
    using Plan = std::function<WebhookReply(const RecordedRequest&, std::size_t n)>;

    explicit WebhookReceiver(Tls tls = Tls::kNo);
    ~WebhookReceiver();  // stops the server thread; open connections are dropped
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    std::uint16_t port() const;
    // "http(s)://127.0.0.1:<port><path>"
    std::string url(std::string_view path = "/hook") const;
    // The self-signed certificate (IP 127.0.0.1) of a TLS receiver, PEM: a CA file for clients.
    const std::string& certificatePem() const;

    // Every later request gets `reply`.
    void answer(WebhookReply reply);
    // The next `times` requests get `failure`; the ones after them `then`.
    void failFirst(int times, WebhookReply failure, WebhookReply then = {});
    // Every later request is answered as `plan` decides (replaces answer()/failFirst()).
    void plan(Plan plan);

    std::vector<RecordedRequest> requests() const;
    std::size_t requestCount() const;
    // Waits (on a condition variable) until `count` requests were recorded.
    bool waitForRequests(std::size_t count,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    // Connections open right now and the most that were ever open at once.
    int openConnections() const;
    int peakConnections() const;
    // Waits until no connection is open (the client closed or dropped them all).
    bool waitForNoConnections(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace ccapi::testhttp
