#include "fakes/http/webhook_receiver.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/async.hpp"
#include "core/result.hpp"
#include "fakes/tls/self_signed.hpp"

namespace ccapi::testhttp {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

}  // namespace

std::string RecordedRequest::header(std::string_view name) const {
    return headers.get(name).value_or("");
}

// Coroutines hold a raw pointer: the io_context (declared last but for the acceptor) is
// destroyed first, and with it every suspended connection, while the rest is still alive.
struct WebhookReceiver::State {
    explicit State(bool use_tls) : tls(use_tls) {}

    const bool tls;
    std::optional<ssl::context> tls_context;
    std::string certificate_pem;
    std::uint16_t port = 0;
    std::thread thread;

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<RecordedRequest> recorded;
    int fail_times = 0;
    WebhookReply failure{.status = 500};
    WebhookReply reply{};
    WebhookReceiver::Plan plan;
    int open = 0;
    int peak = 0;

    asio::io_context io{1};
    std::optional<tcp::acceptor> acceptor;

    // Records `request` and says how to answer it.
    WebhookReply take(const http::request<http::string_body>& request) {
        RecordedRequest r;
        r.method = std::string(request.method_string());
        r.target = std::string(request.target());
        for (const auto& field : request) {
            r.headers.add(std::string(field.name_string()), std::string(field.value()));
        }
        r.body = request.body();
        std::unique_lock lock(mutex);
        recorded.push_back(r);
        changed.notify_all();
        if (plan) {
            auto decide = plan;  // a copy: the plan runs unlocked and may call back in
            const std::size_t n = recorded.size() - 1;
            lock.unlock();
            return decide(r, n);
        }
        if (fail_times > 0) {
            --fail_times;
            return failure;
        }
        return reply;
    }

    void connectionOpened() {
        std::lock_guard lock(mutex);
        ++open;
        peak = std::max(peak, open);
        changed.notify_all();
    }
    void connectionClosed() {
        std::lock_guard lock(mutex);
        --open;
        changed.notify_all();
    }
};

namespace {

using State = WebhookReceiver::State;

struct OpenConnection {
    explicit OpenConnection(State* s) : state(s) { state->connectionOpened(); }
    ~OpenConnection() { state->connectionClosed(); }
    State* state;
};

template <class Stream>
Task<void> serveRequests(State* state, Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
        ErrorCode ec;
        http::request<http::string_body> request;
        co_await http::async_read(stream, buffer, request,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        WebhookReply reply = state->take(request);
        if (reply.hang) {
            // Hold the connection without answering until the client gives up (EOF/reset).
            http::request<http::string_body> never;
            co_await http::async_read(stream, buffer, never,
                                      asio::redirect_error(asio::use_awaitable, ec));
            co_return;
        }
        if (reply.delay.count() > 0) {
            auto executor = co_await asio::this_coro::executor;
            asio::steady_timer timer(executor, reply.delay);
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        http::response<http::string_body> response(static_cast<http::status>(reply.status), 11);
        response.set(http::field::content_type, "text/plain");
        if (!reply.location.empty()) response.set(http::field::location, reply.location);
        response.body() = reply.body;
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !request.keep_alive()) co_return;
    }
}

Task<void> serveConnection(State* state, tcp::socket socket) {
    OpenConnection counted(state);
    ErrorCode ec;
    if (state->tls) {
        ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)),
                                              *state->tls_context);
        co_await stream.async_handshake(ssl::stream_base::server,
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        co_await serveRequests(state, stream);
        stream.next_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    } else {
        beast::tcp_stream stream(std::move(socket));
        co_await serveRequests(state, stream);
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    }
}

Task<void> acceptLoop(State* state) {
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await state->acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        spawn(state->io.get_executor(), serveConnection(state, std::move(socket)),
              "test-receiver-connection");
    }
}

}  // namespace

WebhookReceiver::WebhookReceiver(Tls tls) : state_(std::make_shared<State>(tls == Tls::kYes)) {
    if (state_->tls) {
        auto pem = testtls::selfSignedCertificate("webhook receiver");
        state_->certificate_pem = pem.certificate;
        state_->tls_context.emplace(ssl::context::tls_server);
        state_->tls_context->use_certificate_chain(asio::buffer(pem.certificate));
        state_->tls_context->use_private_key(asio::buffer(pem.key), ssl::context::pem);
    }
    state_->acceptor.emplace(state_->io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    state_->port = state_->acceptor->local_endpoint().port();
    spawn(state_->io.get_executor(), acceptLoop(state_.get()), "test-receiver-accept");
    state_->thread = std::thread([state = state_.get()] { state->io.run(); });
}

WebhookReceiver::~WebhookReceiver() {
    state_->io.stop();
    state_->thread.join();
}

std::uint16_t WebhookReceiver::port() const { return state_->port; }

std::string WebhookReceiver::url(std::string_view path) const {
    return std::string(state_->tls ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(state_->port) + std::string(path);
}

const std::string& WebhookReceiver::certificatePem() const { return state_->certificate_pem; }

void WebhookReceiver::answer(WebhookReply reply) {
    std::lock_guard lock(state_->mutex);
    state_->plan = nullptr;
    state_->fail_times = 0;
    state_->reply = std::move(reply);
}

void WebhookReceiver::failFirst(int times, WebhookReply failure, WebhookReply then) {
    std::lock_guard lock(state_->mutex);
    state_->plan = nullptr;
    state_->fail_times = times;
    state_->failure = std::move(failure);
    state_->reply = std::move(then);
}

void WebhookReceiver::plan(Plan plan) {
    std::lock_guard lock(state_->mutex);
    state_->plan = std::move(plan);
}

std::vector<RecordedRequest> WebhookReceiver::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->recorded;
}

std::size_t WebhookReceiver::requestCount() const {
    std::lock_guard lock(state_->mutex);
    return state_->recorded.size();
}

bool WebhookReceiver::waitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout,
                                    [&] { return state_->recorded.size() >= count; });
}

int WebhookReceiver::openConnections() const {
    std::lock_guard lock(state_->mutex);
    return state_->open;
}

int WebhookReceiver::peakConnections() const {
    std::lock_guard lock(state_->mutex);
    return state_->peak;
}

bool WebhookReceiver::waitForNoConnections(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->open == 0; });
}

}  // namespace ccapi::testhttp
