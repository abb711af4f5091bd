#include "routing/request_context.hpp"

#include "routing/percent_decode.hpp"

namespace ccapi::routing {

std::string_view RequestContext::param(std::string_view name) const {
    for (const auto& p : params) {
        if (p.name == name) return p.value();
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
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto key = percentDecode(pair.substr(0, eq));
        if (!key || *key != name) continue;
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : percentDecode(pair.substr(eq + 1));
        if (value) out.push_back(std::move(*value));
    }
    return out;
}

std::string_view RequestContext::header(std::string_view name) const {
    auto it = request.find(name);
    if (it == request.end()) return {};
    return it->value();
}

}  // namespace ccapi::routing
