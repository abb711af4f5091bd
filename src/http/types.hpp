// HTTP message types shared by the server, the router and the handlers.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

#include "core/async.hpp"

namespace ccapi::http {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;
using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;
using Status = beast::http::status;
using Verb = beast::http::verb;

struct ConnectionInfo {
    boost::asio::ip::address remote_address;
    unsigned short remote_port = 0;
    // remote_address as text, formatted once per connection (not per request: inet_ntop goes
    // through sprintf).
    std::string remote_text;
};

// Takes over the raw connection after routing (WebSocket upgrades, Server-Sent Events). It runs
// on the connection's own I/O thread and owns the socket from then on.
using Takeover = std::function<Task<void>(tcp::socket, Request)>;

struct Reply {
    Response response;
    Takeover takeover;  // empty for ordinary responses
};

// What the server calls for every complete request. Implemented by routing::Pipeline.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    virtual Task<Reply> handle(Request& request, const ConnectionInfo& info) = 0;
    // The server's own answer for requests it could not parse (400, 413, 431): same JSON shape
    // and headers (request id, CORS) as routed errors.
    virtual Response protocolError(Status status, std::string_view code,
                                   std::string_view detail) = 0;
};

}  // namespace ccapi::http
