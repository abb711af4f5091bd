// Where ARI lives: the parsed ARI_HTTP_URL, and the request targets built from it.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ccapi::ari {

// ARI_HTTP_URL taken apart once at start-up. Immutable afterwards; any thread may read it.
struct AriEndpoint {
    bool tls = false;         // https (REST) and wss (events)
    std::string host;         // as written, without IPv6 brackets
    std::string port;         // explicit or the scheme's default
    std::string base_path;    // "/ari": no trailing slash, may be empty
    std::string host_header;  // "host:port" as the Host header carries it
};

// Accepts http:// and https:// URLs without query or fragment. Errors: invalid_argument.
Result<AriEndpoint> parseAriUrl(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percentEncode(std::string_view text);

// "{base}/events?app=<app>&api_key=<user>:<password>", each part percent-encoded. The result
// holds the password: never log it.
std::string eventsTarget(const AriEndpoint& endpoint, std::string_view app,
                         std::string_view username, std::string_view password);

// "Basic base64(user:password)".
std::string basicAuthorization(std::string_view username, std::string_view password);

}  // namespace ccapi::ari
