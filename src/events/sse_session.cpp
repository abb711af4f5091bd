#include "events/sse_session.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/logging.hpp"

namespace ccapi::events {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kPing = ": ping\n\n";
// A write that cannot finish within this means the client stopped reading.
constexpr auto kMinWriteTimeout = std::chrono::seconds(10);

}  // namespace

struct SseSession::ReplayPage {
    std::vector<StreamMessagePtr> messages;  // the visible ones
    std::size_t read = 0;                    // every event read
    std::int64_t last_id = 0;                // the highest event_id read
};

SseSession::SseSession(tcp::socket socket, StreamSessionConfig config, SseOptions options)
    : socket_(std::move(socket)),
      config_(std::move(config)),
      options_(std::move(options)),
      signal_(socket_.get_executor()),
      deadline_(socket_.get_executor()),
      write_timer_(socket_.get_executor()) {
    applySendBuffer(config_, socket_);
}

SseSession::~SseSession() {
    if (counted_ && config_.metrics) config_.metrics->clients->dec();
}

Task<void> SseSession::run(std::shared_ptr<SseSession> self) {
    self->opened_at_ = std::chrono::steady_clock::now();

    // Subscribe before anything is read from the store (see the class comment).
    std::weak_ptr<SseSession> weak = self;
    SubscribeOptions options;
    options.filter = self->config_.filter;
    options.executor = self->socket_.get_executor();
    options.queue_limit = self->config_.queue_limit;
    options.wake = [weak] {
        if (auto session = weak.lock()) session->onWake();
    };
    self->subscription_ = self->config_.hub->subscribe(std::move(options));
    // Counted once subscribed: a client seen in event_stream_clients gets every later event.
    self->config_.metrics->clients->inc();
    self->counted_ = true;
    self->replaying_ = self->options_.last_event_id.has_value();

    self->out_.clear();
    self->out_.push_back(asio::buffer(self->options_.response_head));
    bool head_sent = co_await self->send();
    if (head_sent) {
        spawn(self->socket_.get_executor(), readLoop(self), "events-sse-read");
        self->armTokenExpiry();
        if (self->replaying_) co_await self->replay();
        self->replaying_ = false;
        if (self->stop_ == StopReason::kNone) co_await self->liveLoop();
    }
    self->finish();
}

Task<void> SseSession::readLoop(std::shared_ptr<SseSession> self) {
    // The client sends nothing after its request; reading is how a disconnect is noticed while
    // no event is being written.
    std::array<char, 512> sink{};
    for (;;) {
        auto into = asio::buffer(sink);
        auto [ec, bytes] = co_await self->socket_.async_read_some(into, kUseTuple);
        if (ec) {
            self->requestStop(StopReason::kClientGone);
            co_return;
        }
    }
}

Task<void> SseSession::replay() {
    std::int64_t after = *options_.last_event_id;
    replayed_through_ = after;
    for (;;) {
        if (stop_ != StopReason::kNone) co_return;
        auto read = [store = options_.store, after,
                     filter = config_.filter]() -> Result<ReplayPage> {
            auto rows = store->eventsWithCallsAfter(after, kReplayPageSize);
            if (!rows) return rows.error();
            ReplayPage page;
            page.read = rows->size();
            for (const auto& row : *rows) {
                page.last_id = row.event.event_id;
                if (!filter.matches(row.call.user_id, row.event.call_id, row.event.status))
                    continue;
                page.messages.push_back(makeStreamMessage(row.call, row.event));
            }
            return page;
        };
        auto page = co_await offload(*options_.blocking, std::move(read));
        if (stop_ != StopReason::kNone) co_return;
        if (!page) {
            log::warn("event stream resume: cannot read the event log",
                      {{"request_id", config_.request_id}, {"error", page.error().message()}});
            requestStop(StopReason::kStoreError);
            co_return;
        }
        if (!page->messages.empty()) {
            out_.clear();
            for (const auto& message : page->messages) {
                out_.push_back(asio::buffer(message->sseFrame()));
            }
            if (!co_await send()) co_return;
            sent_ += page->messages.size();
        }
        if (page->read > 0) after = page->last_id;
        replayed_through_ = after;
        // Messages dropped by an overflow were committed before this check, so the next read
        // (after it) returns them.
        if (subscription_.state() == QueueState::kOverflowed) {
            subscription_.clearOverflow();
            continue;
        }
        if (page->read < kReplayPageSize) co_return;
    }
}

