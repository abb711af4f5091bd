// What the HTTP API may ask of the call engine: place a stored call, hang one up, and read the
// engine's health. Implemented by CallEngine; any I/O thread may call these.
#pragma once

#include <optional>
#include <string>

#include "core/async.hpp"
#include "storage/call_models.hpp"

namespace ccapi::engine {

struct SubmitResult {
    enum class Outcome {
        kAccepted,     // the PBX took it (status dialing or further): 201
        kQueued,       // waits as pending (socket down, pacing limits): 201
        kRefused,      // the PBX refused: stored as failed, 502
        kUnavailable,  // PBX unreachable or breaker open: stored as failed, 503 + Retry-After
    };
    Outcome outcome = Outcome::kQueued;
    storage::Call call;  // the engine's view after the attempt
    int retry_after_s = 0;
};

struct HangupResult {
    enum class Outcome {
        kAccepted,      // hang-up sent (or a queued call canceled): 202 with the record
        kAlreadyEnded,  // terminal already: 409
        kUnknown,       // the engine does not hold it (look in the store)
    };
    Outcome outcome = Outcome::kUnknown;
    storage::Call call;
};

class CallControl {
public:
    virtual ~CallControl() = default;
    // `call` is already committed as pending (a 201 means committed). Sends it now when the
    // socket is up, nothing is queued ahead and pacing allows; otherwise queues it in order.
    virtual Task<SubmitResult> submit(storage::Call call) = 0;
    virtual Task<HangupResult> hangup(std::string call_id) = 0;
};

// Told about every committed transition, in commit order (event streams and webhooks). Called on
// the engine's thread: must not block.
class CallObserver {
public:
    virtual ~CallObserver() = default;
    virtual void onCommitted(const storage::Call& call, const storage::CallEvent& event) = 0;
};

}  // namespace ccapi::engine
