// Calls and their event timeline as stored (SPEC §1). Plain records, no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace ccapi::storage {

enum class CallStatus {
    kPending,
    kDialing,
    kRinging,
    kAnswered,
    kCompleted,
    kBusy,
    kNoAnswer,
    kFailed,
    kCanceled,
};

// "pending", "dialing", … "no_answer", "canceled" (the wire and column spelling).
std::string_view toString(CallStatus status);
std::optional<CallStatus> parseCallStatus(std::string_view text);
bool isTerminal(CallStatus status);

// Who caused a transition: "api", "ari", "timeout" or "reconcile".
enum class EventSource { kApi, kAri, kTimeout, kReconcile };
std::string_view toString(EventSource source);
std::optional<EventSource> parseEventSource(std::string_view text);

struct Call {
    std::string call_id{};  // UUID v7 (time-ordered); also the ARI channel id
    std::int64_t user_id = 0;
    std::string phone_number{};  // E.164, normalised
    CallStatus status = CallStatus::kPending;
    std::string context{};
    std::string extension{};
    int priority = 1;
    int timeout_ms = 30000;
    std::string caller_id{};
    std::map<std::string, std::string> variables{};
    std::optional<std::string> channel{};
    UnixMicros created_at = 0;
    std::optional<UnixMicros> dialed_at{};
    std::optional<UnixMicros> answered_at{};
    std::optional<UnixMicros> ended_at{};
    std::optional<std::int64_t> duration{};  // whole seconds answered → ended
    std::optional<std::string> failure_reason{};
    std::optional<int> hangup_cause{};
    std::optional<std::string> hangup_cause_txt{};
    int attempt_number = 1;
    std::int64_t version = 1;  // +1 per applied transition; equals the last event's seq
    std::optional<std::string> status_callback{};
    std::optional<std::vector<std::string>> status_callback_events{};
    std::optional<std::string> idempotency_key{};
    std::string request_hash{};  // of the creating request, to tell a replay from a conflict
    UnixMicros updated_at = 0;
};

// One applied transition. `event_id` is global and strictly increasing across all calls (it is
// the SSE `id`, so a stream can resume from the stored log); the store assigns it.
struct CallEvent {
    std::int64_t event_id = 0;
    std::string call_id{};
    std::int64_t seq = 1;  // 1 for the creating `pending` event, then +1 per transition
    CallStatus status = CallStatus::kPending;
    std::optional<CallStatus> previous_status{};
    UnixMicros at = 0;
    EventSource source = EventSource::kApi;
    std::string detail{};
};

struct CallCursor {
    UnixMicros created_at = 0;
    std::string call_id{};
};

// Newest first; keyset pagination on (created_at, call_id).
struct CallFilter {
    std::optional<std::int64_t> user_id{};  // nullopt: every user's (superuser)
    std::vector<CallStatus> statuses{};     // empty: any
    std::optional<std::string> phone_number{};
    std::optional<UnixMicros> created_after{};   // inclusive
    std::optional<UnixMicros> created_before{};  // exclusive
    int limit = 50;
    std::optional<CallCursor> after{};  // continue after this row
};

struct CallPage {
    std::vector<Call> items{};
    std::optional<CallCursor> next{};  // set when more rows may follow
};

// The new full state of one call and the events that led to it (appended in order).
// One webhook receiver of one event in a CallUpdate (`event_index` indexes its events): the
// store enqueues the delivery in the transaction that appends the event (webhook_models.hpp).
struct OutboxEntry {
    std::size_t event_index = 0;
    std::string url{};
};

struct CallUpdate {
    Call call{};
    std::vector<CallEvent> events{};
    std::vector<OutboxEntry> outbox{};
};

enum class CreateOutcome {
    kCreated,      // inserted with its first event
    kReplayed,     // same user + Idempotency-Key + request within 24 h: the existing call
    kKeyConflict,  // same user + key, different request: refused (422)
};

struct CreateResult {
    CreateOutcome outcome = CreateOutcome::kCreated;
    Call call{};  // the stored call (the existing one when replayed)
    // kCreated only: the event_id the store gave `first` (to publish it with its stream id).
    std::int64_t first_event_id = 0;
};

}  // namespace ccapi::storage
