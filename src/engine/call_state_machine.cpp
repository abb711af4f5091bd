#include "engine/call_state_machine.hpp"

#include <string>
#include <utility>

#include "engine/outcome.hpp"

namespace ccapi::engine {

namespace {

using ari::EventKind;
using storage::EventSource;

constexpr UnixMicros kMicrosPerSecond = 1'000'000;
constexpr int kSoftCauseShutdown = 4;  // AST_SOFTHANGUP_SHUTDOWN: Asterisk is stopping

// Position on the way to an answer; reconciliation only ever moves a call forward on it.
int progressRank(CallStatus status) {
    switch (status) {
        case CallStatus::kPending:
            return 0;
        case CallStatus::kDialing:
            return 1;
        case CallStatus::kRinging:
            return 2;
        case CallStatus::kAnswered:
            return 3;
        default:
            return 4;
    }
}

bool isOutcomeDialstatus(const std::string& dialstatus) {
    return dialstatus == "BUSY" || dialstatus == "CONGESTION" || dialstatus == "CHANUNAVAIL" ||
           dialstatus == "NOANSWER" || dialstatus == "CANCEL";
}

std::string transitionText(CallStatus from, CallStatus to, const std::string& detail) {
    std::string text{storage::toString(from)};
    text += " -> ";
    text += storage::toString(to);
    if (!detail.empty()) text += " (" + detail + ")";
    return text;
}

// Applies one input to a copy of the state, collecting what happened into a Decision.
class DecisionBuilder {
public:
    DecisionBuilder(const CallState& state, UnixMicros now) : now_(now) { decision_.next = state; }

    storage::Call& call() { return decision_.next.call; }
    CallFacts& facts() { return decision_.next.facts; }
    bool terminal() const { return storage::isTerminal(decision_.next.call.status); }
    bool answered() const {
        const auto& call = decision_.next.call;
        return call.status == CallStatus::kAnswered || call.answered_at.has_value();
    }

    // Applies from → to when the table allows it; a refused one is listed, never applied.
    // Re-applying the current status is a silent no-op.
    bool moveTo(CallStatus to, EventSource source, std::string detail) {
        storage::Call& record = call();
        const CallStatus from = record.status;
        if (from == to) return false;
        if (!transitionAllowed(from, to)) {
            reject(transitionText(from, to, detail));
            return false;
        }
        record.status = to;
        record.version += 1;
        record.updated_at = now_;
        const bool dialled =
            to == CallStatus::kDialing || to == CallStatus::kRinging || to == CallStatus::kAnswered;
        if (dialled && !record.dialed_at) record.dialed_at = now_;
        // Once the PBX has the call, its channel is the one we named: channelId = call_id.
        if (dialled && !record.channel) record.channel = record.call_id;
        if (to == CallStatus::kAnswered && !record.answered_at) record.answered_at = now_;
        if (storage::isTerminal(to)) {
            record.ended_at = now_;
            if (record.answered_at) {
                const UnixMicros talked = now_ - *record.answered_at;
                record.duration = talked > 0 ? talked / kMicrosPerSecond : 0;
            }
        }
        decision_.transitions.push_back(Transition{from, to, source, std::move(detail)});
        decision_.record_changed = true;
        return true;
    }

    // The PBX's channel events prove it dialled, even when they beat the POST response and take
    // the call from pending straight to its end (congestion under load).
    void stampDialedIfUnset() {
        if (!call().dialed_at) call().dialed_at = now_;
    }

    void reject(std::string text) { decision_.rejected.push_back(std::move(text)); }

    void hangUp() {
        facts().hangup_sent = true;
        decision_.commands.emplace_back(HangupCommand{});
    }

    // Sends the callee into the IVR once, and only while the call is answered and wanted.
    void continueIntoDialplan() {
        CallFacts& known = facts();
        if (call().status != CallStatus::kAnswered || known.continued || known.hangup_requested) {
            return;
        }
        known.continued = true;
        decision_.commands.emplace_back(
            ContinueCommand{call().context, call().extension, call().priority});
    }

    // Brings hangup_cause/txt in line with the facts; a detail update when no transition runs.
    void refreshHangupCause() {
        const auto cause = effectiveHangupCause(facts());
        if (!cause) return;
        storage::Call& record = call();
        if (record.hangup_cause == cause->cause && record.hangup_cause_txt == cause->text) return;
        record.hangup_cause = cause->cause;
        record.hangup_cause_txt = cause->text;
        record.updated_at = now_;
        decision_.record_changed = true;
    }

    Decision take() && { return std::move(decision_); }

private:
    Decision decision_;
    UnixMicros now_;
};

// One overload per input kind; each mutates the builder.
class InputApplier {
public:
    explicit InputApplier(DecisionBuilder& builder) : b_(builder) {}

