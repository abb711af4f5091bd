// Which events one stream client receives: the calls its user may see, narrowed by the optional
// `call_id` and `status` query filters (SPEC §2 "Events out").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/stream_message.hpp"
#include "storage/call_models.hpp"

namespace ccapi::events {

// A plain value, immutable once a subscriber holds it (any thread may evaluate it).
struct StreamFilter {
    std::int64_t user_id = 0;
    bool all_users = false;             // a superuser sees every user's calls
    std::vector<std::string> call_ids;  // sorted, lowercase; empty: any call
    std::uint32_t status_mask = 0;      // bit per CallStatus; 0: any status

    bool matches(std::int64_t owner, std::string_view call_id, storage::CallStatus status) const;
    bool matches(const StreamMessage& message) const {
        return matches(message.userId(), message.callId(), message.status());
    }
};

// The most call ids one stream may name (a bound on what a query string can make us hold).
inline constexpr std::size_t kMaxCallIdFilters = 1000;

struct FilterError {
    std::string detail;  // safe to show the client
};

// Builds the query part of a filter from every `call_id` value (repeatable; comma lists are
// accepted too) and every `status` value (repeatable or comma lists). Empty items are ignored.
// Fails on a call_id that is not a UUID, an unknown status, or too many call ids. The caller
// sets user_id/all_users.
std::variant<StreamFilter, FilterError> parseStreamFilter(
    const std::vector<std::string>& call_id_values, const std::vector<std::string>& status_values);

}  // namespace ccapi::events
