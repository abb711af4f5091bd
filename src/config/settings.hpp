// Typed service settings (SPEC §4) and how they are loaded: defaults < .env < environment < flags.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/logging.hpp"

namespace ccapi::config {

struct Settings {
    // Application
    std::string app_name = "Contact Center API";
    bool debug = false;
    bool demo = false;  // `serve --demo` (make run): embedded defaults, generated secret
    bool docs_enabled = true;
    bool metrics_enabled = true;
    // ALLOWED_ORIGINS: comma list or JSON list; normalised to lower-case scheme://host[:port].
    std::vector<std::string> allowed_origins;
    std::vector<std::string> trusted_proxies;  // TRUSTED_PROXIES: IPs or CIDRs (10.0.0.0/8)

    // HTTP server. Beyond SPEC §4: MAX_BODY_BYTES, MAX_HEADER_BYTES, REQUEST_TIMEOUT_SECONDS,
    // IDLE_TIMEOUT_SECONDS, MAX_CONNECTIONS, SHUTDOWN_GRACE_SECONDS.
    std::string host = "0.0.0.0";
    int port = 8000;
    int workers = 0;  // 0 until loaded: then the number of cores
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 16 * 1024;
    int request_timeout_s = 30;  // whole request must arrive within this
    int idle_timeout_s = 60;     // keep-alive connection with no request
    int max_connections = 10000;
    int shutdown_grace_s = 10;

    // Storage
    std::string database_url = "sqlite:///./data/contact_center.db";
    bool disable_db = false;
    int db_pool_size = 10;
    bool auto_migrate = false;

    // Asterisk ARI (EXTERNAL_* are aliases of ARI_*)
    std::string ari_http_url;  // empty: not configured (demo mode starts the simulator)
    std::string ari_username = "ariuser";
    std::string ari_password = "aripass";
    std::string ari_app = "contactcenter";
    std::string ari_endpoint_template = "Local/{number}@{context}";

    // Call defaults
    std::string default_context = "outbound-ivr";
    std::string default_extension = "s";
    int default_priority = 1;
    int default_timeout_ms = 30000;  // DEFAULT_TIMEOUT; values <= 600 are the old service's seconds
    std::string default_caller_id;

    // Auth
    std::string secret_key;           // empty only with DEBUG=true or --demo: the app generates one
    std::string algorithm = "HS256";  // HS256 | HS384 | HS512
    int access_token_expire_minutes = 30;
    int refresh_token_expire_days = 7;
    std::string jwt_issuer;
    std::string jwt_audience;
    int rate_limit_requests = 10;
    int rate_limit_window_s = 60;
    int call_rate_limit_requests = 30;  // 0 = off
    int max_failed_login_attempts = 5;
    int login_lockout_duration_s = 900;

    // Logging
    log::Level log_level = log::Level::kInfo;
    std::string log_file;
    bool log_json = true;  // LOG_FORMAT=json|text

    // Call engine
    bool circuit_breaker_enabled = true;
    int circuit_breaker_fail_threshold = 5;
    int circuit_breaker_timeout_s = 60;
    int max_concurrent_calls = 100;
    double max_calls_per_second = 10.0;
    int max_queue_wait_seconds = 300;
    int stale_call_grace_seconds = 60;
    int call_retention_days = 90;  // 0 = keep forever
    int cleanup_interval_minutes = 60;

    // Webhooks (SPEC §5): empty secret = deliveries go out unsigned (warned at start-up)
    std::string webhook_secret;
    std::string webhook_url;
    int webhook_timeout_seconds = 10;  // per attempt
    int webhook_max_attempts = 10;     // then the delivery is dead

    // Event streams (SPEC §2 "Events out")
    int event_stream_ping_seconds = 20;
    // Messages a stream client may lag behind before it is dropped (WebSocket close 1008).
    int event_stream_queue_limit = 1000;
};

struct Sources {
    std::map<std::string, std::string> environment;   // the process environment
    std::optional<std::string> dotenv_path = ".env";  // read when it exists
    std::vector<std::string> flags;                   // `--port 9000`, `--port=9000`, `--demo`
};

struct LoadResult {
    std::optional<Settings> settings;   // set on success
    std::string error;                  // one clear line naming the variable, on failure
    std::vector<std::string> warnings;  // e.g. DEFAULT_TIMEOUT read as seconds
};

// Pure apart from reading `dotenv_path`; never throws for bad input. Names match
// case-insensitively (as pydantic-settings); EXTERNAL_* fill ARI_* within the same layer; an empty
// value for a number or switch means "not set". Flags: `--some-name value`, `--some-name=value`,
// booleans alone (`--debug`), `--demo` (flag only); anything unknown is an error.
LoadResult load(const Sources& sources);

// The process environment as a map (for Sources::environment).
std::map<std::string, std::string> processEnvironment();

}  // namespace ccapi::config
