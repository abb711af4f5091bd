#include <boost/json/parse.hpp>
#include <set>

#include "api/openapi_document.hpp"

namespace ccapi::api {

std::vector<std::string> openapiMismatches(const routing::Router& router) {
    std::set<std::string> routed, documented;
    for (const auto& [verb, pattern] : router.routes()) {
        std::string method(http::beast::http::to_string(verb));
        routed.insert(method + " " + pattern);
    }
    auto doc = boost::json::parse(openapiDocument());
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const auto& [method, op] : item.as_object()) {
            std::string upper(method);
            for (auto& c : upper)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(upper + " " + std::string(path));
        }
    }
    std::vector<std::string> out;
    for (const auto& r : routed) {
        if (!documented.count(r)) out.push_back("not documented: " + r);
    }
    for (const auto& d : documented) {
        if (!routed.count(d)) out.push_back("documented but not served: " + d);
    }
    return out;
}

}  // namespace ccapi::api
