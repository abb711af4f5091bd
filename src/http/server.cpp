#include "http/server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/logging.hpp"

namespace ccapi::http {

namespace {

using SteadyClock = std::chrono::steady_clock;
using ReusePort = boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kErrorWriteGrace = std::chrono::seconds(2);
// After an error answer the client may still be sending the request we refused (a body over the
// limit). Closing with those bytes unread makes the kernel send a reset, and a client still
// writing then sees "connection reset" instead of our 413. So we half-close and read away what
// it sends, bounded in time and bytes, like nginx's lingering close.
constexpr auto kLingerTime = std::chrono::seconds(3);
constexpr std::size_t kLingerMaxBytes = 32u << 20;
// What one read of an idle connection takes in: a whole typical request, headers and body.
constexpr std::size_t kFirstReadBytes = 4096;

}  // namespace

// Everything here is touched only on the worker's own thread.
struct Server::Worker {
    explicit Worker(asio::io_context& context) : io(context), acceptor(context), sweeper(context) {}
    asio::io_context& io;
    tcp::acceptor acceptor;
    asio::steady_timer sweeper;
    std::list<Connection*> connections;
    bool draining = false;
    bool drained_reported = false;
    SteadyClock::time_point hard_deadline{};
};

// One per live connection, on its session coroutine's frame; the sweeper reads its deadline.
struct Server::Connection {
    tcp::socket* socket = nullptr;
    SteadyClock::time_point deadline{};
    bool idle = false;       // waiting for the next request: closable at once on drain
    bool timed_out = false;  // the sweeper cancelled a read or write
    std::list<Connection*>::iterator position;
    bool registered = false;
};

Server::Server(IoPool& io, ServerOptions options, RequestHandler& handler)
    : io_(io), options_(std::move(options)), handler_(handler) {
    for (std::size_t i = 0; i < io_.size(); ++i) {
        workers_.push_back(std::make_unique<Worker>(io_.context(i)));
    }
}

Server::~Server() = default;

Result<void> Server::start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return ec;
    unsigned short port = options_.port;
    for (auto& worker : workers_) {
        tcp::endpoint endpoint(address, port);
        auto& acceptor = worker->acceptor;
        acceptor.open(endpoint.protocol(), ec);
        if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor.set_option(ReusePort(true), ec);
        if (!ec) acceptor.bind(endpoint, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return ec;
        port = acceptor.local_endpoint().port();
    }
    port_ = port;
    for (auto& worker : workers_) {
        spawn(worker->io.get_executor(), acceptLoop(*worker), "http-accept");
        spawn(worker->io.get_executor(), sweepLoop(*worker), "http-sweep");
    }
    return {};
}

Task<void> Server::acceptLoop(Worker& worker) {
    for (;;) {
        auto [ec, socket] = co_await worker.acceptor.async_accept(kUseTuple);
        if (ec) {
            if (!worker.acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
            // Out of file descriptors and the like: back off instead of spinning.
            log::warn("accept failed", {{"error", ec.message()}});
            asio::steady_timer pause(worker.io, std::chrono::milliseconds(50));
            co_await pause.async_wait(kUseTuple);
            continue;
        }
        if (active_connections_.load(std::memory_order_relaxed) >= options_.max_connections) {
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        active_connections_.fetch_add(1, std::memory_order_relaxed);
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        spawn(worker.io.get_executor(), session(worker, std::move(socket)), "http-session");
    }
}

Task<void> Server::sweepLoop(Worker& worker) {
    for (;;) {
        worker.sweeper.expires_after(options_.sweep_interval);
        co_await worker.sweeper.async_wait(kUseTuple);
        auto now = SteadyClock::now();
        bool hard_stop = worker.draining && now >= worker.hard_deadline;
        for (Connection* c : worker.connections) {
            if (!hard_stop && now < c->deadline) continue;
            boost::system::error_code ignored;
            if (c->idle || c->timed_out || hard_stop) {
                c->socket->close(ignored);
            } else {
                // Mid-request: cancel so the session can still answer 408 before closing.
                c->timed_out = true;
                c->deadline = now + kErrorWriteGrace;
                c->socket->cancel(ignored);
            }
        }
        if (worker.draining && worker.connections.empty()) {
            if (!worker.drained_reported) {
                worker.drained_reported = true;
                if (workers_drained_.fetch_add(1) + 1 == workers_.size() && on_drained_) {
                    on_drained_();
                }
            }
            co_return;
        }
    }
}

Task<void> Server::session(Worker& worker, tcp::socket socket) {
    Connection conn;
    conn.socket = &socket;
    worker.connections.push_front(&conn);
    conn.position = worker.connections.begin();
    conn.registered = true;
    auto unregister = [&] {
        if (conn.registered) {
            worker.connections.erase(conn.position);
            conn.registered = false;
        }
    };

    ConnectionInfo info;
    {
        boost::system::error_code ec;
        auto remote = socket.remote_endpoint(ec);
        if (!ec) {
            info.remote_address = remote.address();
            info.remote_port = remote.port();
            info.remote_text = info.remote_address.to_string();
        }
    }

    beast::flat_buffer buffer;
    for (;;) {
        if (worker.draining && buffer.size() == 0) break;
        if (buffer.size() == 0) {
            // Idle until the next request's first bytes. They are read here, into the buffer
            // the parser reads from: waiting for readability instead (async_wait) cost an
            // epoll_ctl system call on every keep-alive request, because Asio re-arms the
            // descriptor for an operation it may not try at once (B1: 3.09 -> 2.83 system
            // calls per GET).
            conn.idle = true;
            conn.deadline = SteadyClock::now() + options_.idle_timeout;
            auto [ec, n] =
                co_await socket.async_read_some(buffer.prepare(kFirstReadBytes), kUseTuple);
            buffer.commit(n);
            conn.idle = false;
            if (ec) break;
        }
        conn.deadline = SteadyClock::now() + options_.request_timeout;

        beast::http::request_parser<beast::http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
        parser.body_limit(options_.max_body_bytes);
        auto [read_ec, read_bytes] =
            co_await beast::http::async_read(socket, buffer, parser, kUseTuple);
        if (read_ec) {
            if (read_ec == beast::http::error::end_of_stream || !socket.is_open()) break;
            Response error;
            if (conn.timed_out) {
                error = handler_.protocolError(Status::request_timeout, "request_timeout",
                                               "Request not received in time");
            } else if (read_ec == beast::http::error::body_limit) {
                error = handler_.protocolError(Status::payload_too_large, "payload_too_large",
                                               "Request body exceeds the limit");
            } else if (read_ec == beast::http::error::header_limit) {
                error =
                    handler_.protocolError(Status::request_header_fields_too_large,
                                           "headers_too_large", "Request headers exceed the limit");
            } else if (read_ec == asio::error::connection_reset ||
                       read_ec == asio::error::operation_aborted) {
                break;
            } else {
                error = handler_.protocolError(Status::bad_request, "bad_request",
                                               "Malformed HTTP request");
            }
            error.keep_alive(false);
            error.prepare_payload();
            conn.timed_out = false;
            conn.deadline = SteadyClock::now() + kErrorWriteGrace;
            auto [write_ec, written] = co_await beast::http::async_write(socket, error, kUseTuple);
            if (!write_ec) co_await lingeringClose(conn);
            break;
        }

        Request request = parser.release();
        bool keep_alive = request.keep_alive() && !worker.draining;
        Reply reply;
        try {
            reply = co_await handler_.handle(request, info);
        } catch (const std::exception& e) {
            log::error("handler threw", {{"error", e.what()}});
            reply.response = handler_.protocolError(Status::internal_server_error, "internal_error",
                                                    "Internal server error");
        }
        if (reply.takeover) {
            // The stream or WebSocket owns the connection from here; it keeps its own deadlines.
            unregister();
            connectionClosed();
            co_await reply.takeover(std::move(socket), std::move(request));
            co_return;
        }
        keep_alive = keep_alive && !worker.draining;
        reply.response.keep_alive(keep_alive);
        conn.deadline = SteadyClock::now() + options_.request_timeout;
        auto [write_ec, written] =
            co_await beast::http::async_write(socket, reply.response, kUseTuple);
        if (write_ec || !keep_alive) break;
    }

    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    unregister();
    connectionClosed();
}

Task<void> Server::lingeringClose(Connection& conn) {
    boost::system::error_code ec;
    conn.socket->shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    // The sweeper closes the socket at this deadline, which ends the read below.
    conn.timed_out = true;
    conn.deadline = SteadyClock::now() + kLingerTime;
    std::array<char, 16384> discard;
    std::size_t drained = 0;
    while (drained < kLingerMaxBytes) {
        auto [read_ec, n] = co_await conn.socket->async_read_some(asio::buffer(discard), kUseTuple);
        if (read_ec) break;
        drained += n;
    }
}

void Server::connectionClosed() { active_connections_.fetch_sub(1, std::memory_order_relaxed); }

void Server::shutdown(std::function<void()> done) {
    if (draining_.exchange(true)) return;
    on_drained_ = std::move(done);
    for (auto& worker : workers_) {
        asio::post(worker->io, [this, w = worker.get()] { drain(*w); });
    }
}

void Server::drain(Worker& worker) {
    worker.draining = true;
    worker.hard_deadline = SteadyClock::now() + options_.shutdown_grace;
    boost::system::error_code ignored;
    worker.acceptor.close(ignored);
    for (Connection* c : worker.connections) {
        if (c->idle) c->socket->close(ignored);
    }
    // Wake the sweeper now so an already idle server reports drained without waiting.
    worker.sweeper.cancel();
}

}  // namespace ccapi::http
