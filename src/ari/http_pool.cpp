#include "ari/http_pool.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <deque>
#include <optional>
#include <vector>

#include "ari/tls.hpp"
#include "ari/transport.hpp"
#include "core/logging.hpp"

namespace ccapi::ari {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;

// GET /channels with thousands of live channels is a few MB; anything far beyond is not ARI.
constexpr std::uint64_t kMaxResponseBody = 64 * 1024 * 1024;

struct Connection {
    Connection(asio::any_io_executor executor, ssl::context* tls) {
        if (tls) {
            secure.emplace(beast::tcp_stream(executor), *tls);
        } else {
            plain.emplace(executor);
        }
    }
    beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }

    std::optional<beast::tcp_stream> plain;
    std::optional<ssl::stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    std::size_t served = 0;  // answered requests: > 0 means the connection is a reused one
    Clock::time_point idle_since{};
};

struct Waiter {
    explicit Waiter(asio::any_io_executor executor) : timer(std::move(executor)) {}
    asio::steady_timer timer;
    bool granted = false;
};

// How one try on one connection ended.
struct Attempt {
    HttpReply reply;
    bool keep_alive = false;
    bool written = false;    // the whole request went out
    bool got_bytes = false;  // any byte of a response arrived
    bool timed_out = false;
};

}  // namespace

struct HttpPool::State {
    State(asio::any_io_executor e, Settings s) : executor(std::move(e)), settings(std::move(s)) {
        settings.size = std::max<std::size_t>(1, settings.size);
    }

    asio::any_io_executor executor;
    Settings settings;
    std::vector<std::shared_ptr<Connection>> idle;  // most recently used last
    std::deque<std::shared_ptr<Waiter>> waiters;
    std::size_t leased = 0;
    bool closed = false;
    std::atomic<std::size_t> open{0};
    std::atomic<std::size_t> peak{0};
    std::atomic<std::size_t> opened{0};
};

