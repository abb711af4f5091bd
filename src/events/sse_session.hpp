// One Server-Sent Events stream (GET /api/v2/events/stream): the response head, an optional
// replay from the stored log (Last-Event-ID), then live events and `: ping` comments.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "events/stream_session.hpp"
#include "storage/stores.hpp"

namespace ccapi::events {

struct SseOptions {
    storage::CallStore* store = nullptr;
    BlockingPool* blocking = nullptr;
    // Resume: replay every visible event after this id from the store first.
    std::optional<std::int64_t> last_event_id;
    // The complete HTTP response head (status line, headers, blank line), built by EventsApi.
    std::string response_head;
};

// Events per store read during a replay.
inline constexpr std::size_t kReplayPageSize = 500;

// Owned by shared_ptr like WebSocketSession, on the connection's own I/O thread.
//
// Resume without gap or duplicate: the session subscribes to the hub FIRST (live messages queue
// up), then replays the log after Last-Event-ID page by page until a short page, then sends the
// queued and live messages whose event_id is above the last one replayed. The log is gap-free,
// so everything below that id was in the replay. An overflow while replaying only empties the
// queue: the replay simply reads on (whatever was dropped is in the store).
class SseSession : public std::enable_shared_from_this<SseSession> {
public:
    SseSession(boost::asio::ip::tcp::socket socket, StreamSessionConfig config, SseOptions options);
    ~SseSession();

    static Task<void> run(std::shared_ptr<SseSession> self);

private:
    struct ReplayPage;
    static Task<void> readLoop(std::shared_ptr<SseSession> self);
    Task<void> replay();
    Task<void> liveLoop();
    // Writes out_ under the write deadline; false once the session must end.
    Task<bool> send();
    void finish();
    void onWake();
    void requestStop(StopReason reason);
    void armTokenExpiry();
    void hardClose();

    boost::asio::ip::tcp::socket socket_;
    StreamSessionConfig config_;
    SseOptions options_;
    Subscription subscription_;
    boost::asio::steady_timer signal_;       // the writer waits here (messages or next ping)
    boost::asio::steady_timer deadline_;     // token expiry
    boost::asio::steady_timer write_timer_;  // a write that stays stuck ends the stream
    std::vector<boost::asio::const_buffer> out_;
    StopReason stop_ = StopReason::kNone;
    bool replaying_ = false;
    bool counted_ = false;
    std::int64_t replayed_through_ = 0;
    std::uint64_t sent_ = 0;
    std::chrono::steady_clock::time_point opened_at_;
};

}  // namespace ccapi::events
