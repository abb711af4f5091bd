#include "arisim/event_factory.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace ccapi::arisim {
namespace events {
namespace {

Event make(std::string type, boost::json::object body, const Channel* channel) {
    Event e;
    e.type = std::move(type);
    e.body = std::move(body);
    if (channel) e.channel_id = channel->id;
    return e;
}

void stamp(boost::json::object& o, std::string_view type, const EventStamp& s) {
    o["type"] = type;
    o["timestamp"] = s.timestamp;
}

}  // namespace

Event dial(const EventStamp& s, const Channel& peer, std::string_view dialstatus,
           std::string_view dialstring) {
    boost::json::object o;
    stamp(o, "Dial", s);
    o["dialstatus"] = dialstatus;
    o["forward"] = "";
    o["dialstring"] = dialstring;
    o["peer"] = peer.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("Dial", std::move(o), &peer);
}

Event stateChange(const EventStamp& s, const Channel& channel) {
    boost::json::object o;
    stamp(o, "ChannelStateChange", s);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelStateChange", std::move(o), &channel);
}

Event hangupRequest(const EventStamp& s, const Channel& channel, int cause, bool soft) {
    boost::json::object o;
    o["cause"] = cause;
    if (soft) o["soft"] = true;
    stamp(o, "ChannelHangupRequest", s);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelHangupRequest", std::move(o), &channel);
}

Event destroyed(const EventStamp& s, const Channel& channel, int cause) {
    boost::json::object o;
    stamp(o, "ChannelDestroyed", s);
    o["cause"] = cause;
    o["cause_txt"] = causeText(cause);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelDestroyed", std::move(o), &channel);
}

Event varset(const EventStamp& s, const Channel& channel, std::string_view variable,
             std::string_view value) {
    boost::json::object o;
    o["variable"] = variable;
    o["value"] = value;
    stamp(o, "ChannelVarset", s);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelVarset", std::move(o), &channel);
}

Event callerId(const EventStamp& s, const Channel& channel) {
    boost::json::object o;
    stamp(o, "ChannelCallerId", s);
    o["caller_presentation"] = 0;
    o["caller_presentation_txt"] = "Presentation Allowed, Not Screened";
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelCallerId", std::move(o), &channel);
}

Event connectedLine(const EventStamp& s, const Channel& channel) {
    boost::json::object o;
    stamp(o, "ChannelConnectedLine", s);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelConnectedLine", std::move(o), &channel);
}

Event dialplan(const EventStamp& s, const Channel& channel) {
    boost::json::object o;
    stamp(o, "ChannelDialplan", s);
    o["dialplan_app"] = channel.dialplan.app_name;
    o["dialplan_app_data"] = channel.dialplan.app_data;
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    return make("ChannelDialplan", std::move(o), &channel);
}

Event stasisStart(const EventStamp& s, const Channel& channel, const std::vector<std::string>& args,
                  std::string app) {
    boost::json::object o;
    stamp(o, "StasisStart", s);
    boost::json::array list;
    for (const auto& a : args) list.emplace_back(a);
    o["args"] = std::move(list);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    auto e = make("StasisStart", std::move(o), &channel);
    e.audience = Audience::kStasisApp;
    e.app = std::move(app);
    return e;
}

Event stasisEnd(const EventStamp& s, const Channel& channel, std::string app) {
    boost::json::object o;
    stamp(o, "StasisEnd", s);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    auto e = make("StasisEnd", std::move(o), &channel);
    e.audience = Audience::kStasisApp;
    e.app = std::move(app);
    return e;
}

Event channelCreated(const EventStamp& s, const Channel& channel) {
    boost::json::object o;
    stamp(o, "ChannelCreated", s);
    o["channel"] = channel.toJson();
    o["asterisk_id"] = s.asterisk_id;
    auto e = make("ChannelCreated", std::move(o), &channel);
    e.audience = Audience::kSubscribeAll;
    return e;
}

Event deviceStateChanged(const EventStamp& s, std::string_view device, std::string_view state) {
    boost::json::object o;
    o["type"] = "DeviceStateChanged";
    o["timestamp"] = s.timestamp;
    o["device_state"] = boost::json::object{{"name", device}, {"state", state}};
    o["asterisk_id"] = s.asterisk_id;
    auto e = make("DeviceStateChanged", std::move(o), nullptr);
    e.audience = Audience::kSubscribeAll;
    return e;
}

Event applicationReplaced(const EventStamp& s, std::string app) {
    boost::json::object o;
    stamp(o, "ApplicationReplaced", s);
    o["asterisk_id"] = s.asterisk_id;
    auto e = make("ApplicationReplaced", std::move(o), nullptr);
    e.audience = Audience::kDirect;
    e.app = std::move(app);
    return e;
}

}  // namespace events

std::string renderFor(const Event& event, std::string_view application) {
    if (event.type == "DeviceStateChanged" || event.type == "ApplicationReplaced") {
        boost::json::object o;
        for (const auto& kv : event.body) {
            if (kv.key() == "asterisk_id") continue;
            o[kv.key()] = kv.value();
            if (event.type == "DeviceStateChanged" && kv.key() == "type") {
                o["application"] = application;
            }
        }
        if (event.type == "ApplicationReplaced") o["application"] = application;
        if (auto* id = event.body.if_contains("asterisk_id")) o["asterisk_id"] = *id;
        return boost::json::serialize(o);
    }
    std::string text = boost::json::serialize(event.body);
    text.pop_back();  // '}'
    text += ",\"application\":";
    text += boost::json::serialize(boost::json::string(application));
    text += '}';
    return text;
}

}  // namespace ccapi::arisim
