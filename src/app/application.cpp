#include "app/application.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "api/authenticator.hpp"
#include "api/calls_api.hpp"
#include "api/openapi_document.hpp"
#include "api/ops_api.hpp"
#include "api/pbx_status.hpp"
#include "api/token_api.hpp"
#include "app/commit_fanout.hpp"
#include "app/demo.hpp"
#include "app/http_metrics.hpp"
#include "app/pbx_status.hpp"
#include "app/unconfigured_pbx.hpp"
#include "app/version.hpp"
#include "ari/client.hpp"
#include "arisim/simulator.hpp"
#include "auth/login_lockout.hpp"
#include "auth/passwords.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/revocation_cache.hpp"
#include "auth/tokens.hpp"
#include "core/io_pool.hpp"
#include "core/logging.hpp"
#include "engine/call_engine.hpp"
#include "events/event_feed.hpp"
#include "events/event_hub.hpp"
#include "events/events_api.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "routing/pipeline.hpp"
#include "storage/stores.hpp"
#include "webhooks/dispatcher.hpp"

#ifndef CCAPI_WEB_ASSETS_DIR
#define CCAPI_WEB_ASSETS_DIR "web/node_modules"
#endif

namespace ccapi::app {

namespace {

std::string webAssetsDir() {
    if (const char* dir = std::getenv("WEB_ASSETS_DIR"); dir && *dir) return dir;
    return CCAPI_WEB_ASSETS_DIR;
}

http::ServerOptions serverOptions(const config::Settings& s) {
    http::ServerOptions o;
    o.host = s.host;
    o.port = static_cast<unsigned short>(s.port);
    o.max_body_bytes = s.max_body_bytes;
    o.max_header_bytes = s.max_header_bytes;
    o.request_timeout = std::chrono::seconds(s.request_timeout_s);
    o.idle_timeout = std::chrono::seconds(s.idle_timeout_s);
    o.max_connections = static_cast<std::size_t>(s.max_connections);
    o.shutdown_grace = std::chrono::seconds(s.shutdown_grace_s);
    return o;
}

}  // namespace

// Declaration order is construction order; destruction runs backwards, so servers and
// handlers go before what they use.
struct Application::Parts {
    config::Settings settings;
    SystemClock clock;
    std::unique_ptr<BlockingPool> blocking;
    std::unique_ptr<BlockingPool> hashing;  // bcrypt, at a lower CPU priority
    std::unique_ptr<storage::Database> database;
    metrics::Registry registry;
    std::unique_ptr<HttpMetrics> http_metrics;

    std::unique_ptr<auth::PasswordHasher> hasher;
    std::unique_ptr<auth::TokenService> tokens;
    std::unique_ptr<auth::RevocationCache> revocations;
    std::unique_ptr<auth::RateLimiter> token_limiter;
    std::unique_ptr<auth::LoginLockout> lockout;
    std::unique_ptr<api::Authenticator> authenticator;

    std::unique_ptr<IoPool> io;

    // Demo mode without ARI_HTTP_URL: the built-in simulator on its own thread.
    std::unique_ptr<asio::io_context> simulator_io;
    std::unique_ptr<arisim::AriSimulator> simulator;
    std::thread simulator_thread;

    std::unique_ptr<auth::RateLimiter> call_limiter;
    std::unique_ptr<ari::AriClient> ari;
    std::unique_ptr<engine::CallEngine> engine;
    std::unique_ptr<UnconfiguredCallControl> no_pbx;
    std::unique_ptr<api::PbxStatusSource> pbx;
    std::vector<metrics::CallbackHandle> gauges;

    std::unique_ptr<api::OpsApi> ops_api;
    std::unique_ptr<api::TokenApi> token_api;
    std::unique_ptr<api::CallsApi> calls_api;

