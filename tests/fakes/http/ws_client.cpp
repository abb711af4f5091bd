#include "fakes/http/ws_client.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>

#include "fakes/http/detail.hpp"

namespace ccapi::testhttp {

using namespace detail;
namespace websocket = beast::websocket;

struct WsClient::Impl {
    Impl(std::string host_, std::uint16_t port_) : host(std::move(host_)), port(port_) {}

    ~Impl() { abort(); }

    std::string host;
    std::uint16_t port;
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    Response handshake;
    bool open = false;

    // At most one read is outstanding; it survives a timed-out readText().
    bool reading = false;
    bool read_done = false;
    ErrorCode read_error;
    beast::flat_buffer read_buffer;

    std::optional<unsigned> close_code;
    std::string close_reason;
    std::size_t pings = 0;

    void startRead() {
        if (reading) return;
        reading = true;
        read_done = false;
        read_buffer.clear();
        ws.async_read(read_buffer, [this](ErrorCode ec, std::size_t) {
            read_error = ec;
            read_done = true;
        });
    }

    // Takes the finished read's outcome; the next readText() starts a new one.
    Result<std::string> finishRead() {
        reading = false;
        read_done = false;
        if (read_error) {
            if (read_error == websocket::error::closed) {
                close_code = ws.reason().code;
                close_reason = std::string(ws.reason().reason.c_str());
            }
            open = false;
            return read_error;
        }
        return beast::buffers_to_string(read_buffer.data());
    }

    // Closes the socket under any outstanding operation and lets its handler run.
    void abort() {
        if (!open && !reading) return;
        ErrorCode ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
        if (reading) drain(io, read_done);
        reading = false;
        open = false;
    }
};

WsClient::WsClient(std::string host, std::uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;
WsClient::~WsClient() = default;

Result<void> WsClient::connect(std::string_view target, const HeaderList& headers,
                               std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    impl.abort();
    impl.close_code.reset();
    impl.close_reason.clear();
    impl.handshake = {};
    const auto deadline = deadlineIn(timeout);
    auto& tcp_stream = beast::get_lowest_layer(impl.ws);
    if (auto ec = detail::connect(impl.io, tcp_stream, impl.host, impl.port, deadline)) return ec;

    impl.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        req.set(http::field::user_agent, "ccapi-tests");
        for (const auto& [name, value] : headers) req.set(name, value);
    }));
    impl.pings = 0;
    impl.ws.control_callback(
        [counter = &impl.pings](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::ping) ++*counter;
        });
    // Our own deadlines govern reads; the stream's idle timer would only get in the way.
    impl.ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                       websocket::stream_base::none(), false});

    websocket::response_type response;
    ErrorCode ec;
    bool done = false;
    tcp_stream.expires_at(deadline);
    impl.ws.async_handshake(response, impl.host + ":" + std::to_string(impl.port), target,
                            [&](ErrorCode result) {
                                ec = result;
                                done = true;
                            });
    runUntil(impl.io, done, deadline + std::chrono::seconds(1));
    if (!done) ec = beast::error::timeout;
    tcp_stream.expires_never();
    impl.handshake = toResponse(std::move(response));
    if (ec) {
        ErrorCode ignored;
        tcp_stream.socket().close(ignored);
        return ec;
    }
    impl.open = true;
    return {};
}

const Response& WsClient::handshakeResponse() const { return impl_->handshake; }

Result<void> WsClient::sendText(std::string_view text, std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    if (!impl.open) return asio::error::not_connected;
    ErrorCode ec;
    bool done = false;
    impl.ws.text(true);
    impl.ws.async_write(asio::buffer(text.data(), text.size()), [&](ErrorCode result, std::size_t) {
        ec = result;
        done = true;
    });
    if (!runUntil(impl.io, done, deadlineIn(timeout))) {
        // A write that cannot finish means the server stopped reading; the stream is unusable.
        impl.abort();
        drain(impl.io, done);
        return beast::error::timeout;
    }
    if (ec) return ec;
    return {};
}

Result<std::string> WsClient::readText(std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    if (!impl.open && !impl.reading) {
        if (impl.close_code) return ErrorCode(websocket::error::closed);
        return ErrorCode(asio::error::not_connected);
    }
    impl.startRead();
    if (!runUntil(impl.io, impl.read_done, deadlineIn(timeout))) {
        return ErrorCode(beast::error::timeout);
    }
    return impl.finishRead();
}

Result<boost::json::value> WsClient::readJson(std::chrono::milliseconds timeout) {
    auto text = readText(timeout);
    if (!text) return text.error();
    ErrorCode ec;
    auto value = boost::json::parse(*text, ec);
    if (ec) return ec;
    return value;
}

Result<unsigned> WsClient::waitClose(std::chrono::milliseconds timeout) {
    const auto deadline = deadlineIn(timeout);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto message = readText(std::max(left, std::chrono::milliseconds(0)));
        if (message) continue;
        if (impl_->close_code) return *impl_->close_code;
        return message.error();
    }
}

std::optional<unsigned> WsClient::closeCode() const { return impl_->close_code; }
std::string WsClient::closeReason() const { return impl_->close_reason; }

Result<void> WsClient::close(unsigned code, std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    if (!impl.open) return {};
    const auto deadline = deadlineIn(timeout);
    ErrorCode ec;
    bool done = false;
    impl.ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                        [&](ErrorCode result) {
                            ec = result;
                            done = true;
                        });
    // A pending read completes (with `closed`) once the server answers the close frame.
    bool finished = runUntil(impl.io, done, deadline) &&
                    (!impl.reading || runUntil(impl.io, impl.read_done, deadline));
    if (!finished) {
        impl.abort();
        drain(impl.io, done);
        return beast::error::timeout;
    }
    if (impl.reading) impl.finishRead();
    impl.open = false;
    if (ec) return ec;
    return {};
}

bool WsClient::isOpen() const { return impl_->open; }

std::size_t WsClient::pingsReceived() const { return impl_->pings; }

Result<void> WsClient::setReceiveBufferSize(int bytes) {
    if (!impl_->open) return ErrorCode(asio::error::not_connected);
    ErrorCode ec;
    beast::get_lowest_layer(impl_->ws).socket().set_option(
        asio::socket_base::receive_buffer_size(bytes), ec);
    if (ec) return ec;
    return {};
}

}  // namespace ccapi::testhttp
