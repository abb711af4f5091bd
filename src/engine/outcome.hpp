// How a call ended, read from the facts gathered while it lived (shared/ari/README.md "Reading
// the outcome"). Pure functions; the state machine calls them when `call_id`'s channel is gone.
#pragma once

#include <optional>
#include <string>

#include "engine/call_state_machine.hpp"

namespace ccapi::engine {

// The terminal status a destroyed channel means, and why.
struct Outcome {
    CallStatus status = CallStatus::kFailed;
    std::optional<std::string> failure_reason;  // only for kFailed
    std::string detail;                         // for the call event, e.g. "Dial BUSY"
};

// Decides the terminal status once `call_id`'s ChannelDestroyed has arrived (or the channel was
// found gone). Only facts of the `call_id` half are consulted, never the ";2" peer's cause,
// because the peer's ChannelDestroyed may arrive before or after ours: a status that depended on
// it would depend on event order. Precedence, first match wins:
//   1. hung up through our API: canceled before answer, completed after;
//   2. answered: completed, or failed "PBX shut down" when Asterisk shut down under it;
//   3. Dial BUSY or cause 17: busy;
//   4. cause 18/19: no_answer;
//   5. Dial CONGESTION or cause 34/42: failed "congestion"; 21 "rejected"; 1 "unallocated number";
//   6. Asterisk was shutting down (soft hangup 4): failed "PBX shut down";
//   7. Dial NOANSWER with no cause: no_answer;
//   8. otherwise failed: "channel unavailable" (CHANUNAVAIL), "canceled by PBX" (Dial CANCEL),
//      "cause N" for any other cause, "unknown" for cause 0 with nothing else.
// Rule 6 comes after the Q.850 signals (they are the callee's real answer) but before 7: a
// shutdown while ringing makes Asterisk report Dial NOANSWER and cause 0, which says nothing about
// the callee (ws-asterisk-stop*.jsonl); reading it as no_answer would blame the callee.
// The "cause" of rules 3–8 is `call_id`'s destroyed cause, or its last hard hang-up cause when
// the destroyed cause is 0.
Outcome decideOutcome(const CallFacts& facts, bool was_answered);

// Q.850 cause and its text as the record stores them.
struct HangupCause {
    int cause = 0;
    std::string text;
};

// `call_id`'s destroyed cause; the ";2" peer's when ours is 0 (or not known yet) and the peer's is
// not (Local channels: busy ends with 0 on ;1 and 17 on ;2). nullopt while neither is known.
std::optional<HangupCause> effectiveHangupCause(const CallFacts& facts);

// The failure_reason for a Q.850 cause that means failure: "congestion", "rejected",
// "unallocated number", "unknown" (0), or "cause N".
std::string failureReasonForCause(int cause);

}  // namespace ccapi::engine
