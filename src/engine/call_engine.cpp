#include "engine/call_engine.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <limits>
#include <optional>

#include "core/logging.hpp"

namespace ccapi::engine {

namespace {

using storage::Call;
using storage::CallStatus;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

void replaceAll(std::string& s, std::string_view from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
}

// Frees what a live call's record holds but the engine never reads or writes: request_hash (64
// hex digits in a 121-byte block) only serves the store's idempotency check at creation, and
// the group commit does not write it. 128 bytes of each call in flight (benchmark B4).
void releaseUnused(Call& call) { std::string().swap(call.request_hash); }

// When the sweep acts on a live call: a pending call never sent runs out of queue wait; a call
// sent to the PBX (dialing, ringing, or pending with its originate out) of its timeout plus
// grace. Nothing for other states.
// Accepted, not yet sent to the PBX: what runs out for it is MAX_QUEUE_WAIT, not a timeout.
bool waitingInQueue(const CallState& state) {
    return state.call.status == CallStatus::kPending && !state.facts.originate_sent;
}

std::optional<UnixMicros> sweepDeadline(const CallState& state, const EngineOptions& options) {
    const auto& call = state.call;
    if (waitingInQueue(state)) {
        return call.created_at + std::chrono::microseconds(options.max_queue_wait).count();
    }
    if (call.status == CallStatus::kDialing || call.status == CallStatus::kRinging ||
        call.status == CallStatus::kPending) {
        const auto limit = std::chrono::milliseconds(call.timeout_ms) + options.stale_grace;
        return call.dialed_at.value_or(call.created_at) +
               std::chrono::duration_cast<std::chrono::microseconds>(limit).count();
    }
    return std::nullopt;
}

}  // namespace

std::string fillEndpoint(const std::string& endpoint_template, const Call& call) {
    std::string out = endpoint_template;
    replaceAll(out, "{number}", call.phone_number);
    replaceAll(out, "{context}", call.context);
    replaceAll(out, "{extension}", call.extension);
    return out;
}

struct CallEngine::Metrics {
    explicit Metrics(metrics::Registry& r)
        : originated(
              r.counter("calls_originated_total", "Originate requests by outcome", {"status"})),
          origination_latency(r.histogram("call_origination_latency_seconds",
                                          "Time from sending an originate to the PBX's answer")),
          duration(r.histogram("call_duration_seconds", "Answered calls: answer to hang-up", {},
                               {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600})),
          transitions(r.counter("call_state_transitions_total", "Call status transitions",
                                {"from_state", "to_state", "result"})),
          events(r.counter("ari_events_received_total", "ARI events received", {"event_type"})),
          commit_batches(r.counter("call_commit_batches_total", "Group-commit transactions")),
          commit_rows(r.counter("call_commit_updates_total", "Call updates group-committed")),
          commit_failures(r.counter("call_commit_failures_total",
                                    "Group commits that failed and were retried")) {}
    metrics::CounterFamily& originated;
    metrics::HistogramFamily& origination_latency;
    metrics::HistogramFamily& duration;
    metrics::CounterFamily& transitions;
    metrics::CounterFamily& events;
    metrics::CounterFamily& commit_batches;
    metrics::CounterFamily& commit_rows;
    metrics::CounterFamily& commit_failures;

