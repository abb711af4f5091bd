#include "arisim/control_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>

namespace ccapi::arisim {
namespace {

namespace json = boost::json;

HttpResponse okJson(json::object body = {{"ok", true}}) {
    return jsonResponse(200, json::serialize(body));
}

HttpResponse badRequest(std::string_view message) {
    return jsonResponse(400, json::serialize(json::object{{"message", message}}));
}

bool flag(const HttpRequest& r, std::string_view name, bool fallback) {
    const std::string* v = r.param(name);
    if (!v) return fallback;
    return *v == "1" || *v == "true" || *v == "yes";
}

std::optional<long long> number(const HttpRequest& r, std::string_view name) {
    const std::string* v = r.param(name);
    if (!v || v->empty()) return std::nullopt;
    char* end = nullptr;
    long long value = std::strtoll(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0') return std::nullopt;
    return value;
}

std::optional<Millis> millis(const HttpRequest& r, std::string_view name) {
    auto n = number(r, name);
    if (!n) return std::nullopt;
    return Millis(*n);
}

}  // namespace

HttpResponse handleControl(const HttpRequest& r, SimulatorControl& control) {
    std::string_view action = r.path;
    action.remove_prefix(std::string_view("/_sim/").size());
    using V = boost::beast::http::verb;
    if (action == "state") return okJson(control.stateJson());
    if (r.method != V::post) return badRequest("use POST");

    if (action == "refuse-originates") {
        OriginateRefusal refusal;
        refusal.status = static_cast<unsigned>(number(r, "status").value_or(500));
        refusal.reason = r.paramOr("reason");
        refusal.count = static_cast<int>(number(r, "count").value_or(-1));
        std::string mode = r.paramOr("mode", "respond");
        refusal.mode = mode == "drop"   ? RefusalMode::kDrop
                       : mode == "hang" ? RefusalMode::kHang
                                        : RefusalMode::kRespond;
        if (const std::string* body = r.param("body")) {
            boost::system::error_code ec;
            auto parsed = json::parse(*body, ec);
            if (ec) return badRequest("body is not JSON");
            refusal.body = json::serialize(parsed);
        } else if (const std::string* message = r.param("message")) {
            refusal.body = json::serialize(json::object{{"message", *message}});
        } else if (refusal.status != 500) {
            refusal.body = json::serialize(json::object{{"message", "Refused by the simulator"}});
        }
        if (refusal.status < 100 || refusal.status > 599) return badRequest("bad status");
        control.refuseOriginates(std::move(refusal));
        return okJson();
    }
    if (action == "delay-responses") {
        ResponseDelay delay;
        auto ms = millis(r, "ms");
        if (!ms) return badRequest("ms is required");
        delay.delay = *ms;
        delay.method = r.paramOr("method");
        delay.path_prefix = r.paramOr("path");
        delay.count = static_cast<int>(number(r, "count").value_or(-1));
        control.delayResponses(std::move(delay));
        return okJson();
    }
    if (action == "clear-faults") {
        control.clearFaults();
        return okJson();
    }
    HttpResponse response = okJson();
    if (action == "drop-event-sockets") {
        bool close_frame = flag(r, "close_frame", false);
        std::string app = r.paramOr("app");
        response.after = [&control, close_frame, app] {
            control.dropEventSockets(close_frame, app);
        };
        return response;
    }
    if (action == "application-replaced") {
        std::string app = r.paramOr("app");
        if (app.empty()) return badRequest("app is required");
        control.sendApplicationReplaced(app);
        return response;
    }
    if (action == "restart") {
        Millis down = millis(r, "down_ms").value_or(Millis(0));
        response.after = [&control, down] { control.restart(down); };
        return response;
    }
    if (action == "terminate" || action == "stop-gracefully") {
        auto restart_after = millis(r, "restart_after_ms");
        bool graceful = action == "stop-gracefully";
        response.after = [&control, restart_after, graceful] {
            if (graceful) {
                control.stopGracefully(restart_after);
            } else {
                control.terminate(restart_after);
            }
        };
        return response;
    }
    if (action == "session-limit") {
        auto limit = number(r, "limit");
        if (!limit || *limit < 0) return badRequest("limit is required");
        control.setSessionLimit(static_cast<std::size_t>(*limit));
        return response;
    }
    if (action == "timings") {
        std::optional<double> scale;
        if (const std::string* s = r.param("time_scale")) {
            char* end = nullptr;
            double value = std::strtod(s->c_str(), &end);
            if (end == s->c_str() || value <= 0) return badRequest("bad time_scale");
            scale = value;
        }
        control.setTimings(millis(r, "answer_after_ms"), millis(r, "hangup_after_ms"), scale);
        return response;
    }
    return jsonResponse(404, json::serialize(json::object{{"message", "Resource not found"}}));
}

}  // namespace ccapi::arisim
