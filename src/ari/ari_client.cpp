// The real AriClient: REST through the keep-alive pool behind the circuit breaker, events
// through the EventSocket loop, status shared with any thread.
#include <boost/asio/dispatch.hpp>
#include <stdexcept>

#include "ari/breaker.hpp"
#include "ari/client.hpp"
#include "ari/event_socket.hpp"
#include "ari/http_pool.hpp"
#include "ari/rest_codec.hpp"
#include "ari/status.hpp"
#include "ari/tls.hpp"
#include "ari/url.hpp"
#include "core/logging.hpp"

namespace ccapi::ari {
namespace {

namespace http = boost::beast::http;

// What the REST coroutines need; shared so that a request in flight outlives the client safely.
struct RestSide {
    AriEndpoint endpoint;
    std::shared_ptr<ClientStatus> status;
    std::shared_ptr<CircuitBreaker> breaker;
    std::shared_ptr<HttpPool> pool;
};

std::string pathOnly(const std::string& target) { return target.substr(0, target.find('?')); }

Task<RestOutcome> perform(std::shared_ptr<RestSide> rest, HttpCall call) {
    auto permit = rest->breaker->acquire();
    if (!permit.allowed) {
        RestOutcome refused;
        refused.kind = RestOutcome::Kind::kBreakerOpen;
        refused.message = "circuit breaker open: ARI considered unreachable";
        co_return refused;
    }
    const auto method = call.method;
    const auto path = pathOnly(call.target);
    HttpReply reply = co_await rest->pool->exchange(std::move(call));
    RestOutcome outcome = reply.answered
                              ? outcomeFromHttp(reply.status, reply.reason, std::move(reply.body))
                              : unreachable(std::move(reply.error));
    rest->status->setHttpReachable(reply.answered);
    if (!reply.answered) {
        rest->status->setLastError("http: " + outcome.message);
        log::warn("ari: request got no answer", {{"method", std::string(http::to_string(method))},
                                                 {"path", path},
                                                 {"error", outcome.message}});
    }
    switch (rest->breaker->record(permit, countsAsFailure(outcome))) {
        case CircuitBreaker::Transition::kOpened:
            log::error("ari: circuit breaker opened", {{"last_error", outcome.message}});
            break;
        case CircuitBreaker::Transition::kReopened:
            log::warn("ari: circuit breaker trial failed, open again",
                      {{"last_error", outcome.message}});
            break;
        case CircuitBreaker::Transition::kClosed:
            log::info("ari: circuit breaker closed");
            break;
        case CircuitBreaker::Transition::kNone:
            break;
    }
    co_return outcome;
}

Task<std::optional<std::vector<ChannelSnapshot>>> listChannels(std::shared_ptr<RestSide> rest,
                                                               HttpCall call) {
    RestOutcome outcome = co_await perform(rest, std::move(call));
    if (!outcome.ok()) co_return std::nullopt;
    auto channels = parseChannels(outcome.body);
    if (!channels) log::warn("ari: GET /channels answered something that is not a channel list");
    co_return channels;
}

class AriClientImpl final : public AriClient {
public:
    AriClientImpl(asio::any_io_executor executor, AriOptions options, const Clock& clock)
        : executor_(std::move(executor)), options_(std::move(options)) {
        auto endpoint = parseAriUrl(options_.http_url);
        if (!endpoint) throw std::invalid_argument("ARI URL is not an http(s) URL");
        std::shared_ptr<asio::ssl::context> tls;
        if (endpoint->tls) {
            auto context = makeTlsContext(options_.tls_ca_file);
            if (!context) {
                throw std::invalid_argument("ARI TLS setup failed: " + context.error().message());
            }
            tls = *context;
        }
        auto status = std::make_shared<ClientStatus>();
        CircuitBreaker::Settings breaker_settings;
        breaker_settings.enabled = options_.breaker_enabled;
        breaker_settings.threshold = options_.breaker_threshold;
        breaker_settings.open_for = options_.breaker_open_for;
        auto breaker = std::make_shared<CircuitBreaker>(breaker_settings, clock);

        HttpPool::Settings pool_settings;
        pool_settings.endpoint = *endpoint;
        pool_settings.authorization = basicAuthorization(options_.username, options_.password);
        pool_settings.size = options_.pool_size;
        pool_settings.request_timeout = options_.request_timeout;
        pool_settings.keepalive_idle = options_.keepalive_idle;
        pool_settings.tls = tls;
        auto pool = std::make_shared<HttpPool>(executor_, std::move(pool_settings));

        rest_ = std::make_shared<RestSide>(RestSide{*endpoint, status, breaker, pool});

        EventSocket::Settings event_settings;
        event_settings.endpoint = *endpoint;
        event_settings.target =
            eventsTarget(*endpoint, options_.app, options_.username, options_.password);
        event_settings.app = options_.app;
        event_settings.connect_timeout = options_.request_timeout;
        event_settings.ping_interval = options_.ping_interval;
        event_settings.pong_timeout = options_.pong_timeout;
        event_settings.reconnect_initial = options_.reconnect_initial;
        event_settings.reconnect_max = options_.reconnect_max;
        event_settings.tls = tls;
        events_ =
            std::make_shared<EventSocket>(executor_, std::move(event_settings), status, breaker);
    }

