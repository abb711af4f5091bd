#include "ari/event_socket.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <functional>

#include "ari/backoff.hpp"
#include "ari/events.hpp"
#include "ari/tls.hpp"
#include "ari/transport.hpp"
#include "core/logging.hpp"

namespace ccapi::ari {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<ssl::stream<beast::tcp_stream>>;

// 4000 live channels produce bursts, not big frames; a channel snapshot is < 2 KB.
constexpr std::size_t kMaxFrame = 4 * 1024 * 1024;

template <class Ws>
struct Session {
    template <class... Args>
    explicit Session(asio::any_io_executor executor, Args&&... args)
        : ws(std::forward<Args>(args)...), ping_timer(std::move(executor)) {}

    // Closing the TCP socket fails the pending read and ping; the read loop then reports.
    void abort() { beast::get_lowest_layer(ws).close(); }

    Ws ws;
    asio::steady_timer ping_timer;
    beast::flat_buffer buffer;
    bool done = false;
    Clock::time_point last_frame{};
    std::string dead_reason;  // set by the pinger when it gave up on the peer
};

struct SessionEnd {
    bool connected = false;  // onConnected() was called: onDisconnected() is owed
    std::string why;
};

}  // namespace

struct EventSocket::Loop {
    Loop(asio::any_io_executor e, Settings s, std::shared_ptr<ClientStatus> st,
         std::shared_ptr<CircuitBreaker> b)
        : executor(std::move(e)),
          settings(std::move(s)),
          status(std::move(st)),
          breaker(std::move(b)),
          backoff_timer(executor),
          backoff(settings.reconnect_initial, settings.reconnect_max) {}

    asio::any_io_executor executor;
    Settings settings;
    std::shared_ptr<ClientStatus> status;
    std::shared_ptr<CircuitBreaker> breaker;
    EventListener* listener = nullptr;
    // Bumped by start() and stop(): a loop whose generation is not current leaves quietly, so a
    // stop() is final even while a read or a connect is still completing.
    std::uint64_t generation = 0;
    asio::steady_timer backoff_timer;
    Backoff backoff;
    std::function<void()> abort_session;
};

