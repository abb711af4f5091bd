// One call event as every stream client receives it: built once, shared by all subscribers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "storage/call_models.hpp"

namespace ccapi::events {

// Immutable once built, so any thread may read it; shared through StreamMessagePtr. The JSON
// text lives inside the SSE frame (one allocation serves both transports).
class StreamMessage {
public:
    StreamMessage(const storage::Call& call, const storage::CallEvent& event);

    std::int64_t eventId() const { return event_id_; }
    const std::string& callId() const { return call_id_; }
    storage::CallStatus status() const { return status_; }
    std::int64_t userId() const { return user_id_; }

    // {"event_id","type":"call.status","call_id","status","previous_status","at",…,"call":{…}}
    std::string_view json() const { return std::string_view(frame_).substr(json_at_, json_size_); }
    // "id: N\nevent: call.status\ndata: <json>\n\n"
    std::string_view sseFrame() const { return frame_; }

private:
    std::int64_t event_id_;
    std::string call_id_;
    storage::CallStatus status_;
    std::int64_t user_id_;
    std::string frame_;
    std::size_t json_at_ = 0;
    std::size_t json_size_ = 0;
};

using StreamMessagePtr = std::shared_ptr<const StreamMessage>;

StreamMessagePtr makeStreamMessage(const storage::Call& call, const storage::CallEvent& event);

}  // namespace ccapi::events
