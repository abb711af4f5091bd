#include "arisim/http_types.hpp"

#include "arisim/format.hpp"

namespace ccapi::arisim {

const std::string* HttpRequest::param(std::string_view name) const {
    // Asterisk keeps the last value when a parameter repeats.
    const std::string* found = nullptr;
    for (const auto& [key, value] : query) {
        if (key == name) found = &value;
    }
    return found;
}

std::string HttpRequest::paramOr(std::string_view name, std::string_view fallback) const {
    const std::string* value = param(name);
    return value ? *value : std::string(fallback);
}

void parseTarget(std::string_view target, HttpRequest& out) {
    auto question = target.find('?');
    out.path = std::string(target.substr(0, question));
    out.query.clear();
    if (question == std::string_view::npos) return;
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        std::string key = uriDecodeLegacy(pair.substr(0, eq));
        std::string value =
            eq == std::string_view::npos ? std::string{} : uriDecodeLegacy(pair.substr(eq + 1));
        out.query.emplace_back(std::move(key), std::move(value));
    }
}

HttpResponse jsonResponse(unsigned status, std::string body, std::string reason) {
    HttpResponse r;
    r.status = status;
    r.reason = std::move(reason);
    r.body = std::move(body);
    return r;
}

HttpResponse noContent() {
    HttpResponse r;
    r.status = 204;
    r.body = std::nullopt;
    return r;
}

}  // namespace ccapi::arisim
