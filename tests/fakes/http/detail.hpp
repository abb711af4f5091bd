// Private to the test HTTP library: running one operation of a synchronous client on its own
// io_context under a deadline, connecting, and converting Beast messages.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>

#include "fakes/http/response.hpp"

namespace ccapi::testhttp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline Clock::time_point deadlineIn(std::chrono::milliseconds timeout) {
    return Clock::now() + timeout;
}

// Runs handlers until `done` is set or `deadline` passes; true when done. Handlers of other
// pending operations may run too, which is what lets a read stay pending across calls.
inline bool runUntil(asio::io_context& io, const bool& done, Clock::time_point deadline) {
    io.restart();
    while (!done) {
        if (io.run_one_until(deadline) == 0) return done;  // deadline, or nothing left to run
    }
    return true;
}

// After cancelling or closing, runs until the aborted operation's handler has run.
inline void drain(asio::io_context& io, const bool& done) {
    runUntil(io, done, Clock::now() + std::chrono::seconds(5));
}

// Connects `stream` to host:port (an IP literal or a name such as localhost) with TCP_NODELAY,
// so that small test writes leave at once.
ErrorCode connect(asio::io_context& io, beast::tcp_stream& stream, const std::string& host,
                  std::uint16_t port, Clock::time_point deadline);

// True when a connection kept alive by the client can no longer be used: the server closed it,
// reset it or sent something unsolicited (such as a 408 before closing).
bool staleConnection(tcp::socket& socket);

Response toResponse(http::response<http::string_body>&& message);

}  // namespace ccapi::testhttp::detail