    // Series are stable for the registry's life, so the hot path (every ARI event, every
    // transition) looks each one up once instead of building label vectors under a lock. The
    // caches are the engine's: touched only on its executor, like every other member.
    metrics::Counter& eventsOf(const std::string& type) {
        auto it = events_by_type.find(type);
        if (it == events_by_type.end()) {
            it = events_by_type.emplace(type, &events.labels({type})).first;
        }
        return *it->second;
    }
    metrics::Counter& applied(CallStatus from, CallStatus to) {
        auto& slot = applied_by_pair[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
        if (slot == nullptr) {
            slot = &transitions.labels({std::string(storage::toString(from)),
                                        std::string(storage::toString(to)), "applied"});
        }
        return *slot;
    }
    metrics::Counter& rejected(CallStatus from) {
        auto& slot = rejected_by_status[static_cast<std::size_t>(from)];
        if (slot == nullptr) {
            slot =
                &transitions.labels({std::string(storage::toString(from)), "invalid", "rejected"});
        }
        return *slot;
    }

    static constexpr std::size_t kStatuses = static_cast<std::size_t>(CallStatus::kCanceled) + 1;
    std::unordered_map<std::string, metrics::Counter*> events_by_type;
    std::array<std::array<metrics::Counter*, kStatuses>, kStatuses> applied_by_pair{};
    std::array<metrics::Counter*, kStatuses> rejected_by_status{};
};

CallEngine::CallEngine(asio::any_io_executor executor, EngineOptions options, ari::AriClient& ari,
                       storage::CallStore& store, BlockingPool& blocking, const Clock& clock,
                       metrics::Registry& registry)
    : executor_(executor),
      options_(std::move(options)),
      ari_(ari),
      store_(store),
      blocking_(blocking),
      clock_(clock),
      metrics_(std::make_unique<Metrics>(registry)),
      dispatch_signal_(executor),
      flush_signal_(executor) {
    tokens_ = std::max(1.0, options_.max_calls_per_second);
    refilled_ = SteadyClock::now();
}

CallEngine::~CallEngine() = default;

Task<Result<void>> CallEngine::start() {
    auto load = [this] { return store_.nonTerminal(); };
    auto recovered = co_await offload(blocking_, std::move(load));
    if (!recovered) co_return recovered.error();
    for (auto& call : *recovered) {
        CallState state;
        state.facts.originate_sent = call.status != CallStatus::kPending;
        // A recovered answered call was continued into the IVR before the restart.
        state.facts.continued = call.status == CallStatus::kAnswered;
        if (state.facts.originate_sent) ++in_flight_;
        if (call.status == CallStatus::kPending) queue_.push_back(call.call_id);
        state.call = std::move(call);
        releaseUnused(state.call);
        noteSweepDeadline(state);
        live_.insert(std::move(state));
    }
    if (!recovered->empty()) {
        log::info("calls recovered from the store",
                  {{"live", live_.size()}, {"queued", queue_.size()}});
    }
    publishCounts();
    spawn(executor_, flushLoop(), "engine-flush");
    spawn(executor_, dispatchLoop(), "engine-dispatch");
    spawn(executor_, sweepLoop(), "engine-sweep");
    spawn(executor_, retentionLoop(), "engine-retention");
    ari_.start(*this);
    co_return Result<void>{};
}

Task<void> CallEngine::stop() {
    auto work = stopHere();
    co_await asio::co_spawn(executor_, std::move(work), asio::use_awaitable);
}

Task<void> CallEngine::stopHere() {
    stopping_ = true;
    ari_.stop();
    // Commit whatever is waiting, then let the loops end.
    if (!batch_.empty()) {
        auto last = filling_batch_;
        flush_signal_.cancel();
        co_await waitCommitted(last);
    }
    dispatch_signal_.cancel();
}

// ---- API entry points ----

Task<SubmitResult> CallEngine::submit(Call call) {
    auto work = submitHere(std::move(call));
    co_return co_await asio::co_spawn(executor_, std::move(work), asio::use_awaitable);
}

Task<HangupResult> CallEngine::hangup(std::string call_id) {
    auto work = hangupHere(std::move(call_id));
    co_return co_await asio::co_spawn(executor_, std::move(work), asio::use_awaitable);
}

Task<SubmitResult> CallEngine::submitHere(Call call) {
    std::string id = call.call_id;
    CallState state;
    state.call = std::move(call);
    releaseUnused(state.call);
    noteSweepDeadline(state);
    live_.insert(std::move(state));
    SubmitResult result;
    if (queue_.empty() && connected_ && ari_.breakerState() == ari::BreakerState::kOpen) {
        // SPEC §2: an open breaker is a 503 now, not a call that waits.
        apply(id, PbxUnreachable{"PBX unavailable: circuit breaker open"});
        metrics_->originated.labels({"breaker_open"}).inc();
        auto batch = filling_batch_;
        co_await waitCommitted(batch);
        result.outcome = SubmitResult::Outcome::kUnavailable;
        result.retry_after_s = 5;
        result.call = snapshot(id);
        co_return result;
    }
    if (!queue_.empty() || !canSendNow()) {
        queue_.push_back(id);
        publishCounts();
        wakeDispatcher();
        result.outcome = SubmitResult::Outcome::kQueued;
        result.call = snapshot(id);
        co_return result;
    }
    result.outcome = co_await send(id);
    if (result.outcome == SubmitResult::Outcome::kRefused ||
        result.outcome == SubmitResult::Outcome::kUnavailable) {
        // The response says "stored as failed": wait until that is true.
        auto batch = filling_batch_;
        co_await waitCommitted(batch);
        result.retry_after_s = 5;
    }
    result.call = snapshot(id);
    co_return result;
}

Task<HangupResult> CallEngine::hangupHere(std::string call_id) {
    HangupResult result;
    if (auto it = ended_.find(call_id); it != ended_.end()) {
        result.outcome = HangupResult::Outcome::kAlreadyEnded;
        result.call = it->second.state.call;
        co_return result;
    }
    if (!live_.contains(call_id)) co_return result;
    apply(call_id, HangupRequested{});
    result.outcome = HangupResult::Outcome::kAccepted;
    result.call = snapshot(call_id);
    co_return result;
}

// ---- sending ----

bool CallEngine::canSendNow() {
    if (!connected_ || stopping_) return false;
    if (ari_.breakerState() == ari::BreakerState::kOpen) return false;
    if (options_.max_concurrent_calls > 0 &&
        in_flight_ >= static_cast<std::size_t>(options_.max_concurrent_calls)) {
        return false;
    }
    if (options_.max_calls_per_second > 0) {
        auto now = SteadyClock::now();
        std::chrono::duration<double> elapsed = now - refilled_;
        refilled_ = now;
        tokens_ = std::min(std::max(1.0, options_.max_calls_per_second),
                           tokens_ + elapsed.count() * options_.max_calls_per_second);
        if (tokens_ < 1.0) return false;
    }
    return true;
}

Task<SubmitResult::Outcome> CallEngine::send(std::string call_id) {
    auto* live = live_.find(call_id);
    if (live == nullptr || live->call.status != CallStatus::kPending) {
        co_return SubmitResult::Outcome::kAccepted;
    }
    if (options_.max_calls_per_second > 0) tokens_ -= 1.0;
    ++in_flight_;
    apply(call_id, OriginateSent{});
    const auto& call = live_.at(call_id).call;
    ari::OriginateRequest request;
    request.endpoint = fillEndpoint(options_.endpoint_template, call);
    request.channel_id = call.call_id;
    request.caller_id = call.caller_id;
    request.timeout_s = (call.timeout_ms + 999) / 1000;
    request.variables = call.variables;
    bool recovered = call.attempt_number > 1 || call.version > 1;
    auto started = SteadyClock::now();
    auto outcome = co_await ari_.originate(std::move(request));
    metrics_->origination_latency.labels({}).observe(SteadyClock::now() - started);

    using Kind = ari::RestOutcome::Kind;
    switch (outcome.kind) {
        case Kind::kOk:
            metrics_->originated.labels({"accepted"}).inc();
            apply(call_id, OriginateAccepted{});
            co_return SubmitResult::Outcome::kAccepted;
        case Kind::kRefused:
            if (outcome.status == 409 && recovered) {
                // Our channel id exists already: the originate before a restart got through.
                metrics_->originated.labels({"accepted"}).inc();
                apply(call_id, OriginateAccepted{});
                co_return SubmitResult::Outcome::kAccepted;
            }
            metrics_->originated.labels({"refused"}).inc();
            apply(call_id, OriginateRefused{outcome.status, outcome.message});
            co_return SubmitResult::Outcome::kRefused;
        case Kind::kUnreachable:
            metrics_->originated.labels({"unreachable"}).inc();
            apply(call_id, PbxUnreachable{"PBX unreachable"});
            co_return SubmitResult::Outcome::kUnavailable;
        case Kind::kBreakerOpen:
            metrics_->originated.labels({"breaker_open"}).inc();
            apply(call_id, PbxUnreachable{"PBX unavailable: circuit breaker open"});
            co_return SubmitResult::Outcome::kUnavailable;
    }
    co_return SubmitResult::Outcome::kUnavailable;
}

Task<void> CallEngine::sendQueued(std::string call_id) { co_await send(std::move(call_id)); }

void CallEngine::wakeDispatcher() { dispatch_signal_.cancel(); }

Task<void> CallEngine::dispatchLoop() {
    while (!stopping_) {
        // Until a channel list has been read, a queued call may be one recovered at start-up
        // whose originate went out just before a crash: sending it again would be refused
        // (its channel id exists) and fail a live call.
        while (!queue_.empty() && channels_listed_ && canSendNow()) {
            std::string id = std::move(queue_.front());
            queue_.pop_front();
            auto* live = live_.find(id);
            if (live == nullptr || live->call.status != CallStatus::kPending) continue;
            // send() takes its slot and token before its first suspension, so the loop sees it.
            spawn(executor_, sendQueued(id), "engine-send");
        }
        publishCounts();
        // Sleep until woken (a call queued or ended, the socket back) or a token is due.
        auto wait = std::chrono::milliseconds(1000);
        if (!queue_.empty() && options_.max_calls_per_second > 0) {
            wait = std::chrono::milliseconds(
                static_cast<int>(std::ceil(1000.0 / options_.max_calls_per_second)));
        }
        dispatch_signal_.expires_after(wait);
        co_await dispatch_signal_.async_wait(kTuple);
    }
}

// ---- events ----

void CallEngine::onConnected() {
    connected_ = true;
    log::info("ARI event socket connected; reconciling");
    spawn(executor_, reconcile(), "engine-reconcile");
}

void CallEngine::onDisconnected(const std::string& why) {
    connected_ = false;
    log::warn("ARI event socket lost; new calls wait as pending", {{"reason", why}});
}

void CallEngine::onEvent(const ari::ChannelEvent& event) {
    metrics_->eventsOf(event.type).inc();
    if (event.call_id.empty()) return;
    if (live_.contains(event.call_id) || ended_.count(event.call_id)) {
        apply(event.call_id, AriEvent{event});
    }
}

Task<void> CallEngine::reconcile() {
    reconcile_pending_ = false;
    // The channel list speaks only for calls whose originate was answered before it was asked
    // for (or never sent). A call sent while GET /channels is in flight (the dispatcher resumes
    // as soon as the socket is back, and new calls keep coming) may be missing from the list
    // without having ended; its own originate answer and events settle it.
    std::vector<std::pair<std::string, bool>> listed;  // call id, originate sent before asking
    listed.reserve(live_.size());
    for (const auto& state : live_) {
        const bool awaiting_answer =
            state.facts.originate_sent && state.call.status == CallStatus::kPending;
        if (!awaiting_answer) listed.emplace_back(state.call.call_id, state.facts.originate_sent);
    }
    auto channels = co_await ari_.channels();
    if (!channels) {
        reconcile_pending_ = true;  // the sweeper tries again
        log::warn("reconciliation postponed: GET /channels failed");
        co_return;
    }
    std::unordered_map<std::string, std::string> states;
    for (const auto& c : *channels) states[c.id] = c.state;
    std::size_t resumed = 0, ended = 0;
    for (const auto& [id, sent_before] : listed) {
        auto* live = live_.find(id);
        if (live == nullptr) continue;
        if (!sent_before && live->facts.originate_sent) continue;  // sent while we asked
        auto channel = states.find(id);
        bool exists = channel != states.end();
        if (!live->facts.originate_sent) {
            if (!exists) continue;  // never sent: it goes out from the queue
            // Sent before a crash that lost the record of it: it is live.
            live->facts.originate_sent = true;
            ++in_flight_;
        }
        apply(id, Reconciled{exists, exists ? channel->second : std::string()});
        ++(exists ? resumed : ended);
    }
    channels_listed_ = true;
    log::info("reconciled",
              {{"channels", channels->size()}, {"resumed", resumed}, {"ended", ended}});
    wakeDispatcher();
}

// ---- the state machine ----

void CallEngine::apply(const std::string& call_id, const Input& input) {
    CallState* state = nullptr;
    bool was_ended = false;
    if (auto* live = live_.find(call_id)) {
        state = live;
    } else if (auto e = ended_.find(call_id); e != ended_.end()) {
        state = &e->second.state;
        was_ended = true;
    } else {
        return;
    }
    auto now = clock_.now();
    const auto before_status = state->call.status;
    const auto before_version = state->call.version;
    auto decision = step(*state, input, now);
    for (const auto& r : decision.rejected) {
        log::warn("transition rejected", {{"call_id", call_id}, {"why", r}});
    }
    for (const auto& t : decision.transitions) metrics_->applied(t.from, t.to).inc();
    if (!decision.rejected.empty()) {
        metrics_->rejected(before_status).inc(decision.rejected.size());
    }
    *state = std::move(decision.next);
    if (!was_ended) noteSweepDeadline(*state);
    if (decision.record_changed || !decision.transitions.empty()) {
        enqueue(*state, decision.transitions, before_version + 1, now);
    }
    for (auto& command : decision.commands) {
        spawn(executor_, runCommand(call_id, std::move(command)), "engine-command");
    }

    if (!was_ended && storage::isTerminal(state->call.status)) {
        if (state->facts.originate_sent && in_flight_ > 0) --in_flight_;
        if (state->call.duration) {
            metrics_->duration.labels({}).observe(static_cast<double>(*state->call.duration));
        }
        const auto ended_at = SteadyClock::now();
        ended_[call_id] = Ended{live_.extract(call_id), ended_at};
        ended_order_.emplace_back(ended_at, call_id);
        if (auto q = std::find(queue_.begin(), queue_.end(), call_id); q != queue_.end()) {
            queue_.erase(q);
        }
        publishCounts();
        wakeDispatcher();
    }
}

Task<void> CallEngine::runCommand(std::string call_id, Command command) {
    if (auto* cont = std::get_if<ContinueCommand>(&command)) {
        auto outcome = co_await ari_.continueInDialplan(call_id, cont->context, cont->extension,
                                                        cont->priority);
        if (!outcome.ok()) {
            log::warn(
                "continue failed",
                {{"call_id", call_id}, {"status", outcome.status}, {"error", outcome.message}});
        }
    } else if (auto* h = std::get_if<HangupCommand>(&command)) {
        auto outcome = co_await ari_.hangup(call_id, h->reason);
        if (!outcome.ok() && outcome.status != 404) {
            log::warn(
                "hang-up failed",
                {{"call_id", call_id}, {"status", outcome.status}, {"error", outcome.message}});
        }
    }
}

// ---- group commit ----

void CallEngine::enqueue(const CallState& state, const std::vector<Transition>& transitions,
                         std::int64_t first_seq, UnixMicros now) {
    const auto& call = state.call;
    auto [slot, inserted] = batch_index_.try_emplace(call.call_id, batch_.size());
    if (inserted) batch_.push_back(storage::CallUpdate{call, {}});
    auto& update = batch_[slot->second];
    update.call = call;
    auto seq = first_seq;
    for (const auto& t : transitions) {
        storage::CallEvent e;
        e.call_id = call.call_id;
        e.seq = seq++;
        e.status = t.to;
        e.previous_status = t.from;
        e.at = now;
        e.source = t.source;
        e.detail = t.detail;
        // The webhook deliveries commit with their event (SPEC §6: every transition reaches
        // the outbox), so a crash cannot leave an event without its deliveries.
        for (auto& url : storage::webhookTargets(call, t.to, options_.webhook_url)) {
            update.outbox.push_back(storage::OutboxEntry{update.events.size(), std::move(url)});
        }
        update.events.push_back(std::move(e));
    }
    if (flush_idle_ || batch_.size() >= options_.max_batch) flush_signal_.cancel();
}

Task<void> CallEngine::waitCommitted(std::uint64_t batch) {
    while (committed_batch_ < batch) {
        asio::steady_timer waiter(executor_, SteadyClock::time_point::max());
        commit_waiters_.push_back(&waiter);
        co_await waiter.async_wait(kTuple);
        std::erase(commit_waiters_, &waiter);
        if (stopping_ && batch_.empty() && committed_batch_ + 1 >= batch) co_return;
    }
}

Task<void> CallEngine::flushLoop() {
    for (;;) {
        if (batch_.empty()) {
            if (stopping_) co_return;
            flush_idle_ = true;
            flush_signal_.expires_at(SteadyClock::time_point::max());
            co_await flush_signal_.async_wait(kTuple);
            continue;
        }
        flush_idle_ = false;
        if (batch_.size() < options_.max_batch && !stopping_) {
            // Let more transitions join this transaction, up to the commit window.
            flush_signal_.expires_after(options_.commit_window);
            co_await flush_signal_.async_wait(kTuple);
        }
        std::vector<storage::CallUpdate> batch = std::move(batch_);
        batch_.clear();
        batch_index_.clear();
        std::uint64_t number = filling_batch_++;
        auto backoff = std::chrono::milliseconds(50);
        for (;;) {
            auto write = [this, &batch] { return store_.apply(batch); };
            auto ids = co_await offload(blocking_, std::move(write));
            if (ids) {
                metrics_->commit_batches.labels({}).inc();
                metrics_->commit_rows.labels({}).inc(batch.size());
                committed_batch_ = number;
                if (observer_) {
                    std::size_t k = 0;
                    for (auto& update : batch) {
                        for (auto& event : update.events) {
                            if (k < ids->size()) event.event_id = (*ids)[k++];
                            observer_->onCommitted(update.call, event);
                        }
                    }
                }
                break;
            }
            metrics_->commit_failures.labels({}).inc();
            log::error("group commit failed; retrying",
                       {{"updates", batch.size()}, {"error", ids.error().message()}});
            asio::steady_timer pause(executor_, backoff);
            co_await pause.async_wait(kTuple);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        }
        for (auto* waiter : commit_waiters_) waiter->cancel();
    }
}

// ---- sweeping ----

void CallEngine::noteSweepDeadline(const CallState& state) {
    if (auto deadline = sweepDeadline(state, options_)) {
        sweep_due_at_ = std::min(sweep_due_at_, *deadline);
    }
}

Task<void> CallEngine::sweepLoop() {
    asio::steady_timer timer(executor_);
    while (!stopping_) {
        timer.expires_after(options_.sweep_interval);
        co_await timer.async_wait(kTuple);
        if (stopping_) co_return;
        auto now = clock_.now();
        auto steady_now = SteadyClock::now();
        std::vector<std::pair<std::string, Input>> inputs;
        if (now >= sweep_due_at_) {
            // Set before the inputs are applied: apply() lowers it again for calls they change.
            sweep_due_at_ = std::numeric_limits<UnixMicros>::max();
            for (const auto& state : live_) {
                auto deadline = sweepDeadline(state, options_);
                if (!deadline) continue;
                if (now <= *deadline) {
                    sweep_due_at_ = std::min(sweep_due_at_, *deadline);
                    continue;
                }
                const auto& id = state.call.call_id;
                if (waitingInQueue(state)) {
                    inputs.emplace_back(id, NotSent{connected_ ? "not sent: queue wait exceeded"
                                                               : "not sent: PBX unavailable"});
                } else {
                    inputs.emplace_back(id, StaleTimeout{});
                }
            }
        }
        for (auto& [id, input] : inputs) apply(id, input);
        while (!ended_order_.empty() &&
               steady_now - ended_order_.front().first > options_.ended_memory) {
            const auto& [at, id] = ended_order_.front();
            if (auto it = ended_.find(id); it != ended_.end() && it->second.at == at) {
                ended_.erase(it);
            }
            ended_order_.pop_front();
        }
        if (reconcile_pending_ && connected_) spawn(executor_, reconcile(), "engine-reconcile");
        publishCounts();
    }
}

Task<void> CallEngine::retentionLoop() {
    if (options_.retention_days <= 0) co_return;
    asio::steady_timer timer(executor_);
    while (!stopping_) {
        timer.expires_after(options_.cleanup_interval);
        co_await timer.async_wait(kTuple);
        if (stopping_) co_return;
        auto cutoff = clock_.now() - std::int64_t{options_.retention_days} * 86'400'000'000LL;
        auto purge = [this, cutoff] { return store_.purgeEndedBefore(cutoff); };
        auto removed = co_await offload(blocking_, std::move(purge));
        if (removed && *removed > 0) {
            log::info("old calls removed",
                      {{"calls", *removed}, {"retention_days", options_.retention_days}});
        }
    }
}

void CallEngine::publishCounts() {
    active_count_.store(live_.size() - queue_.size(), std::memory_order_relaxed);
    queued_count_.store(queue_.size(), std::memory_order_relaxed);
}

Call CallEngine::snapshot(const std::string& call_id) const {
    if (const auto* live = live_.find(call_id)) return live->call;
    if (auto it = ended_.find(call_id); it != ended_.end()) return it->second.state.call;
    return {};
}

}  // namespace ccapi::engine
