#include "events/stream_filter.hpp"

#include <algorithm>
#include <optional>

#include "core/ids.hpp"

namespace ccapi::events {

namespace {

std::uint32_t bit(storage::CallStatus status) { return 1u << static_cast<unsigned>(status); }

// Splits on commas, trimming spaces; empty items are dropped.
template <class F>
void forEachItem(const std::vector<std::string>& values, F&& f) {
    for (const auto& value : values) {
        std::string_view rest = value;
        while (true) {
            auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
            if (!item.empty() && !f(item)) return;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
}

constexpr std::string_view kStatuses =
    "pending, dialing, ringing, answered, completed, busy, no_answer, failed, canceled";

}  // namespace

bool StreamFilter::matches(std::int64_t owner, std::string_view call_id,
                           storage::CallStatus status) const {
    if (!all_users && owner != user_id) return false;
    if (status_mask != 0 && (status_mask & bit(status)) == 0) return false;
    if (!call_ids.empty() && !std::binary_search(call_ids.begin(), call_ids.end(), call_id)) {
        return false;
    }
    return true;
}

std::variant<StreamFilter, FilterError> parseStreamFilter(
    const std::vector<std::string>& call_id_values, const std::vector<std::string>& status_values) {
    StreamFilter filter;
    std::optional<FilterError> error;
    forEachItem(call_id_values, [&](std::string_view item) {
        if (!isUuid(item)) {
            error = FilterError{"Invalid call_id filter: \"" + std::string(item.substr(0, 64)) +
                                "\" is not a UUID"};
            return false;
        }
        std::string id(item);
        std::transform(id.begin(), id.end(), id.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        filter.call_ids.push_back(std::move(id));
        if (filter.call_ids.size() > kMaxCallIdFilters) {
            error = FilterError{"Too many call_id filters (at most " +
                                std::to_string(kMaxCallIdFilters) + ")"};
            return false;
        }
        return true;
    });
    if (error) return *error;
    forEachItem(status_values, [&](std::string_view item) {
        auto status = storage::parseCallStatus(item);
        if (!status) {
            error = FilterError{"Invalid status filter: \"" + std::string(item.substr(0, 64)) +
                                "\" (expected one of " + std::string(kStatuses) + ")"};
            return false;
        }
        filter.status_mask |= bit(*status);
        return true;
    });
    if (error) return *error;
    std::sort(filter.call_ids.begin(), filter.call_ids.end());
    filter.call_ids.erase(std::unique(filter.call_ids.begin(), filter.call_ids.end()),
                          filter.call_ids.end());
    return filter;
}

}  // namespace ccapi::events
