#include "echo_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "core/async.hpp"

namespace ccapi::testhttp {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response jsonResponse(const Request& request, http::status status, const json::value& body) {
    Response response(status, request.version());
    response.set(http::field::content_type, "application/json");
    response.body() = json::serialize(body);
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    return response;
}

Response route(const Request& request) {
    std::string target(request.target());
    if (target == "/live") {
        Response response(http::status::ok, request.version());
        response.set(http::field::content_type, "text/plain");
        response.body() = "live";
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        return response;
    }
    if (target.starts_with("/status/")) {
        int code = std::stoi(target.substr(8));
        return jsonResponse(request, static_cast<http::status>(code), {{"status", code}});
    }
    if (target == "/text") {
        Response response(http::status::ok, request.version());
        response.set(http::field::content_type, "text/plain");
        response.body() = "this is not json";
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        return response;
    }
    json::object headers;
    for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        headers[name] = std::string(field.value());
    }
    return jsonResponse(request, http::status::ok,
                        {{"method", std::string(request.method_string())},
                         {"target", target},
                         {"headers", headers},
                         {"body", request.body()}});
}

Task<void> serveWebSocket(beast::tcp_stream stream, Request request) {
    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    beast::get_lowest_layer(ws).expires_never();
    co_await ws.async_accept(request, asio::use_awaitable);
    json::object hello{{"hello", std::string(request.target())},
                       {"authorization", std::string(request[http::field::authorization])}};
    ws.text(true);
    co_await ws.async_write(asio::buffer(json::serialize(hello)), asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;  // the client closed or went away
        auto text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (text.starts_with("close:")) {
            auto code = static_cast<websocket::close_code>(std::stoi(text.substr(6)));
            co_await ws.async_close(websocket::close_reason(code, "bye"),
                                    asio::as_tuple(asio::use_awaitable));
            co_return;
        }
        co_await ws.async_write(asio::buffer(text), asio::use_awaitable);
    }
}

Task<void> serveConnection(tcp::socket socket, std::atomic<std::size_t>* requests) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(8 * 1024);
        parser.body_limit(1024 * 1024);
        stream.expires_after(std::chrono::seconds(30));
        auto [ec, n] =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::connection_reset) {
            co_return;
        }
        if (ec) {
            auto status = ec == http::error::header_limit
                              ? http::status::request_header_fields_too_large
                          : ec == http::error::body_limit ? http::status::payload_too_large
                                                          : http::status::bad_request;
            Response response(status, 11);
            response.set(http::field::content_type, "text/plain");
            response.body() = ec.message();
            response.keep_alive(false);
            response.prepare_payload();
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
            stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            co_return;
        }
        requests->fetch_add(1);
        auto request = parser.release();
        stream.expires_never();
        if (websocket::is_upgrade(request)) {
            if (request.target() == "/ws-deny") {
                auto response = jsonResponse(request, http::status::unauthorized,
                                             {{"detail", "Not authenticated"}});
                response.keep_alive(false);
                co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            co_await serveWebSocket(std::move(stream), std::move(request));
            co_return;
        }
        if (request.target() == "/hang") {
            asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::minutes(5));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return;
        }
        bool close_anyway = request.target() == "/close-after";
        auto response = route(request);
        if (request.target() == "/close") response.keep_alive(false);
        auto [write_ec, written] =
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        if (write_ec || !response.keep_alive() || close_anyway) {
            stream.socket().shutdown(tcp::socket::shutdown_send, write_ec);
            stream.close();
            co_return;
        }
    }
}

Task<void> acceptLoop(tcp::acceptor* acceptor, std::atomic<std::size_t>* connections,
                      std::atomic<std::size_t>* requests) {
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        connections->fetch_add(1);
        auto executor = socket.get_executor();
        spawn(executor, serveConnection(std::move(socket), requests), "echo connection");
    }
}

}  // namespace

EchoServer::EchoServer(std::uint16_t port)
    : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), port)) {
    port_ = acceptor_.local_endpoint().port();
    spawn(io_.get_executor(), acceptLoop(&acceptor_, &connections_, &requests_), "echo accept");
    thread_ = std::thread([this] { io_.run(); });
}

EchoServer::~EchoServer() {
    io_.stop();
    thread_.join();
}

}  // namespace ccapi::testhttp
