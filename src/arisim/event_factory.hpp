// Builds ARI events (Dial, ChannelStateChange, StasisStart, ...) with Asterisk's fields and key
// order, and renders them for one receiving application.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "arisim/channel.hpp"

namespace ccapi::arisim {

// Who receives an event (see traces/README.md, "Facts" 1 and 2).
enum class Audience {
    kSubscribers,   // apps subscribed to `channel_id`, plus every subscribeAll socket
    kSubscribeAll,  // only subscribeAll sockets (ChannelCreated, DeviceStateChanged, ...)
    kStasisApp,     // only `app` (StasisStart / StasisEnd)
    kDirect,        // only `app`, whether or not it owns a channel (ApplicationReplaced)
};

struct Event {
    std::string type;
    boost::json::object body;  // every field but "application"
    Audience audience = Audience::kSubscribers;
    std::string channel_id;
    std::string app;
};

struct EventStamp {
    std::string timestamp;  // asteriskTimestamp()
    std::string asterisk_id;
};

namespace events {

Event dial(const EventStamp& s, const Channel& peer, std::string_view dialstatus,
           std::string_view dialstring);
Event stateChange(const EventStamp& s, const Channel& channel);
Event hangupRequest(const EventStamp& s, const Channel& channel, int cause, bool soft);
Event destroyed(const EventStamp& s, const Channel& channel, int cause);
Event varset(const EventStamp& s, const Channel& channel, std::string_view variable,
             std::string_view value);
Event callerId(const EventStamp& s, const Channel& channel);
Event connectedLine(const EventStamp& s, const Channel& channel);
// Uses channel.dialplan.app_name / app_data as dialplan_app / dialplan_app_data.
Event dialplan(const EventStamp& s, const Channel& channel);
Event stasisStart(const EventStamp& s, const Channel& channel, const std::vector<std::string>& args,
                  std::string app);
Event stasisEnd(const EventStamp& s, const Channel& channel, std::string app);
Event channelCreated(const EventStamp& s, const Channel& channel);
Event deviceStateChanged(const EventStamp& s, std::string_view device, std::string_view state);
Event applicationReplaced(const EventStamp& s, std::string app);

}  // namespace events

// One WebSocket text frame: the event for `application`, which Asterisk puts last, except in
// DeviceStateChanged (second) and ApplicationReplaced (before asterisk_id).
std::string renderFor(const Event& event, std::string_view application);

}  // namespace ccapi::arisim
