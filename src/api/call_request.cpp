#include "api/call_request.hpp"

#include <openssl/sha.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

#include "api/form.hpp"
#include "storage/call_models.hpp"

namespace ccapi::api {

namespace {

using routing::FieldError;

// Hand-written character-class checks: std::regex would be compiled on every request.
bool allOf(const std::string& s, std::size_t min, std::size_t max, std::string_view extra) {
    if (s.size() < min || s.size() > max) return false;
    for (unsigned char c : s) {
        if (!std::isalnum(c) && extra.find(static_cast<char>(c)) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool validVariableName(const std::string& k) {
    if (k.empty() || k.size() > 64) return false;
    unsigned char first = static_cast<unsigned char>(k[0]);
    return (std::isalpha(first) || first == '_') && allOf(k, 1, 64, "_");
}

FieldError typeError(const std::string& field, const char* msg, const char* type) {
    return {{"body", field}, msg, type};
}

RequestProblem badValue(std::string detail) { return {400, std::move(detail), {}}; }
RequestProblem badTypes(std::vector<FieldError> errors) { return {422, {}, std::move(errors)}; }

// Reads an optional string field: absent or null → nullopt; a non-string is a type error.
bool readString(const boost::json::object& o, const char* key, std::optional<std::string>& out,
                std::vector<FieldError>& errors) {
    auto* v = o.if_contains(key);
    if (!v || v->is_null()) return true;
    if (!v->is_string()) {
        errors.push_back(typeError(key, "Input should be a valid string", "string_type"));
        return false;
    }
    out = std::string(v->as_string());
    return true;
}

bool readInt(const boost::json::object& o, const char* key, std::optional<std::int64_t>& out,
             std::vector<FieldError>& errors) {
    auto* v = o.if_contains(key);
    if (!v || v->is_null()) return true;
    if (v->is_int64()) {
        out = v->as_int64();
    } else if (v->is_uint64() && v->as_uint64() <= INT64_MAX) {
        out = static_cast<std::int64_t>(v->as_uint64());
    } else if (v->is_double() &&
               v->as_double() == static_cast<double>(static_cast<std::int64_t>(v->as_double()))) {
        out = static_cast<std::int64_t>(v->as_double());
    } else {
        errors.push_back(typeError(key, "Input should be a valid integer", "int_type"));
        return false;
    }
    return true;
}

bool printableWithoutQuotes(const std::string& s) {
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '\\') return false;
    }
    return true;
}

}  // namespace

std::optional<std::string> normalizePhoneNumber(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw) {
        if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t') continue;
        out.push_back(c);
    }
    if (out.size() < 8 || out.size() > 16 || out[0] != '+') return std::nullopt;
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(out[i]))) return std::nullopt;
    }
    return out;
}

