// One HTTP exchange as the simulator's routes see it: the parsed request and the response to
// write (or the fault to play instead: no response, or a late one).
#pragma once

#include <boost/beast/http/verb.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arisim/options.hpp"

namespace ccapi::arisim {

struct HttpRequest {
    boost::beast::http::verb method = boost::beast::http::verb::unknown;
    std::string method_name;
    std::string path;  // as sent, without the query string
    // Query parameters decoded like Asterisk (ast_uri_http_legacy: '+' is a space).
    std::vector<std::pair<std::string, std::string>> query;
    std::string authorization;
    std::string content_type;
    std::string body;
    bool websocket_upgrade = false;
    std::string websocket_key;

    const std::string* param(std::string_view name) const;
    std::string paramOr(std::string_view name, std::string_view fallback = {}) const;
};

// Splits "path?query" and decodes the query.
void parseTarget(std::string_view target, HttpRequest& out);

struct HttpResponse {
    unsigned status = 200;
    std::string reason;                                        // empty: the standard phrase
    std::vector<std::pair<std::string, std::string>> headers;  // between Cache-Control and body
    std::optional<std::string> body;                           // nullopt: no body (204)
    std::string content_type = "application/json";
    bool drop = false;            // close the connection without writing anything
    bool hang = false;            // never answer; the connection stays open until the peer gives up
    Millis delay{0};              // wait this long before writing
    std::function<void()> after;  // run once the response has been written
};

HttpResponse jsonResponse(unsigned status, std::string body, std::string reason = {});
HttpResponse noContent();

}  // namespace ccapi::arisim