    // Events out: the feed tails the stored log into the hub (streams); the dispatcher drives
    // the webhook outbox. Both run on one I/O thread and stop before the threads do.
    std::unique_ptr<api::CallCache> call_cache;
    std::unique_ptr<events::EventHub> hub;
    std::unique_ptr<events::EventFeed> feed;
    std::unique_ptr<webhooks::Dispatcher> dispatcher;
    std::unique_ptr<CommitFanout> commit_fanout;
    std::unique_ptr<events::EventsApi> events_api;
    std::future<void> feed_done;
    std::future<void> dispatcher_done;

    std::unique_ptr<routing::Pipeline> pipeline;
    std::unique_ptr<http::Server> server;

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    bool stopped = false;
};

namespace {

// Periodic clean-up: expired revocations, rate-limit windows and lockouts in memory, expired
// tokens in the store. Runs on one I/O thread; the store work is offloaded.
Task<void> maintenanceLoop(Application::Parts& p) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto interval = std::chrono::minutes(std::max(1, p.settings.cleanup_interval_minutes));
    for (;;) {
        timer.expires_after(interval);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        p.revocations->purgeExpired();
        p.token_limiter->purgeExpired();
        p.lockout->purgeExpired(std::chrono::steady_clock::now());
        auto purge = [&p, now = p.clock.now()] { return p.database->tokens().purgeExpired(now); };
        auto purged = co_await offload(*p.blocking, std::move(purge));
        if (purged && *purged > 0) log::info("expired tokens purged", {{"rows", *purged}});
    }
}

}  // namespace

