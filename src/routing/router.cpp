#include "routing/router.hpp"

#include <algorithm>
#include <array>
#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>
#include <optional>
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

// Only a segment with percent-escapes is decoded (a malformed one is kept as it came).
std::optional<std::string> percentDecoded(std::string_view segment) {
    if (segment.find('%') == std::string_view::npos) return std::nullopt;
    auto pct = boost::urls::make_pct_string_view(segment);
    if (!pct) return std::nullopt;
    std::string out;
    out.reserve(segment.size());
    for (char c : pct->decode()) out.push_back(c);
    return out;
}

// No route has more parameters than this (checked in add()), so match() keeps the segments it
// found on the stack: a GET allocates nothing to be routed.
constexpr std::size_t kMaxPathParams = 4;

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
    if (names.size() > kMaxPathParams) {
        throw std::logic_error("too many parameters in route " + std::string(pattern));
    }
    for (const auto& entry : node->handlers) {
        if (entry.verb == verb) throw std::logic_error("duplicate route " + std::string(pattern));
    }
    node->handlers.push_back({verb, std::move(handler), std::string(pattern), std::move(names)});
    routes_.emplace_back(verb, std::string(pattern));
}

Router::Match Router::match(http::Verb verb, std::string_view path) const {
    Match result;
    std::array<std::string_view, kMaxPathParams> values;
    std::size_t found = 0;
    const Node* node = root_.get();
    forEachSegment(path, [&](std::string_view segment) {
        if (auto it = node->literal.find(segment); it != node->literal.end()) {
            node = it->second.get();
        } else if (node->parameter && found < kMaxPathParams) {
            values[found++] = segment;
            node = node->parameter.get();
        } else {
            node = nullptr;
            return false;
        }
        return true;
    });
    if (!node || node->handlers.empty()) return result;
    auto lookup = verb == http::Verb::head ? http::Verb::get : verb;
    auto entry = std::find_if(node->handlers.begin(), node->handlers.end(),
                              [lookup](const Node::Entry& e) { return e.verb == lookup; });
    if (entry == node->handlers.end()) {
        for (const auto& other : node->handlers) result.allowed.push_back(other.verb);
        return result;
    }
    result.handler = &entry->handler;
    result.pattern = entry->pattern;
    for (std::size_t i = 0; i < found && i < entry->parameter_names.size(); ++i) {
        result.params.push_back({entry->parameter_names[i], values[i], percentDecoded(values[i])});
    }
    return result;
}

std::vector<std::pair<http::Verb, std::string>> Router::routes() const { return routes_; }

}  // namespace ccapi::routing
