// The shell around the pure state machine: owns every live call, paces and sends originates,
// feeds ARI events through step(), group-commits transitions, reconciles after every
// (re)connection, and sweeps queued, stale and old calls.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ari/client.hpp"
#include "core/async.hpp"
#include "engine/call_control.hpp"
#include "engine/call_state_machine.hpp"
#include "engine/call_table.hpp"
#include "metrics/registry.hpp"
#include "storage/stores.hpp"

namespace ccapi::engine {

struct EngineOptions {
    std::string endpoint_template = "Local/{number}@{context}";
    int max_concurrent_calls = 100;    // originated and not yet ended
    double max_calls_per_second = 10;  // originates per second (token bucket)
    std::chrono::seconds max_queue_wait{300};
    std::chrono::seconds stale_grace{60};
    std::chrono::milliseconds commit_window{5};  // group commit: at most this late
    std::size_t max_batch = 1000;
    int retention_days = 90;  // 0: keep forever
    std::chrono::minutes cleanup_interval{60};
    std::chrono::seconds ended_memory{30};  // ended calls still absorb late peer events
    std::chrono::milliseconds sweep_interval{1000};
    // WEBHOOK_URL: receives every event of every call, besides each call's status_callback.
    std::optional<std::string> webhook_url{};
};

// Lives on ONE executor (an I/O thread of its own choosing); every member is touched only there.
// submit() and hangup() may be called from any thread: they hop over with co_spawn.
class CallEngine final : public CallControl, public ari::EventListener {
public:
    CallEngine(asio::any_io_executor executor, EngineOptions options, ari::AriClient& ari,
               storage::CallStore& store, BlockingPool& blocking, const Clock& clock,
               metrics::Registry& registry);
    ~CallEngine() override;

    void setObserver(CallObserver* observer) { observer_ = observer; }

    // Loads every non-terminal call from the store, starts the ARI client and the loops.
    // Runs on the engine's executor.
    Task<Result<void>> start();
    // Stops taking events and commits what is still waiting.
    Task<void> stop();

    Task<SubmitResult> submit(storage::Call call) override;
    Task<HangupResult> hangup(std::string call_id) override;

    void onConnected() override;
    void onDisconnected(const std::string& why) override;
    void onEvent(const ari::ChannelEvent& event) override;

    asio::any_io_executor executor() const { return executor_; }
    std::size_t activeCalls() const { return active_count_.load(std::memory_order_relaxed); }
    std::size_t queuedCalls() const { return queued_count_.load(std::memory_order_relaxed); }

private:
    struct Metrics;

    Task<void> stopHere();
    Task<SubmitResult> submitHere(storage::Call call);
    Task<HangupResult> hangupHere(std::string call_id);
    // Sends one call's originate and applies the answer; returns how it went.
    Task<SubmitResult::Outcome> send(std::string call_id);
    Task<void> sendQueued(std::string call_id);
    Task<void> reconcile();
    Task<void> dispatchLoop();
    Task<void> sweepLoop();
    void noteSweepDeadline(const CallState& state);
    Task<void> flushLoop();
    Task<void> retentionLoop();
    Task<void> runCommand(std::string call_id, Command command);
    Task<void> waitCommitted(std::uint64_t batch);

    // Runs one input through the state machine and acts on the decision.
    void apply(const std::string& call_id, const Input& input);
    void enqueue(const CallState& state, const std::vector<Transition>& transitions,
                 std::int64_t first_seq, UnixMicros now);
    bool canSendNow();
    void wakeDispatcher();
    void publishCounts();
    storage::Call snapshot(const std::string& call_id) const;

    asio::any_io_executor executor_;
    EngineOptions options_;
    ari::AriClient& ari_;
    storage::CallStore& store_;
    BlockingPool& blocking_;
    const Clock& clock_;
    CallObserver* observer_ = nullptr;
    std::unique_ptr<Metrics> metrics_;

    CallTable live_;
    struct Ended {
        CallState state;
        std::chrono::steady_clock::time_point at;
    };
    std::unordered_map<std::string, Ended> ended_;
    // ended_'s keys in the order they ended, so forgetting them costs what expired, not a scan.
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> ended_order_;
    // No live call can run out of queue wait or originate time before this: the sweep scans the
    // live calls only once it has passed (a scan of 100,000 ringing calls held an I/O thread for
    // tens of milliseconds every second). Lowered whenever a call enters or changes state,
    // recomputed exactly by each scan.
    UnixMicros sweep_due_at_ = 0;
    std::deque<std::string> queue_;
    std::size_t in_flight_ = 0;  // originate sent, not yet ended
    double tokens_ = 1;
    std::chrono::steady_clock::time_point refilled_{};
    bool connected_ = false;
    bool reconcile_pending_ = false;
    // A reconciliation has read GET /channels since start(): the dispatcher's queue may go out.
    bool channels_listed_ = false;
    bool stopping_ = false;

    asio::steady_timer dispatch_signal_;
    asio::steady_timer flush_signal_;
    std::vector<storage::CallUpdate> batch_;
    std::unordered_map<std::string, std::size_t> batch_index_;
    std::uint64_t filling_batch_ = 1;  // the number the batch being filled will commit as
    std::uint64_t committed_batch_ = 0;
    std::vector<asio::steady_timer*> commit_waiters_;
    bool flush_idle_ = true;

    std::atomic<std::size_t> active_count_{0};
    std::atomic<std::size_t> queued_count_{0};
};

// "Local/{number}@{context}" with {number}, {context}, {extension} filled in.
std::string fillEndpoint(const std::string& endpoint_template, const storage::Call& call);

}  // namespace ccapi::engine
