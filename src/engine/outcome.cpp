#include "engine/outcome.hpp"

namespace ccapi::engine {

namespace {

constexpr int kCauseUnallocated = 1;
constexpr int kCauseUserBusy = 17;
constexpr int kCauseNoUserResponse = 18;
constexpr int kCauseNoAnswer = 19;
constexpr int kCauseCallRejected = 21;
constexpr int kCauseCongestion = 34;
constexpr int kCauseSwitchCongestion = 42;

const std::string kShutdownReason = "PBX shut down";

// The Q.850 cause the outcome is read from: the destroyed cause, unless that is 0 and a hard
// ChannelHangupRequest on the same channel said more.
int decidingCause(const CallFacts& facts) {
    int destroyed = facts.destroyed_cause.value_or(0);
    if (destroyed != 0) return destroyed;
    return facts.hard_cause.value_or(0);
}

std::string describe(const CallFacts& facts, int cause) {
    std::string text = "ChannelDestroyed cause " + std::to_string(cause);
    if (facts.last_dialstatus) text += ", Dial " + *facts.last_dialstatus;
    return text;
}

Outcome failed(std::string reason, std::string detail) {
    return Outcome{CallStatus::kFailed, std::move(reason), std::move(detail)};
}

}  // namespace

std::string failureReasonForCause(int cause) {
    switch (cause) {
        case 0:
            return "unknown";
        case kCauseUnallocated:
            return "unallocated number";
        case kCauseCallRejected:
            return "rejected";
        case kCauseCongestion:
        case kCauseSwitchCongestion:
            return "congestion";
        default:
            return "cause " + std::to_string(cause);
    }
}

Outcome decideOutcome(const CallFacts& facts, bool was_answered) {
    const int cause = decidingCause(facts);
    const std::string detail = describe(facts, cause);
    const std::string dialstatus = facts.last_dialstatus.value_or("");

    if (facts.hangup_requested) {
        return Outcome{was_answered ? CallStatus::kCompleted : CallStatus::kCanceled, std::nullopt,
                       detail + ", hung up through the API"};
    }
    if (was_answered) {
        if (facts.shutdown_seen) return failed(kShutdownReason, detail + ", PBX shutting down");
        return Outcome{CallStatus::kCompleted, std::nullopt, detail};
    }
    if (dialstatus == "BUSY" || cause == kCauseUserBusy) {
        return Outcome{CallStatus::kBusy, std::nullopt, detail};
    }
    if (cause == kCauseNoUserResponse || cause == kCauseNoAnswer) {
        return Outcome{CallStatus::kNoAnswer, std::nullopt, detail};
    }
    if (dialstatus == "CONGESTION") return failed("congestion", detail);
    if (cause == kCauseCongestion || cause == kCauseSwitchCongestion ||
        cause == kCauseCallRejected || cause == kCauseUnallocated) {
        return failed(failureReasonForCause(cause), detail);
    }
    if (facts.shutdown_seen) return failed(kShutdownReason, detail + ", PBX shutting down");
    if (dialstatus == "NOANSWER" && cause == 0) {
        return Outcome{CallStatus::kNoAnswer, std::nullopt, detail};
    }
    if (cause == 0 && dialstatus == "CHANUNAVAIL") return failed("channel unavailable", detail);
    if (cause == 0 && dialstatus == "CANCEL") return failed("canceled by PBX", detail);
    // Anything else, 16 included (the far end cleared before answering), is a failed attempt.
    return failed(failureReasonForCause(cause), detail);
}

std::optional<HangupCause> effectiveHangupCause(const CallFacts& facts) {
    const bool peer_says_more = facts.peer_destroyed_cause && *facts.peer_destroyed_cause != 0;
    if (facts.destroyed_cause && (*facts.destroyed_cause != 0 || !peer_says_more)) {
        return HangupCause{*facts.destroyed_cause, facts.destroyed_cause_txt};
    }
    if (peer_says_more) {
        return HangupCause{*facts.peer_destroyed_cause, facts.peer_destroyed_cause_txt};
    }
    return std::nullopt;
}

}  // namespace ccapi::engine
