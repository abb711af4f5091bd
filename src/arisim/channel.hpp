// The channel model: one half of a Local channel pair and its ARI JSON snapshot.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arisim/format.hpp"

namespace ccapi::arisim {

enum class ChannelState { kDown, kRing, kRinging, kUp, kBusy };

std::string_view stateName(ChannelState state);

struct DialplanLocation {
    std::string context;
    std::string exten;
    int priority = 1;
    std::string app_name;
    std::string app_data;
};

struct Channel {
    std::string id;
    std::string name;
    ChannelState state = ChannelState::kDown;
    PartyId caller;
    PartyId connected;
    std::string accountcode;
    DialplanLocation dialplan;
    UnixMillis creationtime = 0;
    std::string language = "en";
    std::vector<std::pair<std::string, std::string>> variables;
    int hangup_cause = 0;

    // Keys in Asterisk's order: id, name, state, protocol_id, caller, connected, accountcode,
    // dialplan, creationtime, language.
    boost::json::object toJson() const;

    const std::string* variable(std::string_view name) const;
    void setVariable(std::string name, std::string value);
};

// "Local/<exten>@<context>-<8 hex digits>;<half>"
std::string localChannelName(std::string_view exten, std::string_view context,
                             std::uint32_t sequence, int half);

}  // namespace ccapi::arisim