Task<void> SseSession::liveLoop() {
    std::vector<StreamMessagePtr> batch;
    auto ping =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(config_.ping_interval);
    auto next_ping = std::chrono::steady_clock::now() + ping;
    while (stop_ == StopReason::kNone) {
        auto state = subscription_.take(batch);
        if (state == QueueState::kOverflowed) {
            requestStop(StopReason::kSlowConsumer);
            break;
        }
        if (state == QueueState::kClosed) {
            requestStop(StopReason::kShutdown);
            break;
        }
        out_.clear();
        std::size_t messages = 0;
        for (const auto& message : batch) {
            // At or below the last replayed id: already sent by the replay.
            if (message->eventId() <= replayed_through_) continue;
            out_.push_back(asio::buffer(message->sseFrame()));
            ++messages;
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= next_ping) {
            out_.push_back(asio::buffer(kPing));
            next_ping = now + ping;
        }
        if (!out_.empty()) {
            if (!co_await send()) break;
            sent_ += messages;
            batch.clear();  // the write is done with them
            continue;
        }
        // onWake() cancels this wait early (posted to this thread: it cannot slip in between).
        signal_.expires_at(next_ping);
        co_await signal_.async_wait(kUseTuple);
    }
    batch.clear();
}

Task<bool> SseSession::send() {
    auto timeout =
        std::max<std::chrono::steady_clock::duration>(2 * config_.ping_interval, kMinWriteTimeout);
    std::weak_ptr<SseSession> weak = weak_from_this();
    write_timer_.expires_after(timeout);
    write_timer_.async_wait([weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto session = weak.lock()) session->requestStop(StopReason::kSlowConsumer);
    });
    auto [ec, written] = co_await asio::async_write(socket_, out_, kUseTuple);
    write_timer_.cancel();
    out_.clear();
    if (ec) {
        requestStop(StopReason::kClientGone);
        co_return false;
    }
    co_return stop_ == StopReason::kNone;
}

void SseSession::finish() {
    hardClose();
    signal_.cancel();
    deadline_.cancel();
    write_timer_.cancel();
    subscription_.reset();
    auto level = stop_ == StopReason::kSlowConsumer ? log::Level::kInfo : log::Level::kDebug;
    if (log::enabled(level)) {
        std::chrono::duration<double> open_for = std::chrono::steady_clock::now() - opened_at_;
        log::write(level, "event stream closed",
                   {{"transport", "sse"},
                    {"request_id", config_.request_id},
                    {"user", config_.username},
                    {"reason", toString(stop_)},
                    {"messages", sent_},
                    {"duration_s", open_for.count()}});
    }
}

void SseSession::onWake() {
    if (stop_ != StopReason::kNone) return;
    switch (subscription_.state()) {
        case QueueState::kOverflowed:
            // While replaying, an overflow is harmless: the replay reads on from the store.
            if (!replaying_) requestStop(StopReason::kSlowConsumer);
            return;
        case QueueState::kClosed:
            requestStop(StopReason::kShutdown);
            return;
        case QueueState::kOpen:
            signal_.cancel();
            return;
    }
}

void SseSession::requestStop(StopReason reason) {
    if (stop_ != StopReason::kNone) return;
    stop_ = reason;
    countDrop(*config_.metrics, reason);
    // SSE has no close frame: the end of the response is the end of the connection. Closing
    // also cancels a write in flight, so a client that stopped reading holds nothing.
    hardClose();
    signal_.cancel();
}

void SseSession::armTokenExpiry() {
    auto left = untilTokenExpiry(config_);
    if (!left) return;
    std::weak_ptr<SseSession> weak = weak_from_this();
    deadline_.expires_after(*left);
    deadline_.async_wait([weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto session = weak.lock()) session->requestStop(StopReason::kTokenExpired);
    });
}

void SseSession::hardClose() {
    if (!socket_.is_open()) return;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

}  // namespace ccapi::events
