// Expected failures of the simulated ARI operations, as an error_code category.
//
// http_routes.cpp is the one place that turns these into Asterisk's status line and body.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace ccapi::arisim {

enum class Errc {
    kOk = 0,
    kUniqueIdTooLong = 1,      // 400 Uniqueid length exceeds maximum of 149
    kEndpointRequired,         // 400 Endpoint must be specified
    kOriginatorAndFormats,     // 400 Originator and formats can't both be specified
    kInvalidEndpoint,          // 400 Invalid endpoint specified
    kAppOrExtensionRequired,   // 400 Application or extension must be specified
    kBadVariables,             // 400 Only string values in the 'variables' object allowed
    kAllocationFailed,         // 500 {"error": "Allocation failed"}
    kChannelExists,            // 409 Channel with given unique ID already exists
    kChannelNotFound,          // 404 Channel not found
    kNotInStasis,              // 409 Channel not in Stasis application
    kReasonAndCode,            // 400 The reason and reason_code can't both be specified
    kInvalidReason,            // 400 Invalid Reason
    kInvalidReasonCode,        // 400 Invalid Reason Code
    kVariableRequired,         // 400 Variable name is required
    kVariableChannelNotFound,  // 404 Channel Not Found (GET .../variable)
    kVariableNotFound,         // 404 Variable Not Found
    kFunctionFailed,           // 500 Error With Function
    kApplicationNotFound,      // 404 Application not found
    kBadRequestBody,           // 400 Error parsing request body
    kLabelNotFound,            // 404 Requested label can not be found
};

const boost::system::error_category& arisimCategory();

inline boost::system::error_code make_error_code(Errc e) {
    return {static_cast<int>(e), arisimCategory()};
}

}  // namespace ccapi::arisim

namespace boost::system {
template <>
struct is_error_code_enum<ccapi::arisim::Errc> : std::true_type {};
}  // namespace boost::system
