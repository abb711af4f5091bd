#include "fakes/http/webhook_receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace ccapi::testhttp {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct WebhookReceiver::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread accept_thread;
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<ReceivedRequest> received;
    Plan plan;
    bool stopping = false;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> connections;

    void serve(std::shared_ptr<tcp::socket> socket) {
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            boost::system::error_code ec;
            http::read(*socket, buffer, request, ec);
            if (ec) return;
            ReceivedRequest got;
            got.method = std::string(request.method_string());
            got.target = std::string(request.target());
            for (const auto& field : request) {
                got.headers.add(std::string(field.name_string()), std::string(field.value()));
            }
            got.body = request.body();
            got.at = std::chrono::steady_clock::now();
            PlannedAnswer answer;
            {
                std::lock_guard lock(mutex);
                std::size_t n = received.size();
                received.push_back(got);
                if (plan) answer = plan(got, n);
            }
            changed.notify_all();
            if (answer.hang) {
                std::unique_lock lock(mutex);
                changed.wait(lock, [this] { return stopping; });
                return;
            }
            if (answer.delay.count() > 0) {
                std::unique_lock lock(mutex);
                if (changed.wait_for(lock, answer.delay, [this] { return stopping; })) return;
            }
            http::response<http::string_body> response{static_cast<http::status>(answer.status),
                                                       11};
            response.set(http::field::content_type, "text/plain");
            if (!answer.location.empty()) response.set(http::field::location, answer.location);
            response.body() = "ok";
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            http::write(*socket, response, ec);
            if (ec || !request.keep_alive()) return;
        }
    }
};

WebhookReceiver::WebhookReceiver() : impl_(std::make_shared<Impl>()) {
    auto& acceptor = impl_->acceptor;
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    port_ = acceptor.local_endpoint().port();
    impl_->accept_thread = std::thread([impl = impl_] {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(impl->io);
            boost::system::error_code ec;
            impl->acceptor.accept(*socket, ec);
            std::lock_guard lock(impl->mutex);
            if (impl->stopping) return;
            if (ec) continue;
            impl->sockets.push_back(socket);
            impl->connections.emplace_back([impl, socket] { impl->serve(socket); });
        }
    });
}

WebhookReceiver::~WebhookReceiver() { stop(); }

std::uint16_t WebhookReceiver::port() const { return port_; }

std::string WebhookReceiver::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
}

void WebhookReceiver::setPlan(Plan plan) {
    std::lock_guard lock(impl_->mutex);
    impl_->plan = std::move(plan);
}

std::vector<ReceivedRequest> WebhookReceiver::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

std::size_t WebhookReceiver::count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received.size();
}

bool WebhookReceiver::waitForCount(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->received.size() >= n; });
}

void WebhookReceiver::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping) return;
        impl_->stopping = true;
        boost::system::error_code ec;
        // shutdown() wakes a thread blocked reading; the sockets close after the joins.
        for (auto& socket : impl_->sockets) socket->shutdown(tcp::socket::shutdown_both, ec);
    }
    impl_->changed.notify_all();
    {
        // Wake the blocking accept() with a connection of our own.
        boost::system::error_code ec;
        asio::io_context io;
        tcp::socket poke(io);
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    for (auto& t : impl_->connections) {
        if (t.joinable()) t.join();
    }
    for (auto& socket : impl_->sockets) socket->close(ec);
}

}  // namespace ccapi::testhttp
