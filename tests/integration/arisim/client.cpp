#include "client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <functional>

namespace ccapi::arisim::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

constexpr const char* kBasicAuth = "Basic YXJpdXNlcjphcmlwYXNz";  // ariuser:aripass

http::request<http::string_body> makeRequest(const HttpCall& call, bool keep_alive) {
    http::request<http::string_body> req;
    req.method_string(call.method);
    req.target(call.target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    if (call.auth) req.set(http::field::authorization, kBasicAuth);
    if (!call.body.empty()) {
        req.set(http::field::content_type,
                call.content_type.empty() ? "application/json" : call.content_type);
        req.body() = call.body;
    }
    req.keep_alive(keep_alive);
    req.prepare_payload();
    return req;
}

HttpReply toReply(const http::response<http::string_body>& res) {
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.reason = std::string(res.reason());
    for (const auto& field : res) {
        reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply.body = res.body();
    return reply;
}

HttpReply exchange(boost::asio::io_context& io, beast::tcp_stream& stream,
                   beast::flat_buffer& buffer, const http::request<http::string_body>& req,
                   std::chrono::milliseconds timeout) {
    HttpReply reply;
    http::response<http::string_body> res;
    bool done = false;
    stream.expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            reply.error = ec;
            done = true;
            return;
        }
        http::async_read(stream, buffer, res, [&](beast::error_code ec2, std::size_t) {
            reply.error = ec2;
            done = true;
        });
    });
    io.restart();
    io.run();
    if (!done) reply.error = boost::asio::error::timed_out;
    if (!reply.error) {
        auto error = reply.error;
        reply = toReply(res);
        reply.error = error;
    }
    return reply;
}

}  // namespace

boost::json::value HttpReply::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value{} : v;
}

std::string HttpReply::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return {};
}

HttpReply httpCall(std::uint16_t port, const HttpCall& call, std::chrono::milliseconds timeout) {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    beast::flat_buffer buffer;
    HttpReply reply;
    stream.expires_after(timeout);
    boost::system::error_code ec;
    stream.socket().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) {
        reply.error = ec;
        return reply;
    }
    return exchange(io, stream, buffer, makeRequest(call, false), timeout);
}

HttpConnection::HttpConnection(std::uint16_t port) : stream_(io_) {
    boost::system::error_code ec;
    stream_.socket().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    connected_ = !ec;
}

HttpReply HttpConnection::request(const HttpCall& call, std::chrono::milliseconds timeout) {
    return exchange(io_, stream_, buffer_, makeRequest(call, true), timeout);
}

WsClient::~WsClient() {
    if (ws_) {
        boost::system::error_code ec;
        beast::get_lowest_layer(*ws_).socket().close(ec);
    }
}

boost::system::error_code WsClient::connect(std::uint16_t port, std::string target,
                                            std::chrono::milliseconds timeout, int receive_buffer) {
    ws_.emplace(io_);
    boost::system::error_code ec;
    if (receive_buffer > 0) {
        auto& socket = beast::get_lowest_layer(*ws_).socket();
        socket.open(tcp::v4(), ec);
        if (ec) return ec;
        socket.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer), ec);
        if (ec) return ec;
    }
    beast::get_lowest_layer(*ws_).socket().connect(
        tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return ec;
    websocket::response_type response;
    bool done = false;
    beast::get_lowest_layer(*ws_).expires_after(timeout);
    ws_->async_handshake(response, "127.0.0.1", target, [&](beast::error_code e) {
        ec = e;
        done = true;
    });
    io_.restart();
    io_.run();
    if (!done) return boost::asio::error::timed_out;
    for (const auto& field : response) {
        handshake_headers_.push_back(std::string(field.name_string()));
    }
    if (ec) return ec;
    beast::get_lowest_layer(*ws_).expires_never();
    startRead();
    return {};
}

void WsClient::startRead() {
    ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) {
        if (ec) {
            closed_ = true;
            close_error_ = ec;
            if (ec == websocket::error::closed) close_code_ = ws_->reason().code;
            return;
        }
        boost::system::error_code parse_error;
        auto value = boost::json::parse(beast::buffers_to_string(buffer_.data()), parse_error);
        buffer_.consume(buffer_.size());
        if (!parse_error && value.is_object()) inbox_.push_back(value.as_object());
        startRead();
    });
}

void WsClient::pump(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_for(20ms);
    }
}

std::optional<boost::json::object> WsClient::next(std::chrono::milliseconds timeout) {
    pump(timeout, [this] { return !inbox_.empty() || closed_; });
    if (inbox_.empty()) return std::nullopt;
    auto event = std::move(inbox_.front());
    inbox_.pop_front();
    return event;
}

std::optional<boost::json::object> WsClient::nextOfType(std::string_view type,
                                                        std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto event = next(left);
        if (!event) return std::nullopt;
        if (event->at("type").as_string() == type) return event;
    }
    return std::nullopt;
}

bool WsClient::waitClosed(std::chrono::milliseconds timeout) {
    pump(timeout, [this] { return closed_; });
    return closed_;
}

void WsClient::close() {
    bool done = false;
    ws_->async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    pump(2s, [&] { return done && closed_; });
}

}  // namespace ccapi::arisim::testing
