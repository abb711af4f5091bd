#include "fakes/http/response.hpp"

#include <strings.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <stdexcept>

#include "fakes/http/detail.hpp"

namespace ccapi::testhttp {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void Headers::add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> Headers::get(std::string_view name) const {
    for (const auto& [key, value] : fields_) {
        if (equalsIgnoreCase(key, name)) return value;
    }
    return std::nullopt;
}

std::vector<std::string> Headers::getAll(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [key, value] : fields_) {
        if (equalsIgnoreCase(key, name)) values.push_back(value);
    }
    return values;
}

Result<boost::json::value> Response::tryJson() const {
    ErrorCode ec;
    auto value = boost::json::parse(body, ec);
    if (ec) return ec;
    return value;
}

boost::json::value Response::json() const {
    auto value = tryJson();
    if (!value) {
        throw std::runtime_error("HTTP " + std::to_string(status) + " body is not JSON (" +
                                 value.error().message() + "): " + body.substr(0, 2000));
    }
    return std::move(*value);
}

std::string formEncode(const FormFields& fields) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    auto append = [&out](std::string_view text) {
        for (unsigned char c : text) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '*') {
                out += static_cast<char>(c);
            } else if (c == ' ') {
                out += '+';
            } else {
                out += '%';
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
            }
        }
    };
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += '&';
        append(fields[i].first);
        out += '=';
        append(fields[i].second);
    }
    return out;
}

bool isTimeout(const ErrorCode& ec) {
    return ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out;
}

bool isConnectionClosed(const ErrorCode& ec) {
    namespace error = boost::asio::error;
    return ec == error::eof || ec == error::connection_reset || ec == error::broken_pipe ||
           ec == error::connection_aborted || ec == boost::beast::http::error::end_of_stream ||
           ec == boost::beast::http::error::partial_message ||
           ec == boost::beast::websocket::error::closed;
}

// ---- detail -----------------------------------------------------------------------------------

ErrorCode detail::connect(asio::io_context& io, beast::tcp_stream& stream, const std::string& host,
                          std::uint16_t port, Clock::time_point deadline) {
    ErrorCode ec;
    std::vector<tcp::endpoint> endpoints;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        endpoints.emplace_back(address, port);
    } else {
        // Only loopback names reach here in tests; /etc/hosts answers at once.
        tcp::resolver resolver(io);
        auto results = resolver.resolve(host, std::to_string(port), ec);
        if (ec) return ec;
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }
    bool done = false;
    stream.expires_at(deadline);
    stream.async_connect(endpoints, [&](ErrorCode result, const tcp::endpoint&) {
        ec = result;
        done = true;
    });
    if (!runUntil(io, done, deadline + std::chrono::seconds(1))) {
        stream.close();
        drain(io, done);
        return beast::error::timeout;
    }
    stream.expires_never();
    if (ec) return ec;
    stream.socket().set_option(tcp::no_delay(true), ec);
    return {};
}

bool detail::staleConnection(tcp::socket& socket) {
    char byte;
    auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;  // orderly close
    if (n > 0) return true;   // unsolicited bytes: whatever they are, this exchange is over
    return errno != EAGAIN && errno != EWOULDBLOCK;
}

Response detail::toResponse(http::response<http::string_body>&& message) {
    Response response;
    response.status = message.result_int();
    response.reason = std::string(message.reason());
    response.version = message.version();
    for (const auto& field : message) {
        response.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    return response;
}

}  // namespace ccapi::testhttp