    void operator()(const OriginateSent&) { b_.facts().originate_sent = true; }

    void operator()(const OriginateAccepted&) {
        b_.facts().originate_sent = true;
        // Never backwards: events that beat the POST response may already have moved the call.
        if (b_.call().status == CallStatus::kPending) {
            b_.moveTo(CallStatus::kDialing, EventSource::kAri, "originate accepted");
        }
        // A hang-up asked for while the POST was in flight may have found no channel yet.
        if (b_.facts().hangup_requested && !b_.terminal()) b_.hangUp();
    }

    void operator()(const OriginateRefused& refused) {
        std::string reason = refused.message;
        if (reason.empty()) {
            reason = "PBX refused the call (HTTP " + std::to_string(refused.http_status) + ")";
        }
        failBeforeDialling(std::move(reason), EventSource::kAri,
                           "originate refused: HTTP " + std::to_string(refused.http_status));
    }

    void operator()(const PbxUnreachable& unreachable) {
        failBeforeDialling(unreachable.reason.empty() ? "PBX unreachable" : unreachable.reason,
                           EventSource::kAri, "PBX unreachable");
    }

    void operator()(const NotSent& not_sent) {
        failBeforeDialling(not_sent.reason.empty() ? "not sent" : not_sent.reason,
                           EventSource::kTimeout, "not sent");
    }

    void operator()(const HangupRequested&) {
        if (b_.terminal()) return;
        CallFacts& facts = b_.facts();
        if (b_.call().status == CallStatus::kPending && !facts.originate_sent) {
            // Nothing reached the PBX: there is no channel to hang up.
            b_.moveTo(CallStatus::kCanceled, EventSource::kApi, "hung up before it was sent");
            return;
        }
        // The outcome (canceled before answer, completed after) waits for ChannelDestroyed.
        facts.hangup_requested = true;
        b_.hangUp();
    }

    void operator()(const AriEvent& input) {
        const ari::ChannelEvent& event = input.event;
        if (event.call_id != b_.call().call_id) return;
        b_.facts().originate_sent = true;
        if (event.peer_half) {
            onPeerEvent(event);
        } else {
            onOwnEvent(event);
        }
    }

    void operator()(const Reconciled& reconciled) {
        if (b_.terminal()) return;
        if (reconciled.channel_exists) {
            resumeFromChannel(reconciled.channel_state);
        } else {
            endWithoutChannel();
        }
    }

    void operator()(const StaleTimeout&) {
        if (b_.terminal() || b_.answered()) return;
        const bool reached_pbx =
            b_.facts().originate_sent || b_.call().status != CallStatus::kPending;
        const CallStatus to =
            b_.facts().hangup_requested ? CallStatus::kCanceled : CallStatus::kNoAnswer;
        if (b_.moveTo(to, EventSource::kTimeout, "no answer within the call's timeout") &&
            reached_pbx) {
            b_.hangUp();
        }
    }

private:
    // Refusals of the originate only mean something while nothing else is known: once the PBX's
    // events (or its 200) moved the call, the channel exists and a contradicting refusal is
    // listed as rejected instead of ending a live call.
    void failBeforeDialling(std::string reason, EventSource source, std::string detail) {
        storage::Call& record = b_.call();
        if (record.status != CallStatus::kPending) {
            b_.reject(transitionText(record.status, CallStatus::kFailed, detail));
            return;
        }
        if (b_.moveTo(CallStatus::kFailed, source, std::move(detail))) {
            record.failure_reason = std::move(reason);
        }
    }

    void onOwnEvent(const ari::ChannelEvent& event) {
        CallFacts& facts = b_.facts();
        switch (event.kind) {
            case EventKind::kChannelStateChange:
                if (event.channel_state == "Ringing") {
                    b_.moveTo(CallStatus::kRinging, EventSource::kAri,
                              "ChannelStateChange Ringing");
                } else if (event.channel_state == "Up") {
                    b_.moveTo(CallStatus::kAnswered, EventSource::kAri, "ChannelStateChange Up");
                }
                break;
            case EventKind::kDial:
                if (event.dialstatus == "RINGING") {
                    b_.moveTo(CallStatus::kRinging, EventSource::kAri, "Dial RINGING");
                } else if (event.dialstatus == "ANSWER") {
                    b_.moveTo(CallStatus::kAnswered, EventSource::kAri, "Dial ANSWER");
                } else if (isOutcomeDialstatus(event.dialstatus)) {
                    facts.last_dialstatus = event.dialstatus;
                }
                break;
            case EventKind::kStasisStart:
                b_.moveTo(CallStatus::kAnswered, EventSource::kAri, "StasisStart");
                b_.continueIntoDialplan();
                break;
            case EventKind::kChannelHangupRequest:
                // A soft hang-up's cause is an internal flag, not Q.850: only "shutdown" matters.
                if (event.soft) {
                    if (event.cause == kSoftCauseShutdown) facts.shutdown_seen = true;
                } else if (event.cause) {
                    facts.hard_cause = event.cause;
                }
                break;
            case EventKind::kChannelDestroyed:
                facts.destroyed_cause = event.cause.value_or(0);
                facts.destroyed_cause_txt = event.cause_txt;
                onChannelGone();
                return;
            default:
                break;
        }
        hangUpStrayChannel();
    }

