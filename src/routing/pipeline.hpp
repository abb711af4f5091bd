// The request pipeline around the router: request id, client address, CORS, routing, error
// mapping, access log and request metrics. Implements the server's RequestHandler.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/request_ids.hpp"
#include "http/types.hpp"
#include "routing/router.hpp"

namespace ccapi::routing {

struct CorsOptions {
    std::vector<std::string> allowed_origins;  // "*" allows any (only accepted in DEBUG)
};

struct PipelineOptions {
    CorsOptions cors;
    std::vector<boost::asio::ip::address> trusted_proxies;
    bool access_log = true;
};

struct RequestRecord {
    std::string_view method;
    std::string_view route;
    unsigned status = 0;
    std::chrono::duration<double> duration{};
};

// Told about every finished request (metrics). Called on I/O threads: must not block.
class RequestObserver {
public:
    virtual ~RequestObserver() = default;
    virtual void onRequest(const RequestRecord& record) = 0;
};

// Built once at start-up; read-only afterwards (but for the thread-safe request id source), so
// any I/O thread may use it.
class Pipeline final : public http::RequestHandler {
public:
    Pipeline(Router router, PipelineOptions options, RequestObserver* observer);

    Task<http::Reply> handle(http::Request& request, const http::ConnectionInfo& info) override;
    http::Response protocolError(http::Status status, std::string_view code,
                                 std::string_view detail) override;

    const Router& router() const { return router_; }

private:
    bool originAllowed(std::string_view origin) const;
    void applyCors(const RequestContext& ctx, http::Response& response) const;
    http::Reply preflight(const RequestContext& ctx) const;
    std::string clientAddress(const http::Request& request, const http::ConnectionInfo& info) const;
    void finish(const RequestContext& ctx, http::Response& response,
                std::chrono::steady_clock::time_point start) const;

    Router router_;
    PipelineOptions options_;
    RequestObserver* observer_;
    bool any_origin_ = false;
    RequestIdSource request_ids_;
};

}  // namespace ccapi::routing
