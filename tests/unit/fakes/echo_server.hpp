// An HTTP/1.1 + WebSocket echo server on 127.0.0.1 used to test the test clients themselves
// (and, inside fake_service, ServiceProcess). Routes:
//   GET /live            200 "live"
//   /status/<code>       that status, JSON {"status": code}
//   /text                200 text/plain that is not JSON
//   /hang                never answers
//   /close               200 with Connection: close, then closes
//   /close-after         200 keep-alive, then closes anyway (a server's idle timeout)
//   anything else        200 JSON {"method","target","headers":{lowercase name: value},"body"}
//   WebSocket /ws-deny   refused with 401 {"detail":"Not authenticated"}
//   WebSocket elsewhere  first sends {"hello": target, "authorization": …}, then echoes each
//                        message; "close:<code>" makes it close with that code and reason "bye".
// Malformed requests get 400 (431 for oversized headers, 413 for bodies over 1 MiB) and a close.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <thread>

namespace ccapi::testhttp {

// Owned by one test; runs its own I/O thread from construction to destruction.
class EchoServer {
public:
    // Port 0: any free port (see port()).
    explicit EchoServer(std::uint16_t port = 0);
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;
    ~EchoServer();

    std::uint16_t port() const noexcept { return port_; }
    std::size_t connectionsAccepted() const noexcept { return connections_.load(); }
    std::size_t requestsServed() const noexcept { return requests_.load(); }

private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> requests_{0};
    std::thread thread_;
};

}  // namespace ccapi::testhttp
