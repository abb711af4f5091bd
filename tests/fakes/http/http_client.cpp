#include "fakes/http/http_client.hpp"

#include <strings.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include "fakes/http/detail.hpp"

namespace ccapi::testhttp {

using namespace detail;

struct HttpClient::Impl {
    Impl(std::string host_, std::uint16_t port_, std::chrono::milliseconds timeout_)
        : host(std::move(host_)), port(port_), timeout(timeout_) {}

    std::string host;
    std::uint16_t port;
    std::chrono::milliseconds timeout;
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    bool connected = false;
    std::size_t connections = 0;

    void close() {
        if (connected) {
            ErrorCode ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.close();
        }
        connected = false;
        buffer.clear();
    }

    // Write the request and read the response under the stream's expiry, which closes the socket
    // at the deadline, so both operations always complete.
    ErrorCode exchange(const http::request<http::string_body>& request,
                       http::response_parser<http::string_body>& parser, Clock::time_point deadline,
                       bool& wrote) {
        ErrorCode ec;
        bool done = false;
        stream.expires_at(deadline);
        http::async_write(stream, request, [&](ErrorCode result, std::size_t) {
            ec = result;
            done = true;
        });
        runUntil(io, done, deadline + std::chrono::seconds(1));
        if (!done) return beast::error::timeout;
        if (ec) return ec;
        wrote = true;
        done = false;
        http::async_read(stream, buffer, parser, [&](ErrorCode result, std::size_t) {
            ec = result;
            done = true;
        });
        runUntil(io, done, deadline + std::chrono::seconds(1));
        if (!done) return beast::error::timeout;
        stream.expires_never();
        return ec;
    }
};

namespace {

bool hasHeader(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return true;
        }
    }
    return false;
}

HeaderList withDefault(const HeaderList& headers, std::string_view name, std::string_view value) {
    HeaderList out = headers;
    if (!hasHeader(headers, name)) out.emplace_back(name, value);
    return out;
}

// Failures that mean "the server had already closed the kept-alive connection" rather than
// "the server failed this request": safe to retry once on a fresh connection.
bool closedBeforeAnswering(const ErrorCode& ec, bool wrote) {
    if (!wrote) return isConnectionClosed(ec);
    return ec == http::error::end_of_stream || ec == asio::error::connection_reset;
}

}  // namespace

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() {
    if (impl_) impl_->close();
}

Result<Response> HttpClient::request(std::string_view method, std::string_view target,
                                     const HeaderList& headers, std::string body,
                                     std::optional<std::chrono::milliseconds> timeout) {
    auto& impl = *impl_;
    const auto deadline = deadlineIn(timeout.value_or(impl.timeout));

    http::request<http::string_body> request;
    auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        request.method_string(method);
    } else {
        request.method(verb);
    }
    request.target(target);
    request.version(11);
    for (const auto& [name, value] : headers) request.insert(name, value);
    if (!hasHeader(headers, "Host")) {
        request.set(http::field::host, impl.host + ":" + std::to_string(impl.port));
    }
    if (!hasHeader(headers, "User-Agent")) request.set(http::field::user_agent, "ccapi-tests");
    request.body() = std::move(body);
    if (!hasHeader(headers, "Content-Length") && !hasHeader(headers, "Transfer-Encoding") &&
        (!request.body().empty() || verb == http::verb::post || verb == http::verb::put ||
         verb == http::verb::patch)) {
        request.content_length(request.body().size());
    }

    for (int attempt = 0;; ++attempt) {
        bool reused = impl.connected;
        if (impl.connected && (impl.buffer.size() > 0 || staleConnection(impl.stream.socket()))) {
            impl.close();
            reused = false;
        }
        if (!impl.connected) {
            if (auto ec = detail::connect(impl.io, impl.stream, impl.host, impl.port, deadline)) {
                impl.close();
                return ec;
            }
            impl.connected = true;
            ++impl.connections;
        }

        http::response_parser<http::string_body> parser;
        parser.header_limit(1024 * 1024);
        parser.body_limit(64 * 1024 * 1024);
        if (verb == http::verb::head) parser.skip(true);
        bool wrote = false;
        auto ec = impl.exchange(request, parser, deadline, wrote);
        if (ec) {
            impl.close();
            if (reused && attempt == 0 && closedBeforeAnswering(ec, wrote)) continue;
            return ec;
        }
        auto message = parser.release();
        if (!message.keep_alive()) impl.close();
        return toResponse(std::move(message));
    }
}

Result<Response> HttpClient::get(std::string_view target, const HeaderList& headers) {
    return request("GET", target, headers);
}

Result<Response> HttpClient::del(std::string_view target, const HeaderList& headers) {
    return request("DELETE", target, headers);
}

Result<Response> HttpClient::postJson(std::string_view target, const boost::json::value& body,
                                      const HeaderList& headers) {
    return request("POST", target, withDefault(headers, "Content-Type", "application/json"),
                   boost::json::serialize(body));
}

Result<Response> HttpClient::postForm(std::string_view target, const FormFields& fields,
                                      const HeaderList& headers) {
    return request("POST", target,
                   withDefault(headers, "Content-Type", "application/x-www-form-urlencoded"),
                   formEncode(fields));
}

void HttpClient::setTimeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }
void HttpClient::close() { impl_->close(); }
bool HttpClient::connected() const { return impl_->connected; }
std::size_t HttpClient::connectionsOpened() const { return impl_->connections; }
const std::string& HttpClient::host() const { return impl_->host; }
std::uint16_t HttpClient::port() const { return impl_->port; }

}  // namespace ccapi::testhttp
