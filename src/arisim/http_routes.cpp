#include "arisim/http_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>

#include "arisim/errors.hpp"

namespace ccapi::arisim {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

std::string messageBody(std::string_view message) {
    return json::serialize(json::object{{"message", message}});
}

HttpResponse authRequired() {
    auto r = jsonResponse(401, messageBody("Authentication required"));
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Asterisk REST Interface\"");
    return r;
}

HttpResponse methodNotAllowed(std::string allow) {
    auto r = jsonResponse(405, messageBody("Invalid method"));
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
}

HttpResponse options(std::string allow) {
    auto r = noContent();
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
}

HttpResponse resourceNotFound() { return jsonResponse(404, messageBody("Resource not found")); }

HttpResponse ok(const json::value& body) { return jsonResponse(200, json::serialize(body)); }

std::vector<std::string> splitPath(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        auto slash = path.find('/');
        out.push_back(uriDecodeLegacy(path.substr(0, slash)));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    return out;
}

std::string decodeBase64(std::string_view in) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    int bits = 0;
    unsigned buffer = 0;
    for (char c : in) {
        int v = value(c);
        if (v < 0) break;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

// ARI's generated argument parsers: atoi() for query strings, json_integer_value() (0 for
// anything but an integer) for JSON bodies, strings only when they are strings.
int queryInt(const std::string& text) { return std::atoi(text.c_str()); }

void fromBody(const json::object& body, std::string_view key, std::string& out) {
    if (auto* v = body.if_contains(key)) {
        if (v->is_string()) {
            out = std::string(v->as_string());
        } else if (v->is_null()) {
            out.clear();
        }
    }
}

template <class Int>
void fromBodyInt(const json::object& body, std::string_view key, Int& out) {
    if (auto* v = body.if_contains(key)) {
        if (v->is_int64()) {
            out = static_cast<Int>(v->as_int64());
        } else if (v->is_uint64()) {
            out = static_cast<Int>(v->as_uint64());
        } else {
            out = 0;
        }
    }
}

}  // namespace

HttpResponse errorResponse(ErrorCode error) {
    if (error.category() != arisimCategory()) {
        return jsonResponse(500, messageBody(error.message()));
    }
    switch (static_cast<Errc>(error.value())) {
        case Errc::kAllocationFailed:
            return jsonResponse(500, json::serialize(json::object{{"error", "Allocation failed"}}));
        case Errc::kChannelExists:
        case Errc::kNotInStasis:
            return jsonResponse(409, messageBody(error.message()), "Conflict");
        case Errc::kChannelNotFound:
        case Errc::kApplicationNotFound:
        case Errc::kLabelNotFound:
            return jsonResponse(404, messageBody(error.message()), "Not Found");
        case Errc::kInvalidReason:
            return jsonResponse(400, messageBody(error.message()), "Invalid Reason");
        case Errc::kInvalidReasonCode:
            return jsonResponse(400, messageBody(error.message()), "Invalid Reason Code");
        case Errc::kVariableChannelNotFound:
            return jsonResponse(404, messageBody(error.message()), "Channel Not Found");
        case Errc::kVariableNotFound:
            return jsonResponse(404, messageBody(error.message()), "Variable Not Found");
        case Errc::kFunctionFailed:
            return jsonResponse(500, messageBody(error.message()), "Error With Function");
        default:
            return jsonResponse(400, messageBody(error.message()), "Bad Request");
    }
}

HttpResponse htmlError(unsigned status, std::string_view title, std::string_view text) {
    std::string page =
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>";
    page += std::to_string(status) + " " + std::string(title);
    page += "</title>\r\n</head><body>\r\n<h1>" + std::string(title) + "</h1>\r\n<p>";
    page += std::string(text);
    page += "</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n";
    HttpResponse r = jsonResponse(status, std::move(page), std::string(title));
    r.content_type = "text/html";
    return r;
}

bool AriRoutes::authorized(const HttpRequest& request) const {
    std::string user;
    std::string password;
    bool have = false;
    std::string_view header = request.authorization;
    if (header.substr(0, 6) == "Basic ") {
        std::string decoded = decodeBase64(header.substr(6));
        auto colon = decoded.find(':');
        if (colon == std::string::npos) return false;
        user = decoded.substr(0, colon);
        password = decoded.substr(colon + 1);
        have = true;
    } else if (const std::string* key = request.param("api_key")) {
        auto colon = key->find(':');
        if (colon == std::string::npos) return false;
        user = key->substr(0, colon);
        password = key->substr(colon + 1);
        have = true;
    }
    return have && user == options_.username && password == options_.password;
}

