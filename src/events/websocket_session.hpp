// One WebSocket event stream (GET /api/v2/events): the upgrade, then every matching event as a
// text message, server pings, and the close codes of SPEC §2.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <vector>

#include "core/async.hpp"
#include "events/stream_session.hpp"
#include "http/types.hpp"

namespace ccapi::events {

// Owned by shared_ptr (the run and reader coroutines hold it; wake-ups hold a weak_ptr). Lives
// on the connection's own I/O thread, which is single-threaded, so nothing in it is locked.
//
// Ends with: 1008 "slow consumer" when its queue overflows (after a short grace the TCP
// connection is cut if the close frame cannot get out); 1008 "token expired"; 1001 on shutdown;
// a TCP close when no frame arrives for two ping intervals (Beast's keep-alive pings).
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
public:
    WebSocketSession(boost::asio::ip::tcp::socket socket, StreamSessionConfig config);
    ~WebSocketSession();

    // Accepts the upgrade `request` (already read by the HTTP server) and streams until the
    // session ends. The takeover coroutine.
    static Task<void> run(std::shared_ptr<WebSocketSession> self, http::Request request);

private:
    static Task<void> readLoop(std::shared_ptr<WebSocketSession> self);
    Task<void> writeLoop();
    Task<void> finish();
    void onWake();
    void requestStop(StopReason reason);
    void armTokenExpiry();
    void hardClose();

    boost::beast::websocket::stream<boost::asio::ip::tcp::socket, false> ws_;
    StreamSessionConfig config_;
    Subscription subscription_;
    boost::asio::steady_timer signal_;    // the writer waits here for messages
    boost::asio::steady_timer deadline_;  // token expiry, then the close grace
    StopReason stop_ = StopReason::kNone;
    bool counted_ = false;  // in event_stream_clients
    std::uint64_t sent_ = 0;
    std::chrono::steady_clock::time_point opened_at_;
};

}  // namespace ccapi::events
