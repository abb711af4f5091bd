// A webhook receiver for tests: a real HTTP/1.1 server on 127.0.0.1 (own thread per connection)
// that records every request and answers as the test's plan says (an error status, a redirect,
// a slow answer, no answer at all), so delivery, retry and ordering are tested over loopback.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/http/response.hpp"

namespace ccapi::testhttp {

struct ReceivedRequest {
    std::string method;
    std::string target;
    Headers headers;
    std::string body;
    std::chrono::steady_clock::time_point at;
};

struct PlannedAnswer {
    unsigned status = 200;
    std::chrono::milliseconds delay{0};  // before answering
    bool hang = false;                   // never answer (until the receiver stops)
    std::string location;                // sent as Location when set (redirect tests)
};

class WebhookReceiver {
public:
    // Decides the answer to the n-th request (0-based, counted over all requests).
    using Plan = std::function<PlannedAnswer(const ReceivedRequest&, std::size_t n)>;

    WebhookReceiver();  // answers 200 to everything until setPlan
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    std::uint16_t port() const;
    std::string url(const std::string& path = "/hook") const;
    void setPlan(Plan plan);
    // Every request received so far (including ones still being answered), in arrival order.
    std::vector<ReceivedRequest> requests() const;
    std::size_t count() const;
    // Waits until at least `n` requests arrived; false at the timeout.
    bool waitForCount(std::size_t n, std::chrono::milliseconds timeout) const;
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
};

}  // namespace ccapi::testhttp