    // The ";2" half only adds detail: its destroyed cause stands in for ours when ours is 0.
    void onPeerEvent(const ari::ChannelEvent& event) {
        if (event.kind != EventKind::kChannelDestroyed) return;
        b_.facts().peer_destroyed_cause = event.cause.value_or(0);
        b_.facts().peer_destroyed_cause_txt = event.cause_txt;
        if (b_.terminal()) b_.refreshHangupCause();
    }

    void onChannelGone() {
        if (b_.terminal()) {
            b_.refreshHangupCause();  // ended earlier (our timeout): the cause is still news
            return;
        }
        Outcome outcome = decideOutcome(b_.facts(), b_.answered());
        if (b_.moveTo(outcome.status, EventSource::kAri, std::move(outcome.detail))) {
            b_.stampDialedIfUnset();
            b_.call().failure_reason = std::move(outcome.failure_reason);
            b_.refreshHangupCause();
        }
    }

    // A call we already ended (timeout, unreachable PBX) whose channel turns out to be alive is
    // hung up once, so that no phone keeps ringing for a call the API reports as over.
    void hangUpStrayChannel() {
        const CallFacts& facts = b_.facts();
        if (b_.terminal() && !facts.destroyed_cause && !facts.hangup_sent) b_.hangUp();
    }

    void resumeFromChannel(const std::string& channel_state) {
        b_.facts().originate_sent = true;
        CallStatus seen = CallStatus::kDialing;
        if (channel_state == "Ringing") seen = CallStatus::kRinging;
        if (channel_state == "Up") seen = CallStatus::kAnswered;
        if (progressRank(seen) > progressRank(b_.call().status)) {
            b_.moveTo(seen, EventSource::kReconcile, "reconcile: channel " + channel_state);
        }
        if (seen == CallStatus::kAnswered) b_.continueIntoDialplan();
    }

    void endWithoutChannel() {
        const CallFacts& facts = b_.facts();
        // A call still waiting in our queue has no channel yet: nothing is lost.
        if (b_.call().status == CallStatus::kPending && !facts.originate_sent) return;
        const bool answered = b_.answered();
        if (facts.hangup_requested) {
            b_.moveTo(answered ? CallStatus::kCompleted : CallStatus::kCanceled,
                      EventSource::kReconcile, "reconcile: channel gone after hang-up request");
        } else if (answered) {
            b_.moveTo(CallStatus::kCompleted, EventSource::kReconcile,
                      "reconcile: channel gone after answer");
        } else if (b_.moveTo(CallStatus::kFailed, EventSource::kReconcile,
                             "reconcile: channel gone")) {
            b_.call().failure_reason = "lost by PBX";
        }
    }

    DecisionBuilder& b_;
};

}  // namespace

bool transitionAllowed(CallStatus from, CallStatus to) {
    switch (from) {
        case CallStatus::kPending:
            return to == CallStatus::kDialing || to == CallStatus::kRinging ||
                   to == CallStatus::kAnswered || to == CallStatus::kBusy ||
                   to == CallStatus::kNoAnswer || to == CallStatus::kFailed ||
                   to == CallStatus::kCanceled;
        case CallStatus::kDialing:
            return to == CallStatus::kRinging || to == CallStatus::kAnswered ||
                   to == CallStatus::kBusy || to == CallStatus::kNoAnswer ||
                   to == CallStatus::kFailed || to == CallStatus::kCanceled;
        case CallStatus::kRinging:
            return to == CallStatus::kAnswered || to == CallStatus::kBusy ||
                   to == CallStatus::kNoAnswer || to == CallStatus::kFailed ||
                   to == CallStatus::kCanceled;
        case CallStatus::kAnswered:
            return to == CallStatus::kCompleted || to == CallStatus::kFailed;
        default:
            return false;  // terminal
    }
}

Decision step(const CallState& state, const Input& input, UnixMicros now) {
    DecisionBuilder builder(state, now);
    std::visit(InputApplier(builder), input);
    return std::move(builder).take();
}

}  // namespace ccapi::engine
