// Test-side HTTP and WebSocket clients (Beast, each on its own io_context, every call bounded by
// a timeout) for driving the ARI simulator over real sockets.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ccapi::arisim::testing {

using namespace std::chrono_literals;

struct HttpReply {
    int status = 0;  // 0: no response (see error)
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // names as sent
    std::string body;
    boost::system::error_code error;

    boost::json::value json() const;
    std::string header(std::string_view name) const;  // exact-case lookup; "" if absent
};

struct HttpCall {
    HttpCall(std::string m, std::string t, std::string b = {}, std::string type = {},
             bool with_auth = true)
        : method(std::move(m)),
          target(std::move(t)),
          body(std::move(b)),
          content_type(std::move(type)),
          auth(with_auth) {}
    std::string method = "GET";
    std::string target;  // "/ari/channels?..."
    std::string body;
    std::string content_type;  // set with a body
    bool auth = true;          // basic ariuser:aripass
};

// One request on a fresh connection ("Connection: close").
HttpReply httpCall(std::uint16_t port, const HttpCall& call,
                   std::chrono::milliseconds timeout = 5s);

// A keep-alive connection for several requests.
class HttpConnection {
public:
    explicit HttpConnection(std::uint16_t port);
    bool connected() const { return connected_; }
    HttpReply request(const HttpCall& call, std::chrono::milliseconds timeout = 5s);

private:
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    bool connected_ = false;
};

// An event WebSocket whose frames are read in the background while the test waits.
class WsClient {
public:
    WsClient() = default;
    ~WsClient();
    // `receive_buffer` > 0 shrinks SO_RCVBUF (a reader that falls behind fills up sooner).
    boost::system::error_code connect(std::uint16_t port, std::string target,
                                      std::chrono::milliseconds timeout = 5s,
                                      int receive_buffer = 0);
    // The next event, or nullopt on timeout or when the connection ended.
    std::optional<boost::json::object> next(std::chrono::milliseconds timeout = 5s);
    // The next event of `type` (skipping others), or nullopt.
    std::optional<boost::json::object> nextOfType(std::string_view type,
                                                  std::chrono::milliseconds timeout = 5s);
    // Waits for the connection to end; true if it did within `timeout`.
    bool waitClosed(std::chrono::milliseconds timeout = 5s);
    bool isClosed() const { return closed_; }
    // How it ended: a close frame (websocket::error::closed, closeCode()) or not (eof/reset).
    boost::system::error_code closeError() const { return close_error_; }
    std::optional<std::uint16_t> closeCode() const { return close_code_; }
    std::vector<std::string> handshakeHeaders() const { return handshake_headers_; }
    void close();

private:
    void startRead();
    void pump(std::chrono::milliseconds timeout, const std::function<bool()>& done);

    boost::asio::io_context io_;
    std::optional<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<boost::json::object> inbox_;
    bool closed_ = false;
    boost::system::error_code close_error_;
    std::optional<std::uint16_t> close_code_;
    std::vector<std::string> handshake_headers_;
};

}  // namespace ccapi::arisim::testing
