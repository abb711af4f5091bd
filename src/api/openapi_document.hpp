// The OpenAPI 3.1 description of this service (src/api/openapi.json, embedded at build time).
#pragma once

#include <string_view>

namespace ccapi::api {

std::string_view openapiDocument();

}  // namespace ccapi::api
