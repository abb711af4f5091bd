#include "arisim/ws_connection.hpp"

#include <openssl/evp.h>
#include <poll.h>

#include <array>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <vector>

namespace ccapi::arisim {
namespace {

constexpr std::uint64_t kMaxClientPayload = 1 << 20;
constexpr Millis kCloseHandshakeTimeout{2000};
constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

}  // namespace

std::string websocketAccept(std::string_view key) {
    std::string input(key);
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr);
    std::array<unsigned char, 4 * EVP_MAX_MD_SIZE> encoded{};
    int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(length));
    return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
}

WsConnection::WsConnection(asio::ip::tcp::socket socket, Millis write_timeout)
    : socket_(std::move(socket)),
      write_timeout_(write_timeout),
      signal_(socket_.get_executor()),
      deadline_(socket_.get_executor()) {}

void WsConnection::enqueueFrame(std::uint8_t opcode, std::string_view payload) {
    std::string frame;
    frame.reserve(payload.size() + 10);
    frame.push_back(static_cast<char>(0x80 | opcode));
    std::uint64_t size = payload.size();
    if (size < 126) {
        frame.push_back(static_cast<char>(size));
    } else if (size < 65536) {
        frame.push_back(static_cast<char>(126));
        frame.push_back(static_cast<char>((size >> 8) & 0xff));
        frame.push_back(static_cast<char>(size & 0xff));
    } else {
        frame.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame.push_back(static_cast<char>((size >> shift) & 0xff));
        }
    }
    frame.append(payload);
    queue_.push_back(std::move(frame));
    wake();
}

void WsConnection::wake() { signal_.cancel(); }

bool WsConnection::kernelBufferHasRoom() {
    pollfd descriptor{};
    descriptor.fd = socket_.native_handle();
    descriptor.events = POLLOUT;
    return ::poll(&descriptor, 1, 0) == 1 && (descriptor.revents & POLLOUT) != 0;
}

void WsConnection::armWriteDeadline(std::uint64_t generation) {
    std::weak_ptr<WsConnection> weak = weak_from_this();
    deadline_.expires_after(write_timeout_);
    deadline_.async_wait([weak, generation](boost::system::error_code e) {
        if (e) return;
        auto self = weak.lock();
        if (!self || self->write_generation_ != generation) return;
        // Like Asterisk's websocket_write_timeout: give up on a peer whose socket stayed full.
        // A write that merely waits for this (busy) thread to resume is not the peer's fault.
        if (self->kernelBufferHasRoom()) {
            self->armWriteDeadline(generation);
        } else {
            self->abort();
        }
    });
}

void WsConnection::sendText(std::string text) {
    if (state_ != State::kOpen) return;
    enqueueFrame(kText, text);
}

void WsConnection::closeWithFrame(std::uint16_t code) {
    if (state_ != State::kOpen) return;
    std::string payload;
    payload.push_back(static_cast<char>((code >> 8) & 0xff));
    payload.push_back(static_cast<char>(code & 0xff));
    enqueueFrame(kClose, payload);
    state_ = State::kClosing;
    close_after_queue_ = true;
}

void WsConnection::abort() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    queue_.clear();
    boost::system::error_code ec;
    socket_.close(ec);
    signal_.cancel();
    deadline_.cancel();
}

Task<void> WsConnection::run(std::shared_ptr<WsConnection> self, std::string websocket_key) {
    boost::system::error_code ec;
    std::string handshake =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        websocketAccept(websocket_key) + "\r\n\r\n";
    co_await asio::async_write(self->socket_, asio::buffer(handshake),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        self->abort();
        co_return;
    }
    spawn(self->socket_.get_executor(), writeLoop(self), "arisim-ws-writer");

    std::vector<unsigned char> payload;
    while (self->state_ != State::kClosed) {
        std::array<unsigned char, 2> head{};
        co_await asio::async_read(self->socket_, asio::buffer(head),
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        std::uint8_t opcode = head[0] & 0x0f;
        bool masked = (head[1] & 0x80) != 0;
        std::uint64_t length = head[1] & 0x7f;
        if (length == 126 || length == 127) {
            std::array<unsigned char, 8> ext{};
            std::size_t n = length == 126 ? 2 : 8;
            co_await asio::async_read(self->socket_, asio::buffer(ext.data(), n),
                                      asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            length = 0;
            for (std::size_t i = 0; i < n; ++i) length = (length << 8) | ext[i];
        }
        if (!masked || length > kMaxClientPayload) {
            self->closeWithFrame(masked ? 1009 : 1002);
            continue;
        }
        std::array<unsigned char, 4> mask{};
        co_await asio::async_read(self->socket_, asio::buffer(mask),
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        payload.resize(static_cast<std::size_t>(length));
        if (length > 0) {
            co_await asio::async_read(self->socket_, asio::buffer(payload),
                                      asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
        }
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= mask[i % 4];
        if (opcode == kClose) {
            if (self->state_ == State::kOpen) {
                std::uint16_t code =
                    payload.size() >= 2 ? static_cast<std::uint16_t>((payload[0] << 8) | payload[1])
                                        : 1000;
                self->closeWithFrame(code);
            }
        } else if (opcode == kPing && self->state_ == State::kOpen) {
            self->enqueueFrame(
                kPong,
                std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
        }
        // Text and binary frames from the client are ignored, as ARI does.
    }
    // EOF, an error, or the server aborted: nothing more can be sent.
    self->abort();
}

Task<void> WsConnection::writeLoop(std::shared_ptr<WsConnection> self) {
    boost::system::error_code ec;
    while (self->state_ != State::kClosed) {
        if (self->queue_.empty()) {
            if (self->close_after_queue_) {
                // The close frame is out: FIN, then let the reader see the peer's EOF; give up
                // after a while like Asterisk's session timeout.
                self->close_after_queue_ = false;
                self->socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
                std::weak_ptr<WsConnection> weak = self;
                self->deadline_.expires_after(kCloseHandshakeTimeout);
                self->deadline_.async_wait([weak](boost::system::error_code e) {
                    if (e) return;
                    if (auto s = weak.lock()) s->abort();
                });
            }
            self->signal_.expires_at(asio::steady_timer::time_point::max());
            co_await self->signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        // Everything queued goes out in one gathered write.
        std::vector<std::string> batch(std::make_move_iterator(self->queue_.begin()),
                                       std::make_move_iterator(self->queue_.end()));
        self->queue_.clear();
        std::vector<asio::const_buffer> buffers;
        buffers.reserve(batch.size());
        for (const auto& frame : batch) buffers.emplace_back(asio::buffer(frame));
        std::uint64_t generation = ++self->write_generation_;
        self->armWriteDeadline(generation);
        co_await asio::async_write(self->socket_, buffers,
                                   asio::redirect_error(asio::use_awaitable, ec));
        ++self->write_generation_;
        self->deadline_.cancel();
        if (ec) {
            self->abort();
            break;
        }
        self->frames_sent_ += batch.size();
    }
}

}  // namespace ccapi::arisim
