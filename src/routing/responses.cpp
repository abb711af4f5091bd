#include "routing/responses.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace ccapi::routing {

namespace {

http::Response jsonResponse(http::Status status, const boost::json::value& body,
                            unsigned version = 11) {
    http::Response response{status, version};
    response.set(http::beast::http::field::content_type, "application/json");
    response.body() = boost::json::serialize(body);
    response.prepare_payload();
    return response;
}

}  // namespace

http::Response errorResponse(http::Status status, std::string_view code, std::string_view detail,
                             std::string_view request_id) {
    boost::json::object body;
    body["detail"] = detail;
    body["code"] = code;
    body["request_id"] = request_id;
    auto response = jsonResponse(status, body);
    response.set("X-Request-ID", request_id);
    return response;
}

http::Reply jsonReply(const RequestContext& ctx, http::Status status,
                      const boost::json::value& body) {
    return {jsonResponse(status, body, ctx.request.version()), {}};
}

http::Reply serializedJsonReply(const RequestContext& ctx, http::Status status, std::string body) {
    http::Response response{status, ctx.request.version()};
    response.set(http::beast::http::field::content_type, "application/json");
    response.body() = std::move(body);
    response.prepare_payload();
    return {std::move(response), {}};
}

http::Reply errorReply(const RequestContext& ctx, http::Status status, std::string_view code,
                       std::string_view detail) {
    return {errorResponse(status, code, detail, ctx.request_id), {}};
}

http::Reply validationReply(const RequestContext& ctx, const std::vector<FieldError>& errors) {
    boost::json::array detail;
    for (const auto& e : errors) {
        boost::json::array loc;
        for (const auto& part : e.loc) loc.emplace_back(part);
        detail.push_back(boost::json::object{{"loc", loc}, {"msg", e.msg}, {"type", e.type}});
    }
    boost::json::object body{
        {"detail", detail}, {"code", "validation_error"}, {"request_id", ctx.request_id}};
    return {jsonResponse(http::Status::unprocessable_entity, body, ctx.request.version()), {}};
}

http::Reply emptyReply(const RequestContext& ctx, http::Status status) {
    http::Response response{status, ctx.request.version()};
    response.prepare_payload();
    return {std::move(response), {}};
}

}  // namespace ccapi::routing
