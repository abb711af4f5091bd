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
    boost::urls::encoding_opts plus_is_space;
    plus_is_space.space_as_plus = true;
    for (auto param : *parsed) {
        // The view is still percent-encoded: compare and return decoded text.
        if (param.key.decode(plus_is_space) != name) continue;
        out.push_back(param.has_value ? param.value.decode(plus_is_space) : "");
    }
    return out;
}

std::string_view RequestContext::header(std::string_view name) const {
    auto it = request.find(name);
    if (it == request.end()) return {};
    return it->value();
}

}  // namespace ccapi::routing