namespace {

using Loop = EventSocket::Loop;

bool current(const Loop& loop, std::uint64_t generation) { return loop.generation == generation; }

std::string describeEnd(const ErrorCode& ec, const websocket::close_reason& reason,
                        std::chrono::milliseconds timeout) {
    if (ec == websocket::error::closed) {
        std::string text = "closed by Asterisk with close frame " + std::to_string(reason.code);
        if (!reason.reason.empty()) text += " (" + std::string(reason.reason.c_str()) + ")";
        return text;
    }
    if (ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == ssl::error::stream_truncated) {
        return "connection closed without a close frame";
    }
    return describe(ec, timeout);
}

template <class Ws>
Task<void> pingLoop(std::shared_ptr<Session<Ws>> session, std::chrono::milliseconds interval,
                    std::chrono::milliseconds pong_timeout) {
    ErrorCode ec;
    auto next_ping = Clock::now() + interval;
    while (!session->done) {
        session->ping_timer.expires_at(next_ping);
        co_await session->ping_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (session->done) co_return;
        const auto sent_at = Clock::now();
        next_ping = sent_at + interval;
        websocket::ping_data payload;
        co_await session->ws.async_ping(payload, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || session->done) co_return;  // the read loop sees the same failure
        session->ping_timer.expires_at(sent_at + pong_timeout);
        co_await session->ping_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (session->done) co_return;
        if (session->last_frame < sent_at) {
            session->dead_reason = "no pong within " + std::to_string(pong_timeout.count()) + " ms";
            session->abort();
            co_return;
        }
        next_ping = std::max(next_ping, Clock::now());
    }
}

void deliver(Loop& loop, const ChannelEvent& event) {
    if (event.kind == EventKind::kApplicationReplaced) {
        // Another socket registered our app name: Asterisk now sends it our events and sends us
        // nothing more. Reconnecting would only steal the app back and forth between the two,
        // so the socket stays as it is and the operator is told (/health shows lastError()).
        std::string text =
            "ApplicationReplaced: another connection took over app " + loop.settings.app;
        log::error("ari: " + text, {{"app", loop.settings.app}});
        loop.status->setLastError(std::move(text));
        loop.status->setEventsConnected(false);
    }
    loop.listener->onEvent(event);
}

template <class Ws>
Task<SessionEnd> runSession(std::shared_ptr<Loop> loop, std::shared_ptr<Session<Ws>> session,
                            std::uint64_t generation) {
    SessionEnd end;
    const auto& settings = loop->settings;
    std::weak_ptr<Session<Ws>> weak = session;
    loop->abort_session = [weak] {
        if (auto s = weak.lock()) s->abort();
    };

    const auto deadline = Clock::now() + settings.connect_timeout;
    auto endpoints = co_await resolveEndpoint(settings.endpoint, deadline);
    if (!current(*loop, generation)) co_return end;
    if (!endpoints) {
        end.why = "connect: " + describe(endpoints.error(), settings.connect_timeout);
        co_return end;
    }
    ErrorCode ec;
    auto& lowest = beast::get_lowest_layer(session->ws);
    lowest.expires_at(deadline);
    co_await lowest.async_connect(*endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (!current(*loop, generation)) co_return end;
    if (ec) {
        end.why = "connect " + settings.endpoint.host_header + ": " +
                  describe(ec, settings.connect_timeout);
        co_return end;
    }
    lowest.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    if constexpr (std::is_same_v<Ws, TlsWs>) {
        ec = prepareTlsStream(session->ws.next_layer(), settings.endpoint.host);
        if (!ec) {
            co_await session->ws.next_layer().async_handshake(
                ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        }
        if (!current(*loop, generation)) co_return end;
        if (ec) {
            end.why = "tls: " + describe(ec, settings.connect_timeout);
            co_return end;
        }
    }
    // The WebSocket keeps its own timers from here on (Beast: never both on one stream).
    lowest.expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = settings.connect_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    session->ws.set_option(timeouts);
    auto decorate = [](websocket::request_type& request) {
        request.set(beast::http::field::user_agent, "ccapi-ari");
    };
    session->ws.set_option(websocket::stream_base::decorator(decorate));
    session->ws.read_message_max(kMaxFrame);
    auto* raw = session.get();
    auto on_control = [raw](websocket::frame_type, beast::string_view) {
        raw->last_frame = Clock::now();
    };
    session->ws.control_callback(on_control);

    websocket::response_type response;
    co_await session->ws.async_handshake(response, settings.endpoint.host_header, settings.target,
                                         asio::redirect_error(asio::use_awaitable, ec));
    if (!current(*loop, generation)) co_return end;
    if (ec) {
        end.why = "events handshake: ";
        if (response.result_int() != 0 && response.result_int() != 101) {
            end.why += "HTTP " + std::to_string(response.result_int());
        } else {
            end.why += describe(ec, settings.connect_timeout);
        }
        co_return end;
    }

    end.connected = true;
    session->last_frame = Clock::now();
    loop->backoff.reset();
    loop->status->setEventsConnected(true);
    loop->breaker->peerSeen();
    log::info("ari: event socket connected", {{"app", settings.app}});
    spawn(loop->executor, pingLoop(session, settings.ping_interval, settings.pong_timeout),
          "ari-events-ping");
    loop->listener->onConnected();

    while (current(*loop, generation)) {
        co_await session->ws.async_read(session->buffer,
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !current(*loop, generation)) break;
        session->last_frame = Clock::now();
        if (session->ws.got_text()) {
            auto data = session->buffer.cdata();
            std::string_view text(static_cast<const char*>(data.data()), data.size());
            if (auto event = decodeEvent(text)) {
                deliver(*loop, *event);
            } else {
                log::warn("ari: ignored an event frame that is not an ARI event",
                          {{"bytes", text.size()}});
            }
        }
        session->buffer.consume(session->buffer.size());
    }
    session->done = true;
    session->ping_timer.cancel();
    end.why = session->dead_reason.empty()
                  ? describeEnd(ec, session->ws.reason(), settings.connect_timeout)
                  : session->dead_reason;
    session->abort();
    co_return end;
}

Task<SessionEnd> connectOnce(std::shared_ptr<Loop> loop, std::uint64_t generation) {
    auto executor = loop->executor;
    if (loop->settings.tls) {
        auto session = std::make_shared<Session<TlsWs>>(executor, executor, *loop->settings.tls);
        co_return co_await runSession(loop, session, generation);
    }
    auto session = std::make_shared<Session<PlainWs>>(executor, executor);
    co_return co_await runSession(loop, session, generation);
}

Task<void> runLoop(std::shared_ptr<Loop> loop, std::uint64_t generation) {
    ErrorCode ec;
    while (current(*loop, generation)) {
        SessionEnd end = co_await connectOnce(loop, generation);
        if (!current(*loop, generation)) co_return;  // stopped: a newer loop may own the hooks
        loop->abort_session = nullptr;
        loop->status->setLastError("events: " + end.why);
        if (end.connected) {
            loop->status->setEventsConnected(false);
            log::warn("ari: event socket lost", {{"app", loop->settings.app}, {"why", end.why}});
            loop->listener->onDisconnected(end.why);
            if (!current(*loop, generation)) co_return;
        }
        auto delay = loop->backoff.next();
        log::debug("ari: event socket reconnect scheduled",
                   {{"delay_ms", delay.count()}, {"why", end.why}});
        loop->backoff_timer.expires_after(delay);
        co_await loop->backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

}  // namespace

EventSocket::EventSocket(asio::any_io_executor executor, Settings settings,
                         std::shared_ptr<ClientStatus> status,
                         std::shared_ptr<CircuitBreaker> breaker)
    : loop_(std::make_shared<Loop>(std::move(executor), std::move(settings), std::move(status),
                                   std::move(breaker))) {}

EventSocket::~EventSocket() = default;

void EventSocket::start(EventListener& listener) {
    auto& loop = *loop_;
    if (loop.abort_session) {
        // A second start() replaces the running loop; its socket must not linger as a second
        // registration of the app (Asterisk would send it ApplicationReplaced).
        auto abort = std::move(loop.abort_session);
        loop.abort_session = nullptr;
        abort();
    }
    loop.listener = &listener;
    loop.backoff.reset();
    auto generation = ++loop.generation;
    spawn(loop.executor, runLoop(loop_, generation), "ari-events");
}

void EventSocket::stop() {
    auto& loop = *loop_;
    ++loop.generation;
    loop.backoff_timer.cancel();
    if (loop.abort_session) {
        auto abort = std::move(loop.abort_session);
        loop.abort_session = nullptr;
        abort();
    }
    loop.status->setEventsConnected(false);
}

}  // namespace ccapi::ari
