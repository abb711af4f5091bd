// A webhook receiver for tests: a real HTTP(S) server on 127.0.0.1 port 0, on its own thread,
// that records every request and answers as the test scripts it (fail N times, hang, answer
// slowly, redirect).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ccapi::webhooks::test {

using namespace std::chrono_literals;

struct RecordedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;

    // "" when absent; `name` in any case.
    std::string header(std::string_view name) const;
    bool has(std::string_view name) const;
};

struct Reply {
    int status = 200;
    std::chrono::milliseconds delay{0};  // before the answer goes out
    bool hang = false;                   // never answer; hold the connection until the client goes
    std::string location{};              // Location header (3xx)
    std::string body = "ok";
};

// Owned by one test; every method is safe from any thread.
class TestReceiver {
public:
    enum class Tls { kNo, kYes };

    explicit TestReceiver(Tls tls = Tls::kNo);
    ~TestReceiver();  // stops the server thread; open connections are dropped
    TestReceiver(const TestReceiver&) = delete;
    TestReceiver& operator=(const TestReceiver&) = delete;

    std::uint16_t port() const;
    // "http(s)://127.0.0.1:<port><path>"
    std::string url(std::string_view path = "/hook") const;
    // The self-signed certificate (IP 127.0.0.1) of a TLS receiver, PEM: a CA file for clients.
    const std::string& certificatePem() const;

    // Every later request gets `reply`.
    void answer(Reply reply);
    // The next `times` requests get `failure`; the ones after them `then`.
    void failFirst(int times, Reply failure, Reply then = {});

    std::vector<RecordedRequest> requests() const;
    std::size_t requestCount() const;
    // Waits (on a condition variable) until `count` requests were recorded.
    bool waitForRequests(std::size_t count, std::chrono::milliseconds timeout = 10s) const;
    // Connections open right now and the most that were ever open at once.
    int openConnections() const;
    int peakConnections() const;
    // Waits until no connection is open (the client closed or dropped them all).
    bool waitForNoConnections(std::chrono::milliseconds timeout = 10s) const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace ccapi::webhooks::test
