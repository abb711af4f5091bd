#include "arisim/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <map>

#include "arisim/format.hpp"
#include "core/async.hpp"
#include "core/logging.hpp"

namespace ccapi::arisim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool containsToken(std::string_view header, std::string_view token) {
    std::string lower(header);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find(token) != std::string::npos;
}

HttpRequest toRequest(const http::request<http::string_body>& req) {
    HttpRequest r;
    r.method = req.method();
    r.method_name = std::string(req.method_string());
    parseTarget(req.target(), r);
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.body = req.body();
    r.websocket_upgrade = containsToken(req[http::field::upgrade], "websocket") &&
                          containsToken(req[http::field::connection], "upgrade");
    r.websocket_key = std::string(req[http::field::sec_websocket_key]);
    return r;
}

http::response<http::string_body> toMessage(const HttpResponse& r, const std::string& server) {
    http::response<http::string_body> res;
    res.version(11);
    res.result(r.status);
    if (!r.reason.empty()) res.reason(r.reason);
    // Asterisk's header names and order; note "Content-type".
    res.insert("Server", server);
    res.insert("Date", httpDate(wallNowMillis()));
    res.insert("Cache-Control", "no-cache, no-store");
    for (const auto& [name, value] : r.headers) res.insert(name, value);
    if (r.body) {
        res.insert("Content-type", r.content_type);
        res.body() = *r.body;
    }
    res.content_length(r.body ? r.body->size() : 0);
    return res;
}

}  // namespace

struct Server::State {
    explicit State(asio::io_context& context, ServerOptions o)
        : io(context), options(std::move(o)) {}

    struct Connection {
        bool websocket = false;
        std::function<void()> abort;
    };

    asio::io_context& io;
    ServerOptions options;
    std::weak_ptr<Router> router;
    std::shared_ptr<tcp::acceptor> acceptor;
    std::uint16_t port = 0;
    std::map<std::uint64_t, Connection> connections;
    std::uint64_t next_connection = 1;

    std::uint64_t add(Connection c) {
        auto id = next_connection++;
        connections.emplace(id, std::move(c));
        return id;
    }
};

namespace {

struct Unregister {
    std::shared_ptr<Server::State>& state;
    std::uint64_t id;
    ~Unregister() { state->connections.erase(id); }
};

Task<void> serveConnection(std::shared_ptr<Server::State> state, tcp::socket socket) {
    auto router = state->router.lock();
    if (!router) co_return;
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    beast::tcp_stream stream(std::move(socket));
    auto id = state->add({false, [&stream] {
                              boost::system::error_code ignored;
                              stream.socket().close(ignored);
                          }});
    Unregister unregister{state, id};
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(4 * 1024 * 1024);
        stream.expires_after(state->options.idle_timeout);
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // EOF, the idle timeout, or an abort
        stream.expires_never();
        auto& message = parser.get();
        HttpRequest request = toRequest(message);

        if (request.websocket_upgrade && request.path == "/ari/events" &&
            request.method == http::verb::get) {
            auto admitted = router->admitEventSocket(request);
            if (auto* refusal = std::get_if<HttpResponse>(&admitted)) {
                auto reply = toMessage(*refusal, state->options.server_header);
                co_await http::async_write(stream, reply,
                                           asio::redirect_error(asio::use_awaitable, ec));
                break;
            }
            auto subscription = std::get<EventSubscription>(admitted);
            auto connection = std::make_shared<WsConnection>(stream.release_socket(),
                                                             state->options.ws_write_timeout);
            state->connections[id] = {true, [connection] { connection->abort(); }};
            SocketId socket_id = router->eventSocketOpened(connection, subscription);
            co_await WsConnection::run(connection, request.websocket_key);
            router->eventSocketClosed(socket_id);
            co_return;
        }

        HttpResponse response = router->route(request);
        if (response.drop) break;
        if (response.hang) {
            // Hold the request unanswered until the client gives up (or the server dies).
            char byte;
            co_await stream.async_read_some(asio::buffer(&byte, 1),
                                            asio::redirect_error(asio::use_awaitable, ec));
            break;
        }
        if (response.delay.count() > 0) {
            asio::steady_timer timer(stream.get_executor(), response.delay);
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (!stream.socket().is_open()) break;
        }
        auto reply = toMessage(response, state->options.server_header);
        co_await http::async_write(stream, reply, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        if (response.after) asio::post(stream.get_executor(), std::move(response.after));
        if (!message.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
}

Task<void> acceptLoop(std::shared_ptr<Server::State> state,
                      std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (!acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
            continue;
        }
        if (state->connections.size() >= state->options.session_limit) {
            // http.c: "HTTP session count exceeded": closed without any response.
            log::warn("arisim: HTTP session count exceeded",
                      {{"limit", state->options.session_limit}});
            socket.close(ec);
            continue;
        }
        spawn(state->io.get_executor(), serveConnection(state, std::move(socket)),
              "arisim-connection");
    }
}

}  // namespace

Server::Server(asio::io_context& io, ServerOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {}

Server::~Server() {
    closeListener();
    abortConnections();
}

void Server::setRouter(std::weak_ptr<Router> router) { state_->router = std::move(router); }

ErrorCode Server::listen(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return ec;
    auto acceptor = std::make_shared<tcp::acceptor>(state_->io);
    tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol(), ec);
    if (ec) return ec;
    acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (ec) return ec;
    acceptor->bind(endpoint, ec);
    if (ec) return ec;
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return ec;
    state_->port = acceptor->local_endpoint(ec).port();
    state_->acceptor = acceptor;
    spawn(state_->io.get_executor(), acceptLoop(state_, acceptor), "arisim-accept");
    return {};
}

std::uint16_t Server::port() const { return state_->port; }

bool Server::listening() const { return state_->acceptor && state_->acceptor->is_open(); }

void Server::closeListener() {
    if (!state_->acceptor) return;
    boost::system::error_code ec;
    state_->acceptor->close(ec);
    state_->acceptor.reset();
}

void Server::abortConnections() {
    auto connections = state_->connections;  // aborting may unregister
    for (auto& [id, c] : connections) c.abort();
}

void Server::abortHttpConnections() {
    auto connections = state_->connections;
    for (auto& [id, c] : connections) {
        if (!c.websocket) c.abort();
    }
}

std::size_t Server::sessionCount() const { return state_->connections.size(); }

void Server::setSessionLimit(std::size_t limit) { state_->options.session_limit = limit; }

}  // namespace ccapi::arisim
