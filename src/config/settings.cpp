#include "config/settings.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "config/dotenv.hpp"

extern char** environ;  // NOLINT: POSIX

namespace ccapi::config {
namespace {

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// A value as it may appear in an error line: quoted, control characters escaped, bounded.
std::string quoteValue(std::string_view value) {
    constexpr std::size_t kMax = 80;
    std::string out = "\"";
    for (std::size_t i = 0; i < value.size() && i < kMax; ++i) {
        unsigned char c = static_cast<unsigned char>(value[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (value.size() > kMax) out += "...";
    out += '"';
    return out;
}

// A URL with the password of its userinfo masked, for error lines.
std::string redactUrl(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::string(url);
    auto authority_start = scheme_end + 3;
    auto authority_end = url.find_first_of("/?#", authority_start);
    std::string_view authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                                 ? std::string_view::npos
                                                                 : authority_end - authority_start);
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    std::string_view userinfo = authority.substr(0, at);
    auto colon = userinfo.find(':');
    std::string out(url.substr(0, authority_start));
    out += userinfo.substr(0, colon);
    if (colon != std::string_view::npos) out += ":***";
    out += url.substr(authority_start + at);
    return out;
}

std::optional<bool> parseBool(std::string_view text) {
    std::string t = lower(trim(text));
    if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "0" || t == "no" || t == "off") return false;
    return std::nullopt;
}

std::optional<long long> parseInteger(std::string_view text) {
    text = trim(text);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
    return v;
}

std::optional<double> parseNumber(std::string_view text) {
    text = trim(text);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

bool matchesCharset(std::string_view s, std::string_view extra, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               extra.find(c) != std::string_view::npos;
    });
}

// "a, b" or the JSON list pydantic users have: ["a", "b"]. nullopt when the JSON is broken.
std::optional<std::vector<std::string>> parseList(std::string_view text) {
    text = trim(text);
    std::vector<std::string> out;
    if (text.starts_with('[')) {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(text, ec);
        if (ec || !v.is_array()) return std::nullopt;
        for (const auto& item : v.as_array()) {
            if (!item.is_string()) return std::nullopt;
            std::string_view s = trim(std::string_view(item.as_string()));
            if (!s.empty()) out.emplace_back(s);
        }
        return out;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        auto item = trim(text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

// http(s)://host[:port][/path]; with no userinfo check (ARI/webhook URLs may carry none).
bool isHttpUrl(std::string_view text) {
    auto r = boost::urls::parse_uri(text);
    if (!r) return false;
    auto scheme = lower(r->scheme());
    return (scheme == "http" || scheme == "https") && r->has_authority() &&
           !r->encoded_host().empty();
}

// An origin as browsers send it: scheme://host[:port], lower-case, no trailing slash.
std::optional<std::string> normalizeOrigin(std::string_view text) {
    if (text == "*") return std::string("*");
    auto r = boost::urls::parse_uri(text);
    if (!r) return std::nullopt;
    auto scheme = lower(r->scheme());
    if (scheme != "http" && scheme != "https") return std::nullopt;
    if (!r->has_authority() || r->encoded_host().empty() || r->has_userinfo() || r->has_query() ||
        r->has_fragment()) {
        return std::nullopt;
    }
    if (!r->encoded_path().empty() && r->encoded_path() != "/") return std::nullopt;
    std::string out = scheme + "://" + lower(r->encoded_host());
    if (r->has_port()) out += ":" + std::string(r->port());
    return out;
}

bool isIpOrCidr(std::string_view text) {
    std::string s(text);
    std::string prefix;
    if (auto slash = s.find('/'); slash != std::string::npos) {
        prefix = s.substr(slash + 1);
        s.resize(slash);
    }
    unsigned char buf[16];
    int max_prefix = 0;
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
        max_prefix = 32;
    } else if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        max_prefix = 128;
    } else {
        return false;
    }
    if (text.find('/') == std::string_view::npos) return true;
    auto p = parseInteger(prefix);
    return p && prefix.find_first_not_of("0123456789") == std::string::npos && *p >= 0 &&
           *p <= max_prefix;
}

// ---------------------------------------------------------------------------------------------
// Variables

struct Context {
    std::vector<std::string>* warnings;
    bool origins_star = false;
};

// Returns the complaint that follows `NAME: "value" ` in the error line, or "" when accepted.
using Apply = std::function<std::string(std::string_view value, Settings&, Context&)>;

enum class Kind {
    kBool,    // `--name` alone means true
    kValue,   // an empty value means "not set": the lower layer or the default stays
    kString,  // an empty value is a value (e.g. JWT_ISSUER="" turns the check off)
};

struct Field {
    std::string_view name;
    Kind kind;
    bool secret;  // the value never appears in errors
    Apply apply;
};

Apply boolField(bool Settings::*member) {
    return [member](std::string_view v, Settings& s, Context&) -> std::string {
        auto b = parseBool(v);
        if (!b) return "is not a boolean (true/false, 1/0, yes/no, on/off)";
        s.*member = *b;
        return {};
    };
}

template <class T>
Apply intField(T Settings::*member, long long min, long long max) {
    return [member, min, max](std::string_view v, Settings& s, Context&) -> std::string {
        auto n = parseInteger(v);
        if (!n || *n < min || *n > max) {
            return "is not an integer between " + std::to_string(min) + " and " +
                   std::to_string(max);
        }
        s.*member = static_cast<T>(*n);
        return {};
    };
}

Apply stringField(std::string Settings::*member) {
    return [member](std::string_view v, Settings& s, Context&) -> std::string {
        s.*member = std::string(v);
        return {};
    };
}

Apply patternField(std::string Settings::*member, std::string_view extra, std::size_t max,
                   std::string what) {
    return [=](std::string_view v, Settings& s, Context&) -> std::string {
        if (!matchesCharset(v, extra, max)) return "is not " + what;
        s.*member = std::string(v);
        return {};
    };
}

Apply urlField(std::string Settings::*member) {
    return [member](std::string_view v, Settings& s, Context&) -> std::string {
        std::string_view t = trim(v);
        if (!t.empty() && !isHttpUrl(t)) return "is not an http:// or https:// URL";
        s.*member = std::string(t);
        return {};
    };
}

std::string applyDatabaseUrl(std::string_view v, Settings& s, Context& ctx) {
    std::string url(trim(v));
    // SQLAlchemy driver suffixes of the Python service (postgresql+asyncpg://,
    // sqlite+aiosqlite:///).
    static constexpr std::pair<std::string_view, std::string_view> kDrivers[] = {
        {"postgresql+", "postgresql://"}, {"postgres+", "postgres://"}, {"sqlite+", "sqlite:///"}};
    for (auto [prefix, canonical] : kDrivers) {
        auto sep = url.find("://");
        if (url.starts_with(prefix) && sep != std::string::npos) {
            std::string rewritten =
                std::string(canonical.substr(0, canonical.find("://"))) + url.substr(sep);
            ctx.warnings->push_back("DATABASE_URL: driver suffix " +
                                    quoteValue(url.substr(0, sep)) + " ignored; using " +
                                    quoteValue(rewritten.substr(0, rewritten.find("://") + 3)));
            url = std::move(rewritten);
            break;
        }
    }
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        if (url.size() == url.find("://") + 3) return "has no host or database";
    } else if (url.starts_with("sqlite:///")) {
        if (url.size() == std::string_view("sqlite:///").size()) return "has no file path";
    } else {
        return "must start with postgresql://, postgres:// or sqlite:/// (e.g. "
               "sqlite:///./data/contact_center.db)";
    }
    s.database_url = std::move(url);
    return {};
}

std::string applyDefaultTimeout(std::string_view v, Settings& s, Context& ctx) {
    constexpr long long kMaxMs = 600000;
    constexpr long long kMaxSeconds = 600;
    auto n = parseInteger(v);
    if (!n || *n < 1 || *n > kMaxMs) {
        return "is not a timeout: give milliseconds 601-600000, or 1-600 (read as seconds, "
               "the old service's unit)";
    }
    if (*n <= kMaxSeconds) {
        ctx.warnings->push_back(
            "DEFAULT_TIMEOUT: " + std::to_string(*n) +
            " read as seconds (the old service's unit) = " + std::to_string(*n * 1000) +
            " ms; write " + std::to_string(*n * 1000) + " to say milliseconds");
        s.default_timeout_ms = static_cast<int>(*n * 1000);
    } else {
        s.default_timeout_ms = static_cast<int>(*n);
    }
    return {};
}

std::string applyCallerId(std::string_view v, Settings& s, Context&) {
    if (v.size() > 128) return "is longer than 128 characters";
    for (unsigned char c : v) {
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            return "contains a control character, a quote or a backslash";
        }
    }
    s.default_caller_id = std::string(v);
    return {};
}

std::string applyAlgorithm(std::string_view v, Settings& s, Context&) {
    std::string a = upper(trim(v));
    if (a != "HS256" && a != "HS384" && a != "HS512") return "is not one of HS256, HS384, HS512";
    s.algorithm = a;
    return {};
}

std::string applyLogLevel(std::string_view v, Settings& s, Context&) {
    if (!log::parseLevel(trim(v), s.log_level)) {
        return "is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL";
    }
    return {};
}

std::string applyLogFormat(std::string_view v, Settings& s, Context&) {
    std::string f = lower(trim(v));
    if (f != "json" && f != "text") return "is not one of json, text";
    s.log_json = f == "json";
    return {};
}

std::string applyCallsPerSecond(std::string_view v, Settings& s, Context&) {
    auto n = parseNumber(v);
    if (!n || *n <= 0 || *n > 10000) return "is not a number greater than 0 and at most 10000";
    s.max_calls_per_second = *n;
    return {};
}

std::string applyEndpointTemplate(std::string_view v, Settings& s, Context&) {
    if (v.find("{number}") == std::string_view::npos) {
        return "does not contain {number} (e.g. PJSIP/{number}@trunk)";
    }
    s.ari_endpoint_template = std::string(v);
    return {};
}

// The bad entry is reported instead of the whole list, so the complaint carries its own quote.
std::string applyOrigins(std::string_view v, Settings& s, Context& ctx) {
    auto list = parseList(v);
    if (!list) return "is not a comma-separated list or a JSON list of strings";
    std::vector<std::string> origins;
    for (const auto& item : *list) {
        auto origin = normalizeOrigin(item);
        if (!origin) {
            return "has " + quoteValue(item) +
                   ", which is not an origin like https://app.example.com " +
                   "(scheme://host[:port]) or *";
        }
        if (*origin == "*") ctx.origins_star = true;
        origins.push_back(std::move(*origin));
    }
    s.allowed_origins = std::move(origins);
    return {};
}

std::string applyTrustedProxies(std::string_view v, Settings& s, Context&) {
    auto list = parseList(v);
    if (!list) return "is not a comma-separated list or a JSON list of strings";
    for (const auto& item : *list) {
        if (!isIpOrCidr(item)) {
            return "has " + quoteValue(item) +
                   ", which is not an IP address or CIDR (e.g. 10.0.0.0/8)";
        }
    }
    s.trusted_proxies = std::move(*list);
    return {};
}

const std::vector<Field>& fields() {
    using S = Settings;
    static const std::vector<Field> kFields = {
        // Application
        {"APP_NAME", Kind::kValue, false, stringField(&S::app_name)},
        {"DEBUG", Kind::kBool, false, boolField(&S::debug)},
        {"DOCS_ENABLED", Kind::kBool, false, boolField(&S::docs_enabled)},
        {"METRICS_ENABLED", Kind::kBool, false, boolField(&S::metrics_enabled)},
        {"ALLOWED_ORIGINS", Kind::kString, false, applyOrigins},
        {"TRUSTED_PROXIES", Kind::kString, false, applyTrustedProxies},
        // HTTP server
        {"HOST", Kind::kValue, false, stringField(&S::host)},
        {"PORT", Kind::kValue, false, intField(&S::port, 1, 65535)},
        {"WORKERS", Kind::kValue, false, intField(&S::workers, 1, 256)},
        {"MAX_BODY_BYTES", Kind::kValue, false, intField(&S::max_body_bytes, 1024, 1LL << 30)},
        {"MAX_HEADER_BYTES", Kind::kValue, false, intField(&S::max_header_bytes, 1024, 1 << 20)},
        {"REQUEST_TIMEOUT_SECONDS", Kind::kValue, false, intField(&S::request_timeout_s, 1, 3600)},
        {"IDLE_TIMEOUT_SECONDS", Kind::kValue, false, intField(&S::idle_timeout_s, 1, 3600)},
        {"MAX_CONNECTIONS", Kind::kValue, false, intField(&S::max_connections, 1, 1000000)},
        {"SHUTDOWN_GRACE_SECONDS", Kind::kValue, false, intField(&S::shutdown_grace_s, 0, 3600)},
        // Storage
        {"DATABASE_URL", Kind::kValue, true, applyDatabaseUrl},
        {"DISABLE_DB", Kind::kBool, false, boolField(&S::disable_db)},
        {"DB_POOL_SIZE", Kind::kValue, false, intField(&S::db_pool_size, 1, 1000)},
        {"AUTO_MIGRATE", Kind::kBool, false, boolField(&S::auto_migrate)},
        // ARI
        {"ARI_HTTP_URL", Kind::kString, true, urlField(&S::ari_http_url)},
        {"ARI_USERNAME", Kind::kString, false, stringField(&S::ari_username)},
        {"ARI_PASSWORD", Kind::kString, true, stringField(&S::ari_password)},
        {"ARI_APP", Kind::kValue, false,
         patternField(&S::ari_app, "_.-", 64, "1-64 letters, digits, '_', '.' or '-'")},
        {"ARI_ENDPOINT_TEMPLATE", Kind::kValue, false, applyEndpointTemplate},
        // Call defaults
        {"DEFAULT_CONTEXT", Kind::kValue, false,
         patternField(&S::default_context, "_-", 64, "1-64 letters, digits, '_' or '-'")},
        {"DEFAULT_EXTENSION", Kind::kValue, false,
         patternField(&S::default_extension, "*#+_-", 32,
                      "1-32 letters, digits, '*', '#', '+', '_' or '-'")},
        {"DEFAULT_PRIORITY", Kind::kValue, false, intField(&S::default_priority, 1, 1000)},
        {"DEFAULT_TIMEOUT", Kind::kValue, false, applyDefaultTimeout},
        {"DEFAULT_CALLER_ID", Kind::kString, false, applyCallerId},
        // Auth
        {"SECRET_KEY", Kind::kString, true, stringField(&S::secret_key)},
        {"ALGORITHM", Kind::kValue, false, applyAlgorithm},
        {"ACCESS_TOKEN_EXPIRE_MINUTES", Kind::kValue, false,
         intField(&S::access_token_expire_minutes, 1, 525600)},
        {"REFRESH_TOKEN_EXPIRE_DAYS", Kind::kValue, false,
         intField(&S::refresh_token_expire_days, 1, 3650)},
        {"JWT_ISSUER", Kind::kString, false, stringField(&S::jwt_issuer)},
        {"JWT_AUDIENCE", Kind::kString, false, stringField(&S::jwt_audience)},
        {"RATE_LIMIT_REQUESTS", Kind::kValue, false, intField(&S::rate_limit_requests, 0, 1000000)},
        {"RATE_LIMIT_WINDOW", Kind::kValue, false, intField(&S::rate_limit_window_s, 1, 86400)},
        {"CALL_RATE_LIMIT_REQUESTS", Kind::kValue, false,
         intField(&S::call_rate_limit_requests, 0, 1000000)},
        {"MAX_FAILED_LOGIN_ATTEMPTS", Kind::kValue, false,
         intField(&S::max_failed_login_attempts, 0, 1000)},
        {"LOGIN_LOCKOUT_DURATION", Kind::kValue, false,
         intField(&S::login_lockout_duration_s, 1, 604800)},
        // Logging
        {"LOG_LEVEL", Kind::kValue, false, applyLogLevel},
        {"LOG_FILE", Kind::kString, false, stringField(&S::log_file)},
        {"LOG_FORMAT", Kind::kValue, false, applyLogFormat},
        // Call engine
        {"CIRCUIT_BREAKER_ENABLED", Kind::kBool, false, boolField(&S::circuit_breaker_enabled)},
        {"CIRCUIT_BREAKER_FAIL_THRESHOLD", Kind::kValue, false,
         intField(&S::circuit_breaker_fail_threshold, 1, 1000)},
        {"CIRCUIT_BREAKER_TIMEOUT", Kind::kValue, false,
         intField(&S::circuit_breaker_timeout_s, 1, 3600)},
        {"MAX_CONCURRENT_CALLS", Kind::kValue, false,
         intField(&S::max_concurrent_calls, 1, 100000)},
        {"MAX_CALLS_PER_SECOND", Kind::kValue, false, applyCallsPerSecond},
        {"MAX_QUEUE_WAIT_SECONDS", Kind::kValue, false,
         intField(&S::max_queue_wait_seconds, 1, 86400)},
        {"STALE_CALL_GRACE_SECONDS", Kind::kValue, false,
         intField(&S::stale_call_grace_seconds, 0, 86400)},
        {"CALL_RETENTION_DAYS", Kind::kValue, false, intField(&S::call_retention_days, 0, 36500)},
        {"CLEANUP_INTERVAL_MINUTES", Kind::kValue, false,
         intField(&S::cleanup_interval_minutes, 1, 10080)},
        // Webhooks
        {"WEBHOOK_SECRET", Kind::kString, true, stringField(&S::webhook_secret)},
        {"WEBHOOK_URL", Kind::kString, false, urlField(&S::webhook_url)},
        {"WEBHOOK_TIMEOUT_SECONDS", Kind::kValue, false,
         intField(&S::webhook_timeout_seconds, 1, 300)},
        {"WEBHOOK_MAX_ATTEMPTS", Kind::kValue, false, intField(&S::webhook_max_attempts, 1, 100)},
        // Event streams
        {"EVENT_STREAM_PING_SECONDS", Kind::kValue, false,
         intField(&S::event_stream_ping_seconds, 1, 3600)},
        {"EVENT_STREAM_QUEUE_LIMIT", Kind::kValue, false,
         intField(&S::event_stream_queue_limit, 1, 1000000)},
    };
    return kFields;
}

const Field* findField(std::string_view name) {
    for (const auto& f : fields()) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

// The Session API's names; within one layer the ARI_* name wins.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"EXTERNAL_HTTP_URL", "ARI_HTTP_URL"},
    {"EXTERNAL_USERNAME", "ARI_USERNAME"},
    {"EXTERNAL_PASSWORD", "ARI_PASSWORD"},
};

constexpr std::string_view kDemo = "DEMO";  // `--demo` only: never from the environment

bool isKnownName(std::string_view name) {
    if (findField(name)) return true;
    return std::any_of(std::begin(kAliases), std::end(kAliases),
                       [&](const auto& a) { return a.first == name; });
}

// ---------------------------------------------------------------------------------------------
// Layers

struct RawValue {
    std::string value;
    std::string origin;  // "environment", ".env", "--port", "EXTERNAL_HTTP_URL in environment"
};

using Layer = std::map<std::string, RawValue>;

// Applies EXTERNAL_* → ARI_* inside one layer, then merges it over `into`.
void mergeLayer(Layer layer, Layer& into) {
    for (auto [alias, target] : kAliases) {
        auto it = layer.find(std::string(alias));
        if (it == layer.end()) continue;
        RawValue v = std::move(it->second);
        layer.erase(it);
        if (!layer.contains(std::string(target))) {
            v.origin = std::string(alias) + " in " + v.origin;
            layer.emplace(std::string(target), std::move(v));
        }
    }
    for (auto& [name, value] : layer) {
        // An empty number or switch means "not set here", so the lower layer keeps its value.
        const Field* field = findField(name);
        if (field && field->kind != Kind::kString && trim(value.value).empty()) continue;
        into[name] = std::move(value);
    }
}

// pydantic-settings matches names case-insensitively; the exact upper-case spelling wins.
Layer environmentLayer(const std::map<std::string, std::string>& env) {
    Layer layer;
    std::set<std::string> exact;
    for (const auto& [key, value] : env) {
        std::string name = upper(key);
        if (!isKnownName(name)) continue;
        bool is_exact = name == key;
        if (is_exact) {
            layer[name] = {value, "environment"};
            exact.insert(name);
        } else if (!exact.contains(name)) {
            layer.emplace(name, RawValue{value, "environment"});
        }
    }
    return layer;
}

// Returns an error line, or "".
std::string dotenvLayer(const std::string& path, const std::map<std::string, std::string>& env,
                        Layer& layer, std::vector<std::string>& warnings) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};  // no .env file: nothing to read
    std::ifstream in(path, std::ios::binary);
    if (!in) return path + ": cannot read: " + std::strerror(errno);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return path + ": cannot read: " + std::strerror(errno);
    auto parsed = parseDotenv(buffer.str(), env);
    for (auto& w : parsed.warnings) warnings.push_back(path + ": " + w);
    for (auto& e : parsed.entries) {
        std::string name = upper(e.key);
        if (isKnownName(name)) layer[name] = {std::move(e.value), path};
    }
    return {};
}

