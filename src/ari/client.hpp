// The ARI client the call engine talks through: REST (originate, continue, hang up, list
// channels) and the event WebSocket. AriClient is the interface; src/ari/ implements it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ari/events.hpp"
#include "core/async.hpp"
#include "core/time.hpp"

namespace ccapi::ari {

struct AriOptions {
    std::string http_url;  // ARI_HTTP_URL, e.g. http://127.0.0.1:8088/ari (https → TLS, wss)
    std::string username;
    std::string password;
    std::string app;
    std::chrono::milliseconds request_timeout{5000};
    std::size_t pool_size = 8;  // keep-alive REST connections (Asterisk allows 100 sessions)
    std::chrono::milliseconds ping_interval{10000};  // Asterisk never pings; we do
    std::chrono::milliseconds pong_timeout{5000};
    std::chrono::milliseconds reconnect_initial{250};
    std::chrono::milliseconds reconnect_max{30000};
    bool breaker_enabled = true;
    int breaker_threshold = 5;                  // consecutive failures that open it
    std::chrono::seconds breaker_open_for{60};  // then one trial request (half-open)
    // Idle keep-alive connections older than this are closed instead of reused: Asterisk closes
    // them after 15 s, and a request racing that close would have to be retried (or, for an
    // originate that may have been sent, could not be).
    std::chrono::milliseconds keepalive_idle{10000};
    // Extra PEM CA bundle to trust besides the system CAs (https/wss only; a private PBX CA).
    std::string tls_ca_file;
};

struct OriginateRequest {
    std::string endpoint;    // ARI_ENDPOINT_TEMPLATE filled in
    std::string channel_id;  // = call_id
    std::string caller_id;   // may be empty
    int timeout_s = 30;
    std::map<std::string, std::string> variables;
};

// How a REST call ended. Only kOk means Asterisk did what was asked.
struct RestOutcome {
    enum class Kind {
        kOk,           // 2xx
        kRefused,      // Asterisk answered 4xx/5xx: `status`, `message` ({"message"} / {"error"})
        kUnreachable,  // connect refused, reset, no response before the deadline
        kBreakerOpen,  // not sent: the circuit breaker is open
    };
    Kind kind = Kind::kOk;
    unsigned status = 0;
    std::string message;
    std::string body;  // raw response body for kOk
    bool ok() const { return kind == Kind::kOk; }
};

struct ChannelSnapshot {
    std::string id;
    std::string name;
    std::string state;  // "Down", "Ringing", "Up", …
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view toString(BreakerState state);

// Receives what the event socket sees. Called on the AriClient's executor (the engine's), one
// call at a time, in order.
class EventListener {
public:
    virtual ~EventListener() = default;
    virtual void onConnected() = 0;                           // the app is registered: reconcile
    virtual void onDisconnected(const std::string& why) = 0;  // calls wait as pending meanwhile
    virtual void onEvent(const ChannelEvent& event) = 0;
};

// Owned by the composition root; all methods are used from its executor (the engine's I/O
// thread) except the status getters, which any thread may read.
class AriClient {
public:
    virtual ~AriClient() = default;

    // Starts the event socket loop (connect, read, ping, reconnect with capped jittered
    // backoff) and reports to `listener` until stop().
    virtual void start(EventListener& listener) = 0;
    virtual void stop() = 0;

    virtual Task<RestOutcome> originate(OriginateRequest request) = 0;
    virtual Task<RestOutcome> continueInDialplan(std::string channel_id, std::string context,
                                                 std::string extension, int priority) = 0;
    // DELETE /channels/{id}?reason=…; 404 (already gone) is reported as kRefused/404.
    virtual Task<RestOutcome> hangup(std::string channel_id, std::string reason) = 0;
    // GET /channels: nullopt when it could not be read.
    virtual Task<std::optional<std::vector<ChannelSnapshot>>> channels() = 0;

    // Thread-safe status for /health, /readiness and /metrics.
    virtual bool eventsConnected() const = 0;
    virtual bool httpReachable() const = 0;  // last REST exchange got an HTTP answer
    virtual BreakerState breakerState() const = 0;
    virtual std::string lastError() const = 0;  // e.g. "ApplicationReplaced", "connect: refused"
};

// The real client over HTTP/WebSocket (TLS when the URL says https). Throws
// std::invalid_argument at start-up when `options.http_url` is not an http(s) URL or the TLS
// CA file cannot be loaded.
std::unique_ptr<AriClient> makeAriClient(asio::any_io_executor executor, AriOptions options);
// Same, with the clock the circuit breaker reads (tests move it by hand). `clock` must outlive
// the client.
std::unique_ptr<AriClient> makeAriClient(asio::any_io_executor executor, AriOptions options,
                                         const Clock& clock);

}  // namespace ccapi::ari
