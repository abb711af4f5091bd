// Builders for state-machine inputs in tests: ARI events shaped as decodeEvent returns them, a
// fresh call, and a runner that feeds a list of inputs and keeps every decision.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/call_state_machine.hpp"

namespace ccapi::storage {
// GoogleTest prints statuses by name.
inline void PrintTo(CallStatus status, std::ostream* os) { *os << toString(status); }
inline void PrintTo(EventSource source, std::ostream* os) { *os << toString(source); }
}  // namespace ccapi::storage

namespace ccapi::engine::test {

inline const std::string kCallId = "0b9f4c1e-5d3a-4c1e-9a57-6f1e2d3c4b5a";
inline const std::string kPeerId = kCallId + ";2";

inline CallState freshCall(UnixMicros created_at = 1'000'000) {
    CallState state;
    state.call.call_id = kCallId;
    state.call.phone_number = "+15551230000";
    state.call.context = "outbound-ivr";
    state.call.extension = "s";
    state.call.priority = 3;
    state.call.created_at = created_at;
    state.call.updated_at = created_at;
    return state;
}

inline ari::ChannelEvent channelEvent(ari::EventKind kind, std::string type,
                                      const std::string& channel_id) {
    ari::ChannelEvent event;
    event.kind = kind;
    event.type = std::move(type);
    event.channel_id = channel_id;
    event.peer_half = channel_id.ends_with(";2");
    event.call_id = event.peer_half ? channel_id.substr(0, channel_id.size() - 2) : channel_id;
    return event;
}

inline AriEvent stateChange(const std::string& state, const std::string& channel = kCallId) {
    auto event = channelEvent(ari::EventKind::kChannelStateChange, "ChannelStateChange", channel);
    event.channel_state = state;
    return AriEvent{event};
}

inline AriEvent dial(const std::string& dialstatus, const std::string& channel = kCallId) {
    auto event = channelEvent(ari::EventKind::kDial, "Dial", channel);
    event.dialstatus = dialstatus;
    return AriEvent{event};
}

inline AriEvent stasisStart(const std::string& channel = kCallId) {
    return AriEvent{channelEvent(ari::EventKind::kStasisStart, "StasisStart", channel)};
}

inline AriEvent stasisEnd(const std::string& channel = kCallId) {
    return AriEvent{channelEvent(ari::EventKind::kStasisEnd, "StasisEnd", channel)};
}

inline AriEvent hangupRequest(int cause, bool soft = false, const std::string& channel = kCallId) {
    auto event =
        channelEvent(ari::EventKind::kChannelHangupRequest, "ChannelHangupRequest", channel);
    event.cause = cause;
    event.soft = soft;
    return AriEvent{event};
}

inline std::string causeText(int cause) {
    switch (cause) {
        case 0:
            return "Unknown";
        case 1:
            return "Unallocated (unassigned) number";
        case 16:
            return "Normal Clearing";
        case 17:
            return "User busy";
        case 18:
            return "No user responding";
        case 19:
            return "User alerting, no answer";
        case 21:
            return "Call Rejected";
        case 34:
            return "Circuit/channel congestion";
        default:
            return "cause " + std::to_string(cause);
    }
}

inline AriEvent destroyed(int cause, const std::string& channel = kCallId) {
    auto event = channelEvent(ari::EventKind::kChannelDestroyed, "ChannelDestroyed", channel);
    event.cause = cause;
    event.cause_txt = causeText(cause);
    return AriEvent{event};
}

inline AriEvent varset(const std::string& variable, const std::string& value,
                       const std::string& channel = kCallId) {
    auto event = channelEvent(ari::EventKind::kChannelVarset, "ChannelVarset", channel);
    event.variable = variable;
    event.value = value;
    return AriEvent{event};
}

inline AriEvent otherEvent(const std::string& type, const std::string& channel = kCallId) {
    return AriEvent{channelEvent(ari::EventKind::kOther, type, channel)};
}

// Feeds inputs in order, one microsecond-stamped second apart unless told otherwise, and keeps
// every decision so tests can look at any step.
struct CallRun {
    CallState state;
    std::vector<Decision> decisions;
    UnixMicros now;

    explicit CallRun(CallState initial = freshCall(), UnixMicros start = 2'000'000)
        : state(std::move(initial)), now(start) {}

    const Decision& feed(const Input& input, std::optional<UnixMicros> at = std::nullopt) {
        now = at.value_or(now + 1'000'000);
        decisions.push_back(step(state, input, now));
        state = decisions.back().next;
        return decisions.back();
    }

    CallRun& feedAll(const std::vector<Input>& inputs) {
        for (const auto& input : inputs) feed(input);
        return *this;
    }

    const storage::Call& call() const { return state.call; }

    std::vector<Command> allCommands() const {
        std::vector<Command> commands;
        for (const auto& d : decisions) {
            commands.insert(commands.end(), d.commands.begin(), d.commands.end());
        }
        return commands;
    }

    std::vector<std::string> allRejected() const {
        std::vector<std::string> rejected;
        for (const auto& d : decisions) {
            rejected.insert(rejected.end(), d.rejected.begin(), d.rejected.end());
        }
        return rejected;
    }

    std::vector<Transition> allTransitions() const {
        std::vector<Transition> transitions;
        for (const auto& d : decisions) {
            transitions.insert(transitions.end(), d.transitions.begin(), d.transitions.end());
        }
        return transitions;
    }
};

template <class T>
int countCommands(const std::vector<Command>& commands) {
    int count = 0;
    for (const auto& command : commands) count += std::holds_alternative<T>(command) ? 1 : 0;
    return count;
}

}  // namespace ccapi::engine::test
