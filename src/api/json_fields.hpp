// Small builders shared by the JSON views of calls, events and webhook deliveries.
#pragma once

#include <boost/json/value.hpp>
#include <optional>

#include "core/time.hpp"

namespace ccapi::api {

// An ISO 8601 time, or null when absent.
inline boost::json::value timeOrNull(const std::optional<UnixMicros>& t) {
    if (!t) return nullptr;
    return boost::json::value(formatIso8601(*t));
}

// The value, or null when absent.
template <class T>
boost::json::value orNull(const std::optional<T>& v) {
    if (!v) return nullptr;
    return boost::json::value(*v);
}

}  // namespace ccapi::api
