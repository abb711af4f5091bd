#include "api/call_json.hpp"

#include <boost/json/array.hpp>

#include "api/json_fields.hpp"

namespace ccapi::api {

boost::json::object callToJson(const storage::Call& c) {
    boost::json::object variables;
    for (const auto& [k, v] : c.variables) variables[k] = v;
    boost::json::value events = nullptr;
    if (c.status_callback_events) {
        boost::json::array list;
        for (const auto& e : *c.status_callback_events) list.emplace_back(e);
        events = std::move(list);
    }
    bool terminal = storage::isTerminal(c.status);
    boost::json::object o;
    o["call_id"] = c.call_id;
    o["phone_number"] = c.phone_number;
    o["status"] = storage::toString(c.status);
    o["context"] = c.context;
    o["extension"] = c.extension;
    o["priority"] = c.priority;
    o["timeout"] = c.timeout_ms;
    o["caller_id"] =
        c.caller_id.empty() ? boost::json::value(nullptr) : boost::json::value(c.caller_id);
    o["variables"] = std::move(variables);
    o["channel"] = orNull(c.channel);
    o["created_at"] = formatIso8601(c.created_at);
    o["dialed_at"] = timeOrNull(c.dialed_at);
    o["answered_at"] = timeOrNull(c.answered_at);
    o["ended_at"] = timeOrNull(c.ended_at);
    o["duration"] = orNull(c.duration);
    o["failure_reason"] = orNull(c.failure_reason);
    o["hangup_cause"] = orNull(c.hangup_cause);
    o["hangup_cause_txt"] = orNull(c.hangup_cause_txt);
    o["attempt_number"] = c.attempt_number;
    o["version"] = c.version;
    o["is_active"] = !terminal;
    o["is_completed"] = terminal;
    o["status_callback"] = orNull(c.status_callback);
    o["status_callback_events"] = std::move(events);
    return o;
}

boost::json::object eventToJson(const storage::CallEvent& e) {
    boost::json::object o;
    o["event_id"] = e.event_id;
    o["seq"] = e.seq;
    o["status"] = storage::toString(e.status);
    o["previous_status"] = e.previous_status
                               ? boost::json::value(storage::toString(*e.previous_status))
                               : boost::json::value(nullptr);
    o["at"] = formatIso8601(e.at);
    o["source"] = storage::toString(e.source);
    o["detail"] = e.detail;
    return o;
}

boost::json::object eventMessage(const storage::Call& call, const storage::CallEvent& e) {
    boost::json::object o{
        {"event_id", e.event_id}, {"type", "call.status"}, {"call_id", e.call_id}};
    auto fields = eventToJson(e);
    o.insert(fields.begin(), fields.end());  // event_id is kept, not repeated
    o["call"] = callToJson(call);
    return o;
}

std::string_view sessionStatus(storage::CallStatus status) {
    using S = storage::CallStatus;
    switch (status) {
        case S::kPending:
            return "initiated";
        case S::kDialing:
        case S::kRinging:
            return "pending";
        case S::kAnswered:
            return "active";
        case S::kCompleted:
            return "completed";
        case S::kNoAnswer:
            return "timeout";
        case S::kBusy:
        case S::kFailed:
        case S::kCanceled:
            return "failed";
    }
    return "failed";
}

boost::json::object sessionToJson(const storage::Call& c) {
    boost::json::object o;
    o["session_id"] = c.call_id;
    o["target"] = c.phone_number;
    o["status"] = sessionStatus(c.status);
    o["call_status"] = storage::toString(c.status);
    o["created_at"] = formatIso8601(c.created_at);
    o["dialed_at"] = timeOrNull(c.dialed_at);
    o["answered_at"] = timeOrNull(c.answered_at);
    o["ended_at"] = timeOrNull(c.ended_at);
    o["duration"] = orNull(c.duration);
    o["failure_reason"] = orNull(c.failure_reason);
    o["context"] = c.context;
    o["extension"] = c.extension;
    o["caller_id"] =
        c.caller_id.empty() ? boost::json::value(nullptr) : boost::json::value(c.caller_id);
    o["is_active"] = !storage::isTerminal(c.status);
    return o;
}

}  // namespace ccapi::api
