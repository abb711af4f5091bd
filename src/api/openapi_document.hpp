// The OpenAPI 3.1 description of this service (src/api/openapi.json, embedded at build time).
#pragma once

#include <string_view>

namespace ccapi::api {

std::string_view openapiDocument();

}  // namespace ccapi::api

#include <string>
#include <vector>

#include "routing/router.hpp"

namespace ccapi::api {

// "GET /path" for every route the router serves that the document does not describe, and for
// every documented operation no route serves. Empty when the two agree.
std::vector<std::string> openapiMismatches(const routing::Router& router);

}  // namespace ccapi::api
