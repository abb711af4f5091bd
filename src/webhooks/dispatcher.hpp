// The webhook dispatcher: drives the durable outbox (storage::WebhookStore) — sends each due
// delivery, records every attempt, schedules retries and marks deliveries delivered or dead.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/async.hpp"
#include "core/time.hpp"
#include "metrics/registry.hpp"
#include "storage/stores.hpp"
#include "webhooks/retry_policy.hpp"
#include "webhooks/sender.hpp"

namespace ccapi::webhooks {

struct DispatcherOptions {
    // WEBHOOK_SECRET; empty: requests go out without X-Signature.
    std::string secret{};
    RetryPolicy retry{};
    // One attempt, end to end (WEBHOOK_TIMEOUT_SECONDS).
    std::chrono::milliseconds timeout{10'000};
    // Attempts in flight at once.
    std::size_t concurrency = 32;
    // run() looks at the store at least this often (deliveries enqueued by another process, or
    // a missed notify()).
    std::chrono::milliseconds poll_interval{1'000};
    // The service's own HTTP port: webhooks to this host on it are refused (dead). 0: no check.
    std::uint16_t self_port = 0;
    // A PEM CA file trusted besides the system store (tests, private CAs); empty: system only.
    std::string extra_ca_file{};
};

// One per database (deliveries are claimed by being in flight here, not in the store). Owned by
// the composition root; the database, pool, clock and registry must outlive it, and run() must
// have returned (and every runDue() finished) before it is destroyed. Its coroutines run on a
// strand of the executor it is given; run() and runDue() may be awaited from any executor,
// notify(), stop() and queueDepth() called from any thread. Throws std::runtime_error at
// construction when TLS cannot be set up.
class Dispatcher {
public:
    Dispatcher(asio::any_io_executor executor, storage::Database& db, BlockingPool& pool,
               const Clock& clock, metrics::Registry& registry, DispatcherOptions options);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // Sends deliveries as they fall due until stop(): at most `concurrency` in flight, waking up
    // when one is due (nextDue), on notify(), when an attempt ends, or every poll_interval. On
    // stop(), in-flight attempts are cancelled (not recorded: they are sent again after a
    // restart) and run() returns once none is left.
    Task<void> run();
    // One pass: the deliveries due at clock.now() (up to `concurrency`, none already in flight),
    // attempted concurrently; returns after all of them ended, with the number of attempts made
    // (refused-before-sending ones included). Refreshes queueDepth().
    Task<std::size_t> runDue();
    // Something was enqueued: run() looks at the store now. Thread-safe.
    void notify();
    // Thread-safe; idempotent.
    void stop();
    // Pending deliveries as of the last pass (also the webhook_queue_depth gauge).
    std::int64_t queueDepth() const { return queue_depth_.load(); }

private:
    struct WaitGroup;
    struct Attempt;

    Task<void> loop();
    Task<std::size_t> pass();
    // Starts attempts for due deliveries (up to the free slots), `group` counting them.
    Task<std::size_t> launchDue(std::shared_ptr<WaitGroup> group);
    void launch(storage::WebhookDelivery delivery, std::shared_ptr<WaitGroup> group);
    Task<void> attempt(storage::WebhookDelivery delivery);
    Task<void> refreshQueueDepth();
    Task<std::chrono::milliseconds> timeUntilNextDue();
    void finished(std::int64_t delivery_id);
    void hold(std::int64_t delivery_id);

    asio::strand<asio::any_io_executor> strand_;
    storage::Database& db_;
    BlockingPool& pool_;
    const Clock& clock_;
    DispatcherOptions options_;
    Sender sender_;

    // Strand-only state.
    asio::steady_timer wake_;
    asio::steady_timer drained_;
    bool woken_ = false;
    bool stopping_ = false;
    bool running_ = false;
    std::unordered_map<std::int64_t, std::shared_ptr<asio::cancellation_signal>> in_flight_;
    // Deliveries not to touch before a time (after a store error or an exception: no hot loop).
    std::unordered_map<std::int64_t, UnixMicros> held_until_;
    // A due() read may return a row as it was before an attempt that ended meanwhile recorded
    // its outcome. Attempts that end while reads are outstanding are remembered here, with the
    // count of attempts ended so far, so such a stale row is not sent again.
    std::size_t reads_outstanding_ = 0;
    std::uint64_t attempts_ended_ = 0;
    std::unordered_map<std::int64_t, std::uint64_t> ended_during_reads_;

    std::atomic<std::int64_t> queue_depth_{0};
    // Expires with the dispatcher: notify()/stop() work posted just before destruction sees it.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    metrics::Counter& delivered_;
    metrics::Counter& retried_;
    metrics::Counter& dead_;
    metrics::Gauge& depth_gauge_;
    metrics::Histogram& duration_;
};

}  // namespace ccapi::webhooks
