#include "storage/webhook_models.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ccapi::storage {

namespace {

constexpr std::array<std::pair<DeliveryState, std::string_view>, 3> kStateNames{{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kDelivered, "delivered"},
    {DeliveryState::kDead, "dead"},
}};

bool callbackSubscribes(const Call& call, CallStatus status) {
    if (!call.status_callback || call.status_callback->empty()) return false;
    const auto& events = call.status_callback_events;
    // Null subscribes to every status; an empty list to none.
    return !events || std::find(events->begin(), events->end(), toString(status)) != events->end();
}

void addTarget(std::vector<std::string>& targets, const std::string& url) {
    if (url.empty()) return;
    if (std::find(targets.begin(), targets.end(), url) == targets.end()) targets.push_back(url);
}

}  // namespace

std::string_view toString(DeliveryState state) {
    for (const auto& [s, name] : kStateNames) {
        if (s == state) return name;
    }
    return "unknown";
}

std::optional<DeliveryState> parseDeliveryState(std::string_view text) {
    for (const auto& [s, name] : kStateNames) {
        if (name == text) return s;
    }
    return std::nullopt;
}

std::vector<std::string> webhookTargets(const Call& call, CallStatus status,
                                        const std::optional<std::string>& global_url) {
    std::vector<std::string> targets;
    if (callbackSubscribes(call, status)) addTarget(targets, *call.status_callback);
    if (global_url) addTarget(targets, *global_url);
    return targets;
}

bool hasWebhookTargets(const Call& call, CallStatus status,
                       const std::optional<std::string>& global_url) {
    return (global_url && !global_url->empty()) || callbackSubscribes(call, status);
}

}  // namespace ccapi::storage