std::variant<EventSubscription, HttpResponse> AriRoutes::admitEvents(const HttpRequest& request) {
    if (!authorized(request)) return authRequired();
    EventSubscription sub;
    for (const auto& [key, value] : request.query) {
        if (key == "app") {
            std::string_view rest = value;
            while (true) {
                auto comma = rest.find(',');
                sub.apps.emplace_back(rest.substr(0, comma));
                if (comma == std::string_view::npos) break;
                rest = rest.substr(comma + 1);
            }
        } else if (key == "subscribeAll") {
            sub.subscribe_all = value == "true" || value == "yes" || value == "1";
        }
    }
    if (sub.apps.empty()) return htmlError(400, "Bad Request", "Missing param 'app'");
    for (const auto& app : sub.apps) {
        if (app.empty()) {
            return htmlError(400, "Bad Request", "Invalid application provided in param 'app'.");
        }
    }
    return sub;
}

HttpResponse AriRoutes::handle(const HttpRequest& request) {
    auto segments = splitPath(request.path);
    if (segments.empty() || segments.front() != "ari") return resourceNotFound();
    segments.erase(segments.begin());
    if (!authorized(request)) return authRequired();
    using V = http::verb;
    const V m = request.method;
    const std::size_t n = segments.size();
    if (n == 0) return resourceNotFound();
    const std::string& resource = segments[0];

    if (resource == "channels") {
        if (n == 1) {
            if (m == V::get) return ok(pbx_.list());
            if (m == V::post) return originate(request, {});
            if (m == V::options) return options("OPTIONS,GET,POST");
            return methodNotAllowed("OPTIONS,GET,POST");
        }
        const std::string& id = segments[1];
        if (n == 2) {
            if (m == V::get) {
                auto channel = pbx_.get(id);
                return channel ? ok(*channel) : errorResponse(channel.error());
            }
            if (m == V::post) return originate(request, id);
            if (m == V::delete_) {
                auto ec =
                    pbx_.hangup(id, request.paramOr("reason"), request.paramOr("reason_code"));
                return ec ? errorResponse(ec) : noContent();
            }
            if (m == V::options) return options("OPTIONS,GET,POST,DELETE");
            return methodNotAllowed("OPTIONS,GET,POST,DELETE");
        }
        if (n == 3 && segments[2] == "continue") {
            if (m == V::post) {
                auto ec = pbx_.continueInDialplan(
                    id, request.paramOr("context"), request.paramOr("extension"),
                    queryInt(request.paramOr("priority", "0")), request.paramOr("label"));
                return ec ? errorResponse(ec) : noContent();
            }
            if (m == V::options) return options("OPTIONS,POST");
            return methodNotAllowed("OPTIONS,POST");
        }
        if (n == 3 && segments[2] == "variable") {
            if (m == V::get) {
                auto value = pbx_.variable(id, request.paramOr("variable"));
                return value ? ok(json::object{{"value", *value}}) : errorResponse(value.error());
            }
            if (m == V::post) {
                auto ec =
                    pbx_.setVariable(id, request.paramOr("variable"), request.paramOr("value"));
                return ec ? errorResponse(ec) : noContent();
            }
            if (m == V::options) return options("OPTIONS,GET,POST");
            return methodNotAllowed("OPTIONS,GET,POST");
        }
        return resourceNotFound();
    }
    if (resource == "applications") return applications(segments, request);
    if (resource == "asterisk" && n == 2 && (segments[1] == "info" || segments[1] == "ping")) {
        if (m != V::get) {
            if (m == V::options) return options("OPTIONS,GET");
            return methodNotAllowed("OPTIONS,GET");
        }
        auto now = asteriskTimestamp(wallNowMillis());
        if (segments[1] == "ping") {
            return ok(json::object{
                {"ping", "pong"}, {"timestamp", now}, {"asterisk_id", options_.asterisk_id}});
        }
        auto startup = asteriskTimestamp(pbx_.startupTime());
        json::object info;
        info["build"] = json::object{{"os", "Linux"},
                                     {"kernel", "6.18.44-fc-v669"},
                                     {"machine", "x86_64"},
                                     {"options", "OPTIONAL_API"},
                                     {"date", "2026-11-22 00:38:01 UTC"},
                                     {"user", "root"}};
        info["system"] =
            json::object{{"version", options_.version}, {"entity_id", options_.asterisk_id}};
        info["config"] = json::object{{"name", ""},
                                      {"default_language", "en"},
                                      {"setid", json::object{{"user", ""}, {"group", ""}}}};
        info["status"] = json::object{{"startup_time", startup}, {"last_reload_time", startup}};
        return ok(info);
    }
    if (resource == "endpoints" && n == 1) {
        if (m == V::get) return ok(json::array{});
        if (m == V::options) return options("OPTIONS,GET");
        return methodNotAllowed("OPTIONS,GET");
    }
    if (resource == "events" && n == 1) {
        // res_http_websocket: a plain GET is told to upgrade.
        return htmlError(426, "Upgrade Required", "");
    }
    return resourceNotFound();
}