    ~AriClientImpl() override {
        // Sockets belong to the executor's thread: close them there, whoever destroys us.
        auto events = events_;
        auto pool = rest_->pool;
        asio::dispatch(executor_, [events, pool] {
            events->stop();
            pool->close();
        });
    }

    void start(EventListener& listener) override {
        auto events = events_;
        auto* target = &listener;
        asio::dispatch(executor_, [events, target] { events->start(*target); });
    }

    void stop() override {
        auto events = events_;
        asio::dispatch(executor_, [events] { events->stop(); });
    }

    Task<RestOutcome> originate(OriginateRequest request) override {
        HttpCall call;
        call.method = http::verb::post;
        call.target = rest_->endpoint.base_path + "/channels";
        call.body = originateBody(request, options_.app);
        call.idempotent = false;
        return perform(rest_, std::move(call));
    }

    Task<RestOutcome> continueInDialplan(std::string channel_id, std::string context,
                                         std::string extension, int priority) override {
        HttpCall call;
        call.method = http::verb::post;
        call.target = rest_->endpoint.base_path + "/channels/" + percentEncode(channel_id) +
                      "/continue?context=" + percentEncode(context) +
                      "&extension=" + percentEncode(extension) +
                      "&priority=" + std::to_string(priority);
        call.idempotent = false;
        return perform(rest_, std::move(call));
    }

    Task<RestOutcome> hangup(std::string channel_id, std::string reason) override {
        HttpCall call;
        call.method = http::verb::delete_;
        call.target = rest_->endpoint.base_path + "/channels/" + percentEncode(channel_id) +
                      "?reason=" + percentEncode(reason.empty() ? "normal" : reason);
        call.idempotent = true;
        return perform(rest_, std::move(call));
    }

    Task<std::optional<std::vector<ChannelSnapshot>>> channels() override {
        HttpCall call;
        call.method = http::verb::get;
        call.target = rest_->endpoint.base_path + "/channels";
        call.idempotent = true;
        return listChannels(rest_, std::move(call));
    }

    bool eventsConnected() const override { return rest_->status->eventsConnected(); }
    bool httpReachable() const override { return rest_->status->httpReachable(); }
    BreakerState breakerState() const override { return rest_->breaker->state(); }
    std::string lastError() const override { return rest_->status->lastError(); }

private:
    asio::any_io_executor executor_;
    AriOptions options_;
    std::shared_ptr<RestSide> rest_;
    std::shared_ptr<EventSocket> events_;
};

}  // namespace

std::unique_ptr<AriClient> makeAriClient(asio::any_io_executor executor, AriOptions options) {
    // Static: the breaker may outlive the client while a request is still in flight.
    static const SystemClock system_clock;
    return makeAriClient(std::move(executor), std::move(options), system_clock);
}

std::unique_ptr<AriClient> makeAriClient(asio::any_io_executor executor, AriOptions options,
                                         const Clock& clock) {
    return std::make_unique<AriClientImpl>(std::move(executor), std::move(options), clock);
}

}  // namespace ccapi::ari