std::variant<CallRequest, RequestProblem> parseCallRequest(
    std::string_view body, const std::optional<std::string>& path_number,
    const CallDefaults& defaults) {
    boost::json::object o;
    bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!blank) {
        if (!isValidUtf8(body)) {
            return badTypes({{{"body"}, "Invalid UTF-8 in request body", "json_invalid"}});
        }
        boost::system::error_code ec;
        auto parsed = boost::json::parse(body, ec);
        if (ec) return badTypes({{{"body"}, "JSON decode error", "json_invalid"}});
        if (parsed.is_null()) {
            // An explicit null body means "all defaults", as FastAPI's optional body does.
        } else if (!parsed.is_object()) {
            return badTypes(
                {{{"body"}, "Input should be a valid dictionary or object", "model_type"}});
        } else {
            o = std::move(parsed.as_object());
        }
    }

    std::vector<FieldError> errors;
    std::optional<std::string> phone, context, extension, caller_id, callback;
    std::optional<std::int64_t> priority, timeout;
    if (!path_number) readString(o, "phone_number", phone, errors);
    readString(o, "context", context, errors);
    readString(o, "extension", extension, errors);
    readString(o, "caller_id", caller_id, errors);
    readString(o, "status_callback", callback, errors);
    readInt(o, "priority", priority, errors);
    readInt(o, "timeout", timeout, errors);

    CallRequest r;
    if (auto* vars = o.if_contains("variables"); vars && !vars->is_null()) {
        if (!vars->is_object()) {
            errors.push_back(
                typeError("variables", "Input should be a valid dictionary", "dict_type"));
        } else {
            for (const auto& kv : vars->as_object()) {
                if (!kv.value().is_string()) {
                    errors.push_back({{"body", "variables", std::string(kv.key())},
                                      "Input should be a valid string",
                                      "string_type"});
                    continue;
                }
                r.variables[std::string(kv.key())] = std::string(kv.value().as_string());
            }
        }
    }
    if (auto* events = o.if_contains("status_callback_events"); events && !events->is_null()) {
        if (!events->is_array()) {
            errors.push_back(
                typeError("status_callback_events", "Input should be a valid list", "list_type"));
        } else {
            std::vector<std::string> list;
            for (const auto& e : events->as_array()) {
                if (!e.is_string()) {
                    errors.push_back(typeError("status_callback_events",
                                               "Input should be a list of strings", "string_type"));
                    break;
                }
                list.emplace_back(e.as_string());
            }
            r.status_callback_events = std::move(list);
        }
    }
    if (!path_number && !phone) {
        errors.push_back({{"body", "phone_number"}, "Field required", "missing"});
    }
    if (!errors.empty()) return badTypes(std::move(errors));

    auto raw_number = path_number ? *path_number : *phone;
    auto number = normalizePhoneNumber(raw_number);
    if (!number) {
        return badValue("Invalid phone number '" + raw_number.substr(0, 40) +
                        "': expected E.164, a '+' and 7 to 15 digits (spaces, '-', '.', '(' and "
                        "')' are ignored)");
    }
    r.phone_number = *number;
    r.context = context.value_or(defaults.context);
    r.extension = extension.value_or(defaults.extension);
    r.caller_id = caller_id.value_or(defaults.caller_id);
    r.status_callback = callback;
    if (!allOf(r.context, 1, 64, "_-")) {
        return badValue("Invalid context: 1 to 64 letters, digits, '_' or '-'");
    }
    if (!allOf(r.extension, 1, 32, "*#+_-")) {
        return badValue("Invalid extension: 1 to 32 of letters, digits, '*', '#', '+', '_', '-'");
    }
    std::int64_t p = priority.value_or(defaults.priority);
    if (p < 1 || p > 1000) return badValue("Invalid priority: must be between 1 and 1000");
    r.priority = static_cast<int>(p);
    std::int64_t t = timeout.value_or(defaults.timeout_ms);
    if (t < 1 || t > 600000) {
        return badValue("Invalid timeout: must be between 1 and 600000 milliseconds");
    }
    r.timeout_ms = static_cast<int>(t);
    if (r.caller_id.size() > 128 || !printableWithoutQuotes(r.caller_id) ||
        !isValidUtf8(r.caller_id)) {
        return badValue(
            "Invalid caller_id: at most 128 printable characters, no quotes, "
            "backslashes or control characters");
    }
    if (r.variables.size() > 50) return badValue("Too many variables: at most 50");
    for (const auto& [k, v] : r.variables) {
        if (!validVariableName(k)) {
            return badValue("Invalid variable name '" + k.substr(0, 64) +
                            "': a letter or '_' then up to 63 letters, digits or '_'");
        }
        if (v.size() > 1024) {
            return badValue("Variable '" + k + "' is too long: at most 1024 characters");
        }
    }
    if (r.status_callback) {
        auto url = boost::urls::parse_absolute_uri(*r.status_callback);
        bool ok = url && (url->scheme() == "http" || url->scheme() == "https") &&
                  !url->host().empty() && r.status_callback->size() <= 2048;
        if (!ok) return badValue("Invalid status_callback: an absolute http or https URL");
    }
    if (r.status_callback_events) {
        for (const auto& e : *r.status_callback_events) {
            if (!storage::parseCallStatus(e)) {
                return badValue("Invalid status_callback_events: '" + e.substr(0, 32) +
                                "' is not a call status");
            }
        }
    }
    return r;
}

std::string requestHash(const CallRequest& r) {
    boost::json::object o;
    o["phone_number"] = r.phone_number;
    o["context"] = r.context;
    o["extension"] = r.extension;
    o["priority"] = r.priority;
    o["timeout"] = r.timeout_ms;
    o["caller_id"] = r.caller_id;
    boost::json::object vars;
    for (const auto& [k, v] : r.variables) vars[k] = v;  // std::map: sorted, so stable
    o["variables"] = std::move(vars);
    o["status_callback"] = r.status_callback ? boost::json::value(*r.status_callback) : nullptr;
    boost::json::array events;
    if (r.status_callback_events) {
        for (const auto& e : *r.status_callback_events) events.emplace_back(e);
    }
    o["status_callback_events"] = std::move(events);
    auto text = boost::json::serialize(o);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : digest) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
    return out;
}

bool pointsAtService(std::string_view url, unsigned short service_port) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || service_port == 0) return false;
    unsigned short port = parsed->scheme() == "https" ? 443 : 80;
    if (parsed->has_port()) port = parsed->port_number();
    if (port != service_port) return false;
    std::string host = parsed->host_address();
    for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (host == "localhost" || host.ends_with(".localhost")) return true;
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(host, ec);
    if (ec) return false;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
    }
    return address.is_loopback() || address.is_unspecified();
}

}  // namespace ccapi::api
