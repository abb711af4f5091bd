#include "routing/router.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>
#include <stdexcept>

#include "core/string_map.hpp"

namespace ccapi::routing {

struct Router::Node {
    // Looked up by string_view: no std::string built per path segment per request.
    StringMap<std::unique_ptr<Node>> literal;
    std::unique_ptr<Node> parameter;
    struct Entry {
        http::Verb verb;
        Handler handler;
        std::string pattern;
        std::vector<std::string>
            parameter_names;  // per route: patterns may name a slot differently
    };
    std::vector<Entry> handlers;
};

namespace {

template <class F>
void forEachSegment(std::string_view path, F&& f) {
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto end = path.find('/', i);
        if (end == std::string_view::npos) end = path.size();
        if (!f(path.substr(i, end - i))) return;
        i = end;
    }
}

std::string percentDecode(std::string_view segment) {
    auto pct = boost::urls::make_pct_string_view(segment);
    if (!pct) return std::string(segment);
    std::string out;
    out.reserve(segment.size());
    for (char c : pct->decode()) out.push_back(c);
    return out;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;

void Router::add(http::Verb verb, std::string_view pattern, Handler handler) {
    Node* node = root_.get();
    std::vector<std::string> names;
    forEachSegment(pattern, [&](std::string_view segment) {
        if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
            names.emplace_back(segment.substr(1, segment.size() - 2));
            if (!node->parameter) node->parameter = std::make_unique<Node>();
            node = node->parameter.get();
        } else {
            auto& child = node->literal[std::string(segment)];
            if (!child) child = std::make_unique<Node>();
            node = child.get();
        }
        return true;
    });
    for (const auto& entry : node->handlers) {
        if (entry.verb == verb) throw std::logic_error("duplicate route " + std::string(pattern));
    }
    node->handlers.push_back({verb, std::move(handler), std::string(pattern), std::move(names)});
    routes_.emplace_back(verb, std::string(pattern));
}

Router::Match Router::match(http::Verb verb, std::string_view path) const {
    Match result;
    std::vector<std::string> values;
    const Node* node = root_.get();
    forEachSegment(path, [&](std::string_view segment) {
        if (auto it = node->literal.find(segment); it != node->literal.end()) {
            node = it->second.get();
        } else if (node->parameter) {
            values.push_back(percentDecode(segment));
            node = node->parameter.get();
        } else {
            node = nullptr;
            return false;
        }
        return true;
    });
    if (!node || node->handlers.empty()) return result;
    auto lookup = verb == http::Verb::head ? http::Verb::get : verb;
    for (const auto& entry : node->handlers) {
        result.allowed.push_back(entry.verb);
        if (entry.verb != lookup) continue;
        result.handler = &entry.handler;
        result.pattern = entry.pattern;
        for (std::size_t i = 0; i < values.size() && i < entry.parameter_names.size(); ++i) {
            result.params.push_back({entry.parameter_names[i], std::move(values[i])});
        }
    }
    return result;
}

std::vector<std::pair<http::Verb, std::string>> Router::routes() const { return routes_; }

}  // namespace ccapi::routing
