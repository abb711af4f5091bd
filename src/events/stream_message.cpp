#include "events/stream_message.hpp"

#include <boost/json/serialize.hpp>

#include "api/call_json.hpp"

namespace ccapi::events {

StreamMessage::StreamMessage(const storage::Call& call, const storage::CallEvent& event)
    : event_id_(event.event_id),
      call_id_(event.call_id),
      status_(event.status),
      user_id_(call.user_id) {
    // Serialised JSON has no raw newline (control characters are escaped), so it is one valid
    // SSE `data:` line.
    std::string json = boost::json::serialize(api::eventMessage(call, event));
    std::string head = "id: " + std::to_string(event_id_) + "\nevent: call.status\ndata: ";
    frame_.reserve(head.size() + json.size() + 2);
    frame_ += head;
    json_at_ = frame_.size();
    json_size_ = json.size();
    frame_ += json;
    frame_ += "\n\n";
}

StreamMessagePtr makeStreamMessage(const storage::Call& call, const storage::CallEvent& event) {
    return std::make_shared<const StreamMessage>(call, event);
}

}  // namespace ccapi::events
