// A plain TCP connection for abuse tests: send arbitrary bytes (malformed request lines, oversized
// headers, truncated bodies, one byte at a time), read whatever comes back under a deadline, and
// see whether and when the server closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "fakes/http/response.hpp"

namespace ccapi::testhttp {

// What a read until close saw.
struct RawRead {
    std::string text;        // every byte received
    bool closed = false;     // the server closed (EOF) or reset the connection
    bool timed_out = false;  // the deadline passed with the connection still open
    ErrorCode error;         // the failure other than a close or the deadline, if any
};

// Owned by one test; not for concurrent use. Bytes received but not yet returned stay buffered,
// so readUntil() followed by readResponse() sees the stream exactly once.
class RawConnection {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

    RawConnection(std::string host, std::uint16_t port);
    RawConnection(RawConnection&&) noexcept;
    RawConnection& operator=(RawConnection&&) noexcept;
    ~RawConnection();

    Result<void> connect(std::chrono::milliseconds timeout = kDefaultTimeout);
    // Writes every byte. Fails with isConnectionClosed() when the server has gone away.
    Result<void> send(std::string_view bytes, std::chrono::milliseconds timeout = kDefaultTimeout);
    // Sends `bytes` in chunks of `chunk_size` with `pause` between them (a slow client on
    // purpose); stops at the first failure, which is how a test sees the server hang up on it.
    Result<void> sendSlowly(std::string_view bytes, std::size_t chunk_size,
                            std::chrono::milliseconds pause,
                            std::chrono::milliseconds timeout = kDefaultTimeout);
    // Half-closes: the server reads EOF after what was sent (a truncated body) but can answer.
    Result<void> shutdownSend();

    // Whatever arrives next (at least one byte, or what is already buffered).
    Result<std::string> readSome(std::chrono::milliseconds timeout = kDefaultTimeout);
    // Up to and including `delimiter` (say "\r\n\r\n"); the rest stays buffered.
    Result<std::string> readUntil(std::string_view delimiter,
                                  std::chrono::milliseconds timeout = kDefaultTimeout);
    // Everything until the server closes or the deadline passes.
    RawRead readUntilClose(std::chrono::milliseconds timeout = kDefaultTimeout);
    // One complete HTTP response (Content-Length, chunked, or until close); bytes after it stay
    // buffered, so pipelined responses can be read one by one. `head_request`: expect no body.
    Result<Response> readResponse(std::chrono::milliseconds timeout = kDefaultTimeout,
                                  bool head_request = false);
    // True when the server closes (EOF or reset) before the deadline; what it sent meanwhile is
    // discarded.
    bool waitClosed(std::chrono::milliseconds timeout = kDefaultTimeout);

    void close();
    bool isOpen() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccapi::testhttp
