#include "events/websocket_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <optional>

#include "core/logging.hpp"

namespace ccapi::events {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// The upgrade handshake, and later the close handshake, must finish within this.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// After the server decides to close (slow consumer, token expiry, shutdown), a client that does
// not take the close frame gets this long before its TCP connection is cut.
constexpr auto kCloseGrace = std::chrono::seconds(2);
// Clients send nothing but control frames; anything bigger is not a client of ours.
constexpr std::size_t kMaxClientMessage = 64 * 1024;

}  // namespace

WebSocketSession::WebSocketSession(asio::ip::tcp::socket socket, StreamSessionConfig config)
    : ws_(std::move(socket)),
      config_(std::move(config)),
      signal_(ws_.get_executor()),
      deadline_(ws_.get_executor()) {
    applySendBuffer(config_, ws_.next_layer());
}

WebSocketSession::~WebSocketSession() {
    if (counted_ && config_.metrics) config_.metrics->clients->dec();
}

Task<void> WebSocketSession::run(std::shared_ptr<WebSocketSession> self, http::Request request) {
    auto& ws = self->ws_;
    websocket::stream_base::timeout handshake_timeouts{kHandshakeTimeout,
                                                       websocket::stream_base::none(), false};
    ws.set_option(handshake_timeouts);
    auto request_id = self->config_.request_id;
    auto decorate = [request_id](websocket::response_type& response) {
        response.set(beast::http::field::server, "ccapi");
        response.set("X-Request-ID", request_id);
    };
    ws.set_option(websocket::stream_base::decorator(std::move(decorate)));
    auto [accept_ec] = co_await ws.async_accept(request, kUseTuple);
    if (accept_ec) {
        log::debug("event stream upgrade failed",
                   {{"request_id", self->config_.request_id}, {"error", accept_ec.message()}});
        self->hardClose();
        co_return;
    }

    // Beast sends a ping after one interval without a frame from the client and gives up after
    // two; the close handshake is bounded by the handshake timeout.
    auto ping = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        self->config_.ping_interval);
    websocket::stream_base::timeout live_timeouts{kHandshakeTimeout, 2 * ping, true};
    ws.set_option(live_timeouts);
    ws.text(true);
    ws.auto_fragment(false);
    ws.read_message_max(kMaxClientMessage);

    self->opened_at_ = std::chrono::steady_clock::now();
    std::weak_ptr<WebSocketSession> weak = self;
    SubscribeOptions options;
    options.filter = self->config_.filter;
    options.executor = ws.get_executor();
    options.queue_limit = self->config_.queue_limit;
    options.wake = [weak] {
        if (auto session = weak.lock()) session->onWake();
    };
    self->subscription_ = self->config_.hub->subscribe(std::move(options));
    // Counted once subscribed: a client seen in event_stream_clients gets every later event.
    self->config_.metrics->clients->inc();
    self->counted_ = true;
    self->armTokenExpiry();
    spawn(ws.get_executor(), readLoop(self), "events-ws-read");

    co_await self->writeLoop();
    co_await self->finish();
}

Task<void> WebSocketSession::readLoop(std::shared_ptr<WebSocketSession> self) {
    // Reading keeps control frames flowing: Beast answers pings and the client's close, and a
    // received pong resets the keep-alive. Text from the client means nothing here.
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, bytes] = co_await self->ws_.async_read(buffer, kUseTuple);
        if (ec) {
            self->requestStop(ec == beast::error::timeout ? StopReason::kPingTimeout
                                                          : StopReason::kClientGone);
            co_return;
        }
        buffer.clear();
    }
}

Task<void> WebSocketSession::writeLoop() {
    std::vector<StreamMessagePtr> batch;
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
        if (batch.empty()) {
            // onWake() cancels this wait; it is posted to this thread, so it cannot run between
            // take() above and the wait below.
            signal_.expires_at(asio::steady_timer::time_point::max());
            co_await signal_.async_wait(kUseTuple);
            continue;
        }
        for (const auto& message : batch) {
            if (stop_ != StopReason::kNone) break;
            auto text = message->json();
            auto payload = asio::buffer(text.data(), text.size());
            auto [ec, written] = co_await ws_.async_write(payload, kUseTuple);
            if (ec) {
                requestStop(StopReason::kClientGone);
                break;
            }
            ++sent_;
        }
        batch.clear();  // releases the messages before the next wait
    }
    batch.clear();
}

Task<void> WebSocketSession::finish() {
    std::optional<websocket::close_reason> reason;
    switch (stop_) {
        case StopReason::kSlowConsumer:
            reason.emplace(websocket::close_code::policy_error, "slow consumer");
            break;
        case StopReason::kTokenExpired:
            reason.emplace(websocket::close_code::policy_error, "token expired");
            break;
        case StopReason::kShutdown:
            reason.emplace(websocket::close_code::going_away, "server shutting down");
            break;
        default:
            break;
    }
    if (reason && ws_.is_open()) {
        // Waits for the write in flight; the close grace (armed by requestStop) cuts the
        // connection if that never finishes.
        co_await ws_.async_close(*reason, kUseTuple);
    }
    hardClose();
    signal_.cancel();
    deadline_.cancel();
    subscription_.reset();
    auto level = stop_ == StopReason::kSlowConsumer || stop_ == StopReason::kPingTimeout
                     ? log::Level::kInfo
                     : log::Level::kDebug;
    if (log::enabled(level)) {
        std::chrono::duration<double> open_for = std::chrono::steady_clock::now() - opened_at_;
        log::write(level, "event stream closed",
                   {{"transport", "websocket"},
                    {"request_id", config_.request_id},
                    {"user", config_.username},
                    {"reason", toString(stop_)},
                    {"messages", sent_},
                    {"duration_s", open_for.count()}});
    }
}

void WebSocketSession::onWake() {
    if (stop_ != StopReason::kNone) return;
    switch (subscription_.state()) {
        case QueueState::kOverflowed:
            requestStop(StopReason::kSlowConsumer);
            return;
        case QueueState::kClosed:
            requestStop(StopReason::kShutdown);
            return;
        case QueueState::kOpen:
            signal_.cancel();
            return;
    }
}

void WebSocketSession::requestStop(StopReason reason) {
    if (stop_ != StopReason::kNone) return;
    stop_ = reason;
    countDrop(*config_.metrics, reason);
    switch (reason) {
        case StopReason::kSlowConsumer:
        case StopReason::kTokenExpired:
        case StopReason::kShutdown: {
            // The writer sends the close frame once its write in flight is done. A client that
            // stopped reading never lets that happen: cut it after the grace.
            std::weak_ptr<WebSocketSession> weak = weak_from_this();
            deadline_.expires_after(kCloseGrace);
            deadline_.async_wait([weak](boost::system::error_code ec) {
                if (ec) return;
                if (auto session = weak.lock()) session->hardClose();
            });
            break;
        }
        default:
            // The client is gone or silent: nothing more can be said to it.
            hardClose();
            break;
    }
    signal_.cancel();
}

void WebSocketSession::armTokenExpiry() {
    auto left = untilTokenExpiry(config_);
    if (!left) return;
    std::weak_ptr<WebSocketSession> weak = weak_from_this();
    deadline_.expires_after(*left);
    deadline_.async_wait([weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto session = weak.lock()) session->requestStop(StopReason::kTokenExpired);
    });
}

void WebSocketSession::hardClose() {
    boost::system::error_code ignored;
    auto& socket = ws_.next_layer();
    if (!socket.is_open()) return;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

}  // namespace ccapi::events