HttpResponse AriRoutes::applications(const std::vector<std::string>& segments,
                                     const HttpRequest& request) {
    using V = http::verb;
    if (segments.size() > 2) return resourceNotFound();
    if (request.method != V::get) {
        if (request.method == V::options) return options("OPTIONS,GET");
        return methodNotAllowed("OPTIONS,GET");
    }
    if (segments.size() == 1) return ok(apps_.list());
    auto app = apps_.get(segments[1]);
    if (!app) return errorResponse(make_error_code(Errc::kApplicationNotFound));
    return ok(*app);
}

HttpResponse AriRoutes::originate(const HttpRequest& request, std::string path_channel_id) {
    OriginateRequest r;
    r.endpoint = request.paramOr("endpoint");
    r.extension = request.paramOr("extension");
    r.context = request.paramOr("context");
    r.priority = std::atol(request.paramOr("priority", "0").c_str());
    r.label = request.paramOr("label");
    r.app = request.paramOr("app");
    r.app_args = request.paramOr("appArgs");
    r.caller_id = request.paramOr("callerId");
    if (const std::string* t = request.param("timeout")) r.timeout = queryInt(*t);
    r.channel_id = request.paramOr("channelId");
    r.other_channel_id = request.paramOr("otherChannelId");
    r.originator = request.paramOr("originator");
    r.formats = request.paramOr("formats");

    bool json_body = request.content_type.find("application/json") != std::string::npos;
    if (json_body && !request.body.empty()) {
        boost::system::error_code ec;
        json::value parsed = json::parse(request.body, ec);
        if (ec) return errorResponse(make_error_code(Errc::kBadRequestBody));
        if (parsed.is_object()) {
            const auto& body = parsed.as_object();
            fromBody(body, "endpoint", r.endpoint);
            fromBody(body, "extension", r.extension);
            fromBody(body, "context", r.context);
            fromBodyInt(body, "priority", r.priority);
            fromBody(body, "label", r.label);
            fromBody(body, "app", r.app);
            fromBody(body, "appArgs", r.app_args);
            fromBody(body, "callerId", r.caller_id);
            fromBodyInt(body, "timeout", r.timeout);
            fromBody(body, "channelId", r.channel_id);
            fromBody(body, "otherChannelId", r.other_channel_id);
            fromBody(body, "originator", r.originator);
            fromBody(body, "formats", r.formats);
            if (auto* vars = body.if_contains("variables")) {
                if (!vars->is_object()) return errorResponse(make_error_code(Errc::kBadVariables));
                for (const auto& kv : vars->as_object()) {
                    if (!kv.value().is_string()) {
                        return errorResponse(make_error_code(Errc::kBadVariables));
                    }
                    r.variables.emplace_back(std::string(kv.key()),
                                             std::string(kv.value().as_string()));
                }
            }
        }
    }
    if (!path_channel_id.empty()) r.channel_id = std::move(path_channel_id);

    if (auto refusal = faults_.takeOriginateRefusal()) return *refusal;
    auto result = pbx_.originate(r);
    if (!result) return errorResponse(result.error());
    return ok(*result);
}

}  // namespace ccapi::arisim
