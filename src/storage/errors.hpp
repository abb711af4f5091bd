// Storage error codes, registered as a boost::system error category.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace ccapi::storage {

enum class StorageErrc {
    kUnavailable = 1,  // cannot connect / connection lost
    kConflict,         // unique constraint (e.g. username taken)
    kNotMigrated,      // schema older than this binary expects
    kSchemaTooNew,     // schema newer than this binary knows
    kQueryFailed,      // anything else the backend reported
    kBadUrl,           // DATABASE_URL not understood
};

const boost::system::error_category& storageCategory();

inline boost::system::error_code make_error_code(StorageErrc e) {
    return {static_cast<int>(e), storageCategory()};
}

}  // namespace ccapi::storage

template <>
struct boost::system::is_error_code_enum<ccapi::storage::StorageErrc> : std::true_type {};