// `--name value`, `--name=value`, `--flag` (booleans). Returns an error line, or "".
std::string flagLayer(const std::vector<std::string>& flags, Layer& layer, bool& demo,
                      std::vector<std::string>& warnings) {
    for (std::size_t i = 0; i < flags.size(); ++i) {
        std::string_view arg = flags[i];
        if (!arg.starts_with("--") || arg.size() == 2) {
            return "unexpected argument " + quoteValue(arg) + ": options look like --port 9000";
        }
        std::string_view body = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = body.find('='); eq != std::string_view::npos) {
            inline_value = std::string(body.substr(eq + 1));
            body = body.substr(0, eq);
        }
        std::string name = upper(body);
        std::replace(name.begin(), name.end(), '-', '_');
        std::string flag = "--" + std::string(body);

        bool boolean = name == kDemo;
        if (!boolean) {
            if (!isKnownName(name)) return flag + ": unknown option";
            const Field* f = findField(name);
            boolean = f && f->kind == Kind::kBool;
        }
        std::string value;
        if (inline_value) {
            value = *inline_value;
        } else if (boolean) {
            // `--debug` alone is true; `--debug false` is accepted too.
            if (i + 1 < flags.size() && parseBool(flags[i + 1])) {
                value = flags[++i];
            } else {
                value = "true";
            }
        } else {
            if (i + 1 >= flags.size() || flags[i + 1].starts_with("--")) {
                return flag + ": missing value";
            }
            value = flags[++i];
        }
        if (name == kDemo) {
            auto b = parseBool(value);
            if (!b) return "--demo: " + quoteValue(value) + " is not a boolean";
            demo = *b;
            continue;
        }
        if (name == "SECRET_KEY" || name.ends_with("PASSWORD") || name == "WEBHOOK_SECRET") {
            warnings.push_back(flag +
                               " on the command line is visible to every local user (ps); "
                               "prefer the environment or .env");
        }
        layer[name] = {std::move(value), flag};
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules

constexpr std::size_t kMinSecretLength = 32;

bool isPlaceholderSecret(std::string_view key) {
    std::string k = lower(key);
    static constexpr std::string_view kMarkers[] = {
        "change", "secret",   "your-",  "your_",   "placeholder", "example", "replace",
        "dummy",  "insecure", "sample", "default", "password",    "todo",    "xxxx",
    };
    static constexpr std::string_view kKnown[] = {
        "local-dev-secret-key",
        "local-dev-only-secret-key",
        // The Python service's README example: public, so as good as none.
        "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2",
    };
    for (auto m : kMarkers) {
        if (k.find(m) != std::string::npos) return true;
    }
    return std::find(std::begin(kKnown), std::end(kKnown), k) != std::end(kKnown);
}

bool isLowEntropySecret(std::string_view key) {
    std::set<char> distinct(key.begin(), key.end());
    return distinct.size() < 10;
}

// "" when usable; otherwise the complaint (never the value).
std::string secretKeyProblem(std::string_view key) {
    if (key.empty()) return "is not set";
    if (isPlaceholderSecret(key)) return "looks like a placeholder from an example";
    if (key.size() < kMinSecretLength) {
        return "is shorter than " + std::to_string(kMinSecretLength) + " characters";
    }
    if (isLowEntropySecret(key)) return "has too few distinct characters to be random";
    return {};
}

}  // namespace

