// The listener and the connections: one coroutine per TCP connection serving HTTP/1.1
// keep-alive requests, upgrading /ari/events to a WebSocket, enforcing the session limit, and
// able to drop every connection at once (a killed or stopping Asterisk).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "arisim/app_registry.hpp"
#include "arisim/http_routes.hpp"
#include "arisim/http_types.hpp"
#include "arisim/options.hpp"
#include "arisim/ws_connection.hpp"
#include "core/result.hpp"

namespace ccapi::arisim {

// What the server asks of the simulator. Called on the io_context thread only.
class Router {
public:
    virtual ~Router() = default;
    virtual HttpResponse route(const HttpRequest& request) = 0;
    // For GET /ari/events with "Upgrade: websocket": the subscription, or the refusal to write.
    virtual std::variant<EventSubscription, HttpResponse> admitEventSocket(
        const HttpRequest& request) = 0;
    virtual SocketId eventSocketOpened(std::shared_ptr<WsConnection> connection,
                                       const EventSubscription& subscription) = 0;
    virtual void eventSocketClosed(SocketId id) = 0;
};

struct ServerOptions {
    std::string server_header = "Asterisk/22.11.0-rc1";
    std::size_t session_limit = 100;
    Millis idle_timeout{15000};
    Millis ws_write_timeout{500};
};

// Owned by the simulator; single-threaded. Connection coroutines keep the router alive (a
// shared_ptr) until they finish, so the owner may go away while they unwind.
class Server {
public:
    Server(boost::asio::io_context& io, ServerOptions options);
    ~Server();

    void setRouter(std::weak_ptr<Router> router);
    // Binds (SO_REUSEADDR) and starts accepting. Port 0 picks an ephemeral port.
    ErrorCode listen(const std::string& host, std::uint16_t port);
    std::uint16_t port() const;
    bool listening() const;
    // New connections are refused from now on; open ones are untouched.
    void closeListener();
    // Closes every open connection at the TCP level: no HTTP response, no close frame.
    void abortConnections();
    void abortHttpConnections();
    std::size_t sessionCount() const;
    void setSessionLimit(std::size_t limit);

    struct State;  // shared with the connection coroutines (server.cpp)

private:
    std::shared_ptr<State> state_;
};

}  // namespace ccapi::arisim
