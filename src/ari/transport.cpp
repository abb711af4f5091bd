#include "ari/transport.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/errc.hpp>
#include <charconv>
#include <memory>

namespace ccapi::ari {

using tcp = asio::ip::tcp;

Task<Result<std::vector<tcp::endpoint>>> resolveEndpoint(AriEndpoint endpoint,
                                                         SteadyTime deadline) {
    std::uint16_t port = 0;
    auto [end, parse_error] =
        std::from_chars(endpoint.port.data(), endpoint.port.data() + endpoint.port.size(), port);
    if (parse_error != std::errc{} || end != endpoint.port.data() + endpoint.port.size()) {
        co_return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    }
    ErrorCode ec;
    auto address = asio::ip::make_address(endpoint.host, ec);
    if (!ec) {
        std::vector<tcp::endpoint> one{tcp::endpoint(address, port)};
        co_return one;
    }
    auto executor = co_await asio::this_coro::executor;
    // Shared with the timer's handler: it may run after this frame is gone (expired and queued
    // in the same turn as the resolve completion).
    auto resolver = std::make_shared<tcp::resolver>(executor);
    asio::steady_timer timer(executor, deadline);
    std::weak_ptr<tcp::resolver> weak = resolver;
    timer.async_wait([weak](ErrorCode e) {
        if (e) return;
        if (auto r = weak.lock()) r->cancel();
    });
    auto results = co_await resolver->async_resolve(endpoint.host, endpoint.port,
                                                    asio::redirect_error(asio::use_awaitable, ec));
    timer.cancel();
    if (ec) {
        if (ec == asio::error::operation_aborted) co_return boost::beast::error::timeout;
        co_return ec;
    }
    std::vector<tcp::endpoint> all;
    for (const auto& entry : results) all.push_back(entry.endpoint());
    co_return all;
}

std::string describe(const ErrorCode& ec, std::chrono::milliseconds timeout) {
    if (ec == boost::beast::error::timeout) {
        return "no answer within " + std::to_string(timeout.count()) + " ms";
    }
    return ec.message();
}

}  // namespace ccapi::ari
