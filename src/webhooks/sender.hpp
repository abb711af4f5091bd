// One webhook attempt: a single HTTP(S) POST under one deadline, no redirects, no retries (the
// dispatcher decides about those).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/async.hpp"

namespace ccapi::webhooks {

// "ccapi-webhooks/<service version>".
std::string defaultUserAgent();

struct SenderOptions {
    // Bounds the whole attempt: resolve + connect + TLS handshake + write + read.
    std::chrono::milliseconds timeout{10'000};
    // The service's own HTTP port: a URL resolving to this host on this port is refused (a
    // webhook to ourselves would loop). 0: no check.
    std::uint16_t self_port = 0;
    std::string user_agent = defaultUserAgent();
    // Read of the answer's body stops here (the body is discarded anyway).
    std::size_t max_response_body = 64 * 1024;
    // A PEM file trusted besides the system CA store (tests, private CAs); empty: system only.
    std::string extra_ca_file{};
};

// What to send. `signature` is the X-Signature value; empty: the header is omitted.
struct WebhookRequest {
    std::string url{};
    std::string body{};
    std::int64_t event_id = 0;
    int attempt = 1;
    std::string signature{};
};

struct SendResult {
    std::optional<int> status_code{};  // an HTTP answer arrived (any status)
    std::string error{};               // empty on 2xx; else what went wrong, for logs and storage
    // Trying again cannot help (the URL is invalid or points at this service): dead at once.
    bool permanent = false;
    std::chrono::milliseconds duration{0};

    bool delivered() const { return status_code && *status_code >= 200 && *status_code < 300; }
};

// Sends webhook requests; one connection per attempt, closed afterwards. Created at start-up
// (throws std::runtime_error when the TLS context cannot be set up); send() may run on any
// executor, concurrently, and honours terminal cancellation of the awaiting coroutine.
class Sender {
public:
    explicit Sender(SenderOptions options);

    Task<SendResult> send(WebhookRequest request) const;

    const SenderOptions& options() const { return options_; }

private:
    SenderOptions options_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

// The host of `url` (no userinfo, port, path or query): what logs may show of a receiver.
std::string urlHostForLog(const std::string& url);

}  // namespace ccapi::webhooks
