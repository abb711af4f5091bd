// One event WebSocket: the RFC 6455 handshake and framing, written by hand so that the 101
// carries exactly Asterisk's three headers and so that the server can end the connection the way
// Asterisk does (TCP close without a close frame, or close frame 1000 then FIN).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "arisim/options.hpp"
#include "core/async.hpp"

namespace ccapi::arisim {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string websocketAccept(std::string_view key);

// Owned by a shared_ptr (the server session and the writer coroutine hold it); used only on the
// simulator's io_context thread.
class WsConnection : public std::enable_shared_from_this<WsConnection> {
public:
    WsConnection(asio::ip::tcp::socket socket, Millis write_timeout);

    // Writes the 101 response, then reads frames until the peer or the server ends the
    // connection. Answers pings with pongs and a close frame with a close frame.
    static Task<void> run(std::shared_ptr<WsConnection> self, std::string websocket_key);

    // Queues one text frame; ignored once the connection is closing.
    void sendText(std::string text);
    // Close frame with `code` and an empty reason, then FIN (core stop gracefully).
    void closeWithFrame(std::uint16_t code);
    // TCP close without a close frame (SIGTERM/SIGKILL, slow consumer); drops queued frames.
    void abort();

    bool isOpen() const { return state_ == State::kOpen; }
    std::size_t framesSent() const { return frames_sent_; }

private:
    enum class State { kOpen, kClosing, kClosed };

    static Task<void> writeLoop(std::shared_ptr<WsConnection> self);
    void enqueueFrame(std::uint8_t opcode, std::string_view payload);
    void wake();
    void armWriteDeadline(std::uint64_t generation);
    bool kernelBufferHasRoom();

    asio::ip::tcp::socket socket_;
    Millis write_timeout_;
    asio::steady_timer signal_;
    asio::steady_timer deadline_;
    std::deque<std::string> queue_;
    State state_ = State::kOpen;
    bool close_after_queue_ = false;
    std::uint64_t write_generation_ = 0;
    std::size_t frames_sent_ = 0;
};

}  // namespace ccapi::arisim
