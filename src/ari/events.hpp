// ARI events as the call engine needs them: decoded from the event WebSocket's JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace ccapi::ari {

enum class EventKind {
    kChannelStateChange,
    kDial,
    kStasisStart,
    kStasisEnd,
    kChannelHangupRequest,
    kChannelDestroyed,
    kChannelVarset,
    kApplicationReplaced,
    kOther,  // anything else (ChannelDialplan, CallerId, ConnectedLine, …): counted, ignored
};

// One event, normalised. For Dial the channel is the `peer` (ARI originate Dial events carry no
// `caller`). `call_id` is the channel id without a Local channel's ";2" suffix, and `peer_half`
// says whether the event was for that ";2" half.
struct ChannelEvent {
    EventKind kind = EventKind::kOther;
    std::string type;        // ARI's own "type" string, for metrics
    std::string channel_id;  // as sent
    std::string call_id;     // channel_id without ";2"
    bool peer_half = false;
    std::string channel_state;  // channel.state: "Down", "Ringing", "Up", …
    std::string dialstatus;     // Dial: "", "RINGING", "ANSWER", "BUSY", "NOANSWER", …
    std::optional<int> cause;   // ChannelHangupRequest / ChannelDestroyed
    std::string cause_txt;      // ChannelDestroyed
    bool soft = false;          // ChannelHangupRequest with "soft": true
    std::string variable;       // ChannelVarset
    std::string value;
    std::optional<UnixMicros> timestamp;  // Asterisk's, when it parsed
};

// Decodes one text frame. nullopt for frames that are not a JSON object with a "type".
std::optional<ChannelEvent> decodeEvent(std::string_view json);

}  // namespace ccapi::ari
