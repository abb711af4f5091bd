// A synchronous WebSocket client for event-stream tests: connect with headers and query, read the
// next message under a deadline, and see the close code the server ends with.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "fakes/http/response.hpp"

namespace ccapi::testhttp {

// Owned by one test; not for concurrent use. Pings from the server are answered automatically
// while a read is in progress.
class WsClient {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

    WsClient(std::string host, std::uint16_t port);
    WsClient(WsClient&&) noexcept;
    WsClient& operator=(WsClient&&) noexcept;
    ~WsClient();

    // Upgrades `target` (path and query, e.g. "/api/v2/events?call_id=…"), sending `headers`
    // with the handshake. A refused upgrade fails and leaves the server's answer (401 and its
    // JSON body, say) in handshakeResponse().
    Result<void> connect(std::string_view target, const HeaderList& headers = {},
                         std::chrono::milliseconds timeout = kDefaultTimeout);
    const Response& handshakeResponse() const;

    Result<void> sendText(std::string_view text,
                          std::chrono::milliseconds timeout = kDefaultTimeout);

    // The next message (text or binary, as bytes). Past the deadline it fails with isTimeout()
    // and the read stays pending, so a test may check "nothing arrives within 200 ms" and still
    // receive the message that comes later. When the server closes, fails with
    // isConnectionClosed() and closeCode() says how.
    Result<std::string> readText(std::chrono::milliseconds timeout = kDefaultTimeout);
    // readText() parsed as JSON; a message that is not JSON is an error.
    Result<boost::json::value> readJson(std::chrono::milliseconds timeout = kDefaultTimeout);
    // Discards messages until the server's close frame and returns its code; fails if the
    // connection ends without one or the deadline passes.
    Result<unsigned> waitClose(std::chrono::milliseconds timeout = kDefaultTimeout);

    // The code of the close frame received from the server, once there was one.
    std::optional<unsigned> closeCode() const;
    std::string closeReason() const;

    // Sends a close frame and waits for the server's (the clean client-initiated close).
    Result<void> close(unsigned code = 1000, std::chrono::milliseconds timeout = kDefaultTimeout);
    bool isOpen() const;

    // Pings received from the server so far (seen while a read is in progress).
    std::size_t pingsReceived() const;
    // Shrinks the kernel's receive buffer of the open connection (SO_RCVBUF), so that a client
    // that stops reading makes the server's writes block after little data (slow-consumer tests).
    Result<void> setReceiveBufferSize(int bytes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccapi::testhttp
