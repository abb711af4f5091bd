// Building JSON replies, including the error shapes of SPEC §2 (one place maps errors to HTTP).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "routing/request_context.hpp"

namespace ccapi::routing {

// One FastAPI-style validation problem: {"loc": ["body", "timeout"], "msg": …, "type": …}.
struct FieldError {
    std::vector<std::string> loc;
    std::string msg;
    std::string type;
};

http::Reply jsonReply(const RequestContext& ctx, http::Status status,
                      const boost::json::value& body);
// A body already serialised as JSON (a cached call record).
http::Reply serializedJsonReply(const RequestContext& ctx, http::Status status, std::string body);
// {"detail": detail, "code": code, "request_id": …}
http::Reply errorReply(const RequestContext& ctx, http::Status status, std::string_view code,
                       std::string_view detail);
// 422 {"detail": [FieldError…], "code": "validation_error", "request_id": …}
http::Reply validationReply(const RequestContext& ctx, const std::vector<FieldError>& errors);
http::Reply emptyReply(const RequestContext& ctx, http::Status status);

http::Response errorResponse(http::Status status, std::string_view code, std::string_view detail,
                             std::string_view request_id);

}  // namespace ccapi::routing