namespace {

// bcrypt is CPU-bound by design: half the cores (at least one) at nice 10, so that logins never
// take the CPU the I/O threads need to answer everything else.
std::unique_ptr<BlockingPool> makeHashingPool() {
    auto threads = std::max(1u, std::thread::hardware_concurrency() / 2);
    auto pool = std::make_unique<BlockingPool>(threads);
    for (unsigned i = 0; i < threads; ++i) {
        asio::post(pool->executor(), [] {
            // Linux: a thread's nice value is per thread (its tid is a process id here).
            ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
        });
    }
    return pool;
}

std::optional<std::string> webhookUrl(const config::Settings& s) {
    if (s.webhook_url.empty()) return std::nullopt;
    return s.webhook_url;
}

Task<void> startEngine(Application::Parts& p) {
    auto started = co_await p.engine->start();
    if (!started) log::error("call engine recovery failed", {{"error", started.error().message()}});
}

Task<void> stopEngine(Application::Parts& p, std::promise<void> done) {
    co_await p.engine->stop();
    done.set_value();
}

// Runs `task` and then says so: shutdown waits for the loops that reference the parts.
Task<void> runThenSignal(Task<void> task, std::promise<void> done) {
    co_await std::move(task);
    done.set_value();
}

// The event feed, the webhook dispatcher and the stream endpoints (SPEC §2 "Events out", §5).
std::optional<std::string> openEventsOut(Application::Parts& p) {
    auto& s = p.settings;
    // Not the engine's thread (0) when there is another: the engine's commit loop stays alone.
    auto executor = p.io->context(p.io->size() > 1 ? 1 : 0).get_executor();
    p.hub = std::make_unique<events::EventHub>();
    p.feed =
        std::make_unique<events::EventFeed>(executor, p.database->calls(), *p.blocking, *p.hub);
    webhooks::DispatcherOptions options;
    options.secret = s.webhook_secret;
    options.retry.max_attempts = s.webhook_max_attempts;
    options.timeout = std::chrono::seconds(s.webhook_timeout_seconds);
    options.self_port = static_cast<std::uint16_t>(s.port);
    try {
        p.dispatcher = std::make_unique<webhooks::Dispatcher>(executor, *p.database, *p.blocking,
                                                              p.clock, p.registry, options);
    } catch (const std::exception& e) {
        return std::string("webhooks: ") + e.what();
    }
    // Room for the calls a busy day reads back; a minute bounds what another process could make
    // stale (the engine of this one invalidates every call it commits).
    p.call_cache = std::make_unique<api::CallCache>(200'000, std::chrono::seconds(60));
    p.commit_fanout =
        std::make_unique<CommitFanout>(*p.call_cache, *p.feed, *p.dispatcher, webhookUrl(s));
    if (p.engine) p.engine->setObserver(p.commit_fanout.get());
    if (p.no_pbx) p.no_pbx->setObserver(p.commit_fanout.get());

    events::EventsApiOptions stream_options;
    stream_options.ping_interval = std::chrono::seconds(s.event_stream_ping_seconds);
    stream_options.queue_limit = static_cast<std::size_t>(s.event_stream_queue_limit);
    stream_options.allowed_origins = s.allowed_origins;
    p.events_api = std::make_unique<events::EventsApi>(
        events::EventsApiDeps{*p.authenticator, *p.hub, p.database->calls(), *p.blocking,
                              p.registry, p.clock},
        stream_options);
    return std::nullopt;
}

// The call engine and its ARI client; in demo mode without ARI_HTTP_URL the simulator too.
std::optional<std::string> openCallEngine(Application::Parts& p) {
    auto& s = p.settings;
    std::string ari_url = s.ari_http_url;
    if (ari_url.empty() && s.demo) {
        p.simulator_io = std::make_unique<asio::io_context>(1);
        arisim::SimulatorOptions options;
        options.username = s.ari_username;
        options.password = s.ari_password;
        p.simulator = std::make_unique<arisim::AriSimulator>(*p.simulator_io, options);
        if (auto ec = p.simulator->start()) return "ARI simulator: " + ec.message();
        ari_url = p.simulator->baseUrl();
        p.simulator_thread = std::thread([io = p.simulator_io.get()] {
            auto guard = asio::make_work_guard(*io);
            io->run();
        });
        log::info(
            "demo: built-in ARI simulator started (numbers ending 1 busy, 2 no answer, "
            "3 congestion, 4 rejected, 5 unallocated, others answer)",
            {{"ari_http_url", ari_url}});
    }
    if (ari_url.empty()) {
        p.pbx = std::make_unique<api::UnconfiguredPbx>();
        p.no_pbx = std::make_unique<UnconfiguredCallControl>(p.database->calls(), *p.blocking,
                                                             p.clock, webhookUrl(s));
        log::warn("ARI_HTTP_URL is not set: calls fail with 503 until a PBX is configured");
        return std::nullopt;
    }
    auto& executor_context = p.io->context(0);
    ari::AriOptions ari_options;
    ari_options.http_url = ari_url;
    ari_options.username = s.ari_username;
    ari_options.password = s.ari_password;
    ari_options.app = s.ari_app;
    ari_options.breaker_enabled = s.circuit_breaker_enabled;
    ari_options.breaker_threshold = s.circuit_breaker_fail_threshold;
    ari_options.breaker_open_for = std::chrono::seconds(s.circuit_breaker_timeout_s);
    p.ari = ari::makeAriClient(executor_context.get_executor(), ari_options);
    p.pbx = std::make_unique<AriPbxStatus>(*p.ari);

    engine::EngineOptions options;
    options.endpoint_template = s.ari_endpoint_template;
    options.max_concurrent_calls = s.max_concurrent_calls;
    options.max_calls_per_second = s.max_calls_per_second;
    options.max_queue_wait = std::chrono::seconds(s.max_queue_wait_seconds);
    options.stale_grace = std::chrono::seconds(s.stale_call_grace_seconds);
    options.retention_days = s.call_retention_days;
    options.cleanup_interval = std::chrono::minutes(std::max(1, s.cleanup_interval_minutes));
    options.webhook_url = webhookUrl(s);
    p.engine =
        std::make_unique<engine::CallEngine>(executor_context.get_executor(), options, *p.ari,
                                             p.database->calls(), *p.blocking, p.clock, p.registry);
    auto* engine = p.engine.get();
    auto* ari = p.ari.get();
    p.gauges.push_back(p.registry.gaugeFn("calls_active", "Calls sent to the PBX and not ended",
                                          [engine] { return double(engine->activeCalls()); }));
    p.gauges.push_back(p.registry.gaugeFn("calls_pending", "Calls waiting to be sent",
                                          [engine] { return double(engine->queuedCalls()); }));
    p.gauges.push_back(p.registry.gaugeFn("ari_http_connected", "ARI REST side answers (1/0)",
                                          [ari] { return ari->httpReachable() ? 1.0 : 0.0; }));
    p.gauges.push_back(p.registry.gaugeFn("ari_websocket_connected",
                                          "ARI event socket connected (1/0)",
                                          [ari] { return ari->eventsConnected() ? 1.0 : 0.0; }));
    return std::nullopt;
}

}  // namespace

Application::Application(config::Settings settings) : parts_(std::make_unique<Parts>()) {
    parts_->settings = std::move(settings);
}

Application::~Application() {
    if (parts_->io) {
        parts_->io->stop();
        parts_->io->join();
    }
    if (parts_->simulator_io) {
        parts_->simulator_io->stop();
        if (parts_->simulator_thread.joinable()) parts_->simulator_thread.join();
    }
    if (parts_->blocking) {
        parts_->blocking->join();
    }
    if (parts_->hashing) {
        parts_->hashing->join();
    }
}

std::optional<std::string> Application::open() {
    auto& p = *parts_;
    auto& s = p.settings;

    if (s.demo && s.secret_key.empty()) {
        auto secret = loadOrCreateSecret("data");
        if (!secret) return "cannot create data/secret_key: " + secret.error().message();
        s.secret_key = *secret;
    }
    if (s.secret_key.empty()) {
        // Only DEBUG gets here without a key (the loader refuses it otherwise).
        s.secret_key = randomToken(64);
        log::warn("SECRET_KEY not set: using a random key; tokens will not survive a restart");
    }

    // More threads than connections: call creates wait here to join a group commit (one fsync
    // for many calls) without holding a connection, so the callers, not the pool, bound a batch.
    p.blocking = std::make_unique<BlockingPool>(
        std::max<std::size_t>(32, 2 * static_cast<std::size_t>(s.db_pool_size)));
    p.hashing = makeHashingPool();

    storage::DatabaseOptions db_options{s.database_url, s.disable_db, s.db_pool_size};
    auto database = storage::openDatabase(db_options);
    if (!database) return "database: " + database.error().message();
    p.database = std::move(*database);

    auto version = p.database->schemaVersion();
    if (!version) return "database unreachable: " + version.error().message();
    int latest = p.database->latestSchemaVersion();
    if (*version > latest) {
        return "database schema version " + std::to_string(*version) +
               " is newer than this binary knows (" + std::to_string(latest) + ")";
    }
    if (*version < latest) {
        bool automatic = p.database->backend() != "postgresql" || s.auto_migrate;
        if (!automatic) {
            return "database is not migrated (schema " + std::to_string(*version) + " of " +
                   std::to_string(latest) +
                   "): run `ccapi migrate` or start with AUTO_MIGRATE=true";
        }
        auto migrated = p.database->migrate();
        if (!migrated) return "database migration failed: " + migrated.error().message();
        log::info("database migrated", {{"from", *version}, {"to", *migrated}});
    }

    if (!s.webhook_url.empty() &&
        api::pointsAtService(s.webhook_url, static_cast<unsigned short>(s.port))) {
        return "WEBHOOK_URL points at this service itself";
    }
    if (s.webhook_secret.empty()) {
        log::warn("WEBHOOK_SECRET is not set: webhook deliveries go out without X-Signature");
    }

    p.hasher = std::make_unique<auth::PasswordHasher>();
    if (s.demo) {
        auto admin = ensureBootstrapAdmin(
            p.database->users(), [&](const std::string& pw) { return p.hasher->hash(pw).value(); });
        if (!admin) return "cannot create the bootstrap admin: " + admin.error().message();
        if (*admin) {
            std::printf(
                "\n  Bootstrap admin created (shown once):\n    username: %s\n    password: %s\n\n",
                (*admin)->username.c_str(), (*admin)->password.c_str());
            std::fflush(stdout);
        }
    } else if (auto users = p.database->users().count(); users && *users == 0) {
        log::warn("the store has no user: create one with `ccapi user add NAME --superuser`");
    }

    auth::TokenOptions token_options;
    token_options.secret = s.secret_key;
    token_options.algorithm = s.algorithm;
    token_options.access_ttl = std::chrono::minutes(s.access_token_expire_minutes);
    token_options.refresh_ttl = std::chrono::hours(24 * s.refresh_token_expire_days);
    token_options.issuer = s.jwt_issuer;
    token_options.audience = s.jwt_audience;
    auto tokens = auth::TokenService::create(token_options, p.clock);
    if (!tokens) return "token service: " + tokens.error().message();
    p.tokens = std::make_unique<auth::TokenService>(std::move(*tokens));
    p.revocations = std::make_unique<auth::RevocationCache>(p.clock);
    if (auto revoked = p.database->tokens().liveRevokedAccess(p.clock.now())) {
        // Kept until an access token issued now would expire: no revoked token outlives that.
        auto until = p.clock.now() + std::int64_t{s.access_token_expire_minutes} * 60'000'000;
        for (const auto& jti : *revoked) p.revocations->revoke(jti, until);
    }
    p.token_limiter = std::make_unique<auth::RateLimiter>(
        auth::RateLimitOptions{s.rate_limit_requests, std::chrono::seconds(s.rate_limit_window_s)},
        p.clock);
    p.lockout = std::make_unique<auth::LoginLockout>(auth::LockoutOptions{
        s.max_failed_login_attempts, std::chrono::seconds(s.login_lockout_duration_s)});
    p.authenticator = std::make_unique<api::Authenticator>(*p.tokens, *p.revocations, *p.database,
                                                           *p.blocking, p.clock);

    p.io = std::make_unique<IoPool>(static_cast<std::size_t>(s.workers));
    if (auto error = openCallEngine(p)) return error;
    if (auto error = openEventsOut(p)) return error;

    p.http_metrics = std::make_unique<HttpMetrics>(p.registry);
    api::OpsOptions ops{s.app_name, kVersion, s.docs_enabled, s.metrics_enabled, webAssetsDir()};
    p.ops_api =
        std::make_unique<api::OpsApi>(ops, *p.database, *p.blocking, p.registry, *p.pbx, p.clock);
    for (const auto& missing : p.ops_api->missingAssets()) {
        log::warn("documentation asset missing (run `make web`)", {{"file", missing}});
    }
    p.token_api = std::make_unique<api::TokenApi>(api::TokenApiDeps{
        *p.hasher, *p.tokens, *p.revocations, *p.token_limiter, *p.lockout, *p.authenticator,
        *p.database, *p.blocking, *p.hashing, p.registry, p.clock});

    p.call_limiter = std::make_unique<auth::RateLimiter>(
        auth::RateLimitOptions{s.call_rate_limit_requests,
                               std::chrono::seconds(s.rate_limit_window_s)},
        p.clock);
    api::CallDefaults defaults{s.default_context, s.default_extension, s.default_priority,
                               s.default_timeout_ms, s.default_caller_id};
    engine::CallControl& control =
        p.engine ? static_cast<engine::CallControl&>(*p.engine) : *p.no_pbx;
    api::CallsApiDeps calls_deps{*p.authenticator, control,    *p.database, *p.blocking,
                                 *p.call_limiter,  p.registry, p.clock,     defaults};
    calls_deps.webhook_url = webhookUrl(s);
    calls_deps.service_port = static_cast<unsigned short>(s.port);
    calls_deps.observer = p.commit_fanout.get();
    calls_deps.cache = p.call_cache.get();
    p.calls_api = std::make_unique<api::CallsApi>(std::move(calls_deps));

    routing::Router router;
    p.ops_api->registerRoutes(router);
    p.token_api->registerRoutes(router);
    p.calls_api->registerRoutes(router);
    p.events_api->registerRoutes(router);
    if (s.docs_enabled) {
        for (const auto& mismatch : api::openapiMismatches(router)) {
            log::error("OpenAPI document out of date", {{"route", mismatch}});
        }
    }

    routing::PipelineOptions pipeline_options;
    pipeline_options.cors.allowed_origins = s.allowed_origins;
    for (const auto& proxy : s.trusted_proxies) {
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(proxy, ec);
        if (ec) return "TRUSTED_PROXIES: \"" + proxy + "\" is not an IP address";
        pipeline_options.trusted_proxies.push_back(address);
    }
    p.pipeline = std::make_unique<routing::Pipeline>(std::move(router), pipeline_options,
                                                     p.http_metrics.get());
    return std::nullopt;
}

std::optional<std::string> Application::start() {
    auto& p = *parts_;
    if (p.engine) {
        spawn(p.engine->executor(), startEngine(p), "engine-start");
    }
    p.server = std::make_unique<http::Server>(*p.io, serverOptions(p.settings), *p.pipeline);
    if (auto started = p.server->start(); !started) {
        return "cannot listen on " + p.settings.host + ":" + std::to_string(p.settings.port) +
               ": " + started.error().message();
    }
    spawn(p.io->context(0).get_executor(), maintenanceLoop(p), "maintenance");
    std::promise<void> feed_done;
    p.feed_done = feed_done.get_future();
    spawn(p.feed->executor(), runThenSignal(p.feed->run(), std::move(feed_done)), "event-feed");
    std::promise<void> dispatcher_done;
    p.dispatcher_done = dispatcher_done.get_future();
    spawn(p.feed->executor(), runThenSignal(p.dispatcher->run(), std::move(dispatcher_done)),
          "webhook-dispatcher");
    p.io->start();
    log::info("listening", {{"host", p.settings.host},
                            {"port", p.server->port()},
                            {"workers", p.io->size()},
                            {"database", std::string(p.database->backend())},
                            {"version", kVersion}});
    return std::nullopt;
}

unsigned short Application::port() const { return parts_->server ? parts_->server->port() : 0; }

void Application::waitForShutdown() {
    auto& p = *parts_;
    boost::asio::signal_set signals(p.io->context(0), SIGINT, SIGTERM);
    signals.async_wait([&p](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log::info("shutting down", {{"signal", signal},
                                    {"connections", p.server->activeConnections()},
                                    {"grace_s", p.settings.shutdown_grace_s}});
        // Streams are not the server's connections any more: close them ourselves (1001).
        p.events_api->closeAll();
        p.server->shutdown([&p] {
            std::lock_guard lock(p.stop_mutex);
            p.stopped = true;
            p.stop_cv.notify_all();
        });
    });
    {
        std::unique_lock lock(p.stop_mutex);
        p.stop_cv.wait(lock, [&p] { return p.stopped; });
    }
    if (p.engine) {
        // Commit the transitions still in the group-commit window before the threads stop.
        std::promise<void> flushed;
        auto done = flushed.get_future();
        spawn(p.engine->executor(), stopEngine(p, std::move(flushed)), "engine-stop");
        done.wait_for(std::chrono::seconds(5));
    }
    // After the engine's last commit: the feed publishes it, then both loops end. Deliveries in
    // flight are cancelled unrecorded and sent again after the restart (at least once).
    p.feed->stop();
    p.dispatcher->stop();
    if (p.feed_done.valid()) p.feed_done.wait_for(std::chrono::seconds(5));
    if (p.dispatcher_done.valid()) p.dispatcher_done.wait_for(std::chrono::seconds(5));
    p.io->stop();
    p.io->join();
    p.blocking->join();
    p.hashing->join();
    log::info("stopped");
    log::flush();
}

}  // namespace ccapi::app
