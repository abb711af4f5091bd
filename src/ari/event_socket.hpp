// The ARI event WebSocket: one coroutine that connects, reads events, pings, and reconnects with
// capped, jittered backoff until stopped.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "ari/breaker.hpp"
#include "ari/client.hpp"
#include "ari/status.hpp"
#include "ari/url.hpp"
#include "core/async.hpp"

namespace ccapi::ari {

// Owned by the AriClient; start() and stop() run on the executor given to the constructor, and
// so does the loop: the listener is called there, one call at a time, in the order Asterisk
// sent the events. After stop() the listener is never called again.
//
// Liveness: Asterisk never pings, and a SIGKILLed or unplugged PBX sends nothing, so every
// `ping_interval` the loop pings; when no frame at all (pong or event) arrives within
// `pong_timeout` of the ping the socket is declared dead and closed.
class EventSocket {
public:
    struct Settings {
        AriEndpoint endpoint;
        std::string target;  // "/ari/events?app=…&api_key=…": holds the password, never logged
        std::string app;
        std::chrono::milliseconds connect_timeout{5000};
        std::chrono::milliseconds ping_interval{10000};
        std::chrono::milliseconds pong_timeout{5000};
        std::chrono::milliseconds reconnect_initial{250};
        std::chrono::milliseconds reconnect_max{30000};
        std::shared_ptr<boost::asio::ssl::context> tls;  // set when endpoint.tls
    };

    EventSocket(asio::any_io_executor executor, Settings settings,
                std::shared_ptr<ClientStatus> status, std::shared_ptr<CircuitBreaker> breaker);
    ~EventSocket();
    EventSocket(const EventSocket&) = delete;
    EventSocket& operator=(const EventSocket&) = delete;

    void start(EventListener& listener);
    void stop();

    struct Loop;

private:
    std::shared_ptr<Loop> loop_;
};

}  // namespace ccapi::ari