LoadResult load(const Sources& sources) {
    LoadResult result;
    Settings settings;
    Context ctx{&result.warnings};

    // Layers, lowest first: .env < environment < flags.
    Layer merged;
    if (sources.dotenv_path && !sources.dotenv_path->empty()) {
        Layer dotenv;
        if (auto err =
                dotenvLayer(*sources.dotenv_path, sources.environment, dotenv, result.warnings);
            !err.empty()) {
            result.error = err;
            return result;
        }
        mergeLayer(std::move(dotenv), merged);
    }
    mergeLayer(environmentLayer(sources.environment), merged);
    Layer flags;
    if (auto err = flagLayer(sources.flags, flags, settings.demo, result.warnings); !err.empty()) {
        result.error = err;
        return result;
    }
    mergeLayer(std::move(flags), merged);

    for (const auto& field : fields()) {
        auto it = merged.find(std::string(field.name));
        if (it == merged.end()) continue;
        const RawValue& raw = it->second;
        std::string complaint = field.apply(raw.value, settings, ctx);
        if (complaint.empty()) continue;
        std::string line(field.name);
        line += ": ";
        if (field.name == "DATABASE_URL" || field.name == "ARI_HTTP_URL") {
            line += quoteValue(redactUrl(raw.value)) + " ";
        } else if (!field.secret) {
            line += quoteValue(raw.value) + " ";
        }
        line += complaint + " (from " + raw.origin + ")";
        result.error = std::move(line);
        return result;
    }

    if (settings.workers == 0) {
        settings.workers =
            std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 256);
    }

    if (ctx.origins_star) {
        if (!settings.debug) {
            result.error =
                "ALLOWED_ORIGINS: \"*\" lets every web site call this API with its users' "
                "tokens; list the origins (e.g. https://app.example.com) or set DEBUG=true "
                "for local use";
            return result;
        }
        result.warnings.push_back("ALLOWED_ORIGINS: \"*\" accepted because DEBUG=true");
    }

    if (auto problem = secretKeyProblem(settings.secret_key); !problem.empty()) {
        if (!settings.debug && !settings.demo) {
            result.error = "SECRET_KEY: " + problem +
                           "; set at least 32 random characters (e.g. `openssl rand -hex 32`), "
                           "or use DEBUG=true / --demo for local use";
            return result;
        }
        if (!settings.secret_key.empty()) {
            result.warnings.push_back("SECRET_KEY: " + problem + "; accepted only because " +
                                      (settings.demo ? "--demo" : "DEBUG=true") + " is set");
        }
    }

    result.settings = std::move(settings);
    return result;
}

std::map<std::string, std::string> processEnvironment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry(*e);
        auto eq = entry.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
    return out;
}

}  // namespace ccapi::config
