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
    if (call.status_callback) {
        const auto& events = call.status_callback_events;
        const std::string_view name = toString(status);
        // Null subscribes to every status; an empty list to none.
        if (!events || std::find(events->begin(), events->end(), name) != events->end()) {
            addTarget(targets, *call.status_callback);
        }
    }
    if (global_url) addTarget(targets, *global_url);
    return targets;
}

}  // namespace ccapi::storage
