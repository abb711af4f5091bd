#include "arisim/simulator.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <future>
#include <vector>

#include "arisim/app_registry.hpp"
#include "arisim/control_routes.hpp"
#include "arisim/event_hub.hpp"
#include "arisim/http_routes.hpp"
#include "arisim/pbx.hpp"
#include "arisim/scheduler.hpp"
#include "arisim/server.hpp"
#include "core/logging.hpp"

namespace ccapi::arisim {
namespace {

constexpr Millis kTermCloseDelayWithCalls{1100};  // SIGTERM with a call up: socket gone after 1.1 s
constexpr Millis kTermCloseDelayIdle{100};        // idle: 0.03-0.7 s
constexpr Millis kGracefulCloseDelay{1500};       // close frame 1.5 s after the last call ended
constexpr Millis kExitDelay{200};                 // close frame, then the process exits

}  // namespace

class AriSimulator::Impl final : public Router,
                                 public SimulatorControl,
                                 public std::enable_shared_from_this<AriSimulator::Impl> {
public:
    Impl(asio::io_context& io, SimulatorOptions options)
        : io_(io),
          options_(std::move(options)),
          scheduler_(io),
          hub_(apps_),
          pbx_(PbxConfig{options_.asterisk_id, dialplanTimes(options_), options_.time_scale},
               scheduler_, apps_, [this](Event event) { hub_.publish(event); }),
          routes_(options_, pbx_, apps_, faults_),
          server_(io, ServerOptions{"Asterisk/" + options_.version, options_.session_limit,
                                    options_.http_idle_timeout, options_.ws_write_timeout}) {}

    void init() {
        server_.setRouter(weak_from_this());
        pbx_.setIdleCallback([this] { onIdle(); });
    }

    ErrorCode start() {
        auto ec = server_.listen(options_.host, port_ != 0 ? port_.load() : options_.port);
        if (ec) return ec;
        port_ = server_.port();
        lifecycle_ = Lifecycle::kRunning;
        return {};
    }

    // Safe from any thread: written once by start(), before the io_context serves anyone.
    std::uint16_t port() const { return port_.load(); }

    void stop() {
        cancelLifecycleTimers();
        server_.closeListener();
        server_.abortConnections();
        pbx_.reset();
        apps_.clear();
        lifecycle_ = Lifecycle::kStopped;
    }

    SimulatorState state() const {
        SimulatorState s;
        s.listening = server_.listening();
        s.accepting_calls = pbx_.accepting() && lifecycle_ == Lifecycle::kRunning;
        s.channels = pbx_.channelCount();
        s.event_sockets = hub_.size();
        s.sessions = server_.sessionCount();
        return s;
    }

    // --- Router ---------------------------------------------------------------------------

    HttpResponse route(const HttpRequest& request) override {
        std::string_view path = request.path;
        if (options_.control_endpoints && path.substr(0, 6) == "/_sim/") {
            auto response = handleControl(request, *this);
            if (response.after) {
                response.after = [weak = weak_from_this(), after = std::move(response.after)] {
                    if (auto self = weak.lock()) after();
                };
            }
            return response;
        }
        if (path == "/ari" || path.substr(0, 5) == "/ari/") {
            auto response = routes_.handle(request);
            response.delay = faults_.takeResponseDelay(request.method_name, request.path);
            return response;
        }
        return htmlError(404, "Not Found", "The requested URL was not found on this server.");
    }

    std::variant<EventSubscription, HttpResponse> admitEventSocket(
        const HttpRequest& request) override {
        return routes_.admitEvents(request);
    }

    SocketId eventSocketOpened(std::shared_ptr<WsConnection> connection,
                               const EventSubscription& subscription) override {
        SocketId id = hub_.add(std::move(connection));
        for (const auto& app : subscription.apps) {
            SocketId previous = apps_.attach(app, id, subscription.subscribe_all);
            if (previous != 0) hub_.sendTo(previous, replaced(app), app);
        }
        return id;
    }

    void eventSocketClosed(SocketId id) override {
        hub_.remove(id);
        apps_.detach(id);
    }

    // --- SimulatorControl -----------------------------------------------------------------

    void refuseOriginates(OriginateRefusal refusal) override {
        faults_.refuseOriginates(std::move(refusal));
    }
    void delayResponses(ResponseDelay delay) override { faults_.delayResponses(std::move(delay)); }
    void clearFaults() override { faults_.clear(); }

    void dropEventSockets(bool close_frame, std::string app) override {
        for (SocketId id : hub_.sockets()) {
            if (!app.empty() && apps_.socketOf(app) != id) continue;
            auto connection = hub_.connection(id);
            if (!connection) continue;
            if (close_frame) {
                connection->closeWithFrame(1000);
            } else {
                connection->abort();
            }
        }
    }

    void sendApplicationReplaced(std::string app) override {
        SocketId id = apps_.release(app);
        if (id != 0) hub_.sendTo(id, replaced(app), app);
    }

    void restart(Millis downtime) override {
        if (downtime.count() <= 0) {
            // Listening again before the old connections drop, so that a client reacting to
            // the dropped socket finds the new "process" (no connection-refused window).
            cancelLifecycleTimers();
            server_.closeListener();
            lifecycle_ = Lifecycle::kDown;
            relisten();
            server_.abortConnections();
            return;
        }
        kill();
        after(downtime, [this] { relisten(); });
    }

    void terminate(std::optional<Millis> restart_after) override {
        if (lifecycle_ == Lifecycle::kStopped || lifecycle_ == Lifecycle::kDown) return;
        cancelLifecycleTimers();
        server_.closeListener();
        bool had_calls = pbx_.channelCount() > 0;
        lifecycle_ = Lifecycle::kTerminating;
        pbx_.shutdown();
        after(pbx_.scaled(had_calls ? kTermCloseDelayWithCalls : kTermCloseDelayIdle),
              [this, restart_after] { goDown(restart_after); });
    }

    void stopGracefully(std::optional<Millis> restart_after) override {
        if (lifecycle_ != Lifecycle::kRunning) return;
        lifecycle_ = Lifecycle::kStoppingGracefully;
        graceful_restart_after_ = restart_after;
        pbx_.setAccepting(false);
        if (pbx_.channelCount() == 0) scheduleGracefulClose();
    }

    void setSessionLimit(std::size_t limit) override {
        options_.session_limit = limit;
        server_.setSessionLimit(limit);
    }

    void setTimings(std::optional<Millis> answer_after, std::optional<Millis> hangup_after,
                    std::optional<double> time_scale) override {
        if (answer_after) options_.answer_after = *answer_after;
        if (hangup_after) options_.hangup_after = *hangup_after;
        if (time_scale) {
            options_.time_scale = *time_scale;
            pbx_.setTimeScale(*time_scale);
        }
        pbx_.setTimes(dialplanTimes(options_));
    }

    boost::json::object stateJson() const override {
        auto s = state();
        return {{"listening", s.listening}, {"accepting_calls", s.accepting_calls},
                {"channels", s.channels},   {"event_sockets", s.event_sockets},
                {"sessions", s.sessions},   {"port", port_.load()}};
    }

private:
    enum class Lifecycle { kStopped, kRunning, kStoppingGracefully, kTerminating, kDown };

    Event replaced(const std::string& app) const {
        return events::applicationReplaced(
            {asteriskTimestamp(scheduler_.now()), options_.asterisk_id}, app);
    }

    void after(Millis delay, std::function<void()> fn) {
        lifecycle_timers_.push_back(scheduler_.after(delay, std::move(fn)));
    }

    void cancelLifecycleTimers() {
        for (auto id : lifecycle_timers_) scheduler_.cancel(id);
        lifecycle_timers_.clear();
    }

    void kill() {
        cancelLifecycleTimers();
        server_.closeListener();
        server_.abortConnections();
        pbx_.reset();
        apps_.clear();
        lifecycle_ = Lifecycle::kDown;
    }

    void goDown(std::optional<Millis> restart_after) {
        server_.closeListener();
        server_.abortConnections();
        pbx_.reset();
        apps_.clear();
        lifecycle_ = Lifecycle::kDown;
        if (restart_after) after(*restart_after, [this] { relisten(); });
    }

    void relisten() {
        if (lifecycle_ == Lifecycle::kStopped) return;
        pbx_.reset();
        apps_.clear();
        if (auto ec = server_.listen(options_.host, port_.load())) {
            log::error("arisim: cannot listen again",
                       {{"port", port_.load()}, {"error", ec.message()}});
            return;
        }
        lifecycle_ = Lifecycle::kRunning;
    }

    void onIdle() {
        if (lifecycle_ == Lifecycle::kStoppingGracefully && !graceful_close_scheduled_) {
            scheduleGracefulClose();
        }
    }

    void scheduleGracefulClose() {
        graceful_close_scheduled_ = true;
        after(pbx_.scaled(kGracefulCloseDelay), [this] {
            graceful_close_scheduled_ = false;
            for (SocketId id : hub_.sockets()) {
                if (auto connection = hub_.connection(id)) connection->closeWithFrame(1000);
            }
            server_.closeListener();
            after(pbx_.scaled(kExitDelay), [this] { goDown(graceful_restart_after_); });
        });
    }

    asio::io_context& io_;
    SimulatorOptions options_;
    AsioScheduler scheduler_;
    AppRegistry apps_;
    EventHub hub_;
    Faults faults_;
    Pbx pbx_;
    AriRoutes routes_;
    Server server_;
    std::atomic<std::uint16_t> port_{0};
    Lifecycle lifecycle_ = Lifecycle::kStopped;
    std::vector<Scheduler::TimerId> lifecycle_timers_;
    std::optional<Millis> graceful_restart_after_;
    bool graceful_close_scheduled_ = false;
};

namespace {

// Runs `fn` on the simulator's io_context and waits for it, unless already there, or the
// context is not being run (never yet, or stopped): then nothing else can touch the simulator.
template <class Fn>
auto onContext(asio::io_context& io, const std::atomic<bool>& served, Fn fn) -> decltype(fn()) {
    using R = decltype(fn());
    if (io.get_executor().running_in_this_thread() || io.stopped() || !served.load()) {
        return fn();
    }
    std::promise<R> promise;
    auto future = promise.get_future();
    asio::post(io, [&promise, &fn] {
        if constexpr (std::is_void_v<R>) {
            fn();
            promise.set_value();
        } else {
            promise.set_value(fn());
        }
    });
    return future.get();
}

}  // namespace

AriSimulator::AriSimulator(asio::io_context& io, SimulatorOptions options)
    : io_(io),
      impl_(std::make_shared<Impl>(io, std::move(options))),
      served_(std::make_shared<std::atomic<bool>>(false)) {
    impl_->init();
    // The first handler the context runs marks it as served by a thread (see onContext).
    asio::post(io_, [served = served_] { served->store(true); });
}

AriSimulator::~AriSimulator() {
    auto impl = impl_;
    onContext(io_, *served_, [impl] { impl->stop(); });
}

ErrorCode AriSimulator::start() { return impl_->start(); }

std::uint16_t AriSimulator::port() const { return impl_->port(); }

std::string AriSimulator::baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/ari";
}