namespace {

using State = HttpPool::State;

void closeConnection(State& state, const std::shared_ptr<Connection>& connection) {
    ErrorCode ignored;
    connection->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    connection->lowest().close();
    state.open.fetch_sub(1);
}

// An idle connection Asterisk already closed shows EOF; reusing it would cost a failed try.
// TLS connections may legitimately hold unread records (session tickets), so only plain ones
// treat pending bytes as a sign of trouble.
bool stillUsable(const State& state, Connection& connection) {
    if (Clock::now() - connection.idle_since >= state.settings.keepalive_idle) return false;
    if (!connection.lowest().socket().is_open()) return false;
    char byte;
    auto n =
        ::recv(connection.lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    return connection.secure.has_value();
}

std::shared_ptr<Connection> takeIdle(State& state) {
    while (!state.idle.empty()) {
        auto connection = std::move(state.idle.back());
        state.idle.pop_back();
        if (stillUsable(state, *connection)) return connection;
        closeConnection(state, connection);
    }
    return nullptr;
}

std::shared_ptr<Connection> newConnection(State& state) {
    auto connection = std::make_shared<Connection>(state.executor, state.settings.tls.get());
    auto now_open = state.open.fetch_add(1) + 1;
    state.opened.fetch_add(1);
    auto peak = state.peak.load();
    while (now_open > peak && !state.peak.compare_exchange_weak(peak, now_open)) {
    }
    return connection;
}

void giveBack(State& state, std::shared_ptr<Connection> connection) {
    if (state.closed) {
        closeConnection(state, connection);
        return;
    }
    connection->idle_since = Clock::now();
    state.idle.push_back(std::move(connection));
}

void releaseLease(State& state) {
    if (!state.waiters.empty()) {
        // The lease passes straight to the longest waiter: the socket count cannot grow.
        auto waiter = std::move(state.waiters.front());
        state.waiters.pop_front();
        waiter->granted = true;
        waiter->timer.cancel();
        return;
    }
    --state.leased;
}

struct LeaseGuard {
    std::shared_ptr<State> state;
    ~LeaseGuard() { releaseLease(*state); }
};

Task<bool> acquireLease(std::shared_ptr<State> state, SteadyTime deadline) {
    if (state->leased < state->settings.size) {
        ++state->leased;
        co_return true;
    }
    auto waiter = std::make_shared<Waiter>(state->executor);
    waiter->timer.expires_at(deadline);
    state->waiters.push_back(waiter);
    ErrorCode ec;
    co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (waiter->granted) co_return true;
    auto it = std::find(state->waiters.begin(), state->waiters.end(), waiter);
    if (it != state->waiters.end()) state->waiters.erase(it);
    co_return false;
}

Task<ErrorCode> openConnection(std::shared_ptr<State> state, std::shared_ptr<Connection> connection,
                               SteadyTime deadline) {
    auto endpoints = co_await resolveEndpoint(state->settings.endpoint, deadline);
    if (!endpoints) co_return endpoints.error();
    ErrorCode ec;
    auto& lowest = connection->lowest();
    lowest.expires_at(deadline);
    co_await lowest.async_connect(*endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    lowest.socket().set_option(tcp::no_delay(true), ec);
    if (connection->secure) {
        if (auto prepared = prepareTlsStream(*connection->secure, state->settings.endpoint.host)) {
            co_return prepared;
        }
        co_await connection->secure->async_handshake(ssl::stream_base::client,
                                                     asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return ec;
    }
    co_return ErrorCode{};
}

Task<Attempt> roundTrip(std::shared_ptr<Connection> connection, std::shared_ptr<Request> request,
                        SteadyTime deadline, std::chrono::milliseconds timeout) {
    Attempt attempt;
    ErrorCode ec;
    connection->lowest().expires_at(deadline);
    if (connection->secure) {
        co_await http::async_write(*connection->secure, *request,
                                   asio::redirect_error(asio::use_awaitable, ec));
    } else {
        co_await http::async_write(*connection->plain, *request,
                                   asio::redirect_error(asio::use_awaitable, ec));
    }
    attempt.written = !ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    if (!ec) {
        if (connection->secure) {
            co_await http::async_read(*connection->secure, connection->buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
        } else {
            co_await http::async_read(*connection->plain, connection->buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
        }
        attempt.got_bytes = parser.got_some();
    }
    if (ec) {
        attempt.timed_out = ec == beast::error::timeout;
        attempt.reply.error = describe(ec, timeout);
        if (ec == http::error::end_of_stream && !attempt.got_bytes) {
            attempt.reply.error = "connection closed without a response";
        }
        co_return attempt;
    }
    auto& response = parser.get();
    attempt.reply.answered = true;
    attempt.reply.status = response.result_int();
    attempt.reply.reason = std::string(response.reason());
    attempt.reply.body = std::move(response.body());
    attempt.keep_alive = response.keep_alive() && !parser.need_eof();
    co_return attempt;
}

std::shared_ptr<Request> buildRequest(const State& state, HttpCall& call) {
    auto request = std::make_shared<Request>(call.method, call.target, 11);
    request->set(http::field::host, state.settings.endpoint.host_header);
    request->set(http::field::user_agent, "ccapi-ari");
    request->set(http::field::accept, "application/json");
    request->set(http::field::authorization, state.settings.authorization);
    if (!call.body.empty()) {
        request->set(http::field::content_type, "application/json");
        request->body() = std::move(call.body);
    }
    request->prepare_payload();
    return request;
}

HttpReply failed(std::string error) {
    HttpReply reply;
    reply.error = std::move(error);
    return reply;
}

Task<HttpReply> runExchange(std::shared_ptr<State> state, HttpCall call) {
    const auto timeout = state->settings.request_timeout;
    const auto deadline = Clock::now() + timeout;
    const bool idempotent = call.idempotent;
    auto request = buildRequest(*state, call);

    if (!co_await acquireLease(state, deadline)) {
        co_return failed("no pooled connection free within " + std::to_string(timeout.count()) +
                         " ms");
    }
    LeaseGuard lease{state};
    auto connection = takeIdle(*state);
    for (int attempt = 0;; ++attempt) {
        const bool reused = connection != nullptr;
        if (!connection) {
            connection = newConnection(*state);
            auto ec = co_await openConnection(state, connection, deadline);
            if (ec) {
                closeConnection(*state, connection);
                co_return failed("connect " + state->settings.endpoint.host_header + ": " +
                                 describe(ec, timeout));
            }
        }
        Attempt result = co_await roundTrip(connection, request, deadline, timeout);
        if (result.reply.answered) {
            ++connection->served;
            if (result.keep_alive) {
                giveBack(*state, std::move(connection));
            } else {
                closeConnection(*state, connection);
            }
            co_return std::move(result.reply);
        }
        closeConnection(*state, connection);
        connection.reset();
        // A kept-alive connection that Asterisk closed (idle for 15 s) fails before any byte of
        // an answer comes back. Asterisk did not act on what it never read whole, but it may
        // have acted on a request it read and then failed to answer: only idempotent requests,
        // or ones that never left whole, are sent again.
        const bool stale =
            reused && !result.timed_out && !result.got_bytes && (idempotent || !result.written);
        if (!stale || attempt > 0) co_return std::move(result.reply);
        log::debug("ari: stale keep-alive connection, retrying on a new one",
                   {{"method", std::string(http::to_string(request->method()))}});
    }
}

}  // namespace

HttpPool::HttpPool(asio::any_io_executor executor, Settings settings)
    : state_(std::make_shared<State>(std::move(executor), std::move(settings))) {}

HttpPool::~HttpPool() = default;

Task<HttpReply> HttpPool::exchange(HttpCall call) { return runExchange(state_, std::move(call)); }

void HttpPool::close() {
    state_->closed = true;
    for (auto& connection : state_->idle) closeConnection(*state_, connection);
    state_->idle.clear();
}

std::size_t HttpPool::openConnections() const { return state_->open.load(); }
std::size_t HttpPool::peakConnections() const { return state_->peak.load(); }
std::size_t HttpPool::connectionsOpened() const { return state_->opened.load(); }

}  // namespace ccapi::ari
