#include "routing/request_context.hpp"

#include <boost/url/parse_query.hpp>

namespace ccapi::routing {

std::string_view RequestContext::param(std::string_view name) const {
    for (const auto& p : params) {
        if (p.name == name) return p.value;
    }
    return {};
}

std::optional<std::string> RequestContext::queryParam(std::string_view name) const {
    auto values = queryParams(name);
    if (values.empty()) return std::nullopt;
    return std::move(values.front());
}

std::vector<std::string> RequestContext::queryParams(std::string_view name) const {
    std::vector<std::string> out;
    auto parsed = boost::urls::parse_query(query);
    if (!parsed) return out;
    for (auto param : *parsed) {
        if (param.key == name) out.push_back(param.has_value ? std::string(param.value) : "");
    }
    return out;
}

std::string_view RequestContext::header(std::string_view name) const {
    auto it = request.find(name);
    if (it == request.end()) return {};
    return it->value();
}

}  // namespace ccapi::routing
