#include "webhooks/dispatcher.hpp"

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>
#include <stdexcept>

#include "api/call_json.hpp"
#include "core/logging.hpp"
#include "webhooks/signature.hpp"

namespace ccapi::webhooks {
namespace {

using storage::DeliveryState;
using storage::WebhookAttempt;
using storage::WebhookDelivery;

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

UnixMicros toMicros(std::chrono::milliseconds d) { return d.count() * 1'000; }

SenderOptions senderOptions(const DispatcherOptions& options) {
    SenderOptions out;
    out.timeout = options.timeout;
    out.self_port = options.self_port;
    out.extra_ca_file = options.extra_ca_file;
    return out;
}

boost::json::object logFields(const WebhookDelivery& delivery, int attempt) {
    return {{"call_id", delivery.call_id},
            {"event_id", delivery.event_id},
            {"delivery_id", delivery.delivery_id},
            {"host", urlHostForLog(delivery.url)},
            {"attempt", attempt}};
}

metrics::CounterFamily& outcomes(metrics::Registry& registry) {
    return registry.counter("webhook_deliveries_total",
                            "Webhook attempts by outcome: delivered, retry (failed, tried again "
                            "later) or dead (failed for good)",
                            {"result"});
}

}  // namespace

// Counts the attempts of one runDue() pass; its timer is cancelled when the last one ends.
struct Dispatcher::WaitGroup {
    explicit WaitGroup(const asio::strand<asio::any_io_executor>& strand) : timer(strand) {}
    void done() {
        if (--pending == 0) timer.cancel();
    }
    asio::steady_timer timer;
    std::size_t pending = 0;
};

Dispatcher::Dispatcher(asio::any_io_executor executor, storage::Database& db, BlockingPool& pool,
                       const Clock& clock, metrics::Registry& registry, DispatcherOptions options)
    : strand_(asio::make_strand(std::move(executor))),
      db_(db),
      pool_(pool),
      clock_(clock),
      options_(std::move(options)),
      sender_(senderOptions(options_)),
      wake_(strand_),
      drained_(strand_),
      delivered_(outcomes(registry).labels({"delivered"})),
      retried_(outcomes(registry).labels({"retry"})),
      dead_(outcomes(registry).labels({"dead"})),
      depth_gauge_(
          registry.gauge("webhook_queue_depth", "Webhook deliveries pending (first try or retry)")
              .labels({})),
      duration_(registry
                    .histogram("webhook_attempt_duration_seconds",
                               "Duration of one webhook attempt (resolve to answer)", {})
                    .labels({})) {
    options_.concurrency = std::max<std::size_t>(1, options_.concurrency);
    if (options_.poll_interval.count() <= 0) options_.poll_interval = std::chrono::seconds(1);
}

Dispatcher::~Dispatcher() = default;

Task<void> Dispatcher::run() {
    auto task = loop();
    co_await asio::co_spawn(strand_, std::move(task), asio::use_awaitable);
}

Task<std::size_t> Dispatcher::runDue() {
    auto task = pass();
    co_return co_await asio::co_spawn(strand_, std::move(task), asio::use_awaitable);
}

void Dispatcher::notify() {
    asio::post(strand_, [this, alive = std::weak_ptr<void>(alive_)] {
        if (alive.expired()) return;  // posted just before the dispatcher went away
        woken_ = true;
        wake_.cancel();
    });
}

void Dispatcher::stop() {
    asio::post(strand_, [this, alive = std::weak_ptr<void>(alive_)] {
        if (alive.expired()) return;
        stopping_ = true;
        wake_.cancel();
        for (auto& [id, signal] : in_flight_) signal->emit(asio::cancellation_type::terminal);
    });
}

Task<void> Dispatcher::loop() {
    if (running_) throw std::logic_error("webhooks: Dispatcher::run() is already running");
    running_ = true;
    log::info("webhooks: dispatcher started", {{"concurrency", options_.concurrency}});
    while (!stopping_) {
        woken_ = false;
        co_await launchDue(nullptr);
        co_await refreshQueueDepth();
        if (stopping_) break;
        if (woken_) continue;
        auto wait = co_await timeUntilNextDue();
        if (stopping_) break;
        if (woken_) continue;
        wake_.expires_after(wait);
        ErrorCode ignored;
        co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    for (auto& [id, signal] : in_flight_) signal->emit(asio::cancellation_type::terminal);
    while (!in_flight_.empty()) {
        drained_.expires_at(asio::steady_timer::time_point::max());
        ErrorCode ignored;
        co_await drained_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    running_ = false;
    log::info("webhooks: dispatcher stopped");
}

Task<std::size_t> Dispatcher::pass() {
    if (stopping_) co_return 0;
    auto group = std::make_shared<WaitGroup>(strand_);
    auto launched = co_await launchDue(group);
    while (group->pending > 0) {
        group->timer.expires_at(asio::steady_timer::time_point::max());
        ErrorCode ignored;
        co_await group->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_await refreshQueueDepth();
    co_return launched;
}

Task<std::size_t> Dispatcher::launchDue(std::shared_ptr<WaitGroup> group) {
    if (stopping_ || in_flight_.size() >= options_.concurrency) co_return 0;
    const auto now = clock_.now();
    std::erase_if(held_until_, [now](const auto& entry) { return entry.second <= now; });
    // In-flight and held deliveries are still pending (and due) in the store: ask for enough
    // rows that skipping them leaves every free slot fillable.
    const std::size_t limit = options_.concurrency + held_until_.size();
    auto fetch = [&store = db_.webhooks(), now, limit] { return store.due(now, limit); };
    const auto ended_before_read = attempts_ended_;
    ++reads_outstanding_;
    auto due = co_await offload(pool_, std::move(fetch));
    auto ended_during_read = [&](std::int64_t delivery_id) {
        auto it = ended_during_reads_.find(delivery_id);
        return it != ended_during_reads_.end() && it->second > ended_before_read;
    };
    struct ReadDone {
        Dispatcher& self;
        ~ReadDone() {
            if (--self.reads_outstanding_ == 0) self.ended_during_reads_.clear();
        }
    } read_done{*this};
    if (!due) {
        log::error("webhooks: reading due deliveries failed", {{"error", due.error().message()}});
        co_return 0;
    }
    std::size_t launched = 0;
    for (auto& delivery : *due) {
        // Re-checked per row: another pass may have started attempts while we were reading.
        if (stopping_ || in_flight_.size() >= options_.concurrency) break;
        if (in_flight_.contains(delivery.delivery_id)) continue;
        if (held_until_.contains(delivery.delivery_id)) continue;
        if (ended_during_read(delivery.delivery_id)) continue;  // stale: looked at next pass
        launch(std::move(delivery), group);
        ++launched;
    }
    co_return launched;
}

void Dispatcher::launch(WebhookDelivery delivery, std::shared_ptr<WaitGroup> group) {
    auto signal = std::make_shared<asio::cancellation_signal>();
    const auto id = delivery.delivery_id;
    in_flight_.emplace(id, signal);
    if (group) ++group->pending;
    auto task = attempt(std::move(delivery));
    auto done = [this, id, group](std::exception_ptr error) {
        if (error) {
            reportSpawnFailure("webhook-attempt", error);
            hold(id);  // not again at once: whatever threw may throw again
        }
        finished(id);
        if (group) group->done();
    };
    asio::co_spawn(strand_, std::move(task),
                   asio::bind_cancellation_slot(signal->slot(),
                                                asio::bind_executor(strand_, std::move(done))));
}

void Dispatcher::finished(std::int64_t delivery_id) {
    auto it = in_flight_.find(delivery_id);
    if (it != in_flight_.end()) {
        // The signal's slot still holds this completion's cancellation handler: free it only
        // after the completion has returned.
        auto signal = std::move(it->second);
        in_flight_.erase(it);
        asio::post(strand_, [signal = std::move(signal)] {});
    }
    ++attempts_ended_;
    if (reads_outstanding_ > 0) ended_during_reads_[delivery_id] = attempts_ended_;
    woken_ = true;  // the next delivery of this call, or a free slot
    wake_.cancel();
    if (in_flight_.empty()) drained_.cancel();
}

void Dispatcher::hold(std::int64_t delivery_id) {
    held_until_[delivery_id] = clock_.now() + toMicros(options_.poll_interval);
}

Task<void> Dispatcher::refreshQueueDepth() {
    auto count = [&store = db_.webhooks()] { return store.pendingCount(); };
    auto pending = co_await offload(pool_, std::move(count));
    if (!pending) {
        log::warn("webhooks: counting pending deliveries failed",
                  {{"error", pending.error().message()}});
        co_return;
    }
    queue_depth_.store(*pending);
    depth_gauge_.set(static_cast<double>(*pending));
}

Task<std::chrono::milliseconds> Dispatcher::timeUntilNextDue() {
    const auto poll = options_.poll_interval;
    auto fetch = [&store = db_.webhooks()] { return store.nextDue(); };
    auto next = co_await offload(pool_, std::move(fetch));
    if (!next || !*next) co_return poll;
    const auto until = **next - clock_.now();
    // Due already, yet not started: it waits behind an attempt in flight (whose end wakes us)
    // or was held after a store error (the poll interval).
    if (until <= 0) co_return poll;
    co_return std::min(poll, std::chrono::milliseconds((until + 999) / 1'000));
}

Task<void> Dispatcher::attempt(WebhookDelivery delivery) {
    const int number = delivery.attempts + 1;
    const auto id = delivery.delivery_id;
    try {
        std::string payload;
        if (delivery.payload) {
            payload = std::move(*delivery.payload);
        } else {
            // First attempt: build the body once and keep it, so every retry (even after a
            // restart) sends the same bytes under the same event.
            auto load = [&calls = db_.calls(), event_id = delivery.event_id] {
                return calls.eventWithCall(event_id);
            };
            auto found = co_await offload(pool_, std::move(load));
            if (!found) {
                auto fields = logFields(delivery, number);
                fields["error"] = found.error().message();
                log::error("webhooks: reading the event failed", fields);
                hold(id);
                co_return;
            }
            if (!*found) {
                WebhookAttempt gone;
                gone.delivery_id = id;
                gone.attempt = number;
                gone.at = clock_.now();
                gone.error = "event or call no longer stored";
                auto save = [&store = db_.webhooks(), gone] {
                    return store.recordAttempt(gone, DeliveryState::kDead);
                };
                auto saved = co_await offload(pool_, std::move(save));
                dead_.inc();
                auto fields = logFields(delivery, number);
                fields["error"] = *gone.error;
                log::error("webhooks: delivery dead", fields);
                if (!saved) hold(id);
                co_return;
            }
            payload = boost::json::serialize(api::eventMessage((*found)->call, (*found)->event));
            auto keep = [&store = db_.webhooks(), id, payload] {
                return store.setPayload(id, payload);
            };
            auto kept = co_await offload(pool_, std::move(keep));
            if (!kept) {
                auto fields = logFields(delivery, number);
                fields["error"] = kept.error().message();
                log::error("webhooks: saving the payload failed", fields);
                hold(id);
                co_return;
            }
            if (!*kept) co_return;  // purged meanwhile
        }

        const auto at = clock_.now();
        WebhookRequest request;
        request.url = delivery.url;
        request.body = std::move(payload);
        request.event_id = delivery.event_id;
        request.attempt = number;
        if (!options_.secret.empty()) {
            request.signature =
                signatureHeader(options_.secret, at / kMicrosPerSecond, request.body);
        }
        auto result = co_await sender_.send(std::move(request));
        duration_.observe(result.duration);

        WebhookAttempt record;
        record.delivery_id = id;
        record.attempt = number;
        record.at = at;
        record.status_code = result.status_code;
        if (!result.error.empty()) record.error = result.error;
        record.duration_ms = result.duration.count();
        auto state = DeliveryState::kDelivered;
        if (!result.delivered()) {
            auto delay = result.permanent ? std::nullopt : options_.retry.delayAfter(number);
            if (delay) {
                state = DeliveryState::kPending;
                record.next_retry_at = clock_.now() + toMicros(*delay);
            } else {
                state = DeliveryState::kDead;
            }
        }
        auto save = [&store = db_.webhooks(), record, state] {
            return store.recordAttempt(record, state);
        };
        auto saved = co_await offload(pool_, std::move(save));

        auto fields = logFields(delivery, number);
        if (result.status_code) fields["status"] = *result.status_code;
        if (!result.error.empty()) fields["error"] = result.error;
        fields["duration_ms"] = record.duration_ms;
        switch (state) {
            case DeliveryState::kDelivered:
                delivered_.inc();
                log::debug("webhooks: delivered", fields);
                break;
            case DeliveryState::kPending:
                retried_.inc();
                fields["next_retry_in_ms"] = (*record.next_retry_at - clock_.now()) / 1'000;
                log::warn("webhooks: attempt failed, will retry", fields);
                break;
            case DeliveryState::kDead:
                dead_.inc();
                log::error("webhooks: delivery dead", fields);
                break;
        }
        if (!saved) {
            auto store_fields = logFields(delivery, number);
            store_fields["error"] = saved.error().message();
            log::error("webhooks: recording the attempt failed (it will be repeated)",
                       store_fields);
            hold(id);
        }
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::operation_aborted) throw;
        // Cancelled by stop(): nothing recorded, so the attempt is made again after a restart.
        log::info("webhooks: attempt cancelled at shutdown", logFields(delivery, number));
    }
}

}  // namespace ccapi::webhooks
