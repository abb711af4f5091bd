// The webhook outbox as stored (SPEC §5): one delivery per (event, receiver URL), written in the
// same transaction as the event itself, and the log of its attempts. Plain records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "storage/call_models.hpp"

namespace ccapi::storage {

enum class DeliveryState {
    kPending,    // waiting for its first attempt or a retry
    kDelivered,  // a 2xx answer arrived
    kDead,       // every attempt failed; never tried again
};
// "pending", "delivered", "dead" (the wire and column spelling).
std::string_view toString(DeliveryState state);
std::optional<DeliveryState> parseDeliveryState(std::string_view text);

struct WebhookDelivery {
    std::int64_t delivery_id = 0;  // assigned by the store; orders deliveries of one call
    std::string call_id{};
    std::int64_t event_id = 0;
    std::string url{};
    DeliveryState state = DeliveryState::kPending;
    int attempts = 0;
    std::optional<UnixMicros> next_attempt_at{};  // set while pending
    UnixMicros created_at = 0;
    std::optional<UnixMicros> delivered_at{};
    std::optional<int> last_status_code{};
    std::optional<std::string> last_error{};
    // The exact body of the first attempt, so that every retry sends the same bytes (null until
    // the first attempt).
    std::optional<std::string> payload{};
};

struct WebhookAttempt {
    std::int64_t delivery_id = 0;
    int attempt = 1;  // 1-based
    UnixMicros at = 0;
    std::optional<int> status_code{};  // null when no HTTP answer arrived
    std::optional<std::string> error{};
    std::int64_t duration_ms = 0;
    std::optional<UnixMicros> next_retry_at{};  // null when this attempt ended the delivery
};

// An event with the call it belongs to (as stored when read): the event streams' unit.
struct EventWithCall {
    CallEvent event{};
    Call call{};
};

// Which receivers get an event of `status`: the call's status_callback when its
// status_callback_events is null (every status) or lists `status`, and the global WEBHOOK_URL
// (every event of every call). A URL named twice is delivered once.
std::vector<std::string> webhookTargets(const Call& call, CallStatus status,
                                        const std::optional<std::string>& global_url);
// !webhookTargets(...).empty() without building the list: most calls have no receiver, and the
// commit path asks for every event.
bool hasWebhookTargets(const Call& call, CallStatus status,
                       const std::optional<std::string>& global_url);

}  // namespace ccapi::storage
