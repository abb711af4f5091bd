// JSON shapes of a call: the v2 call record (SPEC §1) and the v1 session view (SPEC §2).
#pragma once

#include <boost/json/object.hpp>

#include "storage/call_models.hpp"

namespace ccapi::api {

boost::json::object callToJson(const storage::Call& call);
boost::json::object eventToJson(const storage::CallEvent& event);
// One event as the streams and webhooks send it (SPEC §2 "Events out"): event_id, type
// "call.status", call_id, status, previous_status, at, seq, source, detail and the call record.
boost::json::object eventMessage(const storage::Call& call, const storage::CallEvent& event);
// The Realtime Session API's view: session_id, target, status (mapped), call_status, timestamps.
boost::json::object sessionToJson(const storage::Call& call);
// pending→initiated, dialing/ringing→pending, answered→active, completed→completed,
// busy/failed/canceled→failed, no_answer→timeout.
std::string_view sessionStatus(storage::CallStatus status);

}  // namespace ccapi::api
