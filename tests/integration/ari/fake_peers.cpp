#include "integration/ari/fake_peers.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <stdexcept>
#include <vector>

#include "fakes/tls/self_signed.hpp"

namespace ccapi::ari::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::shared_ptr<tcp::acceptor> listenOnLoopback(asio::io_context& io, std::uint16_t& port) {
    auto acceptor =
        std::make_shared<tcp::acceptor>(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor->local_endpoint().port();
    return acceptor;
}

std::string baseUrlFor(const char* scheme, std::uint16_t port) {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + "/ari";
}

// --- SilentWebSocketPeer ----------------------------------------------------------------------

Task<void> acceptSilently(std::shared_ptr<SilentWebSocketPeer::State> state,
                          std::shared_ptr<tcp::acceptor> acceptor) {
    std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> parked;
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(socket));
        co_await ws->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) continue;
        state->accepted.fetch_add(1);
        parked.push_back(ws);  // never read again: Beast answers pings only while reading
    }
}

// --- DroppingKeepAlivePeer --------------------------------------------------------------------

Task<void> serveThenDrop(std::shared_ptr<DroppingKeepAlivePeer::State> state, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    ErrorCode ec;
    http::request<http::string_body> first;
    co_await http::async_read(stream, buffer, first, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    state->requests.fetch_add(1);
    http::response<http::string_body> response(http::status::ok, 11);
    response.set("Content-type", "application/json");
    response.body() = first.method() == http::verb::post ? R"({"id":"x"})" : "[]";
    response.keep_alive(true);
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::request<http::string_body> second;
    co_await http::async_read(stream, buffer, second,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) state->requests.fetch_add(1);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
}

Task<void> acceptDropping(std::shared_ptr<DroppingKeepAlivePeer::State> state,
                          std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        state->connections.fetch_add(1);
        spawn(acceptor->get_executor(), serveThenDrop(state, std::move(socket)), "dropping-peer");
    }
}

// --- TlsAriPeer -------------------------------------------------------------------------------

constexpr const char* kTlsEvent =
    R"({"type":"StasisStart","timestamp":"2026-11-22T00:40:26.539+0000","args":[],)"
    R"("channel":{"id":"tls-1","name":"Local/answer@sim-00000001;1","state":"Up"},)"
    R"("asterisk_id":"02:fc:00:00:00:01","application":"contactcenter"})";

}  // namespace

struct TlsAriPeer::State {
    explicit State(const testtls::SelfSignedPem& pem) : context(ssl::context::tls_server) {
        context.use_certificate_chain(asio::buffer(pem.certificate));
        context.use_private_key(asio::buffer(pem.key), ssl::context::pem);
    }
    ssl::context context;
    std::atomic<int> handshakes{0};
};

namespace {

using TlsStream = ssl::stream<beast::tcp_stream>;

Task<void> serveEventsOverTls(std::shared_ptr<TlsStream> stream,
                              http::request<http::string_body> upgrade) {
    websocket::stream<TlsStream> ws(std::move(*stream));
    ErrorCode ec;
    co_await ws.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ws.text(true);
    std::string event = kTlsEvent;
    co_await ws.async_write(asio::buffer(event), asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    while (!ec) {  // reading answers the client's pings
        co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        buffer.consume(buffer.size());
    }
}

Task<void> serveTls(std::shared_ptr<TlsAriPeer::State> state, tcp::socket socket) {
    auto stream = std::make_shared<TlsStream>(beast::tcp_stream(std::move(socket)), state->context);
    ErrorCode ec;
    co_await stream->async_handshake(ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    state->handshakes.fetch_add(1);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        co_await http::async_read(*stream, buffer, request,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        if (websocket::is_upgrade(request)) {
            co_await serveEventsOverTls(stream, std::move(request));
            co_return;
        }
        http::response<http::string_body> response(http::status::ok, 11);
        response.set("Content-type", "application/json");
        response.body() = "[]";
        response.keep_alive(true);
        response.prepare_payload();
        co_await http::async_write(*stream, response,
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
    }
}

Task<void> acceptTls(std::shared_ptr<TlsAriPeer::State> state,
                     std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        spawn(acceptor->get_executor(), serveTls(state, std::move(socket)), "tls-peer");
    }
}

}  // namespace

SilentWebSocketPeer::SilentWebSocketPeer() {
    auto acceptor = listenOnLoopback(thread_.context(), port_);
    spawn(thread_.executor(), acceptSilently(state_, acceptor), "silent-ws-peer");
}

SilentWebSocketPeer::~SilentWebSocketPeer() { thread_.stop(); }

std::string SilentWebSocketPeer::baseUrl() const { return baseUrlFor("http", port_); }

DroppingKeepAlivePeer::DroppingKeepAlivePeer() {
    auto acceptor = listenOnLoopback(thread_.context(), port_);
    spawn(thread_.executor(), acceptDropping(state_, acceptor), "dropping-peer");
}

DroppingKeepAlivePeer::~DroppingKeepAlivePeer() { thread_.stop(); }

std::string DroppingKeepAlivePeer::baseUrl() const { return baseUrlFor("http", port_); }

TlsAriPeer::TlsAriPeer() {
    auto pem = testtls::selfSignedCertificate("ccapi test PBX");
    certificate_pem_ = pem.certificate;
    state_ = std::make_shared<State>(pem);
    auto acceptor = listenOnLoopback(thread_.context(), port_);
    spawn(thread_.executor(), acceptTls(state_, acceptor), "tls-peer");
}

TlsAriPeer::~TlsAriPeer() { thread_.stop(); }

std::string TlsAriPeer::baseUrl() const { return baseUrlFor("https", port_); }

int TlsAriPeer::handshakes() const { return state_->handshakes.load(); }

}  // namespace ccapi::ari::test
