// What the test HTTP clients hand back: status, case-insensitive headers, body, parsed JSON; and
// the request-side header and form types they accept.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace ccapi::testhttp {

// Request headers in the order to send them; a name may repeat.
using HeaderList = std::vector<std::pair<std::string, std::string>>;
// application/x-www-form-urlencoded fields, in order.
using FormFields = std::vector<std::pair<std::string, std::string>>;

// Response headers as received (order and repeats kept), looked up case-insensitively.
class Headers {
public:
    void add(std::string name, std::string value);
    // The first value of `name`, if present.
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> getAll(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }
    const HeaderList& all() const noexcept { return fields_; }
    std::size_t size() const noexcept { return fields_.size(); }
    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }

private:
    HeaderList fields_;
};

struct Response {
    unsigned status = 0;
    std::string reason;
    unsigned version = 11;  // 10 or 11
    Headers headers;
    std::string body;

    std::optional<std::string> header(std::string_view name) const { return headers.get(name); }
    // The body as JSON; a body that is not JSON is an error value.
    Result<boost::json::value> tryJson() const;
    // The body as JSON, or throws std::runtime_error quoting the body, so that a test that
    // expected JSON fails with the text it got instead.
    boost::json::value json() const;
};

// a=1&b=x+y with percent-escapes (the encoding browsers use for forms).
std::string formEncode(const FormFields& fields);

// Lets tests classify failures without including Beast.
bool isTimeout(const ErrorCode& ec);
// The peer closed the connection (EOF or reset), before or while we read or wrote.
bool isConnectionClosed(const ErrorCode& ec);

}  // namespace ccapi::testhttp
