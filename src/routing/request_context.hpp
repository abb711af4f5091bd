// What a handler sees of one request: the message, path parameters, request id, client address.
#pragma once

#include <boost/container/small_vector.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/types.hpp"

namespace ccapi::routing {

// Allocates nothing unless the segment was percent-encoded: `raw` views the request's path.
struct PathParam {
    std::string_view name;
    std::string_view raw;
    std::optional<std::string> decoded;  // set when `raw` had percent-escapes

    std::string_view value() const { return decoded ? std::string_view(*decoded) : raw; }
};
using PathParams = boost::container::small_vector<PathParam, 2>;

// Lives on the connection's coroutine frame for the duration of one request.
struct RequestContext {
    http::Request& request;
    const http::ConnectionInfo& connection;
    std::string_view path;   // target without the query
    std::string_view query;  // raw query string, without '?'
    PathParams params;
    std::string request_id;
    std::string client_address;            // after TRUSTED_PROXIES
    std::string_view route = "unmatched";  // the matched pattern (metrics, logs)
    std::string user;                      // authenticated username, for the access log

    std::string_view param(std::string_view name) const;
    // First value of a query parameter, percent-decoded ('+' is a space).
    std::optional<std::string> queryParam(std::string_view name) const;
    // Every value of a repeatable query parameter.
    std::vector<std::string> queryParams(std::string_view name) const;
    std::string_view header(std::string_view name) const;
};

}  // namespace ccapi::routing
