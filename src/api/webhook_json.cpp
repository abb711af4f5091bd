#include "api/webhook_json.hpp"

#include <boost/json/array.hpp>

#include "api/json_fields.hpp"

namespace ccapi::api {

namespace {

boost::json::object attemptToJson(const storage::WebhookAttempt& a) {
    boost::json::object o;
    o["attempt"] = a.attempt;
    o["at"] = formatIso8601(a.at);
    o["status_code"] = orNull(a.status_code);
    o["error"] = orNull(a.error);
    o["duration_ms"] = a.duration_ms;
    o["next_retry_at"] = timeOrNull(a.next_retry_at);
    return o;
}

}  // namespace

boost::json::object deliveryToJson(const storage::WebhookDelivery& d,
                                   const std::vector<storage::WebhookAttempt>& all_attempts) {
    boost::json::array attempts;
    for (const auto& a : all_attempts) {
        if (a.delivery_id == d.delivery_id) attempts.push_back(attemptToJson(a));
    }
    boost::json::object o;
    o["delivery_id"] = d.delivery_id;
    o["event_id"] = d.event_id;
    o["url"] = d.url;
    o["state"] = storage::toString(d.state);
    o["attempt_count"] = d.attempts;
    o["next_attempt_at"] = timeOrNull(d.next_attempt_at);
    o["created_at"] = formatIso8601(d.created_at);
    o["delivered_at"] = timeOrNull(d.delivered_at);
    o["last_status_code"] = orNull(d.last_status_code);
    o["last_error"] = orNull(d.last_error);
    o["attempts"] = std::move(attempts);
    return o;
}

}  // namespace ccapi::api
