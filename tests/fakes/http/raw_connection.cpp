#include "fakes/http/raw_connection.hpp"

#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <thread>

#include "fakes/http/detail.hpp"

namespace ccapi::testhttp {

using namespace detail;

struct RawConnection::Impl {
    Impl(std::string host_, std::uint16_t port_) : host(std::move(host_)), port(port_) {}

    std::string host;
    std::uint16_t port;
    asio::io_context io;
    beast::tcp_stream stream{io};
    bool open = false;
    // Asio's edge-triggered reactor reports an EOF once; a second read would wait for an event
    // that never comes. So the first one is remembered.
    ErrorCode peer_closed;
    std::string pending;  // received, not yet returned

    // Appends at least one byte to `pending`, or fails: eof, connection_reset, timeout.
    // A plain socket read can be cancelled without losing data (bytes not taken stay in the
    // kernel), so a timed-out read is cancelled rather than left pending.
    ErrorCode readMore(Clock::time_point deadline) {
        if (!open) return asio::error::not_connected;
        if (peer_closed) return peer_closed;
        std::array<char, 64 * 1024> chunk;
        ErrorCode ec;
        std::size_t got = 0;
        bool done = false;
        stream.socket().async_read_some(asio::buffer(chunk), [&](ErrorCode result, std::size_t n) {
            ec = result;
            got = n;
            done = true;
        });
        if (!runUntil(io, done, deadline)) {
            stream.socket().cancel();
            drain(io, done);
            if (ec == asio::error::operation_aborted) ec = beast::error::timeout;
        }
        pending.append(chunk.data(), got);
        if (got > 0) return {};
        if (!ec) ec = asio::error::eof;
        if (isConnectionClosed(ec)) peer_closed = ec;
        return ec;
    }

    ErrorCode write(std::string_view bytes, Clock::time_point deadline) {
        if (!open) return asio::error::not_connected;
        ErrorCode ec;
        bool done = false;
        stream.expires_at(deadline);
        asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()),
                          [&](ErrorCode result, std::size_t) {
                              ec = result;
                              done = true;
                          });
        runUntil(io, done, deadline + std::chrono::seconds(1));
        if (!done) ec = beast::error::timeout;
        stream.expires_never();
        return ec;
    }

    std::string take(std::size_t n) {
        std::string out = pending.substr(0, n);
        pending.erase(0, n);
        return out;
    }
};

RawConnection::RawConnection(std::string host, std::uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}
RawConnection::RawConnection(RawConnection&&) noexcept = default;
RawConnection& RawConnection::operator=(RawConnection&&) noexcept = default;
RawConnection::~RawConnection() {
    if (impl_) close();
}

Result<void> RawConnection::connect(std::chrono::milliseconds timeout) {
    close();
    if (auto ec = detail::connect(impl_->io, impl_->stream, impl_->host, impl_->port,
                                  deadlineIn(timeout))) {
        return ec;
    }
    impl_->open = true;
    return {};
}

Result<void> RawConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    if (auto ec = impl_->write(bytes, deadlineIn(timeout))) return ec;
    return {};
}

Result<void> RawConnection::sendSlowly(std::string_view bytes, std::size_t chunk_size,
                                       std::chrono::milliseconds pause,
                                       std::chrono::milliseconds timeout) {
    const auto deadline = deadlineIn(timeout);
    if (chunk_size == 0) chunk_size = 1;
    for (std::size_t offset = 0; offset < bytes.size(); offset += chunk_size) {
        // Pausing is the point of this call (a slow client), not a wait for a condition.
        if (offset > 0) std::this_thread::sleep_for(pause);
        if (auto ec = impl_->write(bytes.substr(offset, chunk_size), deadline)) return ec;
    }
    return {};
}

Result<void> RawConnection::shutdownSend() {
    ErrorCode ec;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return ec;
    return {};
}

Result<std::string> RawConnection::readSome(std::chrono::milliseconds timeout) {
    if (impl_->pending.empty()) {
        if (auto ec = impl_->readMore(deadlineIn(timeout))) return ec;
    }
    return impl_->take(impl_->pending.size());
}

Result<std::string> RawConnection::readUntil(std::string_view delimiter,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = deadlineIn(timeout);
    for (;;) {
        if (auto at = impl_->pending.find(delimiter); at != std::string::npos) {
            return impl_->take(at + delimiter.size());
        }
        if (auto ec = impl_->readMore(deadline)) return ec;
    }
}

RawRead RawConnection::readUntilClose(std::chrono::milliseconds timeout) {
    const auto deadline = deadlineIn(timeout);
    RawRead read;
    for (;;) {
        auto ec = impl_->readMore(deadline);
        read.text += impl_->take(impl_->pending.size());
        if (!ec) continue;
        if (isTimeout(ec)) {
            read.timed_out = true;
        } else if (isConnectionClosed(ec)) {
            read.closed = true;
        } else {
            read.error = ec;
        }
        return read;
    }
}

Result<Response> RawConnection::readResponse(std::chrono::milliseconds timeout, bool head_request) {
    const auto deadline = deadlineIn(timeout);
    http::response_parser<http::string_body> parser;
    parser.header_limit(1024 * 1024);
    parser.body_limit(64 * 1024 * 1024);
    if (head_request) parser.skip(true);
    // Feed the parser by hand from `pending`, so that what follows this response stays there.
    for (;;) {
        if (!impl_->pending.empty()) {
            ErrorCode ec;
            auto used = parser.put(asio::buffer(impl_->pending), ec);
            impl_->pending.erase(0, used);
            if (ec && ec != http::error::need_more) return ec;
            if (parser.is_done()) break;
            if (used > 0 && !ec) continue;
        }
        auto ec = impl_->readMore(deadline);
        if (ec == asio::error::eof) {
            // A response delimited by the close of the connection ends here.
            ErrorCode eof_ec;
            parser.put_eof(eof_ec);
            if (eof_ec) return eof_ec;
            if (parser.is_done()) break;
            return ec;
        }
        if (ec) return ec;
    }
    return toResponse(parser.release());
}

bool RawConnection::waitClosed(std::chrono::milliseconds timeout) {
    return readUntilClose(timeout).closed;
}

void RawConnection::close() {
    if (impl_->open) {
        ErrorCode ignored;
        impl_->stream.socket().close(ignored);
    }
    impl_->open = false;
    impl_->peer_closed = {};
    impl_->pending.clear();
}

bool RawConnection::isOpen() const { return impl_->open; }

}  // namespace ccapi::testhttp
