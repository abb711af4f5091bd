// The HTTP/1.1 server: listeners, connections, limits, deadlines and graceful shutdown.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <list>
#include <memory>
#include <vector>

#include "core/io_pool.hpp"
#include "core/result.hpp"
#include "http/server_options.hpp"
#include "http/types.hpp"

namespace ccapi::http {

// Owned by the composition root; uses every context of the IoPool it is given. Each I/O thread
// has its own SO_REUSEPORT listener, so the kernel spreads connections and a connection never
// leaves its thread. start()/shutdown() may be called from any thread.
class Server {
public:
    Server(IoPool& io, ServerOptions options, RequestHandler& handler);
    ~Server();

    // Binds and listens on every I/O thread; the real port is then port().
    Result<void> start();
    unsigned short port() const { return port_; }

    // Graceful shutdown: stop accepting; close idle keep-alive connections; let requests in
    // flight finish (their responses say `Connection: close`) until shutdown_grace, then close
    // whatever is left. `done` runs once every connection is gone.
    void shutdown(std::function<void()> done);

    std::size_t activeConnections() const { return active_connections_.load(); }

private:
    struct Worker;
    struct Connection;

    Task<void> acceptLoop(Worker& worker);
    Task<void> session(Worker& worker, tcp::socket socket);
    // Half-closes after an error answer and reads away what the client still sends (bounded).
    Task<void> lingeringClose(Connection& conn);
    Task<void> sweepLoop(Worker& worker);
    void drain(Worker& worker);
    void connectionClosed();

    IoPool& io_;
    ServerOptions options_;
    RequestHandler& handler_;
    std::vector<std::unique_ptr<Worker>> workers_;
    unsigned short port_ = 0;
    std::atomic<std::size_t> active_connections_{0};
    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> workers_drained_{0};
    std::function<void()> on_drained_;
};

}  // namespace ccapi::http
