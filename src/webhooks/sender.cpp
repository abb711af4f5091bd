#include "webhooks/sender.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "ari/tls.hpp"
#include "ari/transport.hpp"
#include "ari/url.hpp"

namespace ccapi::webhooks {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Target {
    ari::AriEndpoint endpoint;  // tls, host, port and Host header
    std::string path_and_query;
    std::string authorization;  // from userinfo; empty when none
};

std::optional<Target> parseTarget(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return std::nullopt;
    Target out;
    auto scheme = parsed->scheme_id();
    if (scheme == boost::urls::scheme::https) {
        out.endpoint.tls = true;
    } else if (scheme != boost::urls::scheme::http) {
        return std::nullopt;
    }
    if (!parsed->has_authority() || parsed->host().empty()) return std::nullopt;
    out.endpoint.host = std::string(parsed->host_address());
    out.endpoint.port =
        parsed->has_port() ? std::string(parsed->port()) : (out.endpoint.tls ? "443" : "80");
    out.endpoint.host_header = std::string(parsed->encoded_host_and_port());
    out.path_and_query = std::string(parsed->encoded_path());
    if (out.path_and_query.empty()) out.path_and_query = "/";
    if (parsed->has_query()) out.path_and_query += "?" + std::string(parsed->encoded_query());
    if (parsed->has_userinfo()) {
        out.authorization = ari::basicAuthorization(parsed->user(), parsed->password());
    }
    return out;
}

std::string formatTimeout(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
    return std::to_string(timeout.count()) + " ms";
}

std::string describe(const ErrorCode& ec, std::chrono::milliseconds timeout) {
    if (ec == beast::error::timeout) return "timed out after " + formatTimeout(timeout);
    if (ec == asio::error::connection_refused) return "connection refused";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::operation_aborted) return "cancelled";
    if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
        return "host not found";
    }
    if (ec == asio::error::network_unreachable) return "network unreachable";
    if (ec == asio::error::host_unreachable) return "host unreachable";
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == ssl::error::stream_truncated) {
        return "connection closed without a response";
    }
    if (ec.category() == asio::error::get_ssl_category()) return "TLS: " + ec.message();
    return ec.message();
}

bool sameAddress(const sockaddr* sa, const asio::ip::address& address) {
    if (sa == nullptr) return false;
    if (sa->sa_family == AF_INET && address.is_v4()) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        auto bytes = address.to_v4().to_bytes();
        return std::memcmp(&in->sin_addr, bytes.data(), bytes.size()) == 0;
    }
    if (sa->sa_family == AF_INET6 && address.is_v6()) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        auto bytes = address.to_v6().to_bytes();
        return std::memcmp(&in6->sin6_addr, bytes.data(), bytes.size()) == 0;
    }
    return false;
}

// Loopback, unspecified (0.0.0.0 connects to this host) or an address of one of our interfaces.
bool isThisHost(asio::ip::address address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    if (address.is_loopback() || address.is_unspecified()) return true;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return false;
    bool found = false;
    for (ifaddrs* entry = list; entry != nullptr && !found; entry = entry->ifa_next) {
        found = sameAddress(entry->ifa_addr, address);
    }
    ::freeifaddrs(list);
    return found;
}

bool pointsAtSelf(const std::vector<tcp::endpoint>& endpoints, std::uint16_t self_port) {
    if (self_port == 0) return false;
    for (const auto& endpoint : endpoints) {
        if (endpoint.port() == self_port && isThisHost(endpoint.address())) return true;
    }
    return false;
}

http::request<http::string_body> buildRequest(const SenderOptions& options, const Target& target,
                                              WebhookRequest& request) {
    http::request<http::string_body> out(http::verb::post, target.path_and_query, 11);
    out.set(http::field::host, target.endpoint.host_header);
    out.set(http::field::user_agent, options.user_agent);
    out.set(http::field::content_type, "application/json");
    out.set(http::field::accept, "*/*");
    out.set("X-Event-ID", std::to_string(request.event_id));
    out.set("X-Delivery-Attempt", std::to_string(request.attempt));
    if (!request.signature.empty()) out.set("X-Signature", request.signature);
    if (!target.authorization.empty()) out.set(http::field::authorization, target.authorization);
    out.keep_alive(false);
    out.body() = std::move(request.body);
    out.prepare_payload();
    return out;
}

// Writes the request and reads the answer's status; the body is read up to `max_body` bytes and
// dropped. Errors after the status line do not change the outcome: the receiver has answered.
template <class Stream>
Task<ErrorCode> exchange(Stream& stream, http::request<http::string_body>& request,
                         std::size_t max_body, int& status) {
    ErrorCode ec;
    co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    status = static_cast<int>(parser.get().result_int());
    char chunk[8192];
    std::size_t total = 0;
    while (!parser.is_done() && total <= max_body) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (ec) break;
        total += sizeof chunk - parser.get().body().size;
    }
    co_return ErrorCode{};
}

}  // namespace

std::string defaultUserAgent() { return std::string("ccapi-webhooks/") + CCAPI_VERSION; }

Sender::Sender(SenderOptions options) : options_(std::move(options)) {
    auto context = ari::makeTlsContext(options_.extra_ca_file);
    if (!context) {
        throw std::runtime_error("webhooks: TLS context: " + context.error().message());
    }
    tls_ = std::move(*context);
}

Task<SendResult> Sender::send(WebhookRequest request) const {
    const auto started = SteadyClock::now();
    const auto deadline = started + options_.timeout;
    SendResult result;
    auto finish = [&result, started]() {
        result.duration =
            std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
        return result;
    };

    auto target = parseTarget(request.url);
    if (!target) {
        result.error = "invalid URL";
        result.permanent = true;
        co_return finish();
    }
    auto endpoints = co_await ari::resolveEndpoint(target->endpoint, deadline);
    if (!endpoints) {
        result.error = "resolve " + target->endpoint.host + ": " +
                       describe(endpoints.error(), options_.timeout);
        co_return finish();
    }
    if (pointsAtSelf(*endpoints, options_.self_port)) {
        result.error = "refused: URL points at this service";
        result.permanent = true;
        co_return finish();
    }

    auto http_request = buildRequest(options_, *target, request);
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream tcp_stream(executor);
    tcp_stream.expires_at(deadline);
    ErrorCode ec;
    co_await tcp_stream.async_connect(*endpoints, asio::redirect_error(asio::use_awaitable, ec));
    int status = 0;
    if (!ec) {
        tcp_stream.socket().set_option(tcp::no_delay(true), ec);
        ec = {};
        if (target->endpoint.tls) {
            ssl::stream<beast::tcp_stream&> tls_stream(tcp_stream, *tls_);
            ec = ari::prepareTlsStream(tls_stream, target->endpoint.host);
            if (!ec) {
                co_await tls_stream.async_handshake(ssl::stream_base::client,
                                                    asio::redirect_error(asio::use_awaitable, ec));
            }
            if (!ec) {
                ec =
                    co_await exchange(tls_stream, http_request, options_.max_response_body, status);
            }
        } else {
            ec = co_await exchange(tcp_stream, http_request, options_.max_response_body, status);
        }
    }
    ErrorCode ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_stream.close();

    if (status != 0) {
        result.status_code = status;
        if (status >= 300 && status < 400) {
            result.error = "redirect not followed";
        }
    } else {
        result.error = describe(ec ? ec : ErrorCode(asio::error::eof), options_.timeout);
    }
    co_return finish();
}

std::string urlHostForLog(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || !parsed->has_authority()) return "(invalid URL)";
    return std::string(parsed->host_address());
}

}  // namespace ccapi::webhooks
