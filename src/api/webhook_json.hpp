// JSON shape of a call's webhook deliveries and their attempts (GET /api/v2/calls/{id}/webhooks).
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "storage/webhook_models.hpp"

namespace ccapi::api {

// {delivery_id, event_id, url, state, attempt_count, next_attempt_at, created_at, delivered_at,
//  last_status_code, last_error, attempts: [{attempt, at, status_code, error, duration_ms,
//  next_retry_at}]}; `attempts` holds those of `all_attempts` that belong to this delivery.
boost::json::object deliveryToJson(const storage::WebhookDelivery& delivery,
                                   const std::vector<storage::WebhookAttempt>& all_attempts);

}  // namespace ccapi::api
