#include "arisim/channel.hpp"

#include <cstdio>

namespace ccapi::arisim {

std::string_view stateName(ChannelState state) {
    switch (state) {
        case ChannelState::kDown:
            return "Down";
        case ChannelState::kRing:
            return "Ring";
        case ChannelState::kRinging:
            return "Ringing";
        case ChannelState::kUp:
            return "Up";
        case ChannelState::kBusy:
            return "Busy";
    }
    return "Unknown";
}

boost::json::object Channel::toJson() const {
    boost::json::object o;
    o["id"] = id;
    o["name"] = name;
    o["state"] = stateName(state);
    o["protocol_id"] = "";
    o["caller"] = boost::json::object{{"name", caller.name}, {"number", caller.number}};
    o["connected"] = boost::json::object{{"name", connected.name}, {"number", connected.number}};
    o["accountcode"] = accountcode;
    boost::json::object dp;
    dp["context"] = dialplan.context;
    dp["exten"] = dialplan.exten;
    dp["priority"] = dialplan.priority;
    dp["app_name"] = dialplan.app_name;
    dp["app_data"] = dialplan.app_data;
    o["dialplan"] = std::move(dp);
    o["creationtime"] = asteriskTimestamp(creationtime);
    o["language"] = language;
    return o;
}

const std::string* Channel::variable(std::string_view name) const {
    for (const auto& [key, value] : variables) {
        if (key == name) return &value;
    }
    return nullptr;
}

void Channel::setVariable(std::string name, std::string value) {
    for (auto& [key, existing] : variables) {
        if (key == name) {
            existing = std::move(value);
            return;
        }
    }
    variables.emplace_back(std::move(name), std::move(value));
}

std::string localChannelName(std::string_view exten, std::string_view context,
                             std::uint32_t sequence, int half) {
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "-%08x;%d", sequence, half);
    return "Local/" + std::string(exten) + "@" + std::string(context) + suffix;
}

}  // namespace ccapi::arisim
