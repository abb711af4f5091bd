// The ARI REST routes under /ari (channels, applications, asterisk, endpoints) and the
// admission of /ari/events WebSockets, answering like Asterisk 22 does.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "arisim/app_registry.hpp"
#include "arisim/faults.hpp"
#include "arisim/http_types.hpp"
#include "arisim/options.hpp"
#include "arisim/pbx.hpp"
#include "core/result.hpp"

namespace ccapi::arisim {

struct EventSubscription {
    std::vector<std::string> apps;
    bool subscribe_all = false;
};

// The one place that maps simulator errors to Asterisk's status line and JSON body.
HttpResponse errorResponse(ErrorCode error);
// Asterisk's ast_http_error(): an HTML page (used outside the ARI JSON handlers).
HttpResponse htmlError(unsigned status, std::string_view title, std::string_view text);

// Stateless apart from the references; single-threaded.
class AriRoutes {
public:
    AriRoutes(const SimulatorOptions& options, Pbx& pbx, AppRegistry& apps, Faults& faults)
        : options_(options), pbx_(pbx), apps_(apps), faults_(faults) {}

    // Any request whose path starts with /ari (not the WebSocket upgrade).
    HttpResponse handle(const HttpRequest& request);
    // GET /ari/events with an upgrade: the apps to register, or the refusal to send.
    std::variant<EventSubscription, HttpResponse> admitEvents(const HttpRequest& request);

    bool authorized(const HttpRequest& request) const;

private:
    HttpResponse originate(const HttpRequest& request, std::string path_channel_id);
    HttpResponse applications(const std::vector<std::string>& segments, const HttpRequest& r);

    const SimulatorOptions& options_;
    Pbx& pbx_;
    AppRegistry& apps_;
    Faults& faults_;
};

}  // namespace ccapi::arisim
