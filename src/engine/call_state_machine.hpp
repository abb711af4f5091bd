// The pure call state machine (SPEC §1, shared/ari/README.md "Reading the outcome"):
// (state, input, now) → (state, transitions, commands). No sockets, no store, no clock.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ari/events.hpp"
#include "storage/call_models.hpp"

namespace ccapi::engine {

using storage::CallStatus;

// What the engine remembers about a live call beyond its record: the signals that decide the
// outcome when the channel is destroyed (the order of events is not fixed, so nothing may be
// decided from one event alone).
struct CallFacts {
    std::optional<std::string> last_dialstatus;  // of the `call_id` half
    std::optional<int> hard_cause;               // last hard ChannelHangupRequest cause on call_id
    std::optional<int> destroyed_cause;          // ChannelDestroyed cause of call_id
    std::string destroyed_cause_txt;
    std::optional<int> peer_destroyed_cause;  // ChannelDestroyed cause of "<call_id>;2"
    std::string peer_destroyed_cause_txt;
    bool hangup_requested = false;  // DELETE through our API
    bool shutdown_seen = false;     // soft hangup cause 4: Asterisk is shutting down
    bool originate_sent = false;
    bool continued = false;    // `continue` into the IVR was issued
    bool hangup_sent = false;  // a HangupCommand was issued (API, timeout or stray channel)
};

struct CallState {
    storage::Call call;
    CallFacts facts;
};

// ---- inputs ----
struct OriginateSent {};      // POST /channels is on its way
struct OriginateAccepted {};  // 200: the PBX dials
struct OriginateRefused {     // 4xx/5xx from the PBX
    unsigned http_status = 0;
    std::string message;
};
struct PbxUnreachable {  // no HTTP answer, or the breaker is open
    std::string reason;
};
struct NotSent {         // still pending after MAX_QUEUE_WAIT_SECONDS
    std::string reason;  // "not sent: PBX unavailable" | "…queue wait exceeded"
};
struct HangupRequested {};  // DELETE /api/v2/calls/{id}
struct AriEvent {
    ari::ChannelEvent event;
};
struct Reconciled {  // after a (re)connection: GET /channels said
    bool channel_exists = false;
    std::string channel_state;  // when it exists
};
struct StaleTimeout {};  // past timeout + STALE_CALL_GRACE_SECONDS

using Input = std::variant<OriginateSent, OriginateAccepted, OriginateRefused, PbxUnreachable,
                           NotSent, HangupRequested, AriEvent, Reconciled, StaleTimeout>;

// ---- outputs ----
struct Transition {
    CallStatus from;
    CallStatus to;
    storage::EventSource source;
    std::string detail;  // what caused it, e.g. "Dial BUSY", "ChannelDestroyed cause 16"
};

struct ContinueCommand {  // POST /channels/{id}/continue into the IVR
    std::string context;
    std::string extension;
    int priority = 1;
};
struct HangupCommand {  // DELETE /channels/{id}?reason=…
    std::string reason = "normal";
};
using Command = std::variant<ContinueCommand, HangupCommand>;

struct Decision {
    CallState next;
    std::vector<Transition> transitions;  // applied, in order (record/version/timestamps updated)
    std::vector<Command> commands;
    std::vector<std::string> rejected;  // transitions refused by the table: logged and counted
    // The stored record changed and must be written. True with every transition, and also
    // without one for a detail update: the ";2" peer's ChannelDestroyed may arrive after the call
    // ended with hangup_cause 0 and supply the real cause (busy: 0 on ;1, 17 on ;2), or the
    // channel's ChannelDestroyed may arrive after our own timeout ended the call. Such an update
    // changes hangup_cause/hangup_cause_txt/updated_at but neither status nor version, and is
    // not a call event.
    bool record_changed = false;
};

// True when SPEC §1 allows from → to (re-applying the current status is not a transition).
bool transitionAllowed(CallStatus from, CallStatus to);

// Applies one input. `now` stamps dialed_at/answered_at/ended_at and the transitions.
//
// ContinueCommand is issued once per call, on `call_id`'s StasisStart (or when reconciliation
// finds the channel Up and no continue was issued yet), not on the first answer signal: the
// half's events arrive as StateChange(Up), Dial(ANSWER), StasisStart, and `continue` before
// StasisStart gets 409 "Channel not in Stasis application" (traces/README.md fact 13). The call
// becomes `answered` on the first of those signals.
Decision step(const CallState& state, const Input& input, UnixMicros now);

}  // namespace ccapi::engine
