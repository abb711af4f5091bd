// Maps (method, path) to a handler; patterns have `{name}` segments that become path params.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/request_context.hpp"

namespace ccapi::routing {

using Handler = std::function<Task<http::Reply>(RequestContext&)>;

// Built once at start-up, then only read (safe from every I/O thread without locks).
class Router {
public:
    Router();
    ~Router();
    Router(Router&&) noexcept;

    void add(http::Verb verb, std::string_view pattern, Handler handler);

    struct Match {
        const Handler* handler = nullptr;  // null: no route for this method
        std::string_view pattern;          // set when a handler matched
        std::vector<http::Verb> allowed;   // when no handler matched: the path's methods (405)
        PathParams params;                 // views of `path`: valid while it is
    };
    Match match(http::Verb verb, std::string_view path) const;

    // Every registered (verb, pattern), for documentation checks.
    std::vector<std::pair<http::Verb, std::string>> routes() const;

private:
    struct Node;
    std::unique_ptr<Node> root_;
    std::vector<std::pair<http::Verb, std::string>> routes_;
};

}  // namespace ccapi::routing
