#include "arisim/pbx.hpp"

#include <cmath>

#include "arisim/errors.hpp"

namespace ccapi::arisim {
namespace {

constexpr std::size_t kMaxPublicUniqueId = 149;  // AST_MAX_PUBLIC_UNIQUEID
constexpr Millis kAnswerSettle{500};             // Answer() on a ringing channel waits 500 ms

// ARI DELETE of an unanswered ;1: the Dial event reports what the hangup cause means.
std::string_view dialStatusForCause(int cause) {
    if (cause == 17) return "BUSY";
    if (cause == 34 || cause == 42) return "CONGESTION";
    return "NOANSWER";
}

std::vector<std::string> splitArgs(std::string_view text) {
    std::vector<std::string> out;
    if (text.empty()) return out;
    std::size_t start = 0;
    while (true) {
        auto comma = text.find(',', start);
        out.emplace_back(
            text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

bool isFunction(std::string_view name) { return !name.empty() && name.back() == ')'; }

}  // namespace

Pbx::Pbx(PbxConfig config, Scheduler& scheduler, AppRegistry& apps, Publish publish)
    : time_scale_(config.time_scale),
      asterisk_id_(std::move(config.asterisk_id)),
      times_(config.times),
      dialplan_(config.times),
      scheduler_(scheduler),
      apps_(apps),
      publish_(std::move(publish)),
      startup_(scheduler.now()) {}

Pbx::~Pbx() {
    for (auto& [key, call] : calls_) cancelTimers(*call);
}

Millis Pbx::scaled(Millis duration) const {
    return Millis(static_cast<Millis::rep>(std::llround(duration.count() * time_scale_)));
}

void Pbx::setTimes(DialplanTimes times) {
    times_ = times;
    dialplan_ = Dialplan(times);
}

EventStamp Pbx::stamp() const { return {asteriskTimestamp(scheduler_.now()), asterisk_id_}; }

void Pbx::emit(Event event) { publish_(std::move(event)); }

void Pbx::emitSubscribeAll(Event event) {
    event.audience = Audience::kSubscribeAll;
    publish_(std::move(event));
}

Pbx::Call* Pbx::find(std::uint64_t key) {
    auto it = calls_.find(key);
    return it == calls_.end() ? nullptr : it->second.get();
}

std::pair<Pbx::Call*, Pbx::Half> Pbx::findChannel(std::string_view channel_id) {
    auto it = index_.find(std::string(channel_id));
    if (it == index_.end()) return {nullptr, Half::kOne};
    return {find(it->second.first), it->second.second};
}

const Channel* Pbx::findChannelConst(std::string_view channel_id) const {
    auto it = index_.find(std::string(channel_id));
    if (it == index_.end()) return nullptr;
    auto call = calls_.find(it->second.first);
    if (call == calls_.end()) return nullptr;
    return it->second.second == Half::kOne ? &call->second->one : &call->second->two;
}

Scheduler::TimerId Pbx::schedule(Call& call, Millis delay, std::function<void(Call&)> fn) {
    auto id = std::make_shared<Scheduler::TimerId>(0);
    std::uint64_t key = call.key;
    *id = scheduler_.after(delay, [this, key, id, fn = std::move(fn)] {
        Call* c = find(key);
        if (!c) return;
        c->timers.erase(*id);
        fn(*c);
    });
    call.timers.insert(*id);
    return *id;
}

void Pbx::cancelTimers(Call& call) {
    for (auto id : call.timers) scheduler_.cancel(id);
    call.timers.clear();
    call.timeout_timer = 0;
}

// ---------------------------------------------------------------------------------------------
// REST operations

Result<boost::json::object> Pbx::originate(const OriginateRequest& r) {
    if (r.channel_id.size() > kMaxPublicUniqueId ||
        r.other_channel_id.size() > kMaxPublicUniqueId) {
        return make_error_code(Errc::kUniqueIdTooLong);
    }
    if (r.endpoint.empty()) return make_error_code(Errc::kEndpointRequired);
    if (!r.originator.empty() && !r.formats.empty()) {
        return make_error_code(Errc::kOriginatorAndFormats);
    }
    auto slash = r.endpoint.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == r.endpoint.size()) {
        return make_error_code(Errc::kInvalidEndpoint);
    }
    if (r.app.empty() && r.extension.empty()) {
        return make_error_code(Errc::kAppOrExtensionRequired);
    }
    if (!accepting_) return make_error_code(Errc::kAllocationFailed);
    auto endpoint = parseEndpoint(r.endpoint);
    if (!endpoint) return endpoint.error();
    if (!r.originator.empty() && !findChannelConst(r.originator)) {
        return make_error_code(Errc::kInvalidEndpoint);
    }

    // The Local channel driver allocates its sequence number before the unique ids are
    // checked, so a 409 uses one up (errors.jsonl: 0x14, then 0x17 after two 409s).
    std::uint32_t sequence = local_sequence_++;
    UnixMillis now = scheduler_.now();
    auto unique = [&] {
        return std::to_string(startup_ / 1000) + "." + std::to_string(unique_sequence_++);
    };
    std::string id_one = r.channel_id.empty() ? unique() : r.channel_id;
    std::string id_two = !r.other_channel_id.empty() ? r.other_channel_id
                         : !r.channel_id.empty()     ? r.channel_id + ";2"
                                                     : unique();
    if (id_one == id_two || index_.count(id_one) || index_.count(id_two)) {
        return make_error_code(Errc::kChannelExists);
    }

    auto call = std::make_unique<Call>();
    Call& c = *call;
    c.key = next_key_++;
    c.dialstring = endpoint->exten + "@" + endpoint->context;
    c.device = "Local/" + c.dialstring;
    c.app = r.app;
    c.app_args = splitArgs(r.app_args);
    c.app_data = r.app_args.empty() ? r.app : r.app + "," + r.app_args;
    if (r.app.empty()) {
        c.dp_context = r.context.empty() ? "default" : r.context;
        c.dp_exten = r.extension;
        c.dp_priority = r.priority > 0 ? static_cast<int>(r.priority) : 1;
        if (!r.label.empty()) {
            auto numeric = parseLeadingInt(r.label);
            if (!numeric) return make_error_code(Errc::kLabelNotFound);
            c.dp_priority = *numeric;
        }
    }
    if (!r.caller_id.empty()) {
        c.cid = parseCallerId(r.caller_id);
        c.has_cid = !c.cid.name.empty() || !c.cid.number.empty();
    }
    if (r.timeout > 0) {
        c.timeout = Millis(static_cast<Millis::rep>(r.timeout) * 1000);
    } else if (r.timeout == -1) {
        c.timeout = Millis(0);
    } else {
        c.timeout = Millis(30000);
    }

    c.one.id = id_one;
    c.one.name = localChannelName(endpoint->exten, endpoint->context, sequence, 1);
    c.one.state = ChannelState::kDown;
    c.one.dialplan = {endpoint->context, endpoint->exten, 1, "AppDial2", "(Outgoing Line)"};
    c.one.creationtime = now;
    if (c.has_cid) {
        c.one.caller = c.cid;
        c.one.connected = c.cid;
    }
    for (const auto& [name, value] : r.variables) {
        if (name == "CALLERID(name)") {
            c.one.caller.name = value;
        } else if (name == "CALLERID(num)" || name == "CALLERID(number)") {
            c.one.caller.number = value;
        } else if (name == "CALLERID(all)") {
            c.one.caller = parseCallerId(value);
        } else if (!isFunction(name)) {
            c.one.setVariable(name, value);
            c.plain_variables.emplace_back(name, value);
        }
    }

    c.two.id = id_two;
    c.two.name = localChannelName(endpoint->exten, endpoint->context, sequence, 2);
    c.two.state = ChannelState::kRing;
    c.two.dialplan = {endpoint->context, endpoint->exten, 1, "", ""};
    c.two.creationtime = now;
    for (const auto& [name, value] : c.plain_variables) c.two.setVariable(name, value);

    if (!c.app.empty() && apps_.exists(c.app)) {
        apps_.subscribe(c.app, c.one.id);
        apps_.subscribe(c.app, c.two.id);
    }
    index_[c.one.id] = {c.key, Half::kOne};
    index_[c.two.id] = {c.key, Half::kTwo};
    auto body = c.one.toJson();
    std::uint64_t key = c.key;
    calls_.emplace(key, std::move(call));

    Call& stored = *find(key);
    schedule(stored, Millis(0), [this](Call& started) { startCall(started.key); });
    if (stored.timeout.count() > 0) {
        stored.timeout_timer = schedule(stored, scaled(stored.timeout), [this](Call& timed_out) {
            timed_out.timeout_timer = 0;
            if (!timed_out.answered) endFromOne(timed_out, 19, EndKind::kTimeout);
        });
    }
    return body;
}

ErrorCode Pbx::hangup(std::string_view channel_id, std::string_view reason,
                      std::string_view reason_code) {
    auto [call, half] = findChannel(channel_id);
    if (!call) return make_error_code(Errc::kChannelNotFound);
    if (!reason.empty() && !reason_code.empty()) return make_error_code(Errc::kReasonAndCode);
    int cause = 16;
    if (!reason_code.empty()) {
        auto code = parseLeadingInt(reason_code);
        if (!code) return make_error_code(Errc::kInvalidReasonCode);
        cause = *code;
    } else if (!reason.empty()) {
        auto mapped = hangupReasonCause(reason);
        if (!mapped) return make_error_code(Errc::kInvalidReason);
        cause = *mapped;
    }
    Half target = half;
    schedule(*call, Millis(0), [this, cause, target](Call& c) {
        if (target == Half::kOne) {
            endFromOne(c, cause, EndKind::kAriDelete);
        } else {
            endFromTwo(c, cause, EndKind::kAriDelete);
        }
    });
    return {};
}

ErrorCode Pbx::continueInDialplan(std::string_view channel_id, std::string_view context,
                                  std::string_view extension, int priority,
                                  std::string_view label) {
    auto [call, half] = findChannel(channel_id);
    if (!call) return make_error_code(Errc::kChannelNotFound);
    if (half != Half::kOne || !call->in_stasis) return make_error_code(Errc::kNotInStasis);
    const Channel& one = call->one;
    std::string target_context;
    std::string target_exten;
    if (context.empty()) {
        target_context = one.dialplan.context;
        target_exten = extension.empty() ? one.dialplan.exten : std::string(extension);
    } else {
        target_context = std::string(context);
        target_exten = extension.empty() ? std::string("s") : std::string(extension);
    }
    int target_priority = 1;
    if (!label.empty()) {
        auto numeric = parseLeadingInt(label);
        if (!numeric) return make_error_code(Errc::kLabelNotFound);
        target_priority = *numeric;
    } else if (priority > 0) {
        target_priority = priority;
    } else if (context.empty() && extension.empty()) {
        target_priority = one.dialplan.priority + 1;
    }
    schedule(*call, Millis(0), [this, target_context, target_exten, target_priority](Call& c) {
        if (!c.in_stasis) return;
        c.in_stasis = false;
        emit(events::stasisEnd(stamp(), c.one, c.app));
        c.runner_one = {true, target_context, target_exten, target_priority};
        runDialplan(c.key, Half::kOne);
    });
    return {};
}

boost::json::array Pbx::list() const {
    boost::json::array out;
    for (const auto& [key, call] : calls_) {
        out.emplace_back(call->two.toJson());
        out.emplace_back(call->one.toJson());
    }
    return out;
}

Result<boost::json::object> Pbx::get(std::string_view channel_id) const {
    const Channel* ch = findChannelConst(channel_id);
    if (!ch) return make_error_code(Errc::kChannelNotFound);
    return ch->toJson();
}

Result<std::string> Pbx::variable(std::string_view channel_id, std::string_view name) const {
    if (name.empty()) return make_error_code(Errc::kVariableRequired);
    const Channel* ch = findChannelConst(channel_id);
    if (!ch) return make_error_code(Errc::kVariableChannelNotFound);
    if (isFunction(name)) {
        if (name == "CALLERID(num)" || name == "CALLERID(number)") return ch->caller.number;
        if (name == "CALLERID(name)") return ch->caller.name;
        if (name == "CALLERID(all)") {
            return "\"" + ch->caller.name + "\" <" + ch->caller.number + ">";
        }
        if (name == "CONNECTEDLINE(num)" || name == "CONNECTEDLINE(number)") {
            return ch->connected.number;
        }
        if (name == "CONNECTEDLINE(name)") return ch->connected.name;
        return make_error_code(Errc::kFunctionFailed);
    }
    if (name == "CHANNEL") return ch->name;
    if (name == "UNIQUEID") return ch->id;
    if (name == "CONTEXT") return ch->dialplan.context;
    if (name == "EXTEN") return ch->dialplan.exten;
    if (name == "PRIORITY") return std::to_string(ch->dialplan.priority);
    if (name == "HANGUPCAUSE") return std::to_string(ch->hangup_cause);
    if (const std::string* value = ch->variable(name)) return *value;
    return make_error_code(Errc::kVariableNotFound);
}

ErrorCode Pbx::setVariable(std::string_view channel_id, std::string_view name,
                           std::string_view value) {
    if (name.empty()) return make_error_code(Errc::kVariableRequired);
    auto [call, half] = findChannel(channel_id);
    if (!call) return make_error_code(Errc::kChannelNotFound);
    if (half != Half::kOne || !call->in_stasis) return make_error_code(Errc::kNotInStasis);
    if (name == "CALLERID(name)") {
        call->one.caller.name = std::string(value);
    } else if (name == "CALLERID(num)" || name == "CALLERID(number)") {
        call->one.caller.number = std::string(value);
    } else if (!isFunction(name)) {
        call->one.setVariable(std::string(name), std::string(value));
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Call flow

void Pbx::startCall(std::uint64_t key) {
    Call* call = find(key);
    if (!call) return;
    Call& c = *call;
    auto s = stamp();

    // What only subscribeAll sockets see: the channels being created, and ;1's first dialplan
    // and caller id updates, which happen before the app is subscribed.
    Channel created_one = c.one;
    created_one.caller = {};
    created_one.connected = {};
    created_one.dialplan.app_name.clear();
    created_one.dialplan.app_data.clear();
    emitSubscribeAll(events::channelCreated(s, created_one));
    emitSubscribeAll(events::channelCreated(s, c.two));
    Channel dialing = c.one;  // the caller id is set after AppDial2 starts, in two steps
    dialing.caller = {};
    dialing.connected = {};
    emitSubscribeAll(events::dialplan(s, dialing));
    if (c.has_cid) {
        dialing.caller = c.one.caller;
        emitSubscribeAll(events::callerId(s, dialing));
        emitSubscribeAll(events::connectedLine(s, c.one));
    }

    for (const auto& [name, value] : c.plain_variables) emit(events::varset(s, c.two, name, value));
    if (c.has_cid) {
        c.two.caller = c.cid;
        c.two.connected = c.one.caller;
        emit(events::callerId(s, c.two));
        emit(events::connectedLine(s, c.two));
    }
    if (!dialplan_.exists(c.two.dialplan.context, c.two.dialplan.exten)) {
        // The Local channel cannot call a missing extension: no Dial event at all.
        destroyChannel(c, Half::kTwo, 0, true);
        destroyChannel(c, Half::kOne, 0, true);
        finishCall(key);
        return;
    }
    emit(events::dial(s, c.one, "", c.dialstring));
    c.runner_two = {true, c.two.dialplan.context, c.two.dialplan.exten, 1};
    runDialplan(key, Half::kTwo);
}

void Pbx::runDialplan(std::uint64_t key, Half half) {
    for (int guard = 0; guard < 256; ++guard) {
        Call* call = find(key);
        if (!call) return;
        Call& c = *call;
        Runner& r = runner(c, half);
        if (!r.active) return;
        Channel& ch = channel(c, half);
        auto step = dialplan_.step(r.context, r.exten, r.priority);
        if (!step) {
            // Fell off the end of the extension (or a continue to a missing one).
            if (half == Half::kTwo) {
                endFromTwo(c, 16, EndKind::kDialplanEnd);
            } else {
                endFromOne(c, 16, EndKind::kDialplanEnd);
            }
            return;
        }
        ch.dialplan = {r.context, r.exten, r.priority, step->app, step->data};
        auto s = stamp();
        emit(events::dialplan(s, ch));
        switch (step->kind) {
            case AppKind::kNoOp:
                ++r.priority;
                break;
            case AppKind::kSet:
                ch.setVariable(step->variable, step->value);
                emit(events::varset(s, ch, step->variable, step->value));
                ++r.priority;
                break;
            case AppKind::kGotoIf:
            case AppKind::kGoto:
                if (step->jump) {
                    r.context = step->target_context;
                    r.exten = step->target_exten;
                    r.priority = step->target_priority;
                } else {
                    ++r.priority;
                }
                break;
            case AppKind::kRinging:
                ++r.priority;
                if (half == Half::kTwo) calleeRinging(c);
                break;
            case AppKind::kWait:
                ++r.priority;
                schedule(c, scaled(step->wait),
                         [this, half](Call& w) { runDialplan(w.key, half); });
                return;
            case AppKind::kAnswer:
                ++r.priority;
                if (ch.state != ChannelState::kUp) {
                    ch.state = ChannelState::kUp;
                    emit(events::stateChange(s, ch));
                    if (half == Half::kTwo) calleeAnswered(c);
                    if (Call* again = find(key)) {
                        schedule(*again, scaled(kAnswerSettle),
                                 [this, half](Call& a) { runDialplan(a.key, half); });
                    }
                    return;
                }
                break;
            case AppKind::kBusy:
                calleeBusy(c, half, 17, "BUSY");
                return;
            case AppKind::kCongestion:
                calleeBusy(c, half, 34, "CONGESTION");
                return;
            case AppKind::kHangup:
                if (half == Half::kTwo) {
                    endFromTwo(c, step->cause ? step->cause : 16, EndKind::kDialplanEnd);
                } else {
                    endFromOne(c, step->cause ? step->cause : 16, EndKind::kDialplanEnd);
                }
                return;
        }
    }
}

void Pbx::calleeRinging(Call& c) {
    if (c.answered || c.one.state != ChannelState::kDown) return;
    auto s = stamp();
    c.one.state = ChannelState::kRinging;
    emit(events::stateChange(s, c.one));
    emitSubscribeAll(events::deviceStateChanged(s, c.device, "INUSE"));
    emit(events::dial(s, c.one, "RINGING", c.dialstring));
}

void Pbx::calleeAnswered(Call& c) {
    if (c.answered) return;
    c.answered = true;
    if (c.timeout_timer) {
        scheduler_.cancel(c.timeout_timer);
        c.timers.erase(c.timeout_timer);
        c.timeout_timer = 0;
    }
    auto s = stamp();
    c.one.state = ChannelState::kUp;
    emit(events::stateChange(s, c.one));
    emit(events::dial(s, c.one, "ANSWER", c.dialstring));
    emitSubscribeAll(events::deviceStateChanged(s, c.device, "INUSE"));
    if (c.app.empty()) {
        // Originated into the dialplan: ;1 runs context/extension/priority from the request.
        c.runner_one = {true, c.dp_context, c.dp_exten, c.dp_priority};
        runDialplan(c.key, Half::kOne);
        return;
    }
    c.one.dialplan.app_name = "Stasis";
    c.one.dialplan.app_data = c.app_data;
    c.one.setVariable("STASISSTATUS", "");
    emit(events::varset(s, c.one, "STASISSTATUS", ""));
    if (apps_.isActive(c.app)) {
        apps_.subscribe(c.app, c.one.id);
        apps_.subscribe(c.app, c.two.id);
        c.in_stasis = true;
        c.was_in_stasis = true;
        emit(events::stasisStart(s, c.one, c.app_args, c.app));
        return;
    }
    // No socket for the app: Stasis() fails and the answered call is dropped at once.
    c.one.setVariable("STASISSTATUS", "FAILED");
    emit(events::varset(s, c.one, "STASISSTATUS", "FAILED"));
    endFromOne(c, 0, EndKind::kStasisFailed);
}

void Pbx::calleeBusy(Call& c, Half half, int cause, std::string_view dialstatus) {
    if (half == Half::kOne || c.answered) {
        if (half == Half::kOne) {
            endFromOne(c, cause, EndKind::kDialplanEnd);
        } else {
            endFromTwo(c, cause, EndKind::kDialplanEnd);
        }
        return;
    }
    std::uint64_t key = c.key;
    cancelTimers(c);
    c.runner_one.active = c.runner_two.active = false;
    auto s = stamp();
    c.two.state = ChannelState::kBusy;
    emit(events::stateChange(s, c.two));
    emit(events::dial(s, c.one, dialstatus, c.dialstring));
    emit(events::hangupRequest(s, c.two, 0, false));
    destroyChannel(c, Half::kOne, 0);
    emit(events::hangupRequest(s, c.two, 16, true));
    destroyChannel(c, Half::kTwo, cause);
    finishCall(key);
}

void Pbx::leaveStasis(Call& c) {
    auto s = stamp();
    if (c.in_stasis) {
        c.in_stasis = false;
        emit(events::stasisEnd(s, c.one, c.app));
    }
    if (c.was_in_stasis) {
        c.was_in_stasis = false;
        c.one.setVariable("STASISSTATUS", "SUCCESS");
        emit(events::varset(s, c.one, "STASISSTATUS", "SUCCESS"));
    }
}

void Pbx::endFromOne(Call& c, int cause, EndKind kind) {
    std::uint64_t key = c.key;
    cancelTimers(c);
    c.runner_one.active = c.runner_two.active = false;
    auto s = stamp();
    if (kind == EndKind::kAriDelete) {
        emit(events::hangupRequest(s, c.one, 32, true));
    } else if (kind == EndKind::kDialplanEnd && c.app.empty()) {
        emit(events::hangupRequest(s, c.one, 16, true));
    }
    leaveStasis(c);
    if (!c.answered && kind == EndKind::kAriDelete) {
        emit(events::dial(s, c.one, dialStatusForCause(cause), c.dialstring));
    }
    emit(events::hangupRequest(s, c.two, cause, false));
    destroyChannel(c, Half::kOne, cause);
    emit(events::hangupRequest(s, c.two, 16, true));
    destroyChannel(c, Half::kTwo, cause);
    finishCall(key);
}

void Pbx::endFromTwo(Call& c, int cause, EndKind kind) {
    std::uint64_t key = c.key;
    cancelTimers(c);
    c.runner_one.active = c.runner_two.active = false;
    auto s = stamp();
    emit(events::hangupRequest(s, c.two, kind == EndKind::kAriDelete ? 32 : 16, true));
    emit(events::hangupRequest(s, c.one, cause, false));
    destroyChannel(c, Half::kTwo, cause);
    if (!c.answered) emit(events::dial(s, c.one, "NOANSWER", c.dialstring));
    leaveStasis(c);
    destroyChannel(c, Half::kOne, cause);
    finishCall(key);
}

void Pbx::destroyChannel(Call& c, Half half, int cause, bool invalid_device) {
    Channel& ch = channel(c, half);
    ch.hangup_cause = cause;
    if (half == Half::kOne) {
        ch.dialplan.app_name = "AppDial2";
        ch.dialplan.app_data = "(Outgoing Line)";
    } else {
        ch.dialplan.app_name.clear();
        ch.dialplan.app_data.clear();
    }
    auto s = stamp();
    emit(events::destroyed(s, ch, cause));
    emitSubscribeAll(
        events::deviceStateChanged(s, c.device, invalid_device ? "INVALID" : "NOT_INUSE"));
    index_.erase(ch.id);
    apps_.unsubscribeChannel(ch.id);
}

void Pbx::finishCall(std::uint64_t key) {
    auto it = calls_.find(key);
    if (it == calls_.end()) return;
    cancelTimers(*it->second);
    calls_.erase(it);
    if (calls_.empty() && idle_) idle_();
}

// ---------------------------------------------------------------------------------------------
// Process-level faults

void Pbx::shutdown() {
    auto s = stamp();
    for (auto& [key, call] : calls_) {
        Call& c = *call;
        cancelTimers(c);
        c.runner_one.active = c.runner_two.active = false;
        emit(events::hangupRequest(s, c.one, 4, true));
        leaveStasis(c);
        emit(events::hangupRequest(s, c.two, 4, true));
    }
    auto calls = std::move(calls_);
    calls_.clear();
    for (auto& [key, call] : calls) {
        Call& c = *call;
        emit(events::hangupRequest(s, c.two, 16, true));
        emit(events::hangupRequest(s, c.one, 0, false));
        destroyChannel(c, Half::kTwo, 0);
        if (!c.answered) emit(events::dial(s, c.one, "NOANSWER", c.dialstring));
        destroyChannel(c, Half::kOne, 0);
    }
    index_.clear();
    if (idle_) idle_();
}

void Pbx::reset() {
    for (auto& [key, call] : calls_) cancelTimers(*call);
    calls_.clear();
    index_.clear();
    local_sequence_ = 0;
    unique_sequence_ = 0;
    accepting_ = true;
    startup_ = scheduler_.now();
}

}  // namespace ccapi::arisim