void AriSimulator::stop() {
    auto impl = impl_;
    onContext(io_, *served_, [impl] { impl->stop(); });
}

void AriSimulator::refuseOriginates(OriginateRefusal refusal) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, &refusal] { impl->refuseOriginates(std::move(refusal)); });
}

void AriSimulator::delayResponses(ResponseDelay delay) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, &delay] { impl->delayResponses(std::move(delay)); });
}

void AriSimulator::clearFaults() {
    auto impl = impl_;
    onContext(io_, *served_, [impl] { impl->clearFaults(); });
}

void AriSimulator::dropEventSockets(bool close_frame, std::string app) {
    auto impl = impl_;
    onContext(io_, *served_,
              [impl, close_frame, &app] { impl->dropEventSockets(close_frame, app); });
}

void AriSimulator::sendApplicationReplaced(std::string app) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, &app] { impl->sendApplicationReplaced(app); });
}

void AriSimulator::restart(Millis downtime) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, downtime] { impl->restart(downtime); });
}

void AriSimulator::terminate(std::optional<Millis> restart_after) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, restart_after] { impl->terminate(restart_after); });
}

void AriSimulator::stopGracefully(std::optional<Millis> restart_after) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, restart_after] { impl->stopGracefully(restart_after); });
}

void AriSimulator::setSessionLimit(std::size_t limit) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, limit] { impl->setSessionLimit(limit); });
}

void AriSimulator::setTimings(std::optional<Millis> answer_after,
                              std::optional<Millis> hangup_after,
                              std::optional<double> time_scale) {
    auto impl = impl_;
    onContext(io_, *served_, [impl, answer_after, hangup_after, time_scale] {
        impl->setTimings(answer_after, hangup_after, time_scale);
    });
}

SimulatorState AriSimulator::state() const {
    auto impl = impl_;
    return onContext(io_, *served_, [impl] { return impl->state(); });
}

}  // namespace ccapi::arisim
