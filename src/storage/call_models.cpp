#include "storage/call_models.hpp"

#include <array>
#include <utility>

namespace ccapi::storage {

namespace {

constexpr std::array<std::pair<CallStatus, std::string_view>, 9> kStatusNames{{
    {CallStatus::kPending, "pending"},
    {CallStatus::kDialing, "dialing"},
    {CallStatus::kRinging, "ringing"},
    {CallStatus::kAnswered, "answered"},
    {CallStatus::kCompleted, "completed"},
    {CallStatus::kBusy, "busy"},
    {CallStatus::kNoAnswer, "no_answer"},
    {CallStatus::kFailed, "failed"},
    {CallStatus::kCanceled, "canceled"},
}};

constexpr std::array<std::pair<EventSource, std::string_view>, 4> kSourceNames{{
    {EventSource::kApi, "api"},
    {EventSource::kAri, "ari"},
    {EventSource::kTimeout, "timeout"},
    {EventSource::kReconcile, "reconcile"},
}};

}  // namespace

std::string_view toString(CallStatus status) {
    for (const auto& [s, name] : kStatusNames) {
        if (s == status) return name;
    }
    return "unknown";
}

std::optional<CallStatus> parseCallStatus(std::string_view text) {
    for (const auto& [s, name] : kStatusNames) {
        if (name == text) return s;
    }
    return std::nullopt;
}

bool isTerminal(CallStatus status) {
    switch (status) {
        case CallStatus::kCompleted:
        case CallStatus::kBusy:
        case CallStatus::kNoAnswer:
        case CallStatus::kFailed:
        case CallStatus::kCanceled:
            return true;
        default:
            return false;
    }
}

std::string_view toString(EventSource source) {
    for (const auto& [s, name] : kSourceNames) {
        if (s == source) return name;
    }
    return "unknown";
}

std::optional<EventSource> parseEventSource(std::string_view text) {
    for (const auto& [s, name] : kSourceNames) {
        if (name == text) return s;
    }
    return std::nullopt;
}

}  // namespace ccapi::storage
