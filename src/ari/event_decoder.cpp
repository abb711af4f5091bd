// Decodes ARI event frames into ChannelEvent (see ari/events.hpp). Never throws on bad input:
// a frame that is not a JSON object with a string "type" is reported as nullopt.
#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "ari/events.hpp"

namespace ccapi::ari {

namespace {

namespace json = boost::json;

constexpr std::string_view kPeerSuffix = ";2";  // a Local channel's second half

EventKind kindOf(std::string_view type) {
    if (type == "ChannelStateChange") return EventKind::kChannelStateChange;
    if (type == "Dial") return EventKind::kDial;
    if (type == "StasisStart") return EventKind::kStasisStart;
    if (type == "StasisEnd") return EventKind::kStasisEnd;
    if (type == "ChannelHangupRequest") return EventKind::kChannelHangupRequest;
    if (type == "ChannelDestroyed") return EventKind::kChannelDestroyed;
    if (type == "ChannelVarset") return EventKind::kChannelVarset;
    if (type == "ApplicationReplaced") return EventKind::kApplicationReplaced;
    return EventKind::kOther;
}

std::string stringField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) return {};
    return std::string(value->get_string());
}

std::optional<int> intField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return std::nullopt;
    boost::system::error_code ec;
    const int number = value->to_number<int>(ec);
    if (ec) return std::nullopt;
    return number;
}

const json::object* objectField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_object()) return nullptr;
    return &value->get_object();
}

}  // namespace

std::optional<ChannelEvent> decodeEvent(std::string_view text) {
    boost::system::error_code ec;
    const json::value parsed = json::parse(text, ec);
    if (ec || !parsed.is_object()) return std::nullopt;
    const json::object& object = parsed.get_object();
    const json::value* type = object.if_contains("type");
    if (type == nullptr || !type->is_string()) return std::nullopt;

    ChannelEvent event;
    event.type = std::string(type->get_string());
    event.kind = kindOf(event.type);

    // ARI's Dial events for an originate name the dialled channel `peer` and carry no `caller`.
    const json::object* channel =
        objectField(object, event.kind == EventKind::kDial ? "peer" : "channel");
    if (channel != nullptr) {
        event.channel_id = stringField(*channel, "id");
        event.channel_state = stringField(*channel, "state");
    }
    std::string_view id = event.channel_id;
    if (id.size() > kPeerSuffix.size() && id.ends_with(kPeerSuffix)) {
        event.peer_half = true;
        id.remove_suffix(kPeerSuffix.size());
    }
    event.call_id = std::string(id);

    event.dialstatus = stringField(object, "dialstatus");
    event.cause = intField(object, "cause");
    event.cause_txt = stringField(object, "cause_txt");
    const json::value* soft = object.if_contains("soft");
    event.soft = soft != nullptr && soft->is_bool() && soft->get_bool();
    event.variable = stringField(object, "variable");
    event.value = stringField(object, "value");
    const std::string timestamp = stringField(object, "timestamp");
    if (!timestamp.empty()) event.timestamp = parseIso8601(timestamp);
    return event;
}

}  // namespace ccapi::ari
